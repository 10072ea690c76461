"""Periodic reports: the period a report covers and what it says per key."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from tradedesk.domain.errors import InvalidValue


class PeriodKind(StrEnum):
    WEEK = "weekly_report"  # the settings switch that asks for it
    MONTH = "monthly_report"


@dataclass(frozen=True, slots=True)
class Period:
    kind: PeriodKind
    label: str  # 2026-W47 or 2026-11
    start: date
    end: date  # the first day after it

    @classmethod
    def parse(cls, label: str) -> Period:
        if found := re.fullmatch(r"(\d{4})-W(\d{2})", label):
            year, week = int(found[1]), int(found[2])
            try:
                start = date.fromisocalendar(year, week, 1)
            except ValueError:
                raise InvalidValue("must be a week such as 2026-W47") from None
            return cls(PeriodKind.WEEK, label, start, start + timedelta(days=7))
        if found := re.fullmatch(r"(\d{4})-(\d{2})", label):
            year, month = int(found[1]), int(found[2])
            if not 1 <= month <= 12:
                raise InvalidValue("must be a month such as 2026-11")
            start = date(year, month, 1)
            return cls(PeriodKind.MONTH, label, start, _next_month(start))
        raise InvalidValue("must be a week (2026-W47) or a month (2026-11)")

    @classmethod
    def last_complete(cls, kind: PeriodKind, today: date) -> Period:
        """The latest period of the kind that ended by `today`."""
        if kind is PeriodKind.WEEK:
            start = today - timedelta(days=today.weekday() + 7)
            year, week, _day = start.isocalendar()
            return cls(kind, f"{year}-W{week:02d}", start, start + timedelta(days=7))
        end = today.replace(day=1)
        start = (end - timedelta(days=1)).replace(day=1)
        return cls(kind, f"{start:%Y-%m}", start, end)


@dataclass(frozen=True, slots=True)
class Reader:
    """A user who switched a report on, and how to reach them."""

    user_id: str
    email: str | None
    timezone: str | None
    joined_on: date  # no report for a period that ended before they came


@dataclass(frozen=True, slots=True)
class KeyReport:
    key_id: str
    name: str
    start_usd: float | None
    end_usd: float | None
    trades: int
    wins: int
    realized_pnl: float
    strategies: dict[str, float] = field(default_factory=dict)  # strategy name -> its PnL
    balances: list[tuple[date, float]] = field(default_factory=list)

    @property
    def change_usd(self) -> float | None:
        if self.start_usd is None or self.end_usd is None:
            return None
        return self.end_usd - self.start_usd


@dataclass(frozen=True, slots=True)
class Report:
    user_id: str
    period: Period
    timezone: str
    keys: list[KeyReport]


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
