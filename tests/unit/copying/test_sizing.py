"""Copy sizing: the stop loses the risk profile's share of the follower's equity, within
what 90 % of equity can carry at the follow's leverage cap; anything the market cannot take
is skipped with a reason the follower can act on."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.builders.markets import BTC
from tradedesk.domain.copying.model import FollowSizing, StrategyFollow
from tradedesk.domain.copying.sizing import (
    CopySize,
    CopySkipped,
    SizingRule,
    check_daily_loss,
    size_copy,
)
from tradedesk.domain.copying_notices import NoticeKind


def size(
    equity: str, percent: str, entry: str, stop: str, cap: int | None = None, **rule: object
) -> CopySize:
    return size_copy(
        symbol="BTC/USDT",
        equity=Decimal(equity),
        risk_percent=Decimal(percent),
        entry_price=Decimal(entry),
        stop_price=Decimal(stop),
        rules=BTC,
        rule=SizingRule(leverage_cap=cap, **rule),  # type: ignore[arg-type]
    )


def test_the_stop_loses_the_risk_profile_share_of_equity():
    # 1 % of 10,000 USDT is 100; a 1,000 USDT stop distance makes 0.1 BTC
    sized = size("10000", "1", "30000", "29000")
    assert sized.amount == Decimal("0.100")
    assert sized.amount * (Decimal(30000) - Decimal(29000)) == Decimal(100)


def test_the_amount_is_rounded_down_to_the_lot_step():
    # 100 / 700 = 0.142857... BTC: never more than the risk allows
    assert size("10000", "1", "30000", "29300").amount == Decimal("0.142")


def test_a_short_is_sized_by_the_distance_to_its_stop_above():
    assert size("10000", "1", "30000", "31000").amount == Decimal("0.100")


def test_the_leverage_is_the_smallest_that_keeps_the_margin_within_90_percent():
    # 3 % at a 100 USDT stop is 3 BTC: 90,000 notional, which 9,000 of margin carries at 10x
    sized = size("10000", "3", "30000", "29900")
    assert sized.amount == Decimal("3.000")
    assert sized.leverage == 10
    # a small position needs no leverage at all
    assert size("10000", "1", "30000", "29000").leverage == 1


def test_the_follow_leverage_cap_limits_the_amount():
    # at 2x, 9,000 of margin carries 18,000 notional: 0.6 BTC, not the 3 the risk allows
    sized = size("10000", "10", "30000", "29900", cap=2)
    assert sized.amount == Decimal("0.600")
    assert sized.leverage == 2


def test_without_a_cap_binance_125x_is_the_ceiling():
    # 1 % at a stop 1 USDT away asks for 100 BTC; 9,000 * 125 / 30,000 = 37.5 BTC
    assert size("10000", "1", "30000", "29999").amount == Decimal("37.500")


def test_below_the_market_minimum_is_skipped_and_told():
    with pytest.raises(CopySkipped) as skipped:
        size("50", "1", "30000", "29000")  # 0.0005 BTC
    assert skipped.value.tell is NoticeKind.BELOW_MINIMUM
    assert "below the market's minimum (0.001, 100 USDT)" in skipped.value.reason


def test_below_the_minimum_because_of_the_cap_says_so():
    with pytest.raises(CopySkipped) as skipped:
        size("100", "10", "30000", "29990", cap=1)  # the cap carries 0.003 BTC = 90 USDT
    assert skipped.value.tell is NoticeKind.LEVERAGE_CAP
    assert "leverage cap of 1x" in skipped.value.reason


def test_a_stop_the_market_already_reached_sizes_nothing():
    with pytest.raises(CopySkipped) as skipped:
        size("10000", "1", "30000", "30000")
    assert skipped.value.tell is None
    assert skipped.value.reason == "the market is at the stop (30000)"


def test_a_fixed_notional_opens_that_much_whatever_the_stop():
    # 1,500 USDT at 30,000 is 0.05 BTC; margin 9,000 carries it at 1x
    for stop in ("29000", "29990", "31000"):
        sized = size("10000", "1", "30000", stop, sizing=FIXED, notional_usdt=Decimal(1500))
        assert (sized.amount, sized.leverage) == (Decimal("0.050"), 1)
    # 20,000 USDT needs 20,000 / 9,000 = 2.2, so 3x; 0.6666 BTC rounds down to 0.666
    sized = size("10000", "1", "30000", "29000", sizing=FIXED, notional_usdt=Decimal(20000))
    assert (sized.amount, sized.leverage) == (Decimal("0.666"), 3)


def test_an_equity_percent_opens_that_share_of_equity_as_notional():
    # 25 % of 10,000 is 2,500 USDT: 0.0833 BTC at 30,000, rounded down to 0.083
    sized = size("10000", "1", "30000", "29000", sizing=EQUITY, equity_percent=Decimal(25))
    assert (sized.amount, sized.leverage) == (Decimal("0.083"), 1)


def test_the_notional_cap_holds_every_mode_down():
    cap = {"max_notional_usdt": Decimal(600)}  # 0.02 BTC at 30,000
    assert size("10000", "1", "30000", "29000", **cap).amount == Decimal("0.020")  # risk: 0.1
    fixed = size("10000", "1", "30000", "29000", sizing=FIXED, notional_usdt=Decimal(1500), **cap)
    assert fixed.amount == Decimal("0.020")
    equity = size("10000", "1", "30000", "29000", sizing=EQUITY, equity_percent=Decimal(50), **cap)
    assert equity.amount == Decimal("0.020")
    # the leverage cap still applies under a looser notional cap: 2x carries 0.6 BTC
    both = size("10000", "1", "30000", "29000", cap=2, sizing=FIXED,
                notional_usdt=Decimal(50000), max_notional_usdt=Decimal(40000))  # fmt: skip
    assert (both.amount, both.leverage) == (Decimal("0.600"), 2)


def test_no_copy_would_lose_more_than_90_percent_of_equity_at_its_stop():
    # 50,000 USDT at 30,000 asks for 1.666 BTC; with the stop 6,000 away that would lose
    # 10,000, all of the equity: 9,000 / 6,000 = 1.5 BTC is the most the stop may take
    sized = size("10000", "1", "30000", "24000", sizing=FIXED, notional_usdt=Decimal(50000))
    assert (sized.amount, sized.leverage) == (Decimal("1.500"), 5)
    with pytest.raises(CopySkipped) as skipped:
        size("100", "1", "30000", "1000", sizing=FIXED, notional_usdt=Decimal(1000))
    assert skipped.value.reason.endswith("would lose more than 90 % of equity at the stop")


def test_below_the_minimum_because_of_the_notional_cap_says_so():
    with pytest.raises(CopySkipped) as skipped:
        size("10000", "1", "30000", "29000", max_notional_usdt=Decimal(90))  # 0.003 BTC
    assert skipped.value.tell is NoticeKind.BELOW_MINIMUM
    assert skipped.value.reason.endswith("the follow's notional cap is 90 USDT")
    with pytest.raises(CopySkipped) as fixed:
        size("10000", "1", "30000", "29000", sizing=FIXED, notional_usdt=Decimal(50))
    assert fixed.value.reason == ("0.001 BTC/USDT is below the market's minimum (0.001, 100 USDT)")


FIXED, EQUITY = FollowSizing.FIXED_NOTIONAL, FollowSizing.EQUITY_PERCENT


def follow(limit: str | None) -> StrategyFollow:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    return StrategyFollow(
        id="f",
        user_id="u",
        key_id="k",
        strategy_id="s",
        risk_profile_id="r",
        symbol="BTC/USDT",
        active=True,
        created_at=now,
        updated_at=now,
        daily_loss_limit_percent=None if limit is None else Decimal(limit),
    )


def test_the_daily_loss_limit_stops_copies_once_reached():
    check_daily_loss(follow("5"), 10_000.0, Decimal("9501"))  # 4.99 %: still copying
    with pytest.raises(CopySkipped) as skipped:
        check_daily_loss(follow("5"), 10_000.0, Decimal("9500"))
    assert skipped.value.tell is NoticeKind.LOSS_LIMIT
    assert "5.00 % reached the follow's limit of 5 %" in skipped.value.reason


def test_no_limit_or_no_snapshot_yet_checks_nothing():
    check_daily_loss(follow(None), 10_000.0, Decimal(1))
    check_daily_loss(follow("5"), None, Decimal(1))
