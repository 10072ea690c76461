"""A user's plan: their active (or trialing) subscription's, else TRADEDESK_DEFAULT_PLAN, and
every limit (keys, balance, automation) follows it.

The subscription rows are written here through the repository, as the Stripe webhook writes
them; the plan is read from them, never from Stripe."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from tests.builders.accounts import user_id
from tests.builders.billing import BASIC, FREE, STRIPE_SUBSCRIPTION, SUBSCRIPTION, plan_of
from tests.builders.catalog import CONSERVATIVE
from tests.builders.copying import FOLLOWS
from tests.builders.documented import STRATEGY_1, STRIPE_SUBSCRIPTION_EXAMPLE
from tests.builders.exchange_keys import KEYS, funded
from tradedesk.domain.billing.model import Subscription, SubscriptionStatus
from tradedesk.persistence.engine import make_session_factory
from tradedesk.persistence.unit_of_work import SqlUnitOfWork

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides(venue):
    _engine, base = venue
    return {"exchange": "binance", "binance_urls": base}  # the default plan stays FREE


async def subscribe(
    runtime, clock, caller, plan_id: str, status: SubscriptionStatus, **terms
) -> Subscription:
    """A Stripe subscription of the caller, as the webhook stores it; `terms` override."""
    now = clock.now()
    owner = await user_id(caller)
    async with SqlUnitOfWork(make_session_factory(runtime.engine)) as uow:
        subscription = replace(
            Subscription(
                id=f"sub_{uuid.uuid4().hex[:14]}",
                user_id=owner,
                customer_id=f"cus_{owner[:8]}",
                plan_id=plan_id,
                status=status,
                cancel_at_period_end=False,
                cancel_at=None,
                current_period_start=now,
                current_period_end=now + timedelta(days=30),
                trial_start=None,
                trial_end=None,
                amount=2000,
                currency="usd",
                interval="month",
                trial_period_days=None,
                created_at=now,
            ),
            **terms,
        )
        await uow.subscriptions.put(subscription)
        await uow.commit()
    return subscription


async def test_a_user_without_a_subscription_has_the_default_plan(alice, client):
    rest, graph = await plan_of(alice)

    assert rest == {"paymentType": "STRIPE", "SubscriptionType": FREE}
    assert graph == FREE
    assert (await client.get(SUBSCRIPTION)).status_code == 401


async def test_a_subscription_sets_the_plan_and_every_limit_follows_it(
    alice, bob, venue, runtime, clock
):
    first = await alice.post(KEYS, funded(venue, "alice-1", usdt=100))
    refused_key = await alice.post(KEYS, funded(venue, "alice-2", usdt=100))
    refused_follow = await alice.post(
        FOLLOWS.format(first.json()["id"]),
        {"strategyAutomatedId": STRATEGY_1, "strategyRiskProfileId": CONSERVATIVE},
    )

    await subscribe(runtime, clock, alice, BASIC["id"], SubscriptionStatus.ACTIVE)
    rest, graph = await plan_of(alice)
    second = await alice.post(KEYS, funded(venue, "alice-3", usdt=100))
    third = await alice.post(KEYS, funded(venue, "alice-4", usdt=100))
    follow = await alice.post(
        FOLLOWS.format(first.json()["id"]),
        {"strategyAutomatedId": STRATEGY_1, "strategyRiskProfileId": CONSERVATIVE},
    )
    bobs = await plan_of(bob)

    assert first.status_code == 200, first.text
    assert (refused_key.status_code, refused_key.json()) == (
        433,
        {"error": "exceed subscription max API key limit (2129a)"},
    )
    assert refused_follow.status_code == 433
    assert refused_follow.json()["error"].endswith("(2103)")
    expected = {key: BASIC[key] for key in FREE}
    assert rest == {"paymentType": "STRIPE", "SubscriptionType": expected}
    assert graph == expected
    assert second.status_code == 200, second.text
    assert third.status_code == 433  # BASIC allows two keys
    assert follow.status_code == 200, follow.text
    assert bobs == ({"paymentType": "STRIPE", "SubscriptionType": FREE}, FREE)  # alice's only


@pytest.mark.parametrize(
    ("status", "entitled"),
    [
        (SubscriptionStatus.TRIALING, True),
        (SubscriptionStatus.PAST_DUE, False),
        (SubscriptionStatus.CANCELED, False),
        (SubscriptionStatus.INCOMPLETE, False),
        (SubscriptionStatus.UNPAID, False),
    ],
)
async def test_only_an_active_or_trialing_subscription_entitles(
    alice, runtime, clock, status, entitled
):
    await subscribe(runtime, clock, alice, BASIC["id"], status)

    rest, _graph = await plan_of(alice)

    assert rest["SubscriptionType"]["name"] == ("BASIC" if entitled else "FREE")


STRIPE_FIELDS = (
    "status cancelAtPeriodEnd cancelAt currentPeriodStart currentPeriodEnd trialStart trialEnd"
    " plan { amount currency interval trialPeriodDays }"
)


async def test_the_stripe_subscription_as_documented_and_3104_without_one(
    alice, bob, runtime, clock
):
    missing = await alice.get(STRIPE_SUBSCRIPTION)
    subscribed = await subscribe(
        runtime, clock, alice, BASIC["id"], SubscriptionStatus.ACTIVE,
        cancel_at_period_end=True, cancel_at=clock.now() + timedelta(days=30),
    )  # fmt: skip
    shown = await alice.get(STRIPE_SUBSCRIPTION)
    graph = await alice.graphql(f"{{ viewer {{ subscription {{ {STRIPE_FIELDS} }} }} }}")
    bobs = await bob.get(STRIPE_SUBSCRIPTION)

    assert (missing.status_code, missing.json()) == (
        433,
        {"error": "active stripe subscription does not exist (3104)"},
    )
    end = "2022-11-18T15:09:49.057Z"  # thirty days after the test clock's now
    assert shown.json() == {  # the documented example's fields, in its order
        "cancelAtPeriodEnd": True,
        "cancelAt": end,
        "currentPeriodStart": "2022-10-19T15:09:49.057Z",
        "currentPeriodEnd": end,
        "trialStart": None,
        "trialEnd": None,
        "plan": {"amount": 2000, "currency": "usd", "interval": "month", "trialPeriodDays": None},
    }
    assert list(shown.json()) == list(STRIPE_SUBSCRIPTION_EXAMPLE)
    assert graph["data"]["viewer"]["subscription"]["cancelAtPeriodEnd"] is True
    assert graph["data"]["viewer"]["subscription"]["plan"]["amount"] == subscribed.amount
    assert bobs.status_code == 433  # alice's is alice's


async def test_without_stripe_configured_checkout_is_2100_and_reads_give_the_default(alice):
    checkout = await alice.post(f"{STRIPE_SUBSCRIPTION}/checkout", {"subscriptionId": BASIC["id"]})

    assert (checkout.status_code, checkout.json()) == (
        433,
        {"error": "invalid subscription type (2100)"},
    )
    assert (await plan_of(alice))[1] == FREE
