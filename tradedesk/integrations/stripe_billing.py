"""Stripe through its official SDK (`StripeClient`, async over httpx), as the billing port.

`TRADEDESK_STRIPE_API_BASE` points the SDK elsewhere (the tests' local stand-in). Calls time
out after a few seconds and the SDK retries network failures twice; whatever Stripe still
cannot answer is `Unavailable` (503), never a 500. Webhook deliveries are verified with the
SDK's own `Stripe-Signature` check (5 minutes' tolerance).

A subscription is read as current API versions shape it: the period on `items.data[0]`, the
plan from `items.data[0].price.metadata.plan_id` (written by `tradedesk stripe sync`), the
user from the subscription's `metadata.user_id` (written at checkout).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import stripe

from tradedesk.domain.errors import Unavailable, UnverifiedDelivery
from tradedesk.domain.stripe_webhooks import BillingEvent
from tradedesk.domain.subscriptions import StripeSubscription, SubscriptionStatus

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
        try:
            raw = await self._client.v1.subscriptions.retrieve_async(subscription_id)
        except stripe.StripeError as error:
            log.warning("stripe: subscription %s could not be read: %s", subscription_id, error)
            raise Unavailable("stripe") from None
        return _subscription(raw.to_dict())


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
        current_period_start=_time(item["current_period_start"]),  # type: ignore[arg-type]
        current_period_end=_time(item["current_period_end"]),  # type: ignore[arg-type]
        trial_start=_time(raw.get("trial_start")),
        trial_end=_time(raw.get("trial_end")),
        amount=int(price.get("unit_amount") or 0),
        currency=price["currency"],
        interval=recurring.get("interval", "month"),
        trial_period_days=recurring.get("trial_period_days"),
        created_at=_time(raw["created"]),  # type: ignore[arg-type]
    )


def _time(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC)
