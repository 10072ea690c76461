"""A user's Stripe subscription as the platform keeps it, and the plan it entitles them to.

The `subscriptions` rows are a cache of Stripe's truth, written from Stripe's webhooks and by
reconciling with Stripe; the request path never asks Stripe. A user's effective plan is the
plan of their active or trialing subscription, else the configured default plan
(`TRADEDESK_DEFAULT_PLAN`), and every limit check reads it through `Entitlements`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from tradedesk.domain.alerts.recording import record_alerts
from tradedesk.domain.billing.model import (
    Checkout,
    CheckoutPages,
    Invoice,
    InvoicePage,
    StripeSubscription,
    Subscription,
)
from tradedesk.domain.billing.ports import (
    BillingGateway,
    BillingUnitOfWork,
    BillingUnitOfWorkFactory,
)
from tradedesk.domain.catalog.model import Plan
from tradedesk.domain.catalog.public import PublicCatalog
from tradedesk.domain.copying_notices import NoticeKind, notice
from tradedesk.domain.errors import (
    BusinessRuleViolation,
    ErrorCode,
    FieldError,
    InvalidValue,
    ValidationFailed,
)
from tradedesk.domain.ports import Clock, Ids
from tradedesk.domain.principal import Principal
from tradedesk.domain.validation import FieldCollector, parse_boolean

PAUSED_BY_PLAN = "the plan no longer allows automated strategies"
STRIPE_PAGE = 100  # the most a Stripe list gives at once

log = logging.getLogger("tradedesk.subscriptions")


@dataclass(frozen=True, slots=True)
class SubscriptionChange:
    """What a subscription update asks; None leaves it as it is."""

    cancel_at_period_end: bool | None = None
    plan: Plan | None = None


class Entitlements:
    """The one place a user's plan is decided, inside the caller's transaction (so a limit
    checked under the user's lock holds until the write commits)."""

    def __init__(self, default_plan: str, ids: Ids) -> None:
        self._default_plan = default_plan
        self._ids = ids

    async def plan_of(self, uow: BillingUnitOfWork, user_id: str) -> Plan:
        subscription = await uow.subscriptions.first_entitling(user_id)
        if subscription is not None:
            return await uow.catalog.plan(subscription.plan_id)
        return await uow.catalog.plan_named(self._default_plan)

    async def keep_from_stripe(
        self,
        uow: BillingUnitOfWork,
        current: StripeSubscription,
        *,
        now: datetime,
        user_hint: str | None = None,
    ) -> bool:
        """Keeps a subscription as Stripe showed it, for the user its metadata names (else
        `user_hint`, a checkout's client reference, else its customer's user), linking the
        customer to them. False, with nothing written, for a user or plan unknown here."""
        user_id = (
            current.user_id or user_hint or await uow.billing_customers.user_of(current.customer_id)
        )
        if user_id is None or not await uow.users.exists(user_id):
            log.warning("stripe subscription %s: no such user here", current.id)
            return False
        if current.plan_id is None or not await uow.catalog.plan_exists(current.plan_id):
            log.warning("stripe subscription %s: it sells no plan of ours", current.id)
            return False
        await uow.billing_customers.link(user_id, current.customer_id, now=now)
        await self.keep(uow, current.kept_for(user_id, current.plan_id), now=now)
        return True

    async def keep(
        self, uow: BillingUnitOfWork, subscription: Subscription, *, now: datetime
    ) -> None:
        """Stores a subscription as Stripe shows it, then applies the plan that leaves its
        user on: without automation, their active follows are paused with the reason, and
        the user is told of each."""
        await uow.subscriptions.put(subscription)
        user_id = subscription.user_id
        if not (await self.plan_of(uow, user_id)).strategy_automated:
            paused = await uow.follows.pause_all(user_id, reason=PAUSED_BY_PLAN, now=now)
            if paused:
                log.warning("user %s: %d follows paused: %s", user_id, len(paused), PAUSED_BY_PLAN)
            notices = [
                notice(
                    NoticeKind.PAUSED_BY_PLAN,
                    subject=follow.id,
                    key_id=follow.key_id,
                    symbol=follow.symbol,
                    detail=PAUSED_BY_PLAN,
                    at=now,
                )
                for follow in paused
            ]
            await record_alerts(uow, self._ids, [(user_id, n) for n in notices])


class Subscriptions:
    """What a user reads of their subscription, and how they start one."""

    def __init__(
        self,
        *,
        uow_factory: BillingUnitOfWorkFactory,
        entitlements: Entitlements,
        catalog: PublicCatalog,
        billing: BillingGateway | None,
        pages: CheckoutPages,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._entitlements = entitlements
        self._catalog = catalog
        self._billing = billing
        self._pages = pages
        self._clock = clock

    async def plan(self, caller: Principal) -> Plan:
        """The caller's effective plan: the one their subscription pays for, or the default."""
        async with self._uow_factory() as uow:
            return await self._entitlements.plan_of(uow, caller.user_id)

    async def current(self, caller: Principal) -> Subscription | None:
        """The caller's first active (or trialing) subscription, as last heard from Stripe."""
        async with self._uow_factory() as uow:
            return await uow.subscriptions.first_entitling(caller.user_id)

    async def required(self, caller: Principal) -> Subscription:
        """`current`, or 3104 when there is none."""
        subscription = await self.current(caller)
        if subscription is None:
            raise BusinessRuleViolation(ErrorCode.STRIPE_SUBSCRIPTION_MISSING)
        return subscription

    async def checkout(self, caller: Principal, plan_id: object) -> Checkout:
        """A checkout for a public plan: 422 for an unknown plan, 433 2100 for one not on sale
        (private, or billing off), 433 3109 when the caller already has a subscription. The
        caller's Stripe customer is created once and reused."""
        plan = await self._plan(plan_id)
        if self._billing is None or not plan.public:
            raise BusinessRuleViolation(ErrorCode.INVALID_SUBSCRIPTION_TYPE)
        async with self._uow_factory() as uow:
            if await uow.subscriptions.first_entitling(caller.user_id) is not None:
                raise BusinessRuleViolation(ErrorCode.STRIPE_SUBSCRIPTION_EXISTS)
            customer_id = await uow.billing_customers.customer_of(caller.user_id)
        price_id = await self._billing.price_of(plan)
        if price_id is None:  # not synced to Stripe (`tradedesk stripe sync`)
            raise BusinessRuleViolation(ErrorCode.INVALID_SUBSCRIPTION_TYPE)
        if customer_id is None:
            customer_id = await self._customer(caller.user_id)
        url = await self._billing.checkout_url(
            customer_id=customer_id,
            price_id=price_id,
            user_id=caller.user_id,
            success_url=self._pages.success_url,
            cancel_url=self._pages.cancel_url,
        )
        return Checkout(url, self._pages.success_url, self._pages.cancel_url)

    async def change_from(self, fields: Mapping[str, object]) -> SubscriptionChange:
        """The v1 PUT's body, every field checked at once: `cancelAtPeriodEnd` a boolean,
        `subscriptionId` a plan of the catalog (422 otherwise)."""
        c = FieldCollector()
        cancel = None
        if fields.get("cancelAtPeriodEnd") is not None:
            cancel = c.parse("cancelAtPeriodEnd", fields["cancelAtPeriodEnd"], parse_boolean)
        plan = None
        if fields.get("subscriptionId") is not None:
            plans = {p.id: p for p in (await self._catalog.snapshot()).plans}
            plan = c.parse("subscriptionId", fields["subscriptionId"], _plan_in(plans))
        c.raise_if_invalid()
        return SubscriptionChange(cancel_at_period_end=cancel, plan=plan)

    async def update(self, caller: Principal, change: SubscriptionChange) -> Subscription:
        """Cancel at the period's end (or not) and/or move to a public plan, prorated as Stripe
        does by default. 3104 without a subscription, 2100 for a plan not on sale. Stored at
        once, as Stripe answers."""
        cancel, plan = change.cancel_at_period_end, change.plan
        current = await self.required(caller)
        if self._billing is None:
            raise BusinessRuleViolation(ErrorCode.INVALID_SUBSCRIPTION_TYPE)
        price_id = None
        if plan is not None and plan.id != current.plan_id:
            price_id = await self._billing.price_of(plan) if plan.public else None
            if price_id is None:
                raise BusinessRuleViolation(ErrorCode.INVALID_SUBSCRIPTION_TYPE)
        if cancel is None and price_id is None:
            return current
        updated = await self._billing.update_subscription(
            current.id, cancel_at_period_end=cancel, price_id=price_id
        )
        kept = updated.kept_for(caller.user_id, updated.plan_id or current.plan_id)
        async with self._uow_factory() as uow:
            await self._entitlements.keep(uow, kept, now=self._clock.now())
            await uow.commit()
        return kept

    async def invoices(self, caller: Principal, *, first: int, after: str | None) -> InvoicePage:
        """A page of the caller's paid invoices, newest first (`first` 1-100; `after` the
        last invoice id of the previous page); none without a customer. 422 for either out
        of bounds, or for a cursor Stripe does not know."""
        c = FieldCollector()
        c.parse("first", first, _page_size)
        if after is not None:
            c.parse("after", after, _invoice_cursor)
        c.raise_if_invalid()
        customer_id = await self._customer_of(caller)
        if customer_id is None or self._billing is None:
            return InvoicePage([], has_more=False)
        try:
            return await self._billing.paid_invoices(customer_id, limit=first, starting_after=after)
        except InvalidValue as unknown:
            raise ValidationFailed([FieldError("after", after, unknown.msg)]) from None

    async def all_invoices(self, caller: Principal) -> list[Invoice]:
        """Every paid invoice of the caller, through Stripe's pages of a hundred."""
        customer_id = await self._customer_of(caller)
        if customer_id is None or self._billing is None:
            return []
        found: list[Invoice] = []
        after = None
        while True:
            page = await self._billing.paid_invoices(
                customer_id, limit=STRIPE_PAGE, starting_after=after
            )
            found += page.invoices
            if not page.has_more or not page.invoices:
                return found
            after = page.invoices[-1].id

    async def _customer_of(self, caller: Principal) -> str | None:
        async with self._uow_factory() as uow:
            return await uow.billing_customers.customer_of(caller.user_id)

    async def portal_url(self, caller: Principal) -> str:
        """Stripe's customer portal for the caller (cards, invoices, cancelling); 3104 for a
        user who never subscribed."""
        customer_id = await self._customer_of(caller)
        if customer_id is None or self._billing is None:
            raise BusinessRuleViolation(ErrorCode.STRIPE_SUBSCRIPTION_MISSING)
        return await self._billing.portal_url(customer_id, return_url=self._pages.success_url)

    async def reconcile(self) -> int:
        """`tradedesk stripe reconcile`: every subscription Stripe holds, stored again as
        Stripe shows it (after lost webhooks, or to rebuild the cache); how many were kept."""
        if self._billing is None:
            raise LookupError("TRADEDESK_STRIPE_API_KEY is not set")
        kept = 0
        async for current in self._billing.all_subscriptions():
            async with self._uow_factory() as uow:
                if await self._entitlements.keep_from_stripe(uow, current, now=self._clock.now()):
                    await uow.commit()
                    kept += 1
        return kept

    async def put_plans_on_sale(self) -> list[str]:
        """`tradedesk stripe sync`: every public plan as a Stripe product with a monthly price;
        the names of the plans that changed. Safe to run again."""
        if self._billing is None:
            raise LookupError("TRADEDESK_STRIPE_API_KEY is not set")
        plans = (await self._catalog.snapshot()).public_plans
        return [plan.name for plan in plans if await self._billing.sync_plan(plan)]

    async def _plan(self, raw: object) -> Plan:
        plans = {plan.id: plan for plan in (await self._catalog.snapshot()).plans}
        c = FieldCollector()
        plan = c.parse("subscriptionId", raw, _plan_in(plans))
        c.raise_if_invalid()
        assert plan is not None
        return plan

    async def _customer(self, user_id: str) -> str:
        """The user's new Stripe customer, linked to them (the first link wins a race)."""
        assert self._billing is not None
        created = await self._billing.create_customer(user_id)
        async with self._uow_factory() as uow:
            await uow.billing_customers.link(user_id, created, now=self._clock.now())
            linked = await uow.billing_customers.customer_of(user_id)
            await uow.commit()
        assert linked is not None
        return linked


def _plan_in(plans: Mapping[str, Plan]) -> Callable[[object], Plan]:
    def parse(raw: object) -> Plan:
        plan = plans.get(raw.lower()) if isinstance(raw, str) else None
        if plan is None:
            raise InvalidValue("must be valid subscription id")
        return plan

    return parse


def _page_size(first: object) -> int:
    if not isinstance(first, int) or not 1 <= first <= STRIPE_PAGE:
        raise InvalidValue(f"must be 1 to {STRIPE_PAGE}")
    return first


def _invoice_cursor(after: object) -> str:
    if not isinstance(after, str) or not re.fullmatch(r"in_[A-Za-z0-9]{1,64}", after):
        raise InvalidValue("must be a cursor this listing gave")
    return after
