"""Putting plans on sale (`tradedesk stripe sync`) and subscribing through Stripe Checkout, over
the real stripe SDK against the loopback Stripe stand-in: checkout, Stripe's webhook, and the
user's plan and limits following."""

from __future__ import annotations

import asyncio

import pytest

from tests.builders.accounts import user_id
from tests.builders.billing import (
    BASIC,
    CHECKOUT,
    FREE,
    billing_settings,
    plan_of,
    stripe_command,
)
from tests.builders.exchange_keys import KEYS, funded
from tests.standins.stripe import deliver, event

pytestmark = pytest.mark.asyncio
PUBLIC_PLANS = {"BASIC": 2000, "ADVANCED": 4000, "PROFESSIONAL": 6000}  # cents a month


@pytest.fixture
def settings_overrides(venue, stripe_api):
    return billing_settings(venue, stripe_api)


async def test_stripe_sync_puts_each_public_plan_on_sale_once(runtime, stripe_api):
    first = await stripe_command(runtime, stripe_api, "sync")
    again = await stripe_command(runtime, stripe_api, "sync")

    assert first == (0, "stripe: BASIC, ADVANCED, PROFESSIONAL changed")
    assert again == (0, "stripe: nothing changed")  # safe to run twice
    assert sorted(p["name"] for p in stripe_api.products.values()) == sorted(PUBLIC_PLANS)
    prices = {
        stripe_api.products[p["product"]]["name"]: (p["unit_amount"], p["recurring"]["interval"])
        for p in stripe_api.prices.values()
        if p["lookup_key"]
    }
    assert prices == {name: (cents, "month") for name, cents in PUBLIC_PLANS.items()}


async def test_checkout_then_stripes_webhook_give_the_plan_and_its_limits(
    alice, client, runtime, stripe_api, venue
):
    await runtime.services.subscriptions.put_plans_on_sale()
    await alice.post(KEYS, funded(venue, "alice-1", usdt=100))
    before = await alice.post(KEYS, funded(venue, "alice-2", usdt=100))

    checkout = await alice.post(CHECKOUT, {"subscriptionId": BASIC["id"]})
    [session] = stripe_api.sessions.values()
    subscription, completed = stripe_api.complete_checkout(session["id"])
    webhook = await deliver(client, event("evt_paid", "checkout.session.completed", completed))
    after = await alice.post(KEYS, funded(venue, "alice-3", usdt=100))
    again = await alice.post(CHECKOUT, {"subscriptionId": BASIC["id"]})

    assert before.status_code == 433  # FREE: one key
    assert checkout.status_code == 200, checkout.text
    assert checkout.json() == {
        "url": session["url"],
        "successUrl": runtime.settings.checkout_success_url,
        "cancelUrl": runtime.settings.checkout_cancel_url,
    }
    alice_id = await user_id(alice)
    assert session["client_reference_id"] == alice_id
    assert session["subscription_data"]["metadata"] == {"user_id": alice_id}
    assert session["mode"] == "subscription"
    assert stripe_api.prices[session["line_items"][0]["price"]]["unit_amount"] == 2000
    assert webhook.json()["acted"] is True
    assert (await plan_of(alice))[1]["name"] == "BASIC"
    assert after.status_code == 200, after.text  # BASIC: two keys
    assert (again.status_code, again.json()) == (
        433,
        {"error": "active stripe subscription already exist (3109)"},
    )
    assert subscription["customer"] == session["customer"]


async def test_a_users_stripe_customer_is_created_once(bob, runtime, stripe_api):
    await runtime.services.subscriptions.put_plans_on_sale()

    first = await bob.post(CHECKOUT, {"subscriptionId": BASIC["id"]})
    second = await bob.graphql(
        f'mutation {{ createCheckoutSession(subscriptionId: "{BASIC["id"]}")'
        " { checkoutSession { url successUrl cancelUrl } errors { field message } } }"
    )

    assert first.status_code == 200, first.text
    payload = second["data"]["createCheckoutSession"]
    assert payload["errors"] == [] and payload["checkoutSession"]["url"].startswith("https://")
    assert len(stripe_api.customers) == 1
    assert len({s["customer"] for s in stripe_api.sessions.values()}) == 1


async def test_racing_first_checkouts_make_one_customer(bob, runtime, stripe_api):
    await runtime.services.subscriptions.put_plans_on_sale()

    answers = await asyncio.gather(
        *(bob.post(CHECKOUT, {"subscriptionId": BASIC["id"]}) for _ in range(3))
    )

    assert [a.status_code for a in answers] == [200, 200, 200]
    # the customer's idempotency key is the user's: Stripe makes one customer however many
    # first checkouts race (the SDK's own keys are random per request)
    customer_keys = {key for path, key in stripe_api.posts if path == "/v1/customers"}
    assert customer_keys == {f"tradedesk-customer-{await user_id(bob)}"}
    assert len(stripe_api.customers) == 1
    assert len({s["customer"] for s in stripe_api.sessions.values()}) == 1


async def test_checkout_refusals_as_documented(alice, runtime, stripe_api):
    unsynced = await alice.post(CHECKOUT, {"subscriptionId": BASIC["id"]})
    await runtime.services.subscriptions.put_plans_on_sale()
    unknown = await alice.post(CHECKOUT, {"subscriptionId": "eefffe05-5d1d-4be8-a300-20c7c39c9fee"})
    missing = await alice.post(CHECKOUT, {})
    private = await alice.post(CHECKOUT, {"subscriptionId": FREE["id"]})

    assert (unsynced.status_code, unsynced.json()) == (
        433,
        {"error": "invalid subscription type (2100)"},
    )
    assert (unknown.status_code, unknown.json()) == (
        422,
        {
            "errors": [
                {
                    "value": "eefffe05-5d1d-4be8-a300-20c7c39c9fee",
                    "msg": "must be valid subscription id",
                    "param": "subscriptionId",
                    "location": "body",
                }
            ]
        },
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["param"] == "subscriptionId"
    assert private.json() == {"error": "invalid subscription type (2100)"}
    assert stripe_api.sessions == {}


async def test_a_stripe_outage_is_503_and_nothing_is_half_made(alice, runtime, stripe_api):
    await runtime.services.subscriptions.put_plans_on_sale()
    stripe_api.failing = True

    refused = await alice.post(CHECKOUT, {"subscriptionId": BASIC["id"]})

    assert (refused.status_code, refused.json()) == (503, {"message": "service unavailable"})
    assert stripe_api.sessions == {} and stripe_api.customers == {}
    assert (await plan_of(alice))[1] == FREE
