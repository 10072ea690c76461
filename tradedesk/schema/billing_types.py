"""GraphQL types of billing: the caller's Stripe subscription, the v1 fields."""

from __future__ import annotations

from datetime import datetime

import strawberry

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
    def plan(self) -> SubscriptionPriceType:
        return SubscriptionPriceType(
            amount=self.amount,  # type: ignore[attr-defined]
            currency=self.currency,  # type: ignore[attr-defined]
            interval=self.interval,  # type: ignore[attr-defined]
            trial_period_days=self.trial_period_days,  # type: ignore[attr-defined]
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
