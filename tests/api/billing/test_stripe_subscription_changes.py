"""`PUT /v1/priv/account/subscription/stripe` and `updateSubscription`: cancel at the period's
end, or move to another public plan (prorated), through the real stripe SDK and the stand-in."""

from __future__ import annotations

import pytest

from tests.builders.billing import (
    BASIC,
    FREE,
    STRIPE_SUBSCRIPTION,
    billing_settings,
    plan_of,
    subscribed,
)
from tests.builders.documented import PLANS
from tests.builders.exchange_keys import KEYS, funded

pytestmark = pytest.mark.asyncio
PROFESSIONAL = PLANS["items"][2]


@pytest.fixture
def settings_overrides(venue, stripe_api):
    return billing_settings(venue, stripe_api)


async def test_cancel_at_the_periods_end_shows_in_the_get_and_can_be_undone(
    alice, client, runtime, stripe_api
):
    subscription = await subscribed(alice, client, runtime, stripe_api, BASIC["id"])

    cancelled = await alice.put(STRIPE_SUBSCRIPTION, {"cancelAtPeriodEnd": True})
    shown = await alice.get(STRIPE_SUBSCRIPTION)
    in_stripe = stripe_api.subscriptions[subscription["id"]]["cancel_at_period_end"]
    kept = await alice.put(STRIPE_SUBSCRIPTION, {"cancelAtPeriodEnd": False})

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["cancelAtPeriodEnd"] is True
    assert cancelled.json()["cancelAt"] == cancelled.json()["currentPeriodEnd"]
    assert shown.json() == cancelled.json()
    assert in_stripe is True
    assert (kept.json()["cancelAtPeriodEnd"], kept.json()["cancelAt"]) == (False, None)
    assert (await plan_of(alice))[1]["name"] == "BASIC"  # still paid until the period ends


async def test_moving_to_another_plan_is_prorated_and_the_limits_follow(
    alice, client, runtime, stripe_api, venue
):
    subscription = await subscribed(alice, client, runtime, stripe_api, BASIC["id"])
    for n in range(2):
        await alice.post(KEYS, funded(venue, f"alice-{n}", usdt=100))
    refused = await alice.post(KEYS, funded(venue, "alice-2", usdt=100))

    moved = await alice.graphql(
        "mutation($input: UpdateSubscriptionInput!) { updateSubscription(input: $input)"
        " { subscription { status plan { amount } } errors { field message } } }",
        {"input": {"subscriptionId": PROFESSIONAL["id"]}},
    )
    third = await alice.post(KEYS, funded(venue, "alice-3", usdt=100))

    assert refused.status_code == 433  # BASIC: two keys
    payload = moved["data"]["updateSubscription"]
    assert payload == {
        "subscription": {"status": "active", "plan": {"amount": 6000}},
        "errors": [],
    }
    assert stripe_api.prorations == [(subscription["id"], "create_prorations")]
    assert (await plan_of(alice))[1]["name"] == "PROFESSIONAL"
    assert third.status_code == 200, third.text  # PROFESSIONAL: five keys


async def test_update_refusals_as_documented(alice, bob, client, runtime, stripe_api):
    without = await bob.put(STRIPE_SUBSCRIPTION, {"cancelAtPeriodEnd": True})
    await subscribed(alice, client, runtime, stripe_api, BASIC["id"])
    malformed = await alice.put(
        STRIPE_SUBSCRIPTION,
        {"cancelAtPeriodEnd": "yes", "subscriptionId": "eefffe05-5d1d-4be8-a300-20c7c39c9fee"},
    )
    private = await alice.put(STRIPE_SUBSCRIPTION, {"subscriptionId": FREE["id"]})

    assert (without.status_code, without.json()) == (
        433,
        {"error": "active stripe subscription does not exist (3104)"},
    )
    assert malformed.status_code == 422
    assert [(e["param"], e["msg"]) for e in malformed.json()["errors"]] == [
        ("cancelAtPeriodEnd", "must be boolean"),
        ("subscriptionId", "must be valid subscription id"),
    ]
    assert (private.status_code, private.json()) == (
        433,
        {"error": "invalid subscription type (2100)"},
    )
    assert (await plan_of(alice))[1]["name"] == "BASIC"  # nothing changed
