"""GraphQL types and mutations of operators' strategies."""

from __future__ import annotations

import strawberry

from tradedesk.domain.catalog.model import Strategy
from tradedesk.domain.errors import FieldError
from tradedesk.resolvers import copy_trading
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.catalog import StrategyType
from tradedesk.schema.field_errors import field_errors
from tradedesk.schema.inputs import given_fields


@strawberry.input(description="A new strategy on a futures market (operators only).")
class CreateStrategyInput:
    name: str
    exchange_id: str = strawberry.field(description="BINANCE")
    symbol: str = strawberry.field(description="e.g. BTC/USDT")
    description: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.input(description="Only the fields given change; the market never does.")
class UpdateStrategyInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.type
class StrategyPayload:
    strategy: Strategy | None = strawberry.field(graphql_type=StrategyType | None)
    errors: list[FieldError] = field_errors()


@strawberry.type
class StrategyAdminMutation:
    """Operators' strategies."""

    @strawberry.mutation(description="Operators: a new strategy followers can copy.")
    async def create_strategy(self, info: GraphInfo, input: CreateStrategyInput) -> StrategyPayload:
        found, errors = await copy_trading.create_strategy(info, given_fields(input, info))
        return StrategyPayload(strategy=found, errors=errors)

    @strawberry.mutation(description="Operators: rename, describe, activate or deactivate.")
    async def update_strategy(
        self, info: GraphInfo, id: strawberry.ID, input: UpdateStrategyInput
    ) -> StrategyPayload:
        found, errors = await copy_trading.update_strategy(info, str(id), given_fields(input, info))
        return StrategyPayload(strategy=found, errors=errors)
