"""Report periods: ISO weeks and calendar months, and which one has just ended."""

from __future__ import annotations

from datetime import date

import pytest

from tradedesk.domain.errors import InvalidValue
from tradedesk.domain.reports.model import Period, PeriodKind


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [("2026-W47", date(2026, 11, 16), date(2026, 11, 23)),
     ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
     ("2026-W01", date(2025, 12, 29), date(2026, 1, 5))],
)  # fmt: skip
def test_periods_are_iso_weeks_and_calendar_months(label, start, end):
    period = Period.parse(label)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("label", ["2026-W54", "2026-13", "last week", "2026-W7"])
def test_a_period_that_is_not_one_is_refused(label):
    with pytest.raises(InvalidValue):
        Period.parse(label)


@pytest.mark.parametrize(
    ("kind", "today", "label"),
    [(PeriodKind.WEEK, date(2026, 11, 23), "2026-W47"),  # Monday: last week is done
     (PeriodKind.WEEK, date(2026, 11, 22), "2026-W46"),  # Sunday: not yet
     (PeriodKind.MONTH, date(2026, 12, 1), "2026-11"),
     (PeriodKind.MONTH, date(2026, 1, 15), "2025-12")],
)  # fmt: skip
def test_the_period_that_has_just_ended(kind, today, label):
    assert Period.last_complete(kind, today).label == label
