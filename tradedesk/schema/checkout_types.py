"""GraphQL types of starting a subscription: a Stripe Checkout page."""

from __future__ import annotations

import strawberry

from tradedesk.schema.account_types import FieldErrorType


@strawberry.type(name="CheckoutSession", description="A Stripe Checkout page to subscribe on.")
class CheckoutSessionType:
    url: str
    success_url: str
    cancel_url: str


@strawberry.type
class CheckoutSessionPayload:
    checkout_session: CheckoutSessionType | None
    errors: list[FieldErrorType]
