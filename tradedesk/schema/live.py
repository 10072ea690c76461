"""The root Subscription type, served over the graphql-transport-ws websocket."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from tradedesk.domain.ids import parse_uuid
from tradedesk.resolvers.arguments import argument
from tradedesk.resolvers.copy_trading import signal_fields
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.copying import SignalType
from tradedesk.schema.trading import TradeEventType


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Operators: each signal of the strategy, the moment it is accepted."
    )
    async def signals(
        self, info: GraphInfo, strategy_id: strawberry.ID
    ) -> AsyncGenerator[SignalType, None]:
        caller = await info.context.principal()
        strategy = argument("strategyId", str(strategy_id), parse_uuid)
        copying = info.context.services.signal_publishing
        async for published in copying.signal_feed(caller, strategy):
            yield SignalType(**signal_fields(published))

    @strawberry.subscription(
        description="The caller's trades as they happen: entries placed (manual or copied),"
        " take profits and stops filled."
    )
    async def my_trades(self, info: GraphInfo) -> AsyncGenerator[TradeEventType, None]:
        caller = await info.context.principal()
        async for event in info.context.services.trade_events.feed(caller):
            yield TradeEventType(
                kind=event.kind.value,
                key_id=strawberry.ID(event.key_id),
                symbol=event.symbol,
                side=event.side,
                amount=event.amount,
                price=event.price,
                order_id=event.order_id,
                at=event.at,
            )
