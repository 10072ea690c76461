"""Stripe through its official SDK (`StripeClient`, async over httpx), as the billing port.

`TRADEDESK_STRIPE_API_BASE` points the SDK elsewhere (the tests' local stand-in). Calls time
out after a few seconds and the SDK retries network failures twice; whatever Stripe still
cannot answer is `Unavailable` (503), never a 500. Webhook deliveries are verified with the
SDK's own `Stripe-Signature` check (5 minutes' tolerance).

Each public plan is a Stripe product with the id `tradedesk-plan-<plan id>` and one active
monthly price found by the lookup key `tradedesk-plan-<plan id>-monthly`; a changed price is a
new price that takes the lookup key over (Stripe's prices are immutable). Every create carries
an idempotency key, so the SDK's retries never make two; a customer's is derived from the
user, so even racing requests make one.

A subscription is read as current API versions shape it: the period on `items.data[0]`, the
plan from `items.data[0].price.metadata.plan_id` (written by `tradedesk stripe sync`), the
user from the subscription's `metadata.user_id` (written at checkout).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import stripe
from stripe.params import InvoiceListParams, SubscriptionUpdateParams

from tradedesk.domain.billing.model import (
    BillingEvent,
    Invoice,
    InvoicePage,
    StripeSubscription,
    SubscriptionStatus,
)
from tradedesk.domain.catalog.model import Plan
from tradedesk.domain.errors import InvalidValue, Unavailable, UnverifiedDelivery

TIMEOUT_SECONDS = 10.0
NETWORK_RETRIES = 2

log = logging.getLogger("tradedesk.stripe")


class StripeBilling:
    def __init__(self, api_key: str, api_base: str, webhook_secret: str | None) -> None:
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base},
            http_client=stripe.HTTPXClient(timeout=TIMEOUT_SECONDS),
            max_network_retries=NETWORK_RETRIES,
        )
        self._webhook_secret = webhook_secret

    def verify_event(self, payload: bytes, signature: str | None) -> BillingEvent:
        if not self._webhook_secret or not signature:
            raise UnverifiedDelivery
        try:
            event = stripe.Webhook.construct_event(payload, signature, self._webhook_secret)
        except (stripe.SignatureVerificationError, ValueError):
            raise UnverifiedDelivery from None
        found = event.data.object.to_dict()
        if found.get("object") == "subscription":
            subscription = found.get("id")
        else:  # a checkout session or an invoice names its subscription
            parent = (found.get("parent") or {}).get("subscription_details") or {}
            subscription = found.get("subscription") or parent.get("subscription")
        return BillingEvent(
            id=event.id,
            type=event.type,
            subscription_id=subscription if isinstance(subscription, str) else None,
            user_id=found.get("client_reference_id"),
        )

    async def subscription(self, subscription_id: str) -> StripeSubscription:
        async with _answered(f"subscription {subscription_id}"):
            raw = await self._client.v1.subscriptions.retrieve_async(subscription_id)
        return _subscription(raw.to_dict())

    async def all_subscriptions(self) -> AsyncIterator[StripeSubscription]:
        async with _answered("the list of subscriptions"):
            listed = await self._client.v1.subscriptions.list_async({"status": "all", "limit": 100})
            async for raw in listed.auto_paging_iter():
                yield _subscription(raw.to_dict())

    async def paid_invoices(
        self, customer_id: str, *, limit: int, starting_after: str | None
    ) -> InvoicePage:
        params: InvoiceListParams = {"customer": customer_id, "status": "paid", "limit": limit}
        if starting_after is not None:
            params["starting_after"] = starting_after
        async with _answered(f"the invoices of {customer_id}"):
            try:
                listed = await self._client.v1.invoices.list_async(params)
            except stripe.InvalidRequestError:
                if starting_after is None:
                    raise
                raise InvalidValue("must be a cursor this listing gave") from None
        return InvoicePage(
            [_invoice(raw.to_dict()) for raw in listed.data], has_more=bool(listed.has_more)
        )

    async def portal_url(self, customer_id: str, *, return_url: str) -> str:
        async with _answered(f"a portal session of {customer_id}"):
            session = await self._client.v1.billing_portal.sessions.create_async(
                {"customer": customer_id, "return_url": return_url}
            )
        return session.url

    async def update_subscription(
        self, subscription_id: str, *, cancel_at_period_end: bool | None, price_id: str | None
    ) -> StripeSubscription:
        changes: SubscriptionUpdateParams = {}
        if cancel_at_period_end is not None:
            changes["cancel_at_period_end"] = cancel_at_period_end
        async with _answered(f"subscription {subscription_id}"):
            if price_id is not None:  # the one item moves to the new price, prorated
                current = await self._client.v1.subscriptions.retrieve_async(subscription_id)
                item = current["items"]["data"][0]["id"]
                changes["items"] = [{"id": item, "price": price_id}]
                changes["proration_behavior"] = "create_prorations"
            updated = await self._client.v1.subscriptions.update_async(subscription_id, changes)
        return _subscription(updated.to_dict())

    async def price_of(self, plan: Plan) -> str | None:
        async with _answered(f"the price of {plan.name}"):
            price = await self._current_price(plan)
        return None if price is None else price.id

    async def sync_plan(self, plan: Plan) -> bool:
        changed = False
        product_id = f"tradedesk-plan-{plan.id}"
        async with _answered(f"the product of {plan.name}"):
            try:
                product = await self._client.v1.products.retrieve_async(product_id)
            except stripe.InvalidRequestError:
                product = None
            if product is None:
                await self._client.v1.products.create_async(
                    {"id": product_id, "name": plan.name, "metadata": {"plan_id": plan.id}},
                    {"idempotency_key": f"{product_id}-create"},
                )
                changed = True
            elif product.name != plan.name:
                await self._client.v1.products.update_async(product_id, {"name": plan.name})
                changed = True
            amount = int((Decimal(str(plan.monthly_price_usd)) * 100).to_integral_value())
            current = await self._current_price(plan)
            if current is None or current.unit_amount != amount or current.currency != "usd":
                await self._client.v1.prices.create_async(
                    {
                        "product": product_id,
                        "currency": "usd",
                        "unit_amount": amount,
                        "recurring": {"interval": "month"},
                        "lookup_key": _lookup_key(plan),
                        "transfer_lookup_key": True,
                        "metadata": {"plan_id": plan.id},
                    },
                    {"idempotency_key": f"tradedesk-price-{uuid.uuid4()}"},
                )
                changed = True
        return changed

    async def create_customer(self, user_id: str) -> str:
        async with _answered("a new customer"):
            customer = await self._client.v1.customers.create_async(
                {"metadata": {"user_id": user_id}},
                {"idempotency_key": f"tradedesk-customer-{user_id}"},
            )
        return customer.id

    async def checkout_url(
        self, *, customer_id: str, price_id: str, user_id: str, success_url: str, cancel_url: str
    ) -> str:
        async with _answered("a checkout session"):
            session = await self._client.v1.checkout.sessions.create_async(
                {
                    "mode": "subscription",
                    "customer": customer_id,
                    "client_reference_id": user_id,
                    "line_items": [{"price": price_id, "quantity": 1}],
                    "subscription_data": {"metadata": {"user_id": user_id}},
                    "success_url": success_url,
                    "cancel_url": cancel_url,
                },
                {"idempotency_key": f"tradedesk-checkout-{uuid.uuid4()}"},
            )
        if session.url is None:  # Stripe gives hosted sessions a URL; anything else is a bug
            raise Unavailable("stripe made a checkout session without a URL")
        return session.url

    async def _current_price(self, plan: Plan) -> Any:
        """The active price holding the plan's lookup key, or None."""
        prices = await self._client.v1.prices.list_async(
            {"lookup_keys": [_lookup_key(plan)], "active": True, "limit": 1}
        )
        return prices.data[0] if prices.data else None


@asynccontextmanager
async def _answered(what: str) -> AsyncIterator[None]:
    """Stripe's failures as the taxonomy has them: whatever Stripe could not answer is
    `Unavailable` (503), logged with Stripe's message."""
    try:
        yield
    except stripe.StripeError as error:
        log.warning("stripe: %s failed: %s", what, error)
        raise Unavailable("stripe") from None


def _lookup_key(plan: Plan) -> str:
    return f"tradedesk-plan-{plan.id}-monthly"


def _subscription(raw: dict[str, Any]) -> StripeSubscription:
    item = raw["items"]["data"][0]
    price = item["price"]
    recurring = price.get("recurring") or {}
    return StripeSubscription(
        id=raw["id"],
        customer_id=raw["customer"],
        user_id=(raw.get("metadata") or {}).get("user_id"),
        plan_id=(price.get("metadata") or {}).get("plan_id"),
        status=SubscriptionStatus(raw["status"]),
        cancel_at_period_end=bool(raw.get("cancel_at_period_end")),
        cancel_at=_time(raw.get("cancel_at")),
        current_period_start=_moment(item["current_period_start"]),
        current_period_end=_moment(item["current_period_end"]),
        trial_start=_time(raw.get("trial_start")),
        trial_end=_time(raw.get("trial_end")),
        amount=int(price.get("unit_amount") or 0),
        currency=price["currency"],
        interval=recurring.get("interval", "month"),
        trial_period_days=recurring.get("trial_period_days"),
        created_at=_moment(raw["created"]),
    )


def _invoice(raw: dict[str, Any]) -> Invoice:
    return Invoice(
        id=raw["id"],
        number=raw.get("number"),
        currency=raw["currency"],
        amount_paid=int(raw.get("amount_paid") or 0),
        period_start=_time(raw.get("period_start")),
        period_end=_time(raw.get("period_end")),
        hosted_url=raw.get("hosted_invoice_url"),
        pdf=raw.get("invoice_pdf"),
        created_at=_moment(raw["created"]),
    )


def _time(epoch: int | None) -> datetime | None:
    return None if epoch is None else _moment(epoch)


def _moment(epoch: int) -> datetime:
    """A time Stripe always sends (seconds since the epoch)."""
    return datetime.fromtimestamp(epoch, UTC)
