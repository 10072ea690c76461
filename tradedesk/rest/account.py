"""v1 account routes: profile, notification method and settings, whitelist IPs, the plan."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tradedesk.domain.notifications import parse_switch_changes
from tradedesk.domain.profiles import parse_profile_changes
from tradedesk.domain.services import Services
from tradedesk.rest import representations as rep
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
    changes = parse_profile_changes(body, location="body")
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
    updated = await _services(request).subscriptions.update(principal, body, location="body")
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
        principal, body.get("subscriptionId"), location="body"
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
    changes = parse_switch_changes(body, location="body")
    settings = await _services(request).notifications.update_settings(
        principal, changes, location="body"
    )
    return JSON(rep.notification_settings(settings))


ROUTES = [
    Route("/priv/account/profile", get_profile, methods=["GET"]),
    Route("/priv/account/profile", put_profile, methods=["PUT"]),
    Route("/priv/account/exchange/whitelist/ip", whitelist_ips, methods=["GET"]),
    Route("/priv/account/subscription", subscription, methods=["GET"]),
    Route("/priv/account/subscription/stripe", stripe_subscription, methods=["GET"]),
    Route("/priv/account/subscription/stripe", update_stripe_subscription, methods=["PUT"]),
    Route("/priv/account/subscription/stripe/checkout", stripe_checkout, methods=["POST"]),
    Route("/priv/account/subscription/stripe/billing/history", billing_history, methods=["GET"]),
    Route("/priv/account/notification/method", notification_method, methods=["GET"]),
    Route("/priv/account/notification", get_notification_settings, methods=["GET"]),
    Route("/priv/account/notification", put_notification_settings, methods=["PUT"]),
]
