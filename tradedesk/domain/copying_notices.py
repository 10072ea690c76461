"""What a trader is told when something happens that they did not ask for and should know:
copying that stops or skips for a reason they can act on (a plan that no longer allows
automation, the follow's daily loss limit reached, a key the exchange refused, a copy skipped
for its size or a position the strategy did not open, a copy the exchange refused for want of
margin, a follow its portfolio stop ended), or a position the exchange left
without its stop (and what the platform did about it).

Each notice names its cause; the outbox (`domain/alerts/model.py`) holds one alert per user,
channel and cause, so a cause that repeats (the same follow below the minimum on every
signal of the day) is told once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class NoticeKind(StrEnum):
    PAUSED_BY_PLAN = "PAUSED_BY_PLAN"  # the plan no longer allows automated strategies
    LOSS_LIMIT = "LOSS_LIMIT"  # the follow's daily loss limit paused copying for the day
    KEY_REFUSED = "KEY_REFUSED"  # the exchange refused the key: copies fail until it is fixed
    BELOW_MINIMUM = "BELOW_MINIMUM"  # a copy sized to the risk profile is under the minimum
    LEVERAGE_CAP = "LEVERAGE_CAP"  # the follow's leverage cap leaves too little margin
    POSITION_HELD = "POSITION_HELD"  # the key holds a position the strategy did not open
    MARGIN_SHORT = "MARGIN_SHORT"  # the exchange found too little margin for a copy
    PORTFOLIO_STOP = "PORTFOLIO_STOP"  # the follow's portfolio stop closed and paused it
    STOP_REPLACED = "STOP_REPLACED"  # the exchange ended a stop; a new one was placed
    CLOSED_NO_STOP = "CLOSED_NO_STOP"  # the exchange ended a stop already passed: closed


@dataclass(frozen=True, slots=True)
class CopyingNotice:
    kind: NoticeKind
    key_id: str
    symbol: str
    detail: str  # the platform's reason, as the copy's record words it (in English)
    cause: str  # the same cause is told once
    at: datetime


def notice(
    kind: NoticeKind, *, subject: str, key_id: str, symbol: str, detail: str, at: datetime
) -> CopyingNotice:
    """A notice whose cause is its kind, on `subject` (a follow or a key), on the UTC day:
    told at most once a day, again the next day if it still holds."""
    return CopyingNotice(
        kind=kind,
        key_id=key_id,
        symbol=symbol,
        detail=detail,
        cause=f"{kind.value}:{subject}:{at.date().isoformat()}",
        at=at,
    )
