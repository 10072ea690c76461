"""Billing as tests stage it: the plans, a caller's plan and subscription, Stripe on its
stand-in, and the `tradedesk stripe` command."""

from __future__ import annotations

import asyncio

from tests.builders.documented import PLANS
from tests.standins.stripe import API_KEY, WEBHOOK_SECRET, deliver, event
from tests.support.processes import TRADEDESK, clean_environment

SUBSCRIPTION = "/v1/priv/account/subscription"


BASIC = PLANS["items"][0]


FREE = {
    "id": "0b8f3c1e-5d2a-4f7e-9c61-3a4d2e1f0b9a",
    "name": "FREE",
    "maxBalanceUSD": 1000,
    "maxApiKey": 1,
    "strategyAutomated": False,
}


async def plan_of(caller) -> tuple[dict, dict]:
    """The plan as REST and GraphQL show it."""
    rest = await caller.get(SUBSCRIPTION)
    graph = await caller.graphql(
        "{ viewer { plan { id name maxBalanceUSD maxApiKey strategyAutomated } } }"
    )
    assert rest.status_code == 200, rest.text
    return rest.json(), graph["data"]["viewer"]["plan"]


STRIPE_SUBSCRIPTION = f"{SUBSCRIPTION}/stripe"


async def stripe_command(runtime, stripe_api, command: str) -> tuple[int, str]:
    """`tradedesk stripe <command>` against the runtime's database and the stand-in: its exit
    status and what it printed (its log lines go to stderr)."""
    settings = runtime.settings
    process = await asyncio.create_subprocess_exec(
        TRADEDESK, "stripe", command,
        env=clean_environment(
            DATABASE_URL=settings.database_url,
            TRADEDESK_STRIPE_API_KEY=settings.stripe_api_key.get_secret_value(),
            TRADEDESK_STRIPE_API_BASE=stripe_api.base,
        ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, (out.decode() or err.decode()).strip()


async def subscribed(caller, client, runtime, stripe_api, plan_id: str) -> dict:
    """The caller subscribes through Checkout and Stripe tells the app: the subscription."""
    await runtime.services.subscriptions.put_plans_on_sale()
    checkout = await caller.post(CHECKOUT, {"subscriptionId": plan_id})
    assert checkout.status_code == 200, checkout.text
    session_id = checkout.json()["url"].rsplit("/", 1)[-1]
    subscription, completed = stripe_api.complete_checkout(session_id)
    paid = event(f"evt_{session_id}", "checkout.session.completed", completed)
    assert (await deliver(client, paid)).json()["acted"] is True
    return subscription


def billing_settings(venue, stripe_api) -> dict:
    """Settings for billing tests: Binance on the simulator, Stripe on its stand-in."""
    _engine, base = venue
    return {
        "exchange": "binance",
        "binance_urls": base,
        "stripe_api_key": API_KEY,
        "stripe_api_base": stripe_api.base,
        "stripe_webhook_secret": WEBHOOK_SECRET,
    }


CHECKOUT = "/v1/priv/account/subscription/stripe/checkout"
