"""Subscriptions, invoices and Stripe events as the billing rules see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SubscriptionStatus(StrEnum):
    """Stripe's subscription statuses."""

    INCOMPLETE = "incomplete"
    INCOMPLETE_EXPIRED = "incomplete_expired"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELED = "canceled"
    UNPAID = "unpaid"
    PAUSED = "paused"


ENTITLING = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING})


@dataclass(frozen=True, slots=True)
class BillingTerms:
    """What Stripe says of a subscription, whoever it belongs to: its state, its periods and
    the price of its (single) item."""

    status: SubscriptionStatus
    cancel_at_period_end: bool
    cancel_at: datetime | None
    current_period_start: datetime
    current_period_end: datetime
    trial_start: datetime | None
    trial_end: datetime | None
    amount: int  # cents a period
    currency: str
    interval: str  # day, week, month or year
    trial_period_days: int | None
    created_at: datetime  # Stripe's creation time: a user's first subscription is the oldest

    @property
    def entitles(self) -> bool:
        return self.status in ENTITLING


@dataclass(frozen=True, slots=True)
class Subscription(BillingTerms):
    """A user's Stripe subscription, as the platform keeps it."""

    id: str  # Stripe's sub_...
    user_id: str
    customer_id: str  # Stripe's cus_...
    plan_id: str  # the platform's plan its price sells


@dataclass(frozen=True, slots=True)
class StripeSubscription(BillingTerms):
    """A subscription as Stripe shows it. The platform's user and plan are only what Stripe's
    metadata names: `user_id` on the subscription (set at checkout), `plan_id` on its price
    (set by `stripe sync`)."""

    id: str
    customer_id: str
    user_id: str | None
    plan_id: str | None

    def kept_for(self, user_id: str, plan_id: str) -> Subscription:
        """The row the platform keeps of it, once its user and plan are known."""
        terms = {name: getattr(self, name) for name in BillingTerms.__dataclass_fields__}
        return Subscription(
            **terms, id=self.id, user_id=user_id, customer_id=self.customer_id, plan_id=plan_id
        )


@dataclass(frozen=True, slots=True)
class Invoice:
    """A paid Stripe invoice, as the billing history lists it."""

    id: str
    number: str | None
    currency: str
    amount_paid: int  # cents
    period_start: datetime | None
    period_end: datetime | None
    hosted_url: str | None
    pdf: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class InvoicePage:
    invoices: list[Invoice]  # newest first
    has_more: bool


@dataclass(frozen=True, slots=True)
class Checkout:
    """A Stripe Checkout page that subscribes the user, and where it sends them after."""

    url: str
    success_url: str
    cancel_url: str


@dataclass(frozen=True, slots=True)
class CheckoutPages:
    """Where Stripe Checkout sends users back to (`TRADEDESK_CHECKOUT_*_URL`)."""

    success_url: str
    cancel_url: str


@dataclass(frozen=True, slots=True)
class BillingEvent:
    """What the platform reads of a verified Stripe event."""

    id: str
    type: str
    subscription_id: str | None
    user_id: str | None = None  # a checkout's client_reference_id
