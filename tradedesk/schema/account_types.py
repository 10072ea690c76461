"""GraphQL types of the caller's own account, named as the v1 REST fields."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from tradedesk.resolvers import account, exchange_keys, histories
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.billing_types import (
    InvoiceConnection,
    InvoiceEdge,
    InvoiceType,
    StripeSubscriptionType,
)
from tradedesk.schema.paging import PageInfo
from tradedesk.schema.types import PlanType

if TYPE_CHECKING:
    from tradedesk.schema.copy_trading_types import SignalCopyType, StrategyTradeConnection
    from tradedesk.schema.exchange_key_types import ExchangeKeyType
    from tradedesk.schema.trading_types import ManualTradeConnection


@strawberry.type(name="Profile")
class ProfileType:
    last_name: str | None
    first_name: str | None
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 code.")
    language: str | None = strawberry.field(description="EN or AR.")
    timezone: str | None = strawberry.field(description="IANA zone, e.g. America/Toronto.")
    created_at: datetime
    updated_at: datetime


@strawberry.type(name="NotificationMethod", description="Telegram linking for alerts.")
class NotificationMethodType:
    telegram_bot_url: str
    telegram_auth_code: str = strawberry.field(description="Send it to the bot to link.")
    telegram_active: bool
    created_at: datetime
    updated_at: datetime


@strawberry.type(name="NotificationSettings", description="Which alerts go where.")
class NotificationSettingsType:
    weekly_report: bool
    monthly_report: bool
    email_new_order: bool
    email_take_profit: bool
    email_stop_loss: bool
    telegram_new_order: bool
    telegram_take_profit: bool
    telegram_stop_loss: bool
    created_at: datetime
    updated_at: datetime


@strawberry.type(name="FieldError", description="One invalid input field of a mutation.")
class FieldErrorType:
    @strawberry.field(description="The input field, named as in the input type.")
    def field(self) -> str:
        return self.param  # type: ignore[attr-defined]

    @strawberry.field(description="Why it is invalid, as the REST 422 `msg`.")
    def message(self) -> str:
        return self.msg  # type: ignore[attr-defined]

    code: str = strawberry.field(description="INVALID, TELEGRAM_NOT_LINKED, ...")


@strawberry.type(name="Viewer", description="The authenticated caller and their account.")
class ViewerType:
    @strawberry.field(description="The caller's user id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.user_id)  # type: ignore[attr-defined]

    @strawberry.field(description="Cognito groups; `admin` is the operator role.")
    def roles(self) -> list[str]:
        return sorted(self.roles)

    @strawberry.field
    async def profile(self, info: GraphInfo) -> ProfileType:
        return await account.profile(info)  # type: ignore[return-value]

    @strawberry.field
    async def notification_method(self, info: GraphInfo) -> NotificationMethodType:
        return await account.notification_method(info)  # type: ignore[return-value]

    @strawberry.field
    async def notification_settings(self, info: GraphInfo) -> NotificationSettingsType:
        return await account.notification_settings(info)  # type: ignore[return-value]

    @strawberry.field(
        description="The plan the caller has: their active subscription's, else the default."
    )
    async def plan(self, info: GraphInfo) -> PlanType:
        return await account.plan(info)  # type: ignore[return-value]

    @strawberry.field(description="The caller's active subscription; null without one.")
    async def subscription(self, info: GraphInfo) -> StripeSubscriptionType | None:
        return await account.subscription(info)  # type: ignore[return-value]

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

    @strawberry.field(description="The caller's exchange API keys, oldest first.")
    async def exchange_keys(
        self, info: GraphInfo
    ) -> list[Annotated[ExchangeKeyType, strawberry.lazy("tradedesk.schema.exchange_key_types")]]:
        return await exchange_keys.exchange_keys(info)  # type: ignore[return-value]

    @strawberry.field(description="One of the caller's keys; null for any other id.")
    async def exchange_key(
        self, info: GraphInfo, id: strawberry.ID
    ) -> Annotated[ExchangeKeyType, strawberry.lazy("tradedesk.schema.exchange_key_types")] | None:
        return await exchange_keys.exchange_key(info, str(id))  # type: ignore[return-value]

    @strawberry.field(description="The caller's manual orders as placed, newest first.")
    async def manual_trade_history(
        self, info: GraphInfo, first: int = 30, after: str | None = None
    ) -> Annotated[ManualTradeConnection, strawberry.lazy("tradedesk.schema.trading_types")]:
        from tradedesk.schema.trading_types import ManualTradeConnection, ManualTradeEdge

        page, cursor = await histories.history_page(
            info, info.context.services.manual_history, first, after
        )
        return ManualTradeConnection(
            edges=[ManualTradeEdge(cursor=cursor(item), node=item) for item in page.items],  # type: ignore[arg-type]
            page_info=PageInfo(
                has_next_page=page.next_token is not None, end_cursor=page.next_token
            ),
        )

    @strawberry.field(
        description="The caller's copies of signals, newest first, and why any was"
        " skipped or failed."
    )
    async def signal_copies(
        self, info: GraphInfo, limit: int = 50
    ) -> list[Annotated[SignalCopyType, strawberry.lazy("tradedesk.schema.copy_trading_types")]]:
        from tradedesk.resolvers.copy_trading import signal_copies

        return await signal_copies(info, limit)  # type: ignore[return-value]

    @strawberry.field(description="Trades strategies placed on the caller's keys, newest first.")
    async def strategy_trade_history(
        self, info: GraphInfo, first: int = 30, after: str | None = None
    ) -> Annotated[StrategyTradeConnection, strawberry.lazy("tradedesk.schema.copy_trading_types")]:
        from tradedesk.schema.copy_trading_types import (
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


@strawberry.input(description="Only the fields given change.")
class UpdateProfileInput:
    last_name: str | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    country: str | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET


@strawberry.input(description="Only the switches given change.")
class UpdateNotificationSettingsInput:
    weekly_report: bool | None = strawberry.UNSET
    monthly_report: bool | None = strawberry.UNSET
    email_new_order: bool | None = strawberry.UNSET
    email_take_profit: bool | None = strawberry.UNSET
    email_stop_loss: bool | None = strawberry.UNSET
    telegram_new_order: bool | None = strawberry.UNSET
    telegram_take_profit: bool | None = strawberry.UNSET
    telegram_stop_loss: bool | None = strawberry.UNSET


@strawberry.type
class UpdateProfilePayload:
    profile: ProfileType | None
    errors: list[FieldErrorType]


@strawberry.type
class UpdateNotificationSettingsPayload:
    notification_settings: NotificationSettingsType | None
    errors: list[FieldErrorType]
