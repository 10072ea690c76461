"""The control surface of `tradedesk simulator --control`, over HTTP on loopback."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from tests.simulator.engines import long_with_stop
from tests.standins.serving import serving_here
from tradedesk.simulator.markets import Kind
from tradedesk.simulator.orders import AlgoStatus
from tradedesk.simulator.server import AccountSpec, build_simulator

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def simulator():
    engine, app = build_simulator([AccountSpec("key", "secret", Decimal(10000))], control=True)
    async with serving_here(app) as base, httpx.AsyncClient(base_url=base) as http:
        yield engine, http


async def test_a_price_set_moves_spot_and_futures_and_runs_what_it_triggers(simulator):
    engine, http = simulator
    stop = long_with_stop(engine)

    answer = await http.post("/_simulator/price", json={"symbol": "BTCUSDT", "price": "18990.5"})

    assert answer.status_code == 200
    assert answer.json() == {"symbol": "BTCUSDT", "price": "18990.5", "fills": 1}
    assert engine.price(Kind.SPOT, "BTCUSDT") == engine.price(Kind.FUTURES, "BTCUSDT")
    assert engine.price(Kind.FUTURES, "BTCUSDT") == Decimal("18990.5")
    assert stop.status is AlgoStatus.FINISHED


async def test_rejections_asked_for_end_the_next_triggers_rejected(simulator):
    engine, http = simulator
    stop = long_with_stop(engine)

    answer = await http.post("/_simulator/algo-reject", json={"symbol": "BTCUSDT", "times": 1})
    await http.post("/_simulator/price", json={"symbol": "BTCUSDT", "price": "18900"})

    assert answer.json() == {"symbol": "BTCUSDT", "times": 1}
    assert stop.status is AlgoStatus.REJECTED
    assert engine.account("key").position("BTCUSDT").amount == Decimal("0.1")


async def test_held_triggers_stay_triggering_until_cancelled(simulator):
    engine, http = simulator
    stop = long_with_stop(engine)

    answer = await http.post("/_simulator/algo-hold", json={"symbol": "BTCUSDT", "times": 1})
    await http.post("/_simulator/price", json={"symbol": "BTCUSDT", "price": "18900"})
    await http.post("/_simulator/price", json={"symbol": "BTCUSDT", "price": "18800"})

    assert answer.json() == {"symbol": "BTCUSDT", "times": 1}
    assert stop.status is AlgoStatus.TRIGGERING and stop.order_id is None  # not run twice
    assert engine.account("key").position("BTCUSDT").amount == Decimal("0.1")
    engine.cancel_conditional("key", Kind.FUTURES, "BTCUSDT", algo_id=stop.algo_id)
    assert stop.status is AlgoStatus.CANCELED


async def test_faults_switch_on_and_off(simulator):
    _, http = simulator

    added = await http.post(
        "/_simulator/faults", json={"kind": "outage", "pathPrefix": "/fapi", "times": 2}
    )
    refused = [(await http.get("/fapi/v1/time")).status_code for _ in range(3)]
    await http.post("/_simulator/faults", json={"kind": "ban", "pathPrefix": "/api"})
    banned = await http.get("/api/v3/time")
    cleared = await http.delete("/_simulator/faults")

    assert added.json() == {
        "kind": "outage",
        "pathPrefix": "/fapi",
        "times": 2,
        "after": 0,
        "status": 503,
        "stall": False,
        "seconds": 0.0,
        "executed": True,
    }
    assert refused == [503, 503, 200]
    assert (banned.status_code, banned.headers["retry-after"]) == (418, "60")
    assert cleared.json() == {"cleared": 2}
    assert (await http.get("/api/v3/time")).status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "error"),
    [
        ("/_simulator/price", {"symbol": "DOGEUSDT", "price": "1"}, "no market 'DOGEUSDT'"),
        ("/_simulator/price", {"symbol": "BTCUSDT", "price": "-1"}, "price is a positive number"),
        ("/_simulator/price", {"symbol": "BTCUSDT", "price": "nan"}, "price is a positive number"),
        ("/_simulator/price", {"symbol": "BTCUSDT", "price": "1.01"}, "tick"),
        ("/_simulator/price", {"symbol": "BTCUSDT", "price": "1E+100"}, "tick"),
        ("/_simulator/price", [], "the body is a JSON object"),
        ("/_simulator/algo-reject", {"symbol": "BTCUSDT", "times": -1}, "times is a whole"),
        ("/_simulator/algo-reject", {"symbol": "BTCUSDT", "times": 1.5}, "times is a whole"),
        ("/_simulator/faults", {"kind": "meteor"}, "kind is one of"),
        ("/_simulator/faults", {"kind": "outage", "times": "x"}, "times is a whole"),
        ("/_simulator/faults", {"kind": "outage", "times": 0}, "times is a whole"),
        ("/_simulator/faults", {"kind": "outage", "after": -1}, "after is a whole"),
        ("/_simulator/faults", {"kind": "outage", "status": 99}, "status is a whole"),
        ("/_simulator/faults", {"kind": "outage", "stall": "false"}, "stall is true or false"),
        ("/_simulator/faults", {"kind": "latency", "seconds": "nan"}, "seconds is a number"),
        ("/_simulator/faults", {"kind": "latency", "seconds": -1}, "seconds is a number"),
    ],
)
async def test_bad_control_requests_are_refused_and_change_nothing(simulator, path, body, error):
    engine, http = simulator
    before = engine.price(Kind.FUTURES, "BTCUSDT")

    answer = await http.post(path, json=body)

    assert answer.status_code == 400 and error in answer.json()["error"]
    assert engine.price(Kind.FUTURES, "BTCUSDT") == before
    assert engine.rejecting_triggers["BTCUSDT"] == 0
    assert (await http.get("/fapi/v1/time")).status_code == 200  # no fault was switched on


async def test_usage_counts_each_ips_weight_and_the_open_streams():
    """What benchmarks read: the weight spent since the start, here past Binance's 2,400 a
    minute (the limit raised), and the streams."""
    _engine, app = build_simulator(
        [AccountSpec("key", "secret", Decimal(10000))], control=True, ip_weight_per_minute=5000
    )
    async with serving_here(app) as base, httpx.AsyncClient(base_url=base) as http:
        answers = [(await http.get("/fapi/v1/ticker/24hr")).status_code for _ in range(61)]
        usage = (await http.get("/_simulator/usage")).json()

    assert answers == [200] * 61  # 2,440: a 429 at Binance's limit
    assert usage == {
        "weight": {"127.0.0.1": 61 * 40},
        "streams": {"connections": 0, "listenKeys": 0},
    }
