"""v1 account routes: profile, notification method and settings, whitelist IPs, the plan."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tradedesk.domain.alerts.notifications import parse_switch_changes
from tradedesk.domain.identity.profiles import parse_profile_changes
from tradedesk.domain.services import Services
from tradedesk.rest import bodies
from tradedesk.rest import representations as rep
from tradedesk.rest.contract import Contract, Endpoint
from tradedesk.rest.guards import caller
from tradedesk.rest.inputs import Inputs
from tradedesk.rest.responses import JSON


def _services(request: Request) -> Services:
    return request.app.state.services


async def get_profile(request: Request) -> Response:
    principal = await caller(request)
    return JSON(rep.profile(await _services(request).profiles.get(principal)))


async def put_profile(request: Request) -> Response:
    principal = await caller(request, write=True)
    inputs = Inputs(request)
    body = await inputs.json_object()
    inputs.valid()
    changes = parse_profile_changes(body)
    return JSON(rep.profile(await _services(request).profiles.update(principal, changes)))


async def subscription(request: Request) -> Response:
    principal = await caller(request)
    return JSON(rep.user_subscription(await _services(request).subscriptions.plan(principal)))


async def stripe_subscription(request: Request) -> Response:
    principal = await caller(request)
    found = await _services(request).subscriptions.required(principal)
    return JSON(rep.stripe_subscription(found))


async def update_stripe_subscription(request: Request) -> Response:
    principal = await caller(request, write=True)
    inputs = Inputs(request)
    body = await inputs.json_object()
    inputs.valid()
    subscriptions = _services(request).subscriptions
    updated = await subscriptions.update(principal, await subscriptions.change_from(body))
    return JSON(rep.stripe_subscription(updated))


async def billing_history(request: Request) -> Response:
    principal = await caller(request)
    found = await _services(request).subscriptions.all_invoices(principal)
    return JSON([rep.invoice(item) for item in found])


async def stripe_checkout(request: Request) -> Response:
    principal = await caller(request, write=True)
    inputs = Inputs(request)
    body = await inputs.json_object()
    inputs.valid()
    checkout = await _services(request).subscriptions.checkout(
        principal, body.get("subscriptionId")
    )
    return JSON(
        {"url": checkout.url, "successUrl": checkout.success_url, "cancelUrl": checkout.cancel_url}
    )


async def whitelist_ips(request: Request) -> Response:
    await caller(request)
    return JSON(_services(request).exchange_access.whitelist_ips())


async def notification_method(request: Request) -> Response:
    principal = await caller(request)
    method = await _services(request).notifications.method(principal)
    return JSON(rep.notification_method(method))


async def get_notification_settings(request: Request) -> Response:
    principal = await caller(request)
    settings = await _services(request).notifications.settings(principal)
    return JSON(rep.notification_settings(settings))


async def put_notification_settings(request: Request) -> Response:
    principal = await caller(request, write=True)
    inputs = Inputs(request)
    body = await inputs.json_object()
    inputs.valid()
    changes = parse_switch_changes(body)
    settings = await _services(request).notifications.update_settings(principal, changes)
    return JSON(rep.notification_settings(settings))


ROUTES = [
    Endpoint(
        "GET",
        "/priv/account/profile",
        get_profile,
        Contract("The caller's profile", private=True, response=rep.ProfileBody),
    ),
    Endpoint(
        "PUT",
        "/priv/account/profile",
        put_profile,
        Contract(
            "Changes the caller's profile (any of its fields)",
            private=True,
            body=bodies.ProfileChanges,
            response=rep.ProfileBody,
        ),
    ),
    Endpoint(
        "GET",
        "/priv/account/exchange/whitelist/ip",
        whitelist_ips,
        Contract("The IPs to whitelist on an exchange key", private=True, response=list[str]),
    ),
    Endpoint(
        "GET",
        "/priv/account/subscription",
        subscription,
        Contract("The caller's plan", private=True, response=rep.UserSubscriptionBody),
    ),
    Endpoint(
        "GET",
        "/priv/account/subscription/stripe",
        stripe_subscription,
        Contract(
            "The caller's Stripe subscription (433 3104 without one)",
            private=True,
            response=rep.StripeSubscriptionBody,
        ),
    ),
    Endpoint(
        "PUT",
        "/priv/account/subscription/stripe",
        update_stripe_subscription,
        Contract(
            "Cancels at period end, resumes, or moves to another public plan",
            private=True,
            body=bodies.SubscriptionChanges,
            response=rep.StripeSubscriptionBody,
        ),
    ),
    Endpoint(
        "POST",
        "/priv/account/subscription/stripe/checkout",
        stripe_checkout,
        Contract(
            "A Stripe Checkout page that subscribes the caller to a public plan",
            private=True,
            body=bodies.Checkout,
            response=rep.CheckoutBody,
        ),
    ),
    Endpoint(
        "GET",
        "/priv/account/subscription/stripe/billing/history",
        billing_history,
        Contract("The caller's paid invoices", private=True, response=list[rep.InvoiceBody]),
    ),
    Endpoint(
        "GET",
        "/priv/account/notification/method",
        notification_method,
        Contract(
            "The Telegram bot and the code that links it",
            private=True,
            response=rep.NotificationMethodBody,
        ),
    ),
    Endpoint(
        "GET",
        "/priv/account/notification",
        get_notification_settings,
        Contract(
            "The caller's alert switches", private=True, response=rep.NotificationSettingsBody
        ),
    ),
    Endpoint(
        "PUT",
        "/priv/account/notification",
        put_notification_settings,
        Contract(
            "Changes the caller's alert switches (any of them)",
            private=True,
            body=bodies.NotificationChanges,
            response=rep.NotificationSettingsBody,
        ),
    ),
]
