"""Billing history (REST and `viewer { invoices }`), the customer portal, and
`tradedesk stripe reconcile`, through the real stripe SDK and the stand-in."""

from __future__ import annotations

import time

import pytest

from tests.builders.billing import (
    BASIC,
    FREE,
    SUBSCRIPTION,
    billing_settings,
    plan_of,
    stripe_command,
    subscribed,
)

pytestmark = pytest.mark.asyncio
HISTORY = f"{SUBSCRIPTION}/stripe/billing/history"
INVOICES = (
    "query($first: Int!, $after: String) { viewer { invoices(first: $first, after: $after) {"
    " edges { cursor node { number amountPaid createdAt } } pageInfo { hasNextPage endCursor }"
    " } } }"
)
DOCUMENTED_FIELDS = [
    "number", "currency", "amountPaid", "periodStart", "periodEnd", "hostedUrl", "pdf", "createdAt"
]  # fmt: skip


@pytest.fixture
def settings_overrides(venue, stripe_api):
    return billing_settings(venue, stripe_api)


async def test_the_billing_history_lists_every_paid_invoice_newest_first_page_by_page(
    alice, bob, client, runtime, stripe_api
):
    subscription = await subscribed(alice, client, runtime, stripe_api, BASIC["id"])
    customer = subscription["customer"]
    start = int(time.time()) - 200 * 86_400
    for n in range(150):
        stripe_api.invoice(customer, amount=2000, created=start + n * 3600)
    stripe_api.invoice(customer, amount=2000, created=start, status="open")
    stripe_api.invoice("cus_someone_else", amount=9900, created=start)
    stripe_api.list_calls.clear()

    history = await alice.get(HISTORY)
    bobs = await bob.get(HISTORY)

    assert history.status_code == 200, history.text
    items = history.json()
    assert len(items) == 150  # paid ones only, of alice's customer only
    assert list(items[0]) == DOCUMENTED_FIELDS
    created = [item["createdAt"] for item in items]
    assert created == sorted(created, reverse=True)
    assert {item["amountPaid"] for item in items} == {2000}
    assert items[0]["hostedUrl"].startswith("https://invoice.stripe.com/")
    assert [call.get("starting_after") is None for call in stripe_api.list_calls] == [True, False]
    assert (bobs.status_code, bobs.json()) == (200, [])  # never subscribed: nothing


async def test_invoices_in_graphql_page_by_cursor(alice, client, runtime, stripe_api):
    subscription = await subscribed(alice, client, runtime, stripe_api, BASIC["id"])
    for n in range(3):
        stripe_api.invoice(subscription["customer"], amount=2000, created=1_700_000_000 + n)

    first = await alice.graphql(INVOICES, {"first": 2})
    cursor = first["data"]["viewer"]["invoices"]["pageInfo"]["endCursor"]
    rest = await alice.graphql(INVOICES, {"first": 2, "after": cursor})
    too_many = await alice.graphql(INVOICES, {"first": 101})
    malformed = await alice.graphql(INVOICES, {"first": 2, "after": "garbage"})
    unknown = await alice.graphql(INVOICES, {"first": 2, "after": "in_00000000000000"})

    page = first["data"]["viewer"]["invoices"]
    assert [e["node"]["number"] for e in page["edges"]] == ["AF046ED1-0003", "AF046ED1-0002"]
    assert page["pageInfo"]["hasNextPage"] is True
    tail = rest["data"]["viewer"]["invoices"]
    assert [e["node"]["number"] for e in tail["edges"]] == ["AF046ED1-0001"]
    assert tail["pageInfo"]["hasNextPage"] is False
    assert too_many["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    for refused in (malformed, unknown):  # a bad cursor is the caller's error, never a 503
        assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", refused


async def test_the_customer_portal_for_subscribers_only(alice, bob, client, runtime, stripe_api):
    await subscribed(alice, client, runtime, stripe_api, BASIC["id"])
    mutation = "mutation { createBillingPortalSession }"

    portal = await alice.graphql(mutation)
    refused = await bob.graphql(mutation)

    assert portal["data"]["createBillingPortalSession"].startswith("https://billing.stripe.com/")
    assert refused["errors"][0]["extensions"]["code"] == "3104"


async def test_reconcile_stores_what_stripe_shows_after_lost_webhooks(
    alice, client, runtime, stripe_api
):
    subscription = await subscribed(alice, client, runtime, stripe_api, BASIC["id"])
    stripe_api.subscriptions[subscription["id"]]["status"] = "canceled"  # no webhook came
    stripe_api.subscribe(user_id="00000000-0000-4000-8000-000000000000", plan_id=BASIC["id"])
    before = (await plan_of(alice))[1]

    reconciled = await stripe_command(runtime, stripe_api, "reconcile")

    assert before["name"] == "BASIC"
    assert reconciled == (0, "stripe: 1 subscription(s) stored")  # not the stranger's
    assert (await plan_of(alice))[1] == FREE  # her cancelled subscription, stored at last
