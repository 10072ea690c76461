"""Exchange keys as the keeper and the dispatcher use them: opened for a call, and that call
made with their credentials."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from tradedesk.domain.keys.model import ApiKeyStatus, ExchangeKey, StrategyType
from tradedesk.domain.market.exchange import ApiCredentials
from tradedesk.domain.market.model import ExchangeId, TradeType

T = TypeVar("T")
CREDENTIALS = ApiCredentials(ExchangeId.BINANCE, TradeType.FUTURES, "key", "secret")


def futures_key(key_id: str = "k1", user_id: str = "u1") -> ExchangeKey:
    at = datetime(2024, 1, 1, tzinfo=UTC)
    return ExchangeKey(
        id=key_id,
        user_id=user_id,
        exchange_id=ExchangeId.BINANCE,
        trade_type=TradeType.FUTURES,
        strategy_type=StrategyType.MANUAL,
        name="manual",
        api_key="key",
        api_key_status=ApiKeyStatus.AUTHORIZED,
        active=True,
        ip_restricted=True,
        created_at=at,
        updated_at=at,
    )


class FakeKeys:
    def __init__(self, *keys: ExchangeKey) -> None:
        self.keys = {key.id: key for key in keys}

    async def open_many(
        self, key_ids: list[str]
    ) -> dict[str, tuple[ExchangeKey, ApiCredentials | None]]:
        return {i: (self.keys[i], CREDENTIALS) for i in key_ids if i in self.keys}

    async def use(
        self,
        key: ExchangeKey,
        call: Callable[[ApiCredentials], Awaitable[T]],
        *,
        credentials: ApiCredentials,
    ) -> T:
        return await call(credentials)
