"""The v1 public routes over HTTP, compared with the documented examples field by field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.builders import documented
from tests.builders.trades import add_trades

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1/pub/subscription/list", documented.PLANS),
        ("/v1/pub/strategy/profile/list", documented.RISK_PROFILES),
        ("/v1/pub/strategy/list", documented.STRATEGIES),
    ],
)
async def test_lists_match_the_documented_examples(client, path, expected):
    response = await client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == expected
    # Field order and JavaScript-style numbers too (20, not 20.0): byte-for-byte clients.
    assert [list(item) for item in response.json()["items"]] == [
        list(item) for item in expected["items"]
    ]
    assert '"monthlyPriceUSD":20.0' not in response.text


async def test_private_plans_are_not_listed(client, runtime):
    from sqlalchemy import update

    from tradedesk.persistence.tables import PlanRow

    async with runtime.engine.begin() as connection:
        await connection.execute(
            update(PlanRow).where(PlanRow.name == "ADVANCED").values(public=False)
        )
    runtime.services.catalog.invalidate()

    response = await client.get("/v1/pub/subscription/list")

    assert [plan["name"] for plan in response.json()["items"]] == ["BASIC", "PROFESSIONAL"]


async def test_ticker_defaults_to_binance_btc_futures_with_every_documented_field(client):
    response = await client.get("/v1/pub/exchange/ticker")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == list(documented.TICKER_EXAMPLE)
    assert all(value is not None for value in body.values())
    assert body["symbol"] == "BTC/USDT"
    assert body["timestamp"] == 1666192189057  # the test clock, in milliseconds
    assert body["datetime"] == "2022-10-19T15:09:49.057Z"
    assert body["low"] <= body["last"] <= body["high"]
    assert body["low"] <= body["vwap"] <= body["high"]
    assert body["close"] == body["last"]
    assert body["change"] == pytest.approx(body["last"] - body["open"], abs=0.011)
    assert body["percentage"] == pytest.approx(body["change"] / body["open"] * 100, abs=0.001)
    assert body["quoteVolume"] == pytest.approx(body["baseVolume"] * body["vwap"], rel=1e-6)


@pytest.mark.parametrize("symbol", ["BTC/USDT", "ETH/USDT", "BNB/USDT"])
@pytest.mark.parametrize("trade_type", ["SPOT", "FUTURES"])
async def test_paper_feed_lists_the_main_markets(client, symbol, trade_type):
    response = await client.get(
        "/v1/pub/exchange/ticker", params={"symbol": symbol, "type": trade_type}
    )

    assert response.status_code == 200
    assert response.json()["symbol"] == symbol


async def test_ticker_is_deterministic_for_the_same_moment(client):
    first = await client.get("/v1/pub/exchange/ticker", params={"symbol": "ETH/USDT"})
    second = await client.get("/v1/pub/exchange/ticker", params={"symbol": "ETH/USDT"})
    spot = await client.get(
        "/v1/pub/exchange/ticker", params={"symbol": "ETH/USDT", "type": "SPOT"}
    )

    assert first.json() == second.json()
    assert spot.json()["last"] != first.json()["last"]  # spot and futures are distinct markets


async def test_malformed_symbol_is_the_documented_422(client):
    response = await client.get("/v1/pub/exchange/ticker", params={"symbol": "BTCUSDT"})

    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {
                "value": "BTCUSDT",
                "msg": "must be valid exchange symbol",
                "param": "symbol",
                "location": "query",
            }
        ]
    }


async def test_unlisted_symbol_is_the_documented_433(client):
    response = await client.get("/v1/pub/exchange/ticker", params={"symbol": "DOGE/USDT"})

    assert response.status_code == 433
    assert response.json() == {"error": "invalid exchange symbol (1300)"}


@pytest.mark.parametrize(
    ("params", "param", "value"),
    [
        ({"exchangeId": "KRAKEN"}, "exchangeId", "KRAKEN"),
        ({"type": "MARGIN"}, "type", "MARGIN"),
        ({"type": "spot"}, "type", "spot"),
    ],
)
async def test_enum_parameters_outside_the_documented_values_are_422(client, params, param, value):
    response = await client.get("/v1/pub/exchange/ticker", params=params)

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["param"], error["value"], error["location"]) == (param, value, "query")


async def test_every_bad_parameter_is_reported_at_once(client):
    response = await client.get(
        "/v1/pub/exchange/ticker", params={"exchangeId": "X", "symbol": "x", "type": "Y"}
    )

    assert response.status_code == 422
    assert [e["param"] for e in response.json()["errors"]] == ["exchangeId", "symbol", "type"]


async def test_history_buckets_run_newest_first_with_documented_empty_buckets(client, runtime):
    day = datetime(2022, 10, 19, tzinfo=UTC)
    await add_trades(
        runtime,
        documented.STRATEGY_1,
        ("LONG", day.replace(hour=1), -0.02),
        ("LONG", day.replace(hour=3), 0.01),
        ("SHORT", day.replace(hour=5), -0.03),
        ("LONG", day.replace(hour=9), -0.01),
    )

    response = await client.get(
        f"/v1/pub/strategy/{documented.STRATEGY_1}/history", params={"limit": 3}
    )

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(b["start"], b["endAt"]) for b in items] == [
        ("2022-10-19", "2022-10-20"),
        ("2022-10-18", "2022-10-19"),
        ("2022-10-17", "2022-10-18"),
    ]
    # Equity 1 -> 0.98 -> 0.9898 -> 0.960106 -> 0.95050494; the start is the highest peak.
    assert items[0] == {
        "start": "2022-10-19",
        "endAt": "2022-10-20",
        "netProfitPercent": -4.949506,
        "winRate": 0.25,
        "maxDrawDown": 0.04949506,
        "trades": 4,
        "long": 3,
        "short": 1,
    }
    for bucket in items[1:]:
        assert {k: v for k, v in bucket.items() if k not in ("start", "endAt")} == (
            documented.HISTORY_EMPTY_BUCKET
        )


async def test_history_has_thirty_daily_buckets_by_default(client):
    response = await client.get(f"/v1/pub/strategy/{documented.STRATEGY_1}/history")

    items = response.json()["items"]
    assert len(items) == 30
    assert items[-1]["start"] == "2022-09-20"


async def test_monthly_history_and_performance_cover_the_same_range(client, runtime):
    await add_trades(
        runtime,
        documented.STRATEGY_1,
        ("LONG", datetime(2022, 8, 31, 23, 0, tzinfo=UTC), 0.50),  # before the range
        ("SHORT", datetime(2022, 9, 1, 0, 0, tzinfo=UTC), 0.10),
        ("LONG", datetime(2022, 9, 30, 23, 59, tzinfo=UTC), -0.05),
        ("LONG", datetime(2022, 10, 19, 12, 0, tzinfo=UTC), 0.02),
    )
    strategy = f"/v1/pub/strategy/{documented.STRATEGY_1}"

    history = await client.get(f"{strategy}/history", params={"interval": "1M", "limit": 2})
    performance = await client.get(f"{strategy}/performance", params={"interval": "1M", "limit": 2})

    assert [(b["start"], b["endAt"], b["trades"]) for b in history.json()["items"]] == [
        ("2022-10-01", "2022-11-01", 1),
        ("2022-09-01", "2022-10-01", 2),
    ]
    equity = 1.10 * 0.95 * 1.02
    assert performance.status_code == 200
    assert performance.json() == {
        "netProfitPercent": round((equity - 1) * 100, 8),
        "winRate": round(2 / 3, 8),
        "maxDrawDown": 0.05,
        "trades": 3,
        "long": 2,
        "short": 1,
    }


async def test_trades_of_other_strategies_do_not_count(client, runtime):
    await add_trades(
        runtime, documented.STRATEGY_2, ("LONG", datetime(2022, 10, 19, 1, tzinfo=UTC), 0.1)
    )

    response = await client.get(f"/v1/pub/strategy/{documented.STRATEGY_1}/performance")

    assert response.json() == documented.HISTORY_EMPTY_BUCKET


@pytest.mark.parametrize("suffix", ["history", "performance"])
async def test_unknown_strategy_is_404_and_malformed_id_is_422(client, suffix):
    unknown = await client.get(f"/v1/pub/strategy/00000000-0000-4000-8000-000000000000/{suffix}")
    malformed = await client.get(f"/v1/pub/strategy/invaliduuid/{suffix}")

    assert (unknown.status_code, unknown.json()) == (404, documented.ROUTE_NOT_FOUND)
    assert malformed.status_code == 422
    assert malformed.json() == {
        "errors": [
            {"value": "invaliduuid", "msg": "must be UUID", "param": "id", "location": "params"}
        ]
    }


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": "1001"}, "limit"),
        ({"limit": "0"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "-1"}, "limit"),
        ({"limit": "\u00b2"}, "limit"),  # superscript two
        ({"interval": "1w"}, "interval"),
    ],
)
async def test_range_parameters_are_validated(client, params, param):
    response = await client.get(f"/v1/pub/strategy/{documented.STRATEGY_1}/history", params=params)

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["param"], error["location"]) == (param, "query")


async def test_limit_of_one_thousand_is_allowed(client):
    response = await client.get(
        f"/v1/pub/strategy/{documented.STRATEGY_1}/history", params={"limit": "1000"}
    )

    assert response.status_code == 200
    assert len(response.json()["items"]) == 1000


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/pub/nothing"), ("GET", "/nothing"), ("POST", "/v1/pub/strategy/list")],
)
async def test_unknown_routes_answer_route_not_found(client, method, path):
    response = await client.request(method, path)

    assert (response.status_code, response.json()) == (404, documented.ROUTE_NOT_FOUND)
