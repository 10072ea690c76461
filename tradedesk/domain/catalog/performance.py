"""Strategy results per calendar bucket: the numbers a follower judges a strategy by.

Buckets are UTC days or UTC months, newest (still open) first. Within a range the trades are
compounded in the order they closed: equity starts at 1 and each trade multiplies it by
`1 + result`. netProfitPercent is the compounded change in percent, winRate the share of trades
with a positive result, maxDrawDown the largest fall from a running peak (the range's starting
equity counts as a peak), as a fraction of that peak.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from tradedesk.domain.catalog.model import StrategyTrade, TradeSide
from tradedesk.domain.errors import InvalidValue

MAX_LIMIT = 1000
DEFAULT_LIMIT = 30
_DECIMALS = 8


class Interval(StrEnum):
    DAY = "1d"
    MONTH = "1M"


def parse_interval(raw: str) -> Interval:
    try:
        return Interval(raw)
    except ValueError:
        raise InvalidValue("must be one of [1d, 1M]") from None


def parse_limit(raw: str | int) -> int:
    """A count of buckets between 1 and 1000; strings come from query strings."""
    if isinstance(raw, str):
        if not (raw.isascii() and raw.isdigit()):
            raise InvalidValue(f"must be integer between 1 and {MAX_LIMIT}")
        raw = int(raw)
    if not 1 <= raw <= MAX_LIMIT:
        raise InvalidValue(f"must be integer between 1 and {MAX_LIMIT}")
    return raw


@dataclass(frozen=True, slots=True)
class Performance:
    net_profit_percent: float | None
    win_rate: float | None
    max_draw_down: float | None
    trades: int
    long: int
    short: int


@dataclass(frozen=True, slots=True)
class HistoryBucket(Performance):
    """The results of one UTC day or month: [start, end_at)."""

    start: datetime
    end_at: datetime

    @property
    def start_label(self) -> str:
        """The first UTC day of the bucket, `YYYY-MM-DD` (inclusive)."""
        return self.start.date().isoformat()

    @property
    def end_label(self) -> str:
        """The first UTC day after the bucket, `YYYY-MM-DD` (exclusive)."""
        return self.end_at.date().isoformat()


def bucket_start(moment: datetime, interval: Interval) -> datetime:
    """The UTC day or month that contains `moment`."""
    moment = moment.astimezone(UTC)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day if interval is Interval.DAY else day.replace(day=1)


def previous_bucket(start: datetime, interval: Interval) -> datetime:
    if interval is Interval.DAY:
        return start - timedelta(days=1)
    return (start - timedelta(days=1)).replace(day=1)


def next_bucket(start: datetime, interval: Interval) -> datetime:
    if interval is Interval.DAY:
        return start + timedelta(days=1)
    return (start + timedelta(days=32)).replace(day=1)


def bucket_starts(now: datetime, interval: Interval, limit: int) -> list[datetime]:
    """The starts of the `limit` newest buckets, the current open one first."""
    starts = [bucket_start(now, interval)]
    while len(starts) < limit:
        starts.append(previous_bucket(starts[-1], interval))
    return starts


def range_of(now: datetime, interval: Interval, limit: int) -> tuple[datetime, datetime]:
    """[start, end) covered by the newest `limit` buckets."""
    starts = bucket_starts(now, interval, limit)
    return starts[-1], next_bucket(starts[0], interval)


def summarize(trades: Iterable[StrategyTrade]) -> Performance:
    """Compound trades already sorted by close time into one Performance."""
    equity = peak = 1.0
    max_draw_down = 0.0
    count = wins = longs = 0
    for trade in trades:
        count += 1
        wins += trade.result > 0
        longs += trade.side is TradeSide.LONG
        equity *= 1.0 + trade.result
        peak = max(peak, equity)
        max_draw_down = max(max_draw_down, (peak - equity) / peak)
    if count == 0:
        return Performance(None, None, None, 0, 0, 0)
    return Performance(
        net_profit_percent=round((equity - 1.0) * 100.0, _DECIMALS),
        win_rate=round(wins / count, _DECIMALS),
        max_draw_down=round(max_draw_down, _DECIMALS),
        trades=count,
        long=longs,
        short=count - longs,
    )


def history(
    trades: Sequence[StrategyTrade], *, now: datetime, interval: Interval, limit: int
) -> list[HistoryBucket]:
    """One bucket per day or month, newest first, from trades sorted by close time."""
    starts = bucket_starts(now, interval, limit)
    per_bucket: dict[datetime, list[StrategyTrade]] = {start: [] for start in starts}
    for trade in trades:
        bucket = per_bucket.get(bucket_start(trade.closed_at, interval))
        if bucket is not None:
            bucket.append(trade)
    return [
        HistoryBucket(
            **_as_fields(summarize(per_bucket[start])),
            start=start,
            end_at=next_bucket(start, interval),
        )
        for start in starts
    ]


def _as_fields(result: Performance) -> dict[str, Any]:
    return {item.name: getattr(result, item.name) for item in fields(Performance)}


def performance(
    trades: Sequence[StrategyTrade], *, now: datetime, interval: Interval, limit: int
) -> Performance:
    """The same range as `history`, summarized as one."""
    start, end = range_of(now, interval, limit)
    return summarize(t for t in trades if start <= t.closed_at < end)
