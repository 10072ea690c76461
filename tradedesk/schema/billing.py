"""GraphQL types and mutations of billing: the caller's Stripe subscription (the v1 fields),
invoices, Checkout pages and the billing portal."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tradedesk.domain.billing.model import BillingTerms, Checkout, Subscription
from tradedesk.domain.errors import FieldError
from tradedesk.resolvers import account
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.field_errors import field_errors
from tradedesk.schema.inputs import given_fields
from tradedesk.schema.paging import PageInfo


@strawberry.type(name="SubscriptionPrice", description="What a period costs (the v1 `plan`).")
class SubscriptionPriceType:
    amount: int = strawberry.field(description="Cents a period.")
    currency: str
    interval: str = strawberry.field(description="day, week, month or year")
    trial_period_days: int | None


@strawberry.type(
    name="StripeSubscription", description="The caller's active (or trialing) subscription."
)
class StripeSubscriptionType:
    status: str
    cancel_at_period_end: bool
    cancel_at: datetime | None
    current_period_start: datetime
    current_period_end: datetime
    trial_start: datetime | None
    trial_end: datetime | None

    @strawberry.field(description="The v1 `plan`: the price of the subscription.")
    def plan(self, root: BillingTerms) -> SubscriptionPriceType:
        return SubscriptionPriceType(
            amount=root.amount,
            currency=root.currency,
            interval=root.interval,
            trial_period_days=root.trial_period_days,
        )


@strawberry.type(name="Invoice", description="A paid invoice (the v1 billing history's fields).")
class InvoiceType:
    number: str | None
    currency: str
    amount_paid: int = strawberry.field(description="Cents.")
    period_start: datetime | None
    period_end: datetime | None
    hosted_url: str | None
    pdf: str | None
    created_at: datetime


@strawberry.type
class InvoiceEdge:
    cursor: str
    node: InvoiceType


@strawberry.type
class InvoiceConnection:
    edges: list[InvoiceEdge]
    page_info: PageInfo


@strawberry.type(name="CheckoutSession", description="A Stripe Checkout page to subscribe on.")
class CheckoutSessionType:
    url: str
    success_url: str
    cancel_url: str


@strawberry.type
class CheckoutSessionPayload:
    checkout_session: Checkout | None = strawberry.field(graphql_type=CheckoutSessionType | None)
    errors: list[FieldError] = field_errors()


@strawberry.input(description="Only the given fields change (the v1 PUT body).")
class UpdateSubscriptionInput:
    cancel_at_period_end: bool | None = strawberry.UNSET
    subscription_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="A public plan to move to, prorated."
    )


@strawberry.type
class SubscriptionPayload:
    subscription: Subscription | None = strawberry.field(graphql_type=StripeSubscriptionType | None)
    errors: list[FieldError] = field_errors()


@strawberry.type
class BillingMutation:
    """The caller's subscription."""

    @strawberry.mutation(
        description="A Stripe Checkout page subscribing the caller to a public plan (the v1 "
        "checkout: 2100 for a plan not on sale, 3109 with a subscription already)."
    )
    async def create_checkout_session(
        self, info: GraphInfo, subscription_id: strawberry.ID
    ) -> CheckoutSessionPayload:
        checkout, errors = await account.create_checkout_session(info, subscription_id)
        return CheckoutSessionPayload(
            checkout_session=checkout,
            errors=errors,
        )

    @strawberry.mutation(
        description="Cancel at the period's end (or not) and/or move to another public plan."
    )
    async def update_subscription(
        self, info: GraphInfo, input: UpdateSubscriptionInput
    ) -> SubscriptionPayload:
        subscription, errors = await account.update_subscription(info, given_fields(input, info))
        return SubscriptionPayload(
            subscription=subscription,
            errors=errors,
        )

    @strawberry.mutation(
        description="Stripe's customer portal, where the caller changes cards and sees invoices "
        "(3104 for a user who never subscribed); answers its URL."
    )
    async def create_billing_portal_session(self, info: GraphInfo) -> str:
        return await account.billing_portal(info)
