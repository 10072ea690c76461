"""Binance on a bad day, through the venue's fault switches and the real ccxt path: every v1
route and GraphQL field that reaches the exchange answers a documented code (never a 500), a
ban holds back every client of the IP, and an order whose answer is lost is found by its
client order id, not placed twice."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.builders.exchange_keys import funded
from tradedesk.app import V1_ROUTES
from tradedesk.rest.contract import Endpoint
from tradedesk.simulator.markets import Kind

pytestmark = pytest.mark.asyncio
KEYS = "/v1/priv/account/exchange/key"
RESTING = {"symbol": "BTC/USDT", "type": "LIMIT", "side": "BUY", "amount": 0.01, "price": 10000}
BUSINESS_ERROR = re.compile(r"^.+ \(\w+\)$")


@pytest.fixture
def settings_overrides(venue):
    _engine, base = venue
    return {
        "exchange": "binance",
        "binance_urls": base,
        "exchange_timeout_seconds": 0.5,
        "default_plan": "PROFESSIONAL",  # room for several keys' balances
    }


@pytest.fixture
async def key_id(alice, venue) -> str:
    body = {**funded(venue, "faulty", usdt=1000), "strategyType": "MANUAL"}
    created = await alice.post(KEYS, body)
    assert created.status_code == 200, created.text
    return created.json()["id"]


def exchange_calls(key_id: str) -> dict[tuple[str, str], tuple[str, dict | None]]:
    """Every v1 route whose contract reaches the exchange: the URL and body to call it with."""
    on_key = {
        ("GET", "/pub/exchange/ticker"): ("/v1/pub/exchange/ticker", None),
        ("GET", "/priv/account/exchange/balance"): ("/v1/priv/account/exchange/balance", None),
        ("POST", "/priv/account/exchange/key"): (KEYS, None),  # body given by the test
        ("GET", "/priv/account/exchange/key/{key_id}/balance"): (f"{KEYS}/{key_id}/balance", None),
        ("POST", "/priv/exchange/order/{key_id}"): (f"/v1/priv/exchange/order/{key_id}", RESTING),
        ("PUT", "/priv/exchange/order/{key_id}/leverage"): (
            f"/v1/priv/exchange/order/{key_id}/leverage",
            {"symbol": "BTC/USDT", "leverage": 5},
        ),
        ("PUT", "/priv/exchange/order/{key_id}/margin"): (
            f"/v1/priv/exchange/order/{key_id}/margin",
            {"symbol": "BTC/USDT", "type": "CROSSED"},
        ),
        ("DELETE", "/priv/exchange/position/{key_id}"): (
            f"/v1/priv/exchange/position/{key_id}",
            {"symbol": "BTC/USDT"},
        ),
    }
    for read in ("order/{key_id}/list", "order/{key_id}/history", "trade/{key_id}/history"):
        url = f"/v1/priv/exchange/{read.format(key_id=key_id)}?symbol=BTC%2FUSDT"
        on_key[("GET", f"/priv/exchange/{read}")] = (url, None)
    url = f"/v1/priv/exchange/position/{key_id}?symbol=BTC%2FUSDT"
    on_key[("GET", "/priv/exchange/position/{key_id}")] = (url, None)
    return on_key


GRAPHQL_CALLS = {
    "ticker": '{ ticker(symbol: "BTC/USDT") { last } }',
    "totalBalanceUsd": "{ viewer { totalBalanceUsd } }",
    "key reads": """query($id: ID!) { viewer { exchangeKey(id: $id) { balance { asset total }
        openOrders(symbol: "BTC/USDT") { id } orders(symbol: "BTC/USDT") { id }
        trades(symbol: "BTC/USDT") { id } position(symbol: "BTC/USDT") { contracts } } } }""",
    "placeOrder": """mutation($id: ID!) { placeOrder(exchangeKeyId: $id, input: {symbol:
        "BTC/USDT", type: "LIMIT", side: "BUY", amount: 0.01, price: 10000}) { __typename } }""",
    "closePosition": """mutation($id: ID!) { closePosition(exchangeKeyId: $id,
        symbol: "BTC/USDT") { __typename } }""",
    "setLeverage": """mutation($id: ID!) { setLeverage(exchangeKeyId: $id,
        input: {symbol: "BTC/USDT", leverage: 5}) { __typename } }""",
    "setMarginType": """mutation($id: ID!) { setMarginType(exchangeKeyId: $id,
        input: {symbol: "BTC/USDT", type: "CROSSED"}) { __typename } }""",
}

FAULTS = {
    "outage": lambda faults: faults.outage("/"),
    "proxy 502": lambda faults: faults.failure("/", status=502),
    "429": lambda faults: faults.ban("/", status=429, retry_after=1),
    "418 ban": lambda faults: faults.ban("/", status=418, retry_after=120),
    "slow": lambda faults: faults.latency("/", seconds=0.2),
    "timeout": lambda faults: faults.latency("/", seconds=2),
    "malformed JSON": lambda faults: faults.malformed("/"),
    "dropped": lambda faults: faults.drop("/"),
    "dropped unsent": lambda faults: faults.drop("/", executed=False),
}


@pytest.mark.parametrize("fault", FAULTS)
async def test_every_exchange_route_and_field_answers_a_documented_code(
    fault, alice, venue, faults, key_id
):
    calls = exchange_calls(key_id)
    reaching = {
        (route.method, route.path)
        for route in V1_ROUTES
        if isinstance(route, Endpoint) and route.contract.reaches_exchange
    }
    assert set(calls) == reaching, "a route reaches the exchange: say here how to call it"
    new_key = {**funded(venue, "second", usdt=100), "strategyType": "MANUAL"}
    FAULTS[fault](faults)

    async def rest(method: str, url: str, body: dict | None):
        if url == KEYS:
            body = new_key
        kwargs = {"json": body} if body is not None else {}
        return await alice.client.request(method, url, headers=alice.headers, **kwargs)

    answers = await asyncio.gather(*(rest(m, url, body) for (m, _p), (url, body) in calls.items()))
    graphql = await asyncio.gather(
        *(alice.graphql(document, {"id": key_id}) for document in GRAPHQL_CALLS.values())
    )

    if fault == "slow":  # late but within the timeout: nothing may fail
        assert [a.status_code for a in answers if not a.is_success] == [], fault
        assert [body["errors"] for body in graphql if body.get("errors")] == [], fault
    for (method, path), answer in zip(calls, answers, strict=True):
        assert answer.status_code in (200, 204, 433), (fault, method, path, answer.text)
        if answer.status_code == 433:
            assert BUSINESS_ERROR.match(answer.json()["error"]), (fault, path, answer.text)
    for name, body in zip(GRAPHQL_CALLS, graphql, strict=True):
        codes = [(error.get("extensions") or {}).get("code") for error in body.get("errors", [])]
        assert "INTERNAL" not in codes and None not in codes, (fault, name, body)


async def test_a_ban_holds_back_every_client_of_the_ip_until_retry_after(
    alice, bob, venue, faults, key_id
):
    bobs = await bob.post(KEYS, {**funded(venue, "bobs", usdt=100), "strategyType": "MANUAL"})
    bob_key = bobs.json()["id"]
    ban = faults.ban("/fapi", status=418, retry_after=2, times=1)

    first = asyncio.create_task(alice.get(f"{KEYS}/{key_id}/balance"))
    while not ban.hits:  # noqa: ASYNC110  (the venue offers no event to wait on)
        await asyncio.sleep(0.01)
    sent_by_then = faults.requests
    held = [
        asyncio.create_task(alice.get(f"{KEYS}/{key_id}/balance")),
        asyncio.create_task(bob.get(f"{KEYS}/{bob_key}/balance")),
    ]
    await asyncio.sleep(1.5)  # well inside the 2 s Binance asked for
    sent_during_ban = faults.requests - sent_by_then
    answers = await asyncio.gather(first, *held)

    assert sent_during_ban == 0, "a client kept calling a banned IP"
    assert [a.status_code for a in answers] == [200, 200, 200]  # served once the ban ended


@pytest.mark.parametrize("path", ["/fapi/v1/order"])
@pytest.mark.parametrize("how", ["dropped", "late"])
async def test_an_order_whose_answer_is_lost_is_found_not_placed_twice(
    how, path, alice, venue, faults, key_id
):
    engine, _base = venue
    if how == "dropped":
        faults.drop(path, times=1)
    else:
        faults.latency(path, seconds=2, times=1)  # past the 0.5 s timeout

    placed = await alice.post(f"/v1/priv/exchange/order/{key_id}", RESTING)

    assert placed.status_code == 200, placed.text
    [entry] = placed.json()
    orders = engine.orders("faulty", Kind.FUTURES, "BTCUSDT")
    assert [o.client_order_id for o in orders] == [entry["clientOrderId"]]
