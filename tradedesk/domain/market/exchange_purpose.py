"""Why the platform is talking to the exchange: the rate budgets serve protective work first
and count the weight each purpose spends.

The purpose travels with the task (a context variable), so the code that knows why (the
keeper, the copy dispatcher, the placement of a ladder) marks a scope once and every exchange
call inside it, down to the adapter's throttle, is charged to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum


class ExchangePurpose(StrEnum):
    PROTECTION = "protection"  # stops, their replacements, closes, leftovers cancelled
    RECONCILIATION = "reconciliation"  # the keeper's scheduled reads of what it watches
    ENTRY = "entry"  # new positions: copies, manual entries, and what sizing them reads
    ACCOUNT = "account"  # a user's own reads and settings, keys checked, snapshots
    STREAM = "stream"  # user-data stream listen keys

    @property
    def protective(self) -> bool:
        """May spend the last of a tight budget, ahead of everything else: the keeper's
        reads too, since for a trade whose stream is down they are how a fill is found."""
        return self in (ExchangePurpose.PROTECTION, ExchangePurpose.RECONCILIATION)


_current: ContextVar[ExchangePurpose] = ContextVar(
    "exchange_purpose", default=ExchangePurpose.ACCOUNT
)


def current_purpose() -> ExchangePurpose:
    return _current.get()


@contextmanager
def spending_for(purpose: ExchangePurpose) -> Iterator[None]:
    """Every exchange call inside this scope (of this task) is charged to `purpose`."""
    token = _current.set(purpose)
    try:
        yield
    finally:
        _current.reset(token)
