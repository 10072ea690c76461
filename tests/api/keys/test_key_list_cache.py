"""The key list served from memory: a change through any server is seen at once, one made
outside the app within `TRADEDESK_KEY_LIST_CACHE_SECONDS`."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import text

from tests.builders.accounts import Caller
from tests.builders.exchange_keys import KEYS, funded
from tests.builders.trading import ORDER, manual_key, place
from tradedesk.app import create_app
from tradedesk.bootstrap import build_runtime

pytestmark = pytest.mark.asyncio
LIST = f"{KEYS}/list"


def on_the_venue(venue, **settings: object) -> dict[str, object]:
    """The app on the simulator's Binance, with these settings."""
    _engine, base = venue
    return {"exchange": "binance", "binance_urls": base, **settings}


class TestAChangeMadeOutsideTheApp:
    @pytest.fixture
    def settings_overrides(self, venue):
        return on_the_venue(venue, key_list_cache_seconds=0.5)

    async def test_is_seen_within_the_bound(self, alice, venue, runtime):
        created = (await alice.post(KEYS, funded(venue, "key-1"))).json()
        assert [k["name"] for k in (await alice.get(LIST)).json()["items"]] == [created["name"]]
        async with runtime.engine.begin() as connection:  # an operator's SQL
            await connection.execute(text("UPDATE exchange_keys SET name = 'renamed'"))

        kept = (await alice.get(LIST)).json()["items"]
        await asyncio.sleep(0.6)
        read_again = (await alice.get(LIST)).json()["items"]

        assert [k["name"] for k in kept] == [created["name"]]  # served from memory meanwhile
        assert [k["name"] for k in read_again] == ["renamed"]


class TestWithRedis:
    """Two servers on one database and one Redis, as behind a load balancer, keeping lists
    for an hour: only the event from the other server can make a list fresh."""

    @pytest.fixture
    def settings_overrides(self, venue, redis_url):
        return on_the_venue(venue, redis_url=redis_url, key_list_cache_seconds=3600)

    @pytest.fixture
    async def server_b(self, runtime, clock, cognito):
        other = build_runtime(runtime.settings, clock=clock)
        app = create_app(runtime=other)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with (
            app.router.lifespan_context(app),  # where it hears of other servers' changes
            httpx.AsyncClient(transport=transport, base_url="http://b.test") as http,
        ):
            yield Caller(http, cognito.access_token("alice"))
        await other.aclose()

    async def test_a_change_on_one_server_is_seen_on_the_other(self, alice, server_b, venue):
        created = (await alice.post(KEYS, funded(venue, "key-1"))).json()
        listed = (await server_b.get(LIST)).json()["items"]
        assert [k["name"] for k in listed] == [created["name"]]  # kept on B for an hour

        seen = False
        for attempt in range(25):  # until B listens on Redis: a rename before that is not heard
            await alice.put(f"{KEYS}/{created['id']}", {"name": f"renamed on A {attempt}"})
            if seen := await lists_eventually(server_b, [f"renamed on A {attempt}"]):
                break
        assert seen
        await alice.delete(f"{KEYS}/{created['id']}")
        assert await lists_eventually(server_b, [])


async def lists_eventually(caller: Caller, names: list[str]) -> bool:
    """Whether the caller's key list shows these names within 0.2 s."""
    for _ in range(10):
        if [k["name"] for k in (await caller.get(LIST)).json()["items"]] == names:
            return True
        await asyncio.sleep(0.02)
    return False


class TestAChangeMadeByTheApp:
    @pytest.fixture
    def settings_overrides(self, venue):
        return on_the_venue(venue, default_plan="PROFESSIONAL", key_list_cache_seconds=3600)

    async def test_a_key_an_order_finds_refused_is_listed_unauthorized_at_once(self, alice, venue):
        engine, _base = venue
        key_id = await manual_key(alice, venue)
        assert (await alice.get(LIST)).json()["items"][0]["apiKeyStatus"] == "AUTHORIZED"
        engine.account("manual").secret = "rotated on Binance"

        refused = await place(alice, key_id, ORDER)

        assert refused.json() == {"error": "exchange API authorization failed (1103)"}
        [key] = (await alice.get(LIST)).json()["items"]
        assert (key["apiKeyStatus"], key["active"]) == ("UNAUTHORIZED", False)

    async def test_graphql_answers_each_caller_their_own_list_and_a_change_at_once(
        self, alice, bob, venue
    ):
        query = "{ viewer { exchangeKeys { id name apiKeyStatus } } }"
        key_id = await manual_key(alice, venue)
        first = await alice.graphql(query)
        again = await alice.graphql(query)  # from the cache
        theirs = await bob.graphql(query)

        await alice.put(f"{KEYS}/{key_id}", {"name": "renamed"})
        renamed = await alice.graphql(query)

        assert first == again and first["data"]["viewer"]["exchangeKeys"][0]["id"] == key_id
        assert theirs == {"data": {"viewer": {"exchangeKeys": []}}}
        assert renamed["data"]["viewer"]["exchangeKeys"][0]["name"] == "renamed"

    async def test_a_read_on_the_exchange_finds_its_key_in_the_kept_list(
        self, alice, bob, venue, count_statements
    ):
        key_id = await manual_key(alice, venue)
        orders = f"/v1/priv/exchange/order/{key_id}/list?symbol=BTC%2FUSDT"
        await alice.get(orders)  # the list is kept, the key's secret opened

        with count_statements as counter:
            mine = await alice.get(orders)
        theirs = await bob.get(orders)
        await alice.delete(f"{KEYS}/{key_id}")
        deleted = await alice.get(orders)

        assert (mine.status_code, mine.json()) == (200, [])
        assert counter.statements == []
        assert theirs.status_code == deleted.status_code == 404
        assert theirs.json() == deleted.json()

    async def test_an_order_goes_by_the_key_as_the_database_has_it(self, alice, venue, runtime):
        """The kept list may be a moment old (here: a change no event told of); acting on
        the exchange reads the key itself."""
        key_id = await manual_key(alice, venue)
        await alice.get(LIST)
        async with runtime.engine.begin() as connection:
            await connection.execute(text("UPDATE exchange_keys SET strategy_type = 'AUTOMATED'"))

        listed = await alice.get(f"/v1/priv/exchange/order/{key_id}/list?symbol=BTC%2FUSDT")
        refused = await place(alice, key_id, ORDER)

        assert listed.status_code == 200
        assert refused.status_code == 433
        assert (await alice.get(LIST)).json()["items"][0]["strategyType"] == "MANUAL"  # kept

    async def test_two_callers_with_the_same_list_still_get_their_own_answer(
        self, bob, client, cognito
    ):
        carol = Caller(client, cognito.access_token("carol"))
        query = "{ viewer { id exchangeKeys { id } } }"

        answers = [await caller.graphql(query) for caller in (bob, carol, bob, carol)]

        ids = [answer["data"]["viewer"]["id"] for answer in answers]
        assert ids[0] == ids[2] and ids[1] == ids[3] and ids[0] != ids[1]
