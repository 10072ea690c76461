"""Signed-in users: two to prove one cannot reach the other, and an operator."""

from __future__ import annotations

import pytest

from tests.accounts import Caller
from tests.standins import serving_here
from tests.stripe_standin import API_KEY, WEBHOOK_SECRET, StripeStandIn
from tests.telegram_standin import BotApiStandIn


@pytest.fixture
def alice(client, cognito) -> Caller:
    return Caller(client, cognito.access_token("alice"))


@pytest.fixture
def bob(client, cognito) -> Caller:
    return Caller(client, cognito.access_token("bob"))


@pytest.fixture
def admin(client, cognito) -> Caller:
    """An operator: the Cognito group `admin`."""
    return Caller(client, cognito.access_token("olga", admin=True))


@pytest.fixture
async def stripe_api():
    """The Stripe stand-in on loopback (`.base` is its URL)."""
    standin = StripeStandIn()
    async with serving_here(standin.app()) as base:
        standin.base = base
        yield standin


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


@pytest.fixture
async def bot_api():
    """Telegram's Bot API stand-in on loopback (`.base` is its URL)."""
    standin = BotApiStandIn()
    async with serving_here(standin.app()) as base:
        standin.base = base
        yield standin
