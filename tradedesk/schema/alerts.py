"""GraphQL types and mutations of alerts: Telegram linking and which alerts go where."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tradedesk.domain.alerts.model import NotificationMethod, NotificationSettings
from tradedesk.domain.errors import FieldError
from tradedesk.resolvers import account
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.field_errors import field_errors
from tradedesk.schema.inputs import given_fields


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
class UpdateNotificationSettingsPayload:
    notification_settings: NotificationSettings | None = strawberry.field(
        graphql_type=NotificationSettingsType | None
    )
    errors: list[FieldError] = field_errors()


@strawberry.type
class AlertSettingsMutation:
    """Which alerts and reports the caller gets."""

    @strawberry.mutation(description="Switch alerts and reports on or off.")
    async def update_notification_settings(
        self,
        info: GraphInfo,
        input: UpdateNotificationSettingsInput,
    ) -> UpdateNotificationSettingsPayload:
        settings, errors = await account.update_notification_settings(
            info, given_fields(input, info)
        )
        return UpdateNotificationSettingsPayload(
            notification_settings=settings,
            errors=errors,
        )


@strawberry.type
class TelegramMutation:
    """The caller's Telegram link."""

    @strawberry.mutation(
        description="Forget the caller's Telegram chat and switch their Telegram alerts off.",
        graphql_type=NotificationMethodType,
    )
    async def unlink_telegram(self, info: GraphInfo) -> NotificationMethod:
        return await account.unlink_telegram(info)
