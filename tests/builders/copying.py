"""Copy trading as tests stage it: followers (through the API or straight into the database),
the signal operators publish, and what a follower's account then holds on the simulator."""

from __future__ import annotations

import math
import uuid
from decimal import Decimal

from tests.builders.accounts import Caller
from tests.builders.catalog import AGGRESSIVE, CONSERVATIVE, MODERATE
from tests.builders.documented import STRATEGY_1
from tests.builders.exchange_keys import KEYS, funded
from tradedesk.domain.copying.model import CopyStatus, StrategyFollow
from tradedesk.domain.keys.model import ApiKeyStatus, ExchangeKey, StrategyType
from tradedesk.domain.market.model import ExchangeId, TradeType
from tradedesk.integrations.secret_box import FernetSecretBox
from tradedesk.persistence.engine import make_session_factory
from tradedesk.persistence.unit_of_work import SqlUnitOfWork
from tradedesk.simulator.markets import Kind

FOLLOWS = "/v1/priv/strategy/follow/exchange/key/{}"


OPEN = {  # the market is at 19,700: risking 200 per BTC
    "strategyId": STRATEGY_1,
    "action": "OPEN",
    "side": "BUY",
    "stopPrice": 19500,
    "takeProfitPrices": [20000, 20100],
}


PUBLISH = (
    "mutation($input: PublishSignalInput!) { publishSignal(input: $input) { signal { id"
    " action side entryType stopPrice referencePrice takeProfitPrices copies } errors { field"
    " message } } }"
)


async def follower(
    client, cognito, venue, name: str, usdt: int, profile: str, strategy: str = STRATEGY_1
) -> str:
    """A user whose AUTOMATED key on an account holding `usdt` follows `strategy`."""
    caller = Caller(client, cognito.access_token(name))
    key = await caller.post(KEYS, funded(venue, name, usdt=usdt))
    assert key.status_code == 200, key.text
    follow = await caller.post(
        FOLLOWS.format(key.json()["id"]),
        {"strategyAutomatedId": strategy, "strategyRiskProfileId": profile},
    )
    assert follow.status_code == 200, follow.text
    return key.json()["id"]


def signal_of(published: dict) -> str:
    """The id of the signal a publishSignal answer accepted."""
    return published["data"]["publishSignal"]["signal"]["id"]


async def copies_of(runtime, signal_id: str):
    async with SqlUnitOfWork(make_session_factory(runtime.engine)) as uow:
        return {copy.key_id: copy for copy in await uow.copies.of_signal(signal_id)}


def position(venue, api_key: str) -> Decimal:
    engine, _base = venue
    return engine.account(api_key).position("BTCUSDT").amount


async def seeded_follower(
    runtime, clock, venue, name: str, usdt: int, profile: str, box: FernetSecretBox | None = None
) -> None:
    """A follower written straight to the database: the same rows the REST routes write (those
    are tested on their own), without spending the loopback IP's request weight on them. Its
    secret is sealed by `box` (default: the server's own)."""
    engine, _base = venue
    engine.add_account(name, "secret", usdt=Decimal(usdt))
    now = clock.now()
    box = box or FernetSecretBox.local(runtime.settings.data_dir)
    async with SqlUnitOfWork(make_session_factory(runtime.engine)) as uow:
        user_id = await uow.users.ensure(
            user_id=str(uuid.uuid4()), subject=name, email=None, name=None, now=now
        )
        key = ExchangeKey(
            id=str(uuid.uuid4()), user_id=user_id, exchange_id=ExchangeId.BINANCE,
            trade_type=TradeType.FUTURES, strategy_type=StrategyType.AUTOMATED, name=name,
            api_key=name, api_key_status=ApiKeyStatus.AUTHORIZED, active=True,
            ip_restricted=True, created_at=now, updated_at=now,
        )  # fmt: skip
        await uow.exchange_keys.add(key, box.seal("secret"), balance_usd=usdt, checked_at=now)
        await uow.follows.add(
            StrategyFollow(
                id=str(uuid.uuid4()),
                user_id=user_id,
                key_id=key.id,
                strategy_id=STRATEGY_1,
                risk_profile_id=profile,
                symbol="BTC/USDT",
                active=True,
                created_at=now,
                updated_at=now,
            )
        )
        await uow.commit()


PROFILE_PERCENT = {CONSERVATIVE: Decimal("1.5"), MODERATE: Decimal(2), AGGRESSIVE: Decimal(3)}


REVOKED = "crowd7"


async def fifty_followers(runtime, clock, venue) -> dict[str, tuple[int, str]]:
    """Fifty followers with equities of 500 to 5,253 USDT over the three risk profiles, one
    of whose keys (REVOKED) the exchange no longer accepts."""
    followers = {f"crowd{n}": (500 + 97 * n, list(PROFILE_PERCENT)[n % 3]) for n in range(50)}
    for name, (usdt, profile) in followers.items():
        await seeded_follower(runtime, clock, venue, name, usdt, profile)
    engine, _base = venue
    engine.account(REVOKED).secret = "revoked on the exchange"
    return followers


def assert_each_holds_their_sized_trade(venue, copies, followers) -> None:
    """Every follower but the revoked one holds one entry sized to their risk, at the
    leverage that fits, with its ladder and stop; the revoked one failed and holds nothing."""
    engine, _base = venue
    statuses = [copy.status for copy in copies.values()]
    assert (statuses.count(CopyStatus.PLACED), statuses.count(CopyStatus.FAILED)) == (49, 1)
    failed = [copy for copy in copies.values() if copy.status is CopyStatus.FAILED]
    assert [copy.reason for copy in failed] == ["exchange API authorization failed (1103)"]
    for name, (usdt, profile) in followers.items():
        if name == REVOKED:
            assert position(venue, name) == 0
            continue
        at_risk = Decimal(usdt) * PROFILE_PERCENT[profile] / 100
        amount = (at_risk / 200).quantize(Decimal("0.001"), rounding="ROUND_DOWN")
        leverage = math.ceil(amount * 19700 / (Decimal(usdt) * Decimal("0.9")))
        assert position(venue, name) == amount, name
        assert engine.account(name).position("BTCUSDT").leverage == leverage, name
        assert [kind for kind, _price, _amount in exits(venue, name)] == [
            "STOP_MARKET",
            "TAKE_PROFIT",
            "TAKE_PROFIT",
        ]
        entries = [
            o for o in engine.orders(name, Kind.FUTURES, "BTCUSDT") if o.client_order_id[-1] == "e"
        ]
        assert len(entries) == 1, name  # placed once
        # every exit the venue ever took is the open one: none placed twice and cancelled
        assert len(engine.conditionals(name, Kind.FUTURES, "BTCUSDT")) == 3, name


def exits(venue, api_key: str) -> list[tuple]:
    engine, _base = venue
    return sorted(
        (c.type.value, c.trigger_price, c.quantity)
        for c in engine.open_conditionals(api_key, Kind.FUTURES, "BTCUSDT")
    )
