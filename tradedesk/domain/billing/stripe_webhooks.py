"""Stripe's webhook deliveries: how the platform's copy of a user's subscription follows Stripe.

A delivery is verified by its `Stripe-Signature` (the billing adapter checks it with the
stripe library); a bad or missing one is refused and nothing is written. Whatever the event
and whatever order events arrive in, its subscription is read again from Stripe and stored as
Stripe shows it now, so a late or repeated event cannot roll the row back; the event id is
claimed in the same transaction as that write, so a replayed delivery changes nothing.

`Entitlements.keep_from_stripe` finds its user (its `user_id` metadata, else a checkout's
`client_reference_id`, else the customer's user), stores it and applies the plan it leaves.
"""

from __future__ import annotations

from tradedesk.domain.billing.ports import BillingGateway, BillingUnitOfWorkFactory
from tradedesk.domain.billing.subscriptions import Entitlements
from tradedesk.domain.errors import UnverifiedDelivery
from tradedesk.domain.ports import Clock

HANDLED = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.paid",
        "invoice.payment_failed",
    }
)


class StripeWebhooks:
    def __init__(
        self,
        *,
        uow_factory: BillingUnitOfWorkFactory,
        billing: BillingGateway | None,
        entitlements: Entitlements,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._billing = billing
        self._entitlements = entitlements
        self._clock = clock

    async def receive(self, payload: bytes, signature: str | None) -> bool:
        """Acts on a delivery; False for one already acted on or with nothing to do.
        `UnverifiedDelivery` when the signature does not hold (or billing is off);
        `Unavailable` when Stripe cannot be asked, and Stripe delivers it again later."""
        if self._billing is None:
            raise UnverifiedDelivery
        event = self._billing.verify_event(payload, signature)
        if event.type not in HANDLED or event.subscription_id is None:
            return False
        current = await self._billing.subscription(event.subscription_id)
        async with self._uow_factory() as uow:
            if not await uow.stripe_events.claim(event.id, event.type, now=self._clock.now()):
                return False
            acted = await self._entitlements.keep_from_stripe(
                uow, current, now=self._clock.now(), user_hint=event.user_id
            )
            await uow.commit()
        return acted
