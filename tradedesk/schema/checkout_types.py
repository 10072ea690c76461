"""GraphQL types of starting and changing a subscription: a Stripe Checkout page, and the
v1 PUT's fields."""

from __future__ import annotations

import strawberry

from tradedesk.schema.account_types import FieldErrorType
from tradedesk.schema.billing_types import StripeSubscriptionType


@strawberry.type(name="CheckoutSession", description="A Stripe Checkout page to subscribe on.")
class CheckoutSessionType:
    url: str
    success_url: str
    cancel_url: str


@strawberry.type
class CheckoutSessionPayload:
    checkout_session: CheckoutSessionType | None
    errors: list[FieldErrorType]


@strawberry.input(description="Only the given fields change (the v1 PUT body).")
class UpdateSubscriptionInput:
    cancel_at_period_end: bool | None = strawberry.UNSET
    subscription_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="A public plan to move to, prorated."
    )


@strawberry.type
class SubscriptionPayload:
    subscription: StripeSubscriptionType | None
    errors: list[FieldErrorType]
