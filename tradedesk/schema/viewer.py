"""The `viewer` root: the authenticated caller and everything of their own account, drawn
from each context's types."""

from __future__ import annotations

import strawberry

from tradedesk.domain.alerts.model import NotificationMethod, NotificationSettings
from tradedesk.domain.billing.model import Subscription
from tradedesk.domain.catalog.model import Plan
from tradedesk.domain.copying.model import SignalCopy
from tradedesk.domain.identity.model import Profile
from tradedesk.domain.keys.model import ExchangeKey
from tradedesk.domain.principal import Principal
from tradedesk.resolvers import account, exchange_keys, histories
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.alerts import (
    NotificationMethodType,
    NotificationSettingsType,
)
from tradedesk.schema.billing import (
    InvoiceConnection,
    InvoiceEdge,
    InvoiceType,
    StripeSubscriptionType,
)
from tradedesk.schema.catalog import PlanType
from tradedesk.schema.copying import SignalCopyType, StrategyTradeConnection
from tradedesk.schema.identity import ProfileType
from tradedesk.schema.keys import ExchangeKeyType
from tradedesk.schema.paging import PageInfo
from tradedesk.schema.trading import ManualTradeConnection, ManualTradeEdge


@strawberry.type(name="Viewer", description="The authenticated caller and their account.")
class ViewerType:
    @strawberry.field(description="The caller's user id.")
    def id(self, root: Principal) -> strawberry.ID:
        return strawberry.ID(root.user_id)

    @strawberry.field(description="Cognito groups; `admin` is the operator role.")
    def roles(self) -> list[str]:
        return sorted(self.roles)

    @strawberry.field(graphql_type=ProfileType)
    async def profile(self, info: GraphInfo) -> Profile:
        return await account.profile(info)

    @strawberry.field(graphql_type=NotificationMethodType)
    async def notification_method(self, info: GraphInfo) -> NotificationMethod:
        return await account.notification_method(info)

    @strawberry.field(graphql_type=NotificationSettingsType)
    async def notification_settings(self, info: GraphInfo) -> NotificationSettings:
        return await account.notification_settings(info)

    @strawberry.field(
        description="The plan the caller has: their active subscription's, else the default.",
        graphql_type=PlanType,
    )
    async def plan(self, info: GraphInfo) -> Plan:
        return await account.plan(info)

    @strawberry.field(
        description="The caller's active subscription; null without one.",
        graphql_type=StripeSubscriptionType | None,
    )
    async def subscription(self, info: GraphInfo) -> Subscription | None:
        return await account.subscription(info)

    @strawberry.field(description="The caller's paid invoices, newest first (`first` 1-100).")
    async def invoices(
        self, info: GraphInfo, first: int = 12, after: str | None = None
    ) -> InvoiceConnection:
        page = await account.invoices(info, first, after)
        edges = [
            InvoiceEdge(
                cursor=invoice.id,
                node=InvoiceType(
                    number=invoice.number,
                    currency=invoice.currency,
                    amount_paid=invoice.amount_paid,
                    period_start=invoice.period_start,
                    period_end=invoice.period_end,
                    hosted_url=invoice.hosted_url,
                    pdf=invoice.pdf,
                    created_at=invoice.created_at,
                ),
            )
            for invoice in page.invoices
        ]
        end = edges[-1].cursor if edges else None
        return InvoiceConnection(
            edges=edges, page_info=PageInfo(has_next_page=page.has_more, end_cursor=end)
        )

    @strawberry.field(description="Proxy IPs to whitelist on exchange API keys.")
    async def whitelist_ips(self, info: GraphInfo) -> list[str]:
        return await account.whitelist_ips(info)

    @strawberry.field(
        description="The caller's exchange API keys, oldest first.",
        graphql_type=list[ExchangeKeyType],
    )
    async def exchange_keys(self, info: GraphInfo) -> list[ExchangeKey]:
        return await exchange_keys.exchange_keys(info)

    @strawberry.field(
        description="One of the caller's keys; null for any other id.",
        graphql_type=ExchangeKeyType | None,
    )
    async def exchange_key(self, info: GraphInfo, id: strawberry.ID) -> ExchangeKey | None:
        return await exchange_keys.exchange_key(info, str(id))

    @strawberry.field(description="The caller's manual orders as placed, newest first.")
    async def manual_trade_history(
        self, info: GraphInfo, first: int = 30, after: str | None = None
    ) -> ManualTradeConnection:
        page, cursor = await histories.history_page(
            info, info.context.services.manual_history, first, after
        )
        return ManualTradeConnection(
            edges=[ManualTradeEdge(cursor=cursor(item), node=item) for item in page.items],
            page_info=PageInfo(
                has_next_page=page.next_token is not None, end_cursor=page.next_token
            ),
        )

    @strawberry.field(
        description="The caller's copies of signals, newest first, and why any was"
        " skipped or failed.",
        graphql_type=list[SignalCopyType],
    )
    async def signal_copies(self, info: GraphInfo, limit: int = 50) -> list[SignalCopy]:
        from tradedesk.resolvers.copy_trading import signal_copies

        return await signal_copies(info, limit)

    @strawberry.field(description="Trades strategies placed on the caller's keys, newest first.")
    async def strategy_trade_history(
        self, info: GraphInfo, first: int = 30, after: str | None = None
    ) -> StrategyTradeConnection:
        from tradedesk.schema.copying import (
            StrategyTradeConnection,
            StrategyTradeEdge,
            StrategyTradeType,
            StrategyTriggerType,
            TriggerStrategyType,
        )

        page, cursor = await histories.history_page(
            info, info.context.services.strategy_history, first, after
        )
        edges = [
            StrategyTradeEdge(
                cursor=cursor(item),
                node=StrategyTradeType(
                    order_id=item.order_id,
                    price=item.price,
                    amount=item.amount,
                    cost=item.cost,
                    stop=item.stop,
                    stop_type=item.stop_type,
                    take_profit=list(item.take_profit),
                    trailing_trigger_price=item.trailing_trigger_price,
                    leverage=item.leverage,
                    callback_rate=item.callback_rate,
                    risk_profile_percent=item.risk_profile_percent,
                    created_at=item.created_at,
                    trigger=StrategyTriggerType(
                        strategy=TriggerStrategyType(
                            name=item.strategy_name,
                            exchange_id=item.exchange_id,
                            symbol=item.symbol,
                        ),
                        trade_side=item.trade_side,
                    ),
                ),
            )
            for item in page.items
        ]
        return StrategyTradeConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.next_token is not None, end_cursor=page.next_token
            ),
        )

    @strawberry.field(description="USD value of the active keys, read from the exchange now.")
    async def total_balance_usd(self, info: GraphInfo) -> float:
        return await exchange_keys.total_balance_usd(info)
