"""Signed-in users: two to prove one cannot reach the other, and an operator."""

from __future__ import annotations

import pytest

from tests.builders.accounts import Caller
from tests.standins.serving import mail_server, serving_here
from tests.standins.stripe import StripeStandIn
from tests.standins.telegram import BotApiStandIn


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


@pytest.fixture
async def bot_api():
    """Telegram's Bot API stand-in on loopback (`.base` is its URL)."""
    standin = BotApiStandIn()
    async with serving_here(standin.app()) as base:
        standin.base = base
        yield standin


@pytest.fixture
def mailbox():
    with mail_server() as (box, url):
        box.url = url
        yield box
