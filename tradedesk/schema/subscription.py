"""The root Subscription type, served over the graphql-transport-ws websocket."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from tradedesk.domain.ids import parse_uuid
from tradedesk.resolvers.arguments import argument
from tradedesk.resolvers.copy_trading import signal_fields
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.copy_trading_types import SignalType


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
        copying = info.context.services.copy_trading
        async for published in copying.signal_feed(caller, strategy):
            yield SignalType(**signal_fields(published))
