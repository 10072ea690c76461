"""The paper exchange's account events, as a user-data stream would carry them: the engine
announces every change in-process, so the embedded default learns of fills, triggers and
positions the same way a Binance deployment does, only without a network in between."""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal

from tradedesk.domain.market.account_events import (
    AccountEvent,
    AccountEventSink,
    OrderUpdate,
    PositionUpdate,
    StreamGap,
)
from tradedesk.domain.market.exchange import ApiCredentials
from tradedesk.integrations.exchange.order_statuses import unified_status
from tradedesk.integrations.exchange.paper_gateway import PaperGateway
from tradedesk.simulator.events import AccountChanged, ConditionalChanged, Event, OrderChanged
from tradedesk.simulator.markets import Kind


class PaperAccountStreams:
    def __init__(self, gateway: PaperGateway, sink: AccountEventSink) -> None:
        self._engine = gateway.engine
        self._sink = sink
        self._watched: dict[str, str] = {}  # key id -> the paper account's API key
        self._outbox: asyncio.Queue[tuple[str, AccountEvent]] = asyncio.Queue()
        self._pump: asyncio.Task[None] | None = None
        self._engine.observers.append(self._heard)

    async def watch(self, key_id: str, credentials: ApiCredentials) -> None:
        if key_id in self._watched:
            return
        self._watched[key_id] = credentials.api_key
        if self._pump is None:
            self._pump = asyncio.create_task(self._deliver())
        self._outbox.put_nowait((key_id, StreamGap()))

    async def unwatch(self, key_id: str) -> None:
        self._watched.pop(key_id, None)

    def live(self, key_id: str) -> bool:
        return key_id in self._watched

    def watched(self) -> set[str]:
        return set(self._watched)

    async def aclose(self) -> None:
        self._engine.observers.remove(self._heard)
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump

    def _heard(self, api_key: str, event: Event) -> None:
        """The engine's observer: called inside the engine's step, so it only queues."""
        key_ids = [key_id for key_id, watched in self._watched.items() if watched == api_key]
        if not key_ids:
            return
        for translated in self._translate(event):
            for key_id in key_ids:
                self._outbox.put_nowait((key_id, translated))

    async def _deliver(self) -> None:
        while True:
            key_id, event = await self._outbox.get()
            await self._sink(key_id, event)

    def _translate(self, event: Event) -> list[AccountEvent]:
        match event:
            case OrderChanged(order=order) if order.kind is Kind.FUTURES:
                return [
                    self._update(
                        order.symbol,
                        order.order_id,
                        order.client_order_id,
                        order.status.value,
                        order.executed_qty,
                        conditional=False,
                    )
                ]
            case ConditionalChanged(conditional=conditional, placed=placed):
                return [
                    self._update(
                        conditional.symbol,
                        conditional.algo_id,
                        conditional.client_algo_id,
                        conditional.status.value,
                        placed.executed_qty if placed else Decimal(0),
                        conditional=True,
                        reason=event.reject_reason,
                    )
                ]
            case AccountChanged(positions=positions):
                return [
                    PositionUpdate(
                        symbol=self._symbol(figures.position.symbol),
                        contracts=figures.position.amount,
                        entry_price=figures.position.entry_price,
                    )
                    for figures in positions
                ]
        return []

    def _update(
        self,
        market_id: str,
        order_id: int,
        client_order_id: str,
        venue_status: str,
        filled: Decimal,
        *,
        conditional: bool,
        reason: str = "",
    ) -> OrderUpdate:
        return OrderUpdate(
            symbol=self._symbol(market_id),
            order_id=str(order_id),
            client_order_id=client_order_id,
            conditional=conditional,
            status=unified_status(venue_status),
            venue_status=venue_status,
            filled=filled,
            reason=reason,
        )

    def _symbol(self, market_id: str) -> str:
        return self._engine.market(Kind.FUTURES, market_id).symbol
