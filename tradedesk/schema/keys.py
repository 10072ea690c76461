"""GraphQL types and mutations of a user's exchange keys, named as the v1 REST fields, plus
what the app needs to warn (`ipRestricted`) and to show (`balance`)."""

from __future__ import annotations

from datetime import date as datetime_date
from datetime import datetime

import strawberry

from tradedesk.domain.copying.model import FollowView
from tradedesk.domain.errors import FieldError
from tradedesk.domain.keys.model import ApiKeyStatus, ExchangeKey, StrategyType
from tradedesk.domain.market import model as market
from tradedesk.domain.market.exchange import AssetBalance, Order, Position, Trade
from tradedesk.resolvers import exchange_keys, follows, manual_trading
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.copying import (
    StrategyFollowType,
)
from tradedesk.schema.field_errors import field_errors
from tradedesk.schema.inputs import given_fields
from tradedesk.schema.paging import PageInfo
from tradedesk.schema.trading import (
    OrderType,
    PositionType,
    TradeType,
)


@strawberry.type(name="AssetBalance", description="One asset of a key's wallet.")
class AssetBalanceType:
    asset: str
    free: float = strawberry.field(description="Available for new orders.")
    used: float = strawberry.field(description="Held by open orders and positions.")
    total: float


@strawberry.type(name="BalanceSnapshot", description="A key's total on one UTC day.")
class BalanceSnapshotType:
    day: datetime_date = strawberry.field(name="date")
    total_usd: float


@strawberry.type(name="BalanceSnapshotEdge")
class BalanceSnapshotEdge:
    cursor: str
    node: BalanceSnapshotType


@strawberry.type(
    name="BalanceHistoryConnection", description="Daily balances, newest first (Relay style)."
)
class BalanceHistoryConnection:
    edges: list[BalanceSnapshotEdge]
    page_info: PageInfo


@strawberry.type(name="ExchangeKey", description="An exchange API key; never its secret.")
class ExchangeKeyType:
    id: strawberry.ID
    exchange_id: market.ExchangeId
    trade_type: market.TradeType
    strategy_type: StrategyType
    active: bool = strawberry.field(description="False once the exchange refuses the key.")
    name: str
    api_key_status: ApiKeyStatus
    api_key: str
    ip_restricted: bool = strawberry.field(
        description="False when the key works from any IP: the app should warn."
    )
    created_at: datetime
    updated_at: datetime

    @strawberry.field(
        description="Read from the exchange now.", graphql_type=list[AssetBalanceType]
    )
    async def balance(self, info: GraphInfo) -> list[AssetBalance]:
        return await exchange_keys.balance(info, str(self.id))

    @strawberry.field(
        description="The strategies this key copies, oldest first.",
        graphql_type=list[StrategyFollowType],
    )
    async def follows(self, info: GraphInfo) -> list[FollowView]:
        return await follows.follows(info, str(self.id))

    @strawberry.field(
        description="Open plain and conditional orders of the symbol.", graphql_type=list[OrderType]
    )
    async def open_orders(self, info: GraphInfo, symbol: str) -> list[Order]:
        return await manual_trading.open_orders(info, str(self.id), symbol)

    @strawberry.field(
        description="The symbol's orders in every state, oldest first.",
        graphql_type=list[OrderType],
    )
    async def orders(self, info: GraphInfo, symbol: str) -> list[Order]:
        return await manual_trading.orders(info, str(self.id), symbol)

    @strawberry.field(description="The symbol's fills, oldest first.", graphql_type=list[TradeType])
    async def trades(self, info: GraphInfo, symbol: str) -> list[Trade]:
        return await manual_trading.trades(info, str(self.id), symbol)

    @strawberry.field(
        description="The futures position on the symbol; null when flat.",
        graphql_type=PositionType | None,
    )
    async def position(self, info: GraphInfo, symbol: str) -> Position | None:
        return await manual_trading.position(info, str(self.id), symbol)

    @strawberry.field(description="The total in USD the daily job recorded, newest first.")
    async def balance_history(
        self, info: GraphInfo, first: int = 100, after: str | None = None
    ) -> BalanceHistoryConnection:
        page, cursor = await exchange_keys.balance_history(info, str(self.id), first, after)
        edges = [
            BalanceSnapshotEdge(
                cursor=cursor(item.day),
                node=BalanceSnapshotType(day=item.day, total_usd=item.total_usd),
            )
            for item in page.items
        ]
        return BalanceHistoryConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.next_token is not None, end_cursor=page.next_token
            ),
        )


@strawberry.input(description="A key to register; it is checked on the exchange first.")
class CreateExchangeKeyInput:
    exchange_id: str
    trade_type: str
    strategy_type: str
    name: str
    api_key: str
    api_secret_key: str
    active: bool | None = strawberry.UNSET


@strawberry.input(description="Only the name of a key can change.")
class UpdateExchangeKeyInput:
    name: str | None = strawberry.UNSET


@strawberry.type
class ExchangeKeyPayload:
    exchange_key: ExchangeKey | None = strawberry.field(graphql_type=ExchangeKeyType | None)
    errors: list[FieldError] = field_errors()


@strawberry.type
class DeleteExchangeKeyPayload:
    deleted_id: strawberry.ID | None
    errors: list[FieldError] = field_errors()


@strawberry.type
class ExchangeKeyMutation:
    """The caller's exchange keys."""

    @strawberry.mutation(description="Register an exchange key after the exchange vouches for it.")
    async def create_exchange_key(
        self, info: GraphInfo, input: CreateExchangeKeyInput
    ) -> ExchangeKeyPayload:
        key, errors = await exchange_keys.create_exchange_key(info, given_fields(input, info))
        return ExchangeKeyPayload(exchange_key=key, errors=errors)

    @strawberry.mutation(description="Rename an exchange key.")
    async def update_exchange_key(
        self, info: GraphInfo, id: strawberry.ID, input: UpdateExchangeKeyInput
    ) -> ExchangeKeyPayload:
        key, errors = await exchange_keys.update_exchange_key(
            info, str(id), given_fields(input, info)
        )
        return ExchangeKeyPayload(exchange_key=key, errors=errors)

    @strawberry.mutation(description="Delete an exchange key; its sealed secret goes with it.")
    async def delete_exchange_key(
        self, info: GraphInfo, id: strawberry.ID
    ) -> DeleteExchangeKeyPayload:
        deleted, errors = await exchange_keys.delete_exchange_key(info, str(id))
        deleted_id = None if deleted is None else strawberry.ID(deleted)
        return DeleteExchangeKeyPayload(deleted_id=deleted_id, errors=errors)
