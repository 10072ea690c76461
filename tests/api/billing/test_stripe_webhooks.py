"""`POST /webhooks/stripe`: Stripe's events keep the user's plan, verified by the real stripe
SDK, read back from a local Stripe stand-in through the SDK, and signed as Stripe signs them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.builders.accounts import user_id
from tests.builders.billing import BASIC, FREE, billing_settings, plan_of
from tests.builders.catalog import CONSERVATIVE
from tests.builders.copying import FOLLOWS
from tests.builders.documented import STRATEGY_1
from tests.builders.exchange_keys import KEYS, funded
from tests.standins.stripe import WEBHOOK, deliver, event, signed
from tradedesk.domain.alerts.model import AlertChannel
from tradedesk.domain.copying_notices import NoticeKind
from tradedesk.persistence.engine import make_session_factory
from tradedesk.persistence.tables import StripeEventRow
from tradedesk.persistence.unit_of_work import SqlUnitOfWork

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides(venue, stripe_api):
    return billing_settings(venue, stripe_api)


async def events_kept(runtime) -> int:
    async with runtime.engine.connect() as connection:
        return await connection.scalar(select(func.count()).select_from(StripeEventRow))


async def test_a_completed_checkout_gives_the_user_the_plan_they_paid_for(
    alice, bob, client, stripe_api
):
    alice_id = await user_id(alice)
    subscription = stripe_api.subscribe(user_id=None, plan_id=BASIC["id"], customer="cus_alice")
    checkout = {
        "id": "cs_test_1",
        "object": "checkout.session",
        "mode": "subscription",
        "customer": "cus_alice",
        "client_reference_id": alice_id,
        "subscription": subscription["id"],
    }

    delivered = await deliver(client, event("evt_1", "checkout.session.completed", checkout))
    rest, graph = await plan_of(alice)

    assert (delivered.status_code, delivered.json()) == (200, {"received": True, "acted": True})
    assert rest["SubscriptionType"]["name"] == graph["name"] == "BASIC"
    assert (await plan_of(bob))[1] == FREE  # alice's customer only


@pytest.mark.parametrize(
    "signature",
    ["", "t=1,v1=00", "wrong secret"],
    ids=["missing", "forged", "other-secret"],
)
async def test_a_delivery_stripe_did_not_sign_is_400_and_changes_nothing(
    alice, client, stripe_api, runtime, signature
):
    subscription = stripe_api.subscribe(user_id=await user_id(alice), plan_id=BASIC["id"])
    payload = event("evt_forged", "customer.subscription.created", subscription)
    if signature == "wrong secret":
        body, header = signed(payload, secret="whsec_someone_else")
        answer = await client.post(WEBHOOK, content=body, headers={"stripe-signature": header})
    else:
        answer = await deliver(client, payload, signature=signature)

    assert (answer.status_code, answer.json()) == (400, {"message": "invalid signature"})
    assert (await plan_of(alice))[1] == FREE
    assert await events_kept(runtime) == 0


async def test_a_replayed_event_changes_nothing(alice, client, stripe_api):
    subscription = stripe_api.subscribe(user_id=await user_id(alice), plan_id=BASIC["id"])
    created = event("evt_created", "customer.subscription.created", subscription)
    first = await deliver(client, created)
    subscription["status"] = "canceled"  # Stripe moved on; the old delivery comes again
    replayed = await deliver(client, created)
    still = (await plan_of(alice))[1]
    deleted = await deliver(
        client, event("evt_deleted", "customer.subscription.deleted", subscription)
    )

    assert first.json()["acted"] is True
    assert (replayed.status_code, replayed.json()["acted"]) == (200, False)
    assert still["name"] == "BASIC"
    assert deleted.json()["acted"] is True
    assert (await plan_of(alice))[1] == FREE


async def test_events_out_of_order_leave_what_stripe_shows_now(alice, client, stripe_api, runtime):
    subscription = stripe_api.subscribe(user_id=await user_id(alice), plan_id=BASIC["id"])
    snapshot_at_creation = {**subscription}
    subscription["cancel_at_period_end"] = True  # the latest state, in Stripe
    subscription["cancel_at"] = subscription["items"]["data"][0]["current_period_end"]

    update = await deliver(client, event("evt_2", "customer.subscription.updated", subscription))
    create = await deliver(
        client, event("evt_1", "customer.subscription.created", snapshot_at_creation)
    )  # the older event arrives last

    assert update.json()["acted"] and create.json()["acted"]
    async with SqlUnitOfWork(make_session_factory(runtime.engine)) as uow:
        kept = await uow.subscriptions.first_entitling(await user_id(alice))
    assert kept is not None
    assert kept.cancel_at_period_end is True  # not rolled back by the late creation event
    assert kept.cancel_at is not None


async def test_a_plan_without_automation_pauses_the_users_follows(
    alice, client, stripe_api, venue, runtime
):
    subscription = stripe_api.subscribe(user_id=await user_id(alice), plan_id=BASIC["id"])
    await deliver(client, event("evt_a", "customer.subscription.created", subscription))
    key = await alice.post(KEYS, funded(venue, "alice-follower", usdt=100))
    follow = await alice.post(
        FOLLOWS.format(key.json()["id"]),
        {"strategyAutomatedId": STRATEGY_1, "strategyRiskProfileId": CONSERVATIVE},
    )

    subscription["status"] = "canceled"  # the subscription ended: back to FREE, no automation
    await deliver(client, event("evt_b", "customer.subscription.deleted", subscription))
    listed = await alice.graphql("{ viewer { exchangeKeys { follows { active pausedReason } } } }")
    rest = await alice.get(FOLLOWS.format(key.json()["id"]))
    resumed = await alice.put(f"/v1/priv/strategy/follow/{follow.json()['id']}", {"active": True})

    assert follow.status_code == 200, follow.text
    [[paused]] = [k["follows"] for k in listed["data"]["viewer"]["exchangeKeys"]]
    assert paused == {
        "active": False,
        "pausedReason": "the plan no longer allows automated strategies",
    }
    assert rest.json()["items"][0]["active"] is False  # the v1 shape, unchanged
    assert resumed.status_code == 433  # FREE: 2103 until they subscribe again
    async with SqlUnitOfWork(make_session_factory(runtime.engine)) as uow:
        [told] = await uow.alerts.of_user(await user_id(alice))  # by e-mail: no Telegram
    assert (told.channel, told.event.kind, told.event.key_id) == (
        AlertChannel.EMAIL,
        NoticeKind.PAUSED_BY_PLAN,
        key.json()["id"],
    )
    assert told.event.detail == "the plan no longer allows automated strategies"


async def test_when_stripe_cannot_answer_the_delivery_is_503_and_comes_again(
    alice, client, stripe_api, runtime
):
    subscription = stripe_api.subscribe(user_id=await user_id(alice), plan_id=BASIC["id"])
    payload = event("evt_during_outage", "customer.subscription.created", subscription)
    stripe_api.failing = True
    during = await deliver(client, payload)
    kept_during = await events_kept(runtime)
    stripe_api.failing = False
    after = await deliver(client, payload)  # Stripe delivers it again later

    assert (during.status_code, during.json()) == (503, {"message": "service unavailable"})
    assert kept_during == 0  # not claimed: the next delivery is acted on
    assert after.json()["acted"] is True
    assert (await plan_of(alice))[1]["name"] == "BASIC"


async def test_a_failed_payment_takes_the_plan_away_and_a_paid_invoice_gives_it_back(
    alice, client, stripe_api
):
    subscription = stripe_api.subscribe(user_id=await user_id(alice), plan_id=BASIC["id"])
    await deliver(client, event("evt_created", "customer.subscription.created", subscription))

    def invoice(invoice_id: str) -> dict:
        """An invoice as current API versions shape it: its subscription under `parent`."""
        details = {"subscription": subscription["id"]}
        return {"id": invoice_id, "object": "invoice", "parent": {"subscription_details": details}}

    subscription["status"] = "past_due"  # the renewal's card was declined
    failed = await deliver(client, event("evt_f", "invoice.payment_failed", invoice("in_1")))
    lapsed = (await plan_of(alice))[1]
    subscription["status"] = "active"  # the retry went through
    paid = await deliver(client, event("evt_p", "invoice.paid", invoice("in_2")))

    assert failed.json()["acted"] is True
    assert lapsed == FREE
    assert paid.json()["acted"] is True
    assert (await plan_of(alice))[1]["name"] == "BASIC"
