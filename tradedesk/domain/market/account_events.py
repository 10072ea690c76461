"""What an exchange account's user-data stream tells as it happens, in the domain's words: an
order (or conditional order) moved, a position changed, or the stream had a gap in which
something may have happened unseen, so that what it would have told must be read instead."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    symbol: str  # unified, as the gateway names markets: BTC/USDT:USDT
    order_id: str
    client_order_id: str
    conditional: bool  # a stop or take profit waiting for its trigger (an algo order)
    status: str  # as the gateway's orders have it: open, closed, canceled, expired, rejected
    venue_status: str  # the exchange's own word: NEW, FILLED, TRIGGERING, FINISHED, ...
    filled: Decimal  # how much of it has executed so far
    reason: str = ""  # why the venue rejected or expired it, where it says


@dataclass(frozen=True, slots=True)
class PositionUpdate:
    symbol: str
    contracts: Decimal  # > 0 long, < 0 short, 0 flat
    entry_price: Decimal


@dataclass(frozen=True, slots=True)
class StreamGap:
    """The stream was (re)opened or lost its key: anything may have happened meanwhile."""


AccountEvent = OrderUpdate | PositionUpdate | StreamGap
AccountEventSink = Callable[[str, AccountEvent], Awaitable[None]]  # (key id, event)
