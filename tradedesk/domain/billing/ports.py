"""Subscriptions as stored and as Stripe keeps them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from typing import Protocol

from tradedesk.domain.alerts.ports import AlertsUnitOfWork
from tradedesk.domain.billing.model import (
    BillingEvent,
    InvoicePage,
    StripeSubscription,
    Subscription,
)
from tradedesk.domain.catalog.model import Plan
from tradedesk.domain.catalog.ports import CatalogUnitOfWork


class SubscriptionRepository(Protocol):
    """The cached copy of users' Stripe subscriptions."""

    async def first_entitling(self, user_id: str) -> Subscription | None:
        """The user's oldest active or trialing subscription."""
        ...

    async def put(self, subscription: Subscription) -> None:
        """Stores the subscription as Stripe now shows it (insert or replace)."""
        ...


class StripeEventRepository(Protocol):
    """Stripe event ids already acted on."""

    async def claim(self, event_id: str, event_type: str, *, now: datetime) -> bool:
        """True for the first claim of the id, False ever after (and for a racing twin)."""
        ...


class BillingCustomerRepository(Protocol):
    """Which Stripe customer is which user."""

    async def user_of(self, customer_id: str) -> str | None: ...

    async def customer_of(self, user_id: str) -> str | None: ...

    async def link(self, user_id: str, customer_id: str, *, now: datetime) -> None:
        """Records the user's customer (a user keeps their first)."""
        ...


class BillingGateway(Protocol):
    """Stripe, in the platform's words."""

    def verify_event(self, payload: bytes, signature: str | None) -> BillingEvent:
        """The event a webhook delivery carries; `UnverifiedDelivery` unless its
        `Stripe-Signature` proves it came from Stripe, recently."""
        ...

    async def subscription(self, subscription_id: str) -> StripeSubscription:
        """The subscription as Stripe shows it now; `Unavailable` when Stripe cannot say."""
        ...

    async def update_subscription(
        self, subscription_id: str, *, cancel_at_period_end: bool | None, price_id: str | None
    ) -> StripeSubscription:
        """Sets cancel-at-period-end and/or moves the subscription to a price (prorated)."""
        ...

    def all_subscriptions(self) -> AsyncIterator[StripeSubscription]:
        """Every subscription Stripe holds, whatever its status, page by page."""
        ...

    async def paid_invoices(
        self, customer_id: str, *, limit: int, starting_after: str | None
    ) -> InvoicePage:
        """One page of the customer's paid invoices, newest first."""
        ...

    async def portal_url(self, customer_id: str, *, return_url: str) -> str:
        """Stripe's customer portal, where the customer manages cards and invoices."""
        ...

    async def price_of(self, plan: Plan) -> str | None:
        """The plan's current monthly price; None for a plan not on sale in Stripe."""
        ...

    async def sync_plan(self, plan: Plan) -> bool:
        """Puts the plan on sale (its product and monthly price); whether anything changed."""
        ...

    async def create_customer(self, user_id: str) -> str:
        """A new customer for the user (one, however often a create is retried)."""
        ...

    async def checkout_url(
        self, *, customer_id: str, price_id: str, user_id: str, success_url: str, cancel_url: str
    ) -> str:
        """A hosted checkout that subscribes the customer to the price."""
        ...


class PausedFollow(Protocol):
    """A follow that billing paused, as far as its notice needs it."""

    @property
    def id(self) -> str: ...

    @property
    def key_id(self) -> str: ...

    @property
    def symbol(self) -> str: ...


class AutomationSwitch(Protocol):
    """What billing needs of copying: a plan without automation stops a user's follows."""

    async def pause_all(
        self, user_id: str, *, reason: str, now: datetime
    ) -> Sequence[PausedFollow]:
        """Pauses the user's active follows with the reason; the ones it paused."""
        ...


class BillingUnitOfWork(CatalogUnitOfWork, AlertsUnitOfWork, Protocol):
    """A transaction that can change a subscription and apply its plan."""

    @property
    def subscriptions(self) -> SubscriptionRepository: ...

    @property
    def stripe_events(self) -> StripeEventRepository: ...

    @property
    def billing_customers(self) -> BillingCustomerRepository: ...

    @property
    def follows(self) -> AutomationSwitch: ...


BillingUnitOfWorkFactory = Callable[[], BillingUnitOfWork]
