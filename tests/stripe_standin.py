"""A local stand-in for the Stripe API endpoints Tradedesk calls, in Stripe's documented JSON
(current API versions: the period on `items.data[0]`), and Stripe's webhook signing scheme.

The real stripe SDK talks to it through `TRADEDESK_STRIPE_API_BASE`. localstripe was tried and
lacks what billing uses (Prices, Checkout Sessions, the item-level period), so this serves
just those endpoints, from memory."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import time
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

API_KEY = "sk_test_tradedesk_standin"
WEBHOOK_SECRET = "whsec_tradedesk_standin"
DAY = 86_400


def _not_found(what: str, name: str) -> JSONResponse:
    error = {"type": "invalid_request_error", "message": f"No such {what}: '{name}'"}
    return JSONResponse({"error": error}, status_code=404)


class StripeStandIn:
    def __init__(self) -> None:
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.failing = False  # while set, every call answers 500
        self._ids = itertools.count(1)

    def subscribe(
        self,
        *,
        user_id: str | None,
        plan_id: str,
        customer: str = "cus_standin",
        status: str = "active",
        amount: int = 2000,
        **fields: Any,
    ) -> dict[str, Any]:
        """A subscription to a plan's monthly price, as Stripe shows it; `fields` override."""
        now = int(time.time())
        subscription_id = f"sub_{next(self._ids):014d}"
        self.subscriptions[subscription_id] = {
            "id": subscription_id,
            "object": "subscription",
            "customer": customer,
            "status": status,
            "cancel_at_period_end": False,
            "cancel_at": None,
            "canceled_at": None,
            "created": now,
            "trial_start": None,
            "trial_end": None,
            "metadata": {} if user_id is None else {"user_id": user_id},
            "items": {
                "object": "list",
                "data": [
                    {
                        "id": f"si_{subscription_id[4:]}",
                        "object": "subscription_item",
                        "current_period_start": now,
                        "current_period_end": now + 30 * DAY,
                        "price": {
                            "id": f"price_{plan_id[:8]}",
                            "object": "price",
                            "currency": "usd",
                            "unit_amount": amount,
                            "recurring": {"interval": "month", "trial_period_days": None},
                            "metadata": {"plan_id": plan_id},
                        },
                    }
                ],
            },
            **fields,
        }
        return self.subscriptions[subscription_id]

    def app(self) -> Starlette:
        async def retrieve_subscription(request: Request) -> Response:
            if request.headers.get("authorization") != f"Bearer {API_KEY}":
                error = {"type": "invalid_request_error", "message": "Invalid API Key provided"}
                return JSONResponse({"error": error}, status_code=401)
            if self.failing:
                error = {"type": "api_error", "message": "An unknown error occurred"}
                return JSONResponse({"error": error}, status_code=500)
            subscription_id = request.path_params["id"]
            if subscription_id not in self.subscriptions:
                return _not_found("subscription", subscription_id)
            return JSONResponse(self.subscriptions[subscription_id])

        return Starlette(routes=[Route("/v1/subscriptions/{id}", retrieve_subscription)])


def event(event_id: str, event_type: str, found: dict[str, Any]) -> dict[str, Any]:
    """A Stripe event carrying `found` as its `data.object`."""
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": found},
    }


def signed(payload: dict[str, Any], secret: str = WEBHOOK_SECRET) -> tuple[bytes, str]:
    """The body and its `Stripe-Signature` header, by Stripe's documented scheme: an HMAC-SHA256
    of `<timestamp>.<body>` under the endpoint's secret."""
    body = orjson.dumps(payload)
    at = int(time.time())
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return body, f"t={at},v1={digest}"
