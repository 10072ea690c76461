"""The arithmetic of published strategy results."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tradedesk.domain.catalog.model import StrategyTrade, TradeSide
from tradedesk.domain.catalog.performance import (
    Interval,
    bucket_starts,
    history,
    parse_interval,
    parse_limit,
    performance,
    summarize,
)
from tradedesk.domain.errors import InvalidValue


def trade(result: float, closed_at: datetime, side: TradeSide = TradeSide.LONG) -> StrategyTrade:
    return StrategyTrade("s", side, 100.0, 100.0, closed_at, closed_at, result)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_results_compound_in_closing_order():
    result = summarize([trade(0.10, at(2022, 1, 1)), trade(-0.10, at(2022, 1, 2))])

    assert result.net_profit_percent == pytest.approx(-1.0)  # 1.1 * 0.9 = 0.99


def test_drawdown_is_measured_from_the_running_peak():
    # 1 -> 1.2 -> 0.9 (25% below the 1.2 peak) -> 1.35 -> 1.215 (10% below 1.35)
    trades = [0.2, -0.25, 0.5, -0.1]
    result = summarize(trade(r, at(2022, 1, 1 + i)) for i, r in enumerate(trades))

    assert result.max_draw_down == 0.25
    assert result.win_rate == 0.5
    assert result.net_profit_percent == pytest.approx(21.5)


def test_a_break_even_trade_is_not_a_win():
    assert summarize([trade(0.0, at(2022, 1, 1))]).win_rate == 0


def test_no_trades_has_null_ratios_and_zero_counts():
    result = summarize([])

    assert (result.net_profit_percent, result.win_rate, result.max_draw_down) == (None,) * 3
    assert (result.trades, result.long, result.short) == (0, 0, 0)


def test_long_and_short_are_counted_apart():
    result = summarize([trade(0.1, at(2022, 1, 1)), trade(0.1, at(2022, 1, 2), TradeSide.SHORT)])

    assert (result.trades, result.long, result.short) == (2, 1, 1)


def test_monthly_buckets_cross_years_and_month_lengths():
    starts = bucket_starts(at(2023, 3, 31, 23, 59), Interval.MONTH, 4)

    assert starts == [at(2023, 3, 1), at(2023, 2, 1), at(2023, 1, 1), at(2022, 12, 1)]


def test_daily_buckets_are_utc_days():
    from datetime import timedelta, timezone

    toronto_evening = datetime(2022, 10, 18, 22, 0, tzinfo=timezone(timedelta(hours=-4)))

    assert bucket_starts(toronto_evening, Interval.DAY, 1) == [at(2022, 10, 19)]


def test_a_trade_closing_at_midnight_belongs_to_the_new_day():
    buckets = history(
        [trade(0.1, at(2022, 10, 19))], now=at(2022, 10, 19, 12), interval=Interval.DAY, limit=2
    )

    assert [b.trades for b in buckets] == [1, 0]


def test_performance_ignores_trades_outside_the_range():
    trades = [trade(0.5, at(2022, 10, 16, 23)), trade(0.1, at(2022, 10, 17))]

    result = performance(trades, now=at(2022, 10, 19, 12), interval=Interval.DAY, limit=3)

    assert result.trades == 1


@pytest.mark.parametrize("raw", ["0", "1001", "-5", "1.5", "", "abc", "\u00b2", "\uff11\uff10"])
def test_limits_outside_one_to_a_thousand_are_refused(raw):
    with pytest.raises(InvalidValue):
        parse_limit(raw)


def test_intervals_are_the_documented_ones():
    assert parse_interval("1d") is Interval.DAY
    assert parse_interval("1M") is Interval.MONTH
    with pytest.raises(InvalidValue):
        parse_interval("1m")
