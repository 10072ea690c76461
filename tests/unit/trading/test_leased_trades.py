"""When a keeper reads the trades it holds: a trade without a live stream on every tick, the
others once every safety net, spread so that trades read together never fall due together."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from tradedesk.domain.market.exchange import OrderSide
from tradedesk.domain.trading.exits import ExitPlan
from tradedesk.domain.trading.leased_trades import LeasedTrades
from tradedesk.domain.trading.model import ProtectedTrade

SAFETY_NET = timedelta(minutes=15)
TICK = timedelta(seconds=5)
START = datetime(2026, 1, 1, tzinfo=UTC)
PLAN = ExitPlan(
    side=OrderSide.BUY,
    amount=Decimal("0.01"),
    take_profit_prices=(Decimal(21000),),
    stop_trigger_price=Decimal(19000),
    stop_price=None,
)


def trade(n: int, key_id: str | None = None) -> ProtectedTrade:
    return ProtectedTrade(
        id=f"00000000-0000-4000-c000-{n:012d}",
        user_id="u1",
        key_id=key_id or f"k{n}",
        symbol="BTC/USDT:USDT",
        prefix=f"td{n}",
        plan=PLAN,
    )


def always(_key_id: str) -> bool:
    return True


def never(_key_id: str) -> bool:
    return False


def test_trades_read_together_fall_due_spread_over_the_safety_net():
    held = LeasedTrades(SAFETY_NET)
    trades = [trade(n) for n in range(1000)]
    held.hold(trades)
    for t in trades:
        held.read(t.id, START)

    first_due: dict[str, datetime] = {}
    now = START
    while now < START + SAFETY_NET * 2:
        for t in held.due(now, streamed=always):
            first_due.setdefault(t.id, now)
        now += TICK

    assert len(first_due) == 1000
    assert all(SAFETY_NET / 2 <= at - START < SAFETY_NET * 1.5 + TICK for at in first_due.values())
    per_minute = Counter((at - START) // timedelta(minutes=1) for at in first_due.values())
    assert max(per_minute.values()) < 2 * 1000 / 15  # evenly: 1000 over 15 minutes


def test_a_trade_left_alone_is_read_once_every_safety_net():
    held = LeasedTrades(SAFETY_NET)
    one = trade(1)
    held.hold([one])
    held.read(one.id, START)
    reads = []
    now = START
    while now < START + SAFETY_NET * 5:
        if held.due(now, streamed=always):
            reads.append(now)
            held.read(one.id, now)
        now += TICK

    assert len(reads) == 5
    assert {b - a for a, b in pairwise(reads)} == {SAFETY_NET}


def test_a_trade_without_a_live_stream_is_read_every_tick_and_a_failed_read_at_once():
    held = LeasedTrades(SAFETY_NET)
    quiet, failed = trade(1), trade(2)
    held.hold([quiet, failed])
    for t in (quiet, failed):
        held.read(t.id, START)

    assert held.due(START + TICK, streamed=never) == [quiet, failed]
    held.unread(failed.id)
    assert held.due(START + TICK, streamed=always) == [failed]


def test_a_trade_forgotten_or_never_held_is_never_due():
    held = LeasedTrades(SAFETY_NET)
    first, second = trade(1, key_id="k"), trade(2, key_id="k")
    held.hold([first, second])
    held.forget(first.id)
    held.read(first.id, START)  # a pass that ended after its trade was given up
    held.update(replace(first, generation=1))

    assert held.due(START, streamed=never) == [second]
    assert held.key_ids() == {"k"} and held.of_key("k") == [second]
    held.forget(second.id)
    assert held.key_ids() == held.ids() == set()


def test_a_trade_whose_stream_is_opening_is_read_as_if_it_were_live():
    held = LeasedTrades(SAFETY_NET)
    read, unread = trade(1, key_id="k"), trade(2, key_id="k")
    held.hold([read, unread])
    held.read(read.id, START)

    assert held.due(START + TICK, streamed=never, opening={"k"}) == [unread]
    held.read(unread.id, START + TICK)
    assert held.due(START + TICK * 2, streamed=never, opening={"k"}) == []
    assert len(held.due(START + SAFETY_NET * 2, streamed=never, opening={"k"})) == 2
    assert held.due(START + TICK * 2, streamed=never) == [read, unread]  # it did not open
