"""Rate limits: each caller's reads and writes within their budgets (GCRA,
in memory or shared through Redis), a 429 with `Retry-After` past them; probes and webhooks
never limited."""

from __future__ import annotations

import httpx
import pytest

from tests.builders.accounts import Caller
from tradedesk.app import create_app
from tradedesk.bootstrap import build_runtime

pytestmark = pytest.mark.asyncio
TICKER = "/v1/pub/subscription/list"
PROFILE = "/v1/priv/account/profile"
TOO_MANY = {"message": "too many requests"}


@pytest.fixture
def settings_overrides():
    return {
        "rate_limit_read": "3/minute",
        "rate_limit_write": "2/minute",
        "rate_limit_exchange": "100/minute",
        "rate_limit_ip": "100/minute",
    }


async def test_an_anonymous_caller_has_a_read_budget_per_ip(client):
    answers = [await client.get(TICKER) for _ in range(4)]
    probes = [await client.get("/healthz") for _ in range(5)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json() == TOO_MANY
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "x-request-id" in refused.headers
    assert {p.status_code for p in probes} == {200}  # never limited


async def test_each_user_has_their_own_write_budget_and_graphql_mutations_spend_it(alice, bob):
    writes = [await alice.put(PROFILE, {"firstName": name}) for name in ("Ann", "Bea")]
    mutation = await alice.graphql('mutation { updateProfile(input: {firstName: "Z"}) '
                                   "{ errors { field } } }")  # fmt: skip
    refused = await alice.put(PROFILE, {"firstName": "Cai"})
    read = await alice.get(PROFILE)
    bobs = await bob.put(PROFILE, {"firstName": "Bob"})

    assert [w.status_code for w in writes] == [200, 200]
    assert mutation == TOO_MANY  # the third write, as a mutation
    assert (refused.status_code, refused.json()) == (429, TOO_MANY)
    assert read.status_code == 200 and read.json()["firstName"] == "Bea"  # reads have their own
    assert bobs.status_code == 200  # bob's budget is his


async def test_tokens_that_do_not_verify_share_their_ips_anonymous_budget(client):
    """A made-up token earns no budget of its own: it counts against its IP, as anonymous."""
    answers = [
        await client.get(PROFILE, headers={"Authorization": f"Bearer made-up-{n}"})
        for n in range(4)
    ]
    anonymous = await client.get(TICKER)

    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert anonymous.status_code == 429  # the same IP's budget


async def test_a_user_has_one_budget_whichever_of_their_tokens_they_send(client, cognito):
    tokens = [cognito.forge({"sub": "two-tokens", "jti": jti}) for jti in ("one", "two")]
    assert tokens[0] != tokens[1]
    writes = [
        await Caller(client, token).put(PROFILE, {"firstName": name})
        for token, name in zip((*tokens, tokens[0]), ("Ann", "Bea", "Cai"), strict=True)
    ]

    assert [w.status_code for w in writes] == [200, 200, 429]


async def test_a_repeated_authorization_header_counts_the_one_the_request_runs_as(client, cognito):
    """The first header is who the request runs as, so it is who pays: junk after a valid
    token does not move the request onto its IP's budget."""
    token = cognito.access_token("repeats")
    headers = [("authorization", f"Bearer {token}"), ("authorization", "Bearer junk")]
    answers = [
        await client.put(PROFILE, json={"firstName": name}, headers=headers)
        for name in ("Ann", "Bea", "Cai")
    ]
    anonymous = await client.put(PROFILE, json={"firstName": "Dee"})

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert anonymous.status_code == 401  # the IP's write budget is untouched


async def test_with_redis_every_server_counts_the_same_budget(runtime, cognito, redis_url, clock):
    settings = runtime.settings.model_copy(update={"redis_url": redis_url})
    servers = [build_runtime(settings, clock=clock) for _ in range(2)]
    token = cognito.access_token("alice")
    try:
        answers = []
        for n, name in enumerate(("Ann", "Bea", "Cai")):  # the third through the other server
            app = create_app(runtime=servers[0 if n < 2 else 1])
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t.test") as http:
                answers.append(await Caller(http, token).put(PROFILE, {"firstName": name}))
    finally:
        for server in servers:
            await server.aclose()

    assert [a.status_code for a in answers] == [200, 200, 429]


class TestExchangeAndIpBudgets:
    @pytest.fixture
    def settings_overrides(self):
        return {
            "rate_limit_read": "100/minute",
            "rate_limit_write": "100/minute",
            "rate_limit_exchange": "2/minute",
            "rate_limit_ip": "6/minute",
        }

    async def test_routes_that_reach_the_exchange_have_a_stricter_budget(self, alice):
        tickers = [await alice.get("/v1/pub/exchange/ticker") for _ in range(3)]
        catalog = await alice.get(TICKER)  # does not reach the exchange

        assert [t.status_code for t in tickers] == [200, 200, 429]
        assert tickers[-1].json() == TOO_MANY and int(tickers[-1].headers["Retry-After"]) >= 1
        assert catalog.status_code == 200

    async def test_an_ip_has_a_budget_whatever_the_tokens(self, alice, bob):
        answers = []
        for caller in (alice, bob, alice, bob, alice, bob, alice):  # one IP, two tokens
            answers.append((await caller.get(PROFILE)).status_code)

        assert answers == [200] * 6 + [429]
