"""GraphQL types of a user's exchange keys, named as the v1 REST fields, plus what the app
needs to warn (`ipRestricted`) and to show (`balance`)."""

from __future__ import annotations

from datetime import date as datetime_date
from datetime import datetime

import strawberry

from tradedesk.domain.keys.model import ApiKeyStatus, StrategyType
from tradedesk.resolvers import exchange_keys, follows, manual_trading
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.account_types import FieldErrorType
from tradedesk.schema.follow_types import StrategyFollowType
from tradedesk.schema.paging import PageInfo
from tradedesk.schema.trading_types import OrderType, PositionType, TradeType
from tradedesk.schema.types import ExchangeIdEnum, TradeTypeEnum

StrategyTypeEnum = strawberry.enum(
    StrategyType, name="StrategyType", description="MANUAL, or AUTOMATED (copy trading)."
)
ApiKeyStatusEnum = strawberry.enum(
    ApiKeyStatus, name="ApiKeyStatus", description="What the key's last use on the exchange told."
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
    exchange_id: ExchangeIdEnum  # type: ignore[valid-type]
    trade_type: TradeTypeEnum  # type: ignore[valid-type]
    strategy_type: StrategyTypeEnum  # type: ignore[valid-type]
    active: bool = strawberry.field(description="False once the exchange refuses the key.")
    name: str
    api_key_status: ApiKeyStatusEnum  # type: ignore[valid-type]
    api_key: str
    ip_restricted: bool = strawberry.field(
        description="False when the key works from any IP: the app should warn."
    )
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="Read from the exchange now.")
    async def balance(self, info: GraphInfo) -> list[AssetBalanceType]:
        return await exchange_keys.balance(info, str(self.id))  # type: ignore[return-value]

    @strawberry.field(description="The strategies this key copies, oldest first.")
    async def follows(self, info: GraphInfo) -> list[StrategyFollowType]:
        return await follows.follows(info, str(self.id))  # type: ignore[return-value]

    @strawberry.field(description="Open plain and conditional orders of the symbol.")
    async def open_orders(self, info: GraphInfo, symbol: str) -> list[OrderType]:
        return await manual_trading.open_orders(info, str(self.id), symbol)  # type: ignore[return-value]

    @strawberry.field(description="The symbol's orders in every state, oldest first.")
    async def orders(self, info: GraphInfo, symbol: str) -> list[OrderType]:
        return await manual_trading.orders(info, str(self.id), symbol)  # type: ignore[return-value]

    @strawberry.field(description="The symbol's fills, oldest first.")
    async def trades(self, info: GraphInfo, symbol: str) -> list[TradeType]:
        return await manual_trading.trades(info, str(self.id), symbol)  # type: ignore[return-value]

    @strawberry.field(description="The futures position on the symbol; null when flat.")
    async def position(self, info: GraphInfo, symbol: str) -> PositionType | None:
        return await manual_trading.position(info, str(self.id), symbol)  # type: ignore[return-value]

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
    exchange_key: ExchangeKeyType | None
    errors: list[FieldErrorType]


@strawberry.type
class DeleteExchangeKeyPayload:
    deleted_id: strawberry.ID | None
    errors: list[FieldErrorType]
