"""Resolvers of the caller's own account: `viewer { ... }` and the account mutations."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from tradedesk.domain.alerts.model import NotificationMethod, NotificationSettings
from tradedesk.domain.alerts.notifications import parse_switch_changes
from tradedesk.domain.billing.model import Checkout, InvoicePage, Subscription
from tradedesk.domain.catalog.model import Plan
from tradedesk.domain.errors import FieldError, ValidationFailed
from tradedesk.domain.identity.model import Profile
from tradedesk.domain.identity.profiles import parse_profile_changes
from tradedesk.domain.principal import Principal
from tradedesk.resolvers.public import GraphInfo

T = TypeVar("T")


async def viewer(info: GraphInfo) -> Principal:
    """Anonymous callers get UNAUTHENTICATED here, and only here."""
    return await info.context.principal()


async def profile(info: GraphInfo) -> Profile:
    return await info.context.services.profiles.get(await info.context.principal())


async def notification_method(info: GraphInfo) -> NotificationMethod:
    return await info.context.services.notifications.method(await info.context.principal())


async def unlink_telegram(info: GraphInfo) -> NotificationMethod:
    caller = await info.context.principal()
    await info.context.services.telegram_linking.unlink_user(caller.user_id)
    return await info.context.services.notifications.method(caller)


async def notification_settings(info: GraphInfo) -> NotificationSettings:
    return await info.context.services.notifications.settings(await info.context.principal())


async def plan(info: GraphInfo) -> Plan:
    return await info.context.services.subscriptions.plan(await info.context.principal())


async def subscription(info: GraphInfo) -> Subscription | None:
    return await info.context.services.subscriptions.current(await info.context.principal())


async def invoices(info: GraphInfo, first: int, after: str | None) -> InvoicePage:
    caller = await info.context.principal()
    subscriptions = info.context.services.subscriptions
    return await subscriptions.invoices(caller, first=first, after=after)


async def billing_portal(info: GraphInfo) -> str:
    return await info.context.services.subscriptions.portal_url(await info.context.principal())


async def whitelist_ips(info: GraphInfo) -> list[str]:
    await info.context.principal()
    return info.context.services.exchange_access.whitelist_ips()


async def update_profile(
    info: GraphInfo, fields: Mapping[str, object]
) -> tuple[Profile | None, list[FieldError]]:
    caller = await info.context.principal()
    return await payload(
        lambda: info.context.services.profiles.update(caller, parse_profile_changes(fields))
    )


async def update_notification_settings(
    info: GraphInfo, fields: Mapping[str, object]
) -> tuple[NotificationSettings | None, list[FieldError]]:
    caller = await info.context.principal()
    return await payload(
        lambda: info.context.services.notifications.update_settings(
            caller, parse_switch_changes(fields)
        )
    )


async def create_checkout_session(
    info: GraphInfo, subscription_id: str
) -> tuple[Checkout | None, list[FieldError]]:
    caller = await info.context.principal()
    return await payload(
        lambda: info.context.services.subscriptions.checkout(caller, subscription_id)
    )


async def update_subscription(
    info: GraphInfo, fields: Mapping[str, object]
) -> tuple[Subscription | None, list[FieldError]]:
    caller = await info.context.principal()
    subscriptions = info.context.services.subscriptions

    async def update() -> Subscription:
        return await subscriptions.update(caller, await subscriptions.change_from(fields))

    return await payload(update)


async def payload(change: Callable[[], Any]) -> tuple[Any, list[FieldError]]:
    """(result, []) or (None, field errors): mutation payloads carry validation errors."""
    try:
        return await change(), []
    except ValidationFailed as failed:
        return None, failed.errors
