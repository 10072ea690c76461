"""What a trader sees happen on their keys as it happens: entries placed, take profits and
stops filled. Published by the services that place and follow trades, read by the GraphQL
`myTrades` subscription; the same events are recorded as alerts (`domain/alerts/model.py`) in
the transaction that makes them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tradedesk.domain.market.exchange import Order
from tradedesk.domain.ports import EventBus
from tradedesk.domain.principal import Principal


class TradeEventKind(StrEnum):
    ENTRY = "ENTRY"  # an entry order went out (filled, or resting)
    TAKE_PROFIT = "TAKE_PROFIT"  # a take-profit rung filled
    STOP = "STOP"  # the stop fired


@dataclass(frozen=True, slots=True)
class TradeEvent:
    kind: TradeEventKind
    key_id: str
    symbol: str
    side: str  # buy or sell, of the order that filled
    amount: float | None
    price: float | None
    order_id: str
    at: datetime
    realized_pnl: float | None = None  # a fill's, in the quote currency, before fees


class TradeEvents:
    def __init__(self, bus: EventBus) -> None:
        self._bus = bus

    def publish(self, user_id: str, event: TradeEvent) -> None:
        self._bus.publish(_topic(user_id), event)

    async def feed(self, caller: Principal) -> AsyncIterator[TradeEvent]:
        """The caller's own events, from now on."""
        async for event in self._bus.subscribe(_topic(caller.user_id)):
            assert isinstance(event, TradeEvent)
            yield event


def entry_event(key_id: str, entry: Order, at: datetime) -> TradeEvent:
    return TradeEvent(
        kind=TradeEventKind.ENTRY,
        key_id=key_id,
        symbol=entry.symbol,
        side=entry.side,
        amount=entry.amount,
        price=entry.average or entry.price,
        order_id=entry.id,
        at=at,
    )


def _topic(user_id: str) -> str:
    return f"trades:{user_id}"
