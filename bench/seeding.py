"""Users and Binance futures keys for the benches, written straight through the repositories
(the API's checks on the exchange would cost each key a round trip the bench does not
measure). Key N is `bench-key-N` with the secret `bench-secret`."""

from __future__ import annotations

from typing import Any

from tradedesk.domain.keys.model import ApiKeyStatus, ExchangeKey, StrategyType
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.integrations.clock import SystemClock

SECRET = "bench-secret"
BATCH = 500


def api_key(n: int) -> str:
    return f"bench-key-{n}"


def key_id(n: int) -> str:
    return f"00000000-0000-4000-9000-{n:012d}"


def user_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


async def seed_keys(runtime: Any, count: int, *, also: Any = None) -> None:
    """N users, each with one AUTHORIZED futures key; `also(uow, n, key)` adds more rows
    in the same transaction (a follow, say)."""
    services = runtime.services
    secrets = services.exchange_keys._secrets
    now = SystemClock().now()
    for start in range(0, count, BATCH):
        async with services.exchange_keys._uow_factory() as uow:
            for n in range(start, min(start + BATCH, count)):
                user = await uow.users.ensure(
                    user_id=user_id(n), subject=f"bench-{n}", email=None, name=None, now=now
                )
                key = ExchangeKey(
                    id=key_id(n),
                    user_id=user,
                    exchange_id=ExchangeId.BINANCE,
                    trade_type=TradeType.FUTURES,
                    strategy_type=StrategyType.AUTOMATED,
                    name="bench",
                    api_key=api_key(n),
                    api_key_status=ApiKeyStatus.AUTHORIZED,
                    active=True,
                    ip_restricted=True,
                    created_at=now,
                    updated_at=now,
                )
                await uow.exchange_keys.add(
                    key, secrets.seal(SECRET), balance_usd=1000, checked_at=now
                )
                if also is not None:
                    await also(uow, n, key)
            await uow.commit()
