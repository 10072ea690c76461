"""A local stand-in for the Stripe API endpoints Tradedesk calls, in Stripe's documented JSON
(current API versions: the period on `items.data[0]`), and Stripe's webhook signing scheme.

The real stripe SDK talks to it through `TRADEDESK_STRIPE_API_BASE`. localstripe was tried and
lacks what billing uses (Prices, Checkout Sessions, the item-level period), so this serves
just those endpoints, from memory: subscriptions, products, prices (by lookup key), customers,
checkout and portal sessions and invoices, with Stripe's list pages and idempotency keys."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
import time
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

WEBHOOK = "/webhooks/stripe"
API_KEY = "sk_test_tradedesk_standin"
WEBHOOK_SECRET = "whsec_tradedesk_standin"
DAY = 86_400


def _not_found(what: str, name: str) -> JSONResponse:
    error = {"type": "invalid_request_error", "message": f"No such {what}: '{name}'"}
    return JSONResponse({"error": error}, status_code=404)


class StripeStandIn:
    def __init__(self) -> None:
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.products: dict[str, dict[str, Any]] = {}
        self.prices: dict[str, dict[str, Any]] = {}
        self.customers: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.prorations: list[tuple[str, str | None]] = []  # (subscription, behaviour) per change
        self.invoices: dict[str, dict[str, Any]] = {}
        self.list_calls: list[dict[str, Any]] = []  # the parameters of every list asked for
        self.posts: list[tuple[str, str | None]] = []  # (path, Idempotency-Key) of every POST
        self.failing = False  # while set, every call answers 500
        self._ids = itertools.count(1)
        self._replies: dict[str, Any] = {}  # by idempotency key, as Stripe keeps them

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

    def invoice(self, customer: str, *, amount: int, created: int, status: str = "paid") -> dict:
        """An invoice of the customer, as Stripe finalises it."""
        invoice_id = f"in_{next(self._ids):014d}"
        self.invoices[invoice_id] = {
            "id": invoice_id,
            "object": "invoice",
            "customer": customer,
            "status": status,
            "number": f"AF046ED1-{len(self.invoices) + 1:04d}",
            "currency": "usd",
            "amount_paid": amount if status == "paid" else 0,
            "period_start": created,
            "period_end": created + 30 * DAY,
            "hosted_invoice_url": f"https://invoice.stripe.com/i/{invoice_id}",
            "invoice_pdf": f"https://pay.stripe.com/invoice/{invoice_id}/pdf",
            "created": created,
        }
        return self.invoices[invoice_id]

    def complete_checkout(self, session_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The customer paid: Stripe creates the subscription the session was for. Returns the
        subscription and the `checkout.session.completed` event object."""
        session = self.sessions[session_id]
        price = self.prices[session["line_items"][0]["price"]]
        user_id = session["subscription_data"]["metadata"]["user_id"]
        subscription = self.subscribe(
            user_id=user_id,
            plan_id=price["metadata"]["plan_id"],
            customer=session["customer"],
            amount=price["unit_amount"],
        )
        subscription["items"]["data"][0]["price"] = price
        completed = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "subscription",
            "status": "complete",
            "customer": session["customer"],
            "client_reference_id": session["client_reference_id"],
            "subscription": subscription["id"],
        }
        return subscription, completed

    def app(self) -> Starlette:
        def failure(status: int, kind: str, message: str) -> JSONResponse:
            return JSONResponse({"error": {"type": kind, "message": message}}, status_code=status)

        def endpoint(handler):  # type: ignore[no-untyped-def]
            """Stripe's key check, outage switch and idempotency keys around a handler."""

            async def run(request: Request) -> Response:
                if request.headers.get("authorization") != f"Bearer {API_KEY}":
                    return failure(401, "invalid_request_error", "Invalid API Key provided")
                if self.failing:
                    return failure(500, "api_error", "An unknown error occurred")
                params = _decode(parse_qsl((await request.body()).decode() or request.url.query))
                key = request.headers.get("idempotency-key")
                if request.method == "POST":
                    self.posts.append((request.url.path, key))
                if key is not None and key in self._replies:
                    return JSONResponse(self._replies[key])
                answer = handler(request, params)
                if isinstance(answer, Response):
                    return answer
                if key is not None and request.method == "POST":
                    self._replies[key] = answer
                return JSONResponse(answer)

            return run

        def retrieve_subscription(request: Request, _params: dict[str, Any]) -> Any:
            found = self.subscriptions.get(request.path_params["id"])
            return found or _not_found("subscription", request.path_params["id"])

        def update_subscription(request: Request, params: dict[str, Any]) -> Any:
            subscription = self.subscriptions.get(request.path_params["id"])
            if subscription is None:
                return _not_found("subscription", request.path_params["id"])
            item = subscription["items"]["data"][0]
            if "cancel_at_period_end" in params:
                cancel = params["cancel_at_period_end"] == "true"
                subscription["cancel_at_period_end"] = cancel
                subscription["cancel_at"] = item["current_period_end"] if cancel else None
            for change in params.get("items", []):
                assert change["id"] == item["id"], "an item of another subscription"
                item["price"] = self.prices[change["price"]]
                self.prorations.append((subscription["id"], params.get("proration_behavior")))
            return subscription

        def page(items: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
            """Stripe's list pages: newest first, `limit` at most, after `starting_after`."""
            self.list_calls.append(params)
            items = sorted(items, key=lambda item: (item["created"], item["id"]), reverse=True)
            after = params.get("starting_after")
            if after is not None:
                ids = [item["id"] for item in items]
                if after not in ids:
                    return _not_found("object", after)  # Stripe's 404 for an unknown cursor
                items = items[ids.index(after) + 1 :]
            limit = int(params.get("limit", 10))
            return {"object": "list", "data": items[:limit], "has_more": len(items) > limit}

        def list_invoices(_request: Request, params: dict[str, Any]) -> Any:
            found = [
                i
                for i in self.invoices.values()
                if i["customer"] == params.get("customer")
                and params.get("status") in (None, i["status"])
            ]
            return page(found, params)

        def list_subscriptions(_request: Request, params: dict[str, Any]) -> Any:
            return page(list(self.subscriptions.values()), params)

        def create_portal_session(_request: Request, params: dict[str, Any]) -> Any:
            session_id = f"bps_{next(self._ids):014d}"
            return {
                "id": session_id,
                "object": "billing_portal.session",
                "customer": params["customer"],
                "return_url": params["return_url"],
                "url": f"https://billing.stripe.com/p/session/{session_id}",
            }

        def retrieve_product(request: Request, _params: dict[str, Any]) -> Any:
            found = self.products.get(request.path_params["id"])
            return found or _not_found("product", request.path_params["id"])

        def create_product(_request: Request, params: dict[str, Any]) -> Any:
            product = {"object": "product", "active": True, "metadata": {}, **params}
            self.products[product["id"]] = product
            return product

        def update_product(request: Request, params: dict[str, Any]) -> Any:
            product = self.products[request.path_params["id"]]
            product.update(params)
            return product

        def list_prices(_request: Request, params: dict[str, Any]) -> Any:
            keys = params.get("lookup_keys", [])
            found = [p for p in self.prices.values() if p["lookup_key"] in keys and p["active"]]
            return {"object": "list", "data": found[: int(params.get("limit", 10))]}

        def create_price(_request: Request, params: dict[str, Any]) -> Any:
            if params.get("transfer_lookup_key") == "true":
                for other in self.prices.values():
                    if other["lookup_key"] == params.get("lookup_key"):
                        other["lookup_key"] = None
            price = {
                "id": f"price_{next(self._ids):014d}",
                "object": "price",
                "active": True,
                "product": params["product"],
                "currency": params["currency"],
                "unit_amount": int(params["unit_amount"]),
                "recurring": {
                    "interval": params["recurring"]["interval"],
                    "trial_period_days": None,
                },
                "lookup_key": params.get("lookup_key"),
                "metadata": params.get("metadata", {}),
            }
            self.prices[price["id"]] = price
            return price

        def create_customer(_request: Request, params: dict[str, Any]) -> Any:
            customer = {
                "id": f"cus_{next(self._ids):014d}",
                "object": "customer",
                "metadata": params.get("metadata", {}),
            }
            self.customers[customer["id"]] = customer
            return customer

        def create_session(_request: Request, params: dict[str, Any]) -> Any:
            session_id = f"cs_test_{next(self._ids):014d}"
            session = {
                "id": session_id,
                "object": "checkout.session",
                "url": f"https://checkout.stripe.com/c/pay/{session_id}",
                **params,
            }
            self.sessions[session_id] = session
            return session

        return Starlette(
            routes=[
                Route("/v1/subscriptions/{id}", endpoint(retrieve_subscription), methods=["GET"]),
                Route("/v1/subscriptions/{id}", endpoint(update_subscription), methods=["POST"]),
                Route("/v1/products/{id}", endpoint(retrieve_product), methods=["GET"]),
                Route("/v1/products/{id}", endpoint(update_product), methods=["POST"]),
                Route("/v1/products", endpoint(create_product), methods=["POST"]),
                Route("/v1/prices", endpoint(list_prices), methods=["GET"]),
                Route("/v1/prices", endpoint(create_price), methods=["POST"]),
                Route("/v1/customers", endpoint(create_customer), methods=["POST"]),
                Route("/v1/checkout/sessions", endpoint(create_session), methods=["POST"]),
                Route("/v1/subscriptions", endpoint(list_subscriptions), methods=["GET"]),
                Route("/v1/invoices", endpoint(list_invoices), methods=["GET"]),
                Route(
                    "/v1/billing_portal/sessions",
                    endpoint(create_portal_session),
                    methods=["POST"],
                ),
            ]
        )


def _decode(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (`line_items[0][price]=...`) back into objects and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    node = {key: _lists(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


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


async def deliver(client: Any, payload: dict[str, Any], signature: str | None = None) -> Any:
    """Stripe delivering an event to the app's webhook, signed (or with `signature`)."""
    body, header = signed(payload)
    headers = {"stripe-signature": signature if signature is not None else header}
    return await client.post(WEBHOOK, content=body, headers=headers)
