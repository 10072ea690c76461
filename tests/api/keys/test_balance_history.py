"""Daily balance snapshots and their pages, with a stepped clock and the real ccxt path."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.builders.exchange_keys import KEYS, funded

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides(venue):
    _engine, base = venue
    return {"exchange": "binance", "binance_urls": base, "default_plan": "PROFESSIONAL"}


async def snapshot_days(runtime, venue, clock, key: str, wallets: list[int | None]) -> None:
    """One day per entry: the key's futures wallet that day, or None for a day the job does
    not run."""
    engine, _base = venue
    for wallet in wallets:
        if wallet is not None:
            engine.account(key).futures_wallet = Decimal(wallet)
            await runtime.services.balance_history.take_snapshots()
        clock.advance(timedelta(days=1))


async def test_one_row_per_key_and_day_and_a_gap_stays_a_gap(alice, venue, runtime, clock):
    created = (await alice.post(KEYS, funded(venue, "key-1"))).json()
    history = runtime.services.balance_history

    assert await history.take_snapshots() == 1
    assert await history.take_snapshots() == 0  # the same day again: nothing more
    clock.advance(timedelta(days=1))
    await snapshot_days(runtime, venue, clock, "key-1", [1200, None, 900])

    response = await alice.get(f"{KEYS}/{created['id']}/balance/history")

    assert response.json() == {
        "items": [
            {"date": "2022-10-22", "totalUSD": 900},
            {"date": "2022-10-20", "totalUSD": 1200},
            {"date": "2022-10-19", "totalUSD": 1000},
        ],
        "nextToken": None,
    }
    async with runtime.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT count(*) FROM balance_snapshots"))).scalar()
    assert rows == 3


async def test_a_key_the_exchange_refuses_gets_no_snapshot(alice, venue, runtime, clock):
    engine, _base = venue
    await alice.post(KEYS, funded(venue, "key-1"))
    engine.account("key-1").secret = "rotated"

    assert await runtime.services.balance_history.take_snapshots() == 0


async def test_pages_newest_first_with_signed_tokens(alice, bob, venue, runtime, clock):
    created = (await alice.post(KEYS, funded(venue, "key-1"))).json()
    other = (await alice.post(KEYS, funded(venue, "key-2"))).json()
    await snapshot_days(runtime, venue, clock, "key-1", [1000, 1001, 1002, 1003, 1004])
    path = f"{KEYS}/{created['id']}/balance/history"

    first = (await alice.client.get(path, params={"limit": 2}, headers=alice.headers)).json()
    second = (
        await alice.client.get(
            path, params={"limit": 2, "nextToken": first["nextToken"]}, headers=alice.headers
        )
    ).json()
    since = (
        await alice.client.get(path, params={"start": "2022-10-22"}, headers=alice.headers)
    ).json()

    assert [item["totalUSD"] for item in first["items"]] == [1004, 1003]
    assert [item["totalUSD"] for item in second["items"]] == [1002, 1001]
    assert second["nextToken"] is not None
    assert [item["date"] for item in since["items"]] == ["2022-10-23", "2022-10-22"]

    other_path = f"{KEYS}/{other['id']}/balance/history"
    for bad in (
        {"nextToken": first["nextToken"][:-2] + "AA"},  # edited
        {"nextToken": "not-a-token"},
    ):
        response = await alice.client.get(path, params=bad, headers=alice.headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["param"] == "nextToken"
    foreign_token = await alice.client.get(
        other_path, params={"nextToken": first["nextToken"]}, headers=alice.headers
    )
    assert foreign_token.json()["errors"][0]["msg"] == "must be valid token"
    invalid = await alice.client.get(
        f"{KEYS}/nope/balance/history",
        params={"limit": 0, "start": "2022-13-01"},
        headers=alice.headers,
    )
    assert [(e["param"], e["location"]) for e in invalid.json()["errors"]] == [
        ("id", "params"),
        ("start", "query"),
        ("limit", "query"),
    ]
    assert (await bob.get(path)).json() == {"message": "route not found"}


async def test_graphql_balance_history_is_a_connection(alice, venue, runtime, clock):
    await alice.post(KEYS, funded(venue, "key-1"))
    await snapshot_days(runtime, venue, clock, "key-1", [1000, 1100, 1200])
    query = (
        "query($after: String) { viewer { exchangeKeys { balanceHistory(first: 2, after: $after)"
        " { edges { cursor node { date totalUsd } } pageInfo { hasNextPage endCursor } } } } }"
    )

    first = (await alice.graphql(query))["data"]["viewer"]["exchangeKeys"][0]["balanceHistory"]
    after = first["pageInfo"]["endCursor"]
    rest = (await alice.graphql(query, {"after": after}))["data"]["viewer"]["exchangeKeys"][0]

    assert [edge["node"] for edge in first["edges"]] == [
        {"date": "2022-10-21", "totalUsd": 1200},
        {"date": "2022-10-20", "totalUsd": 1100},
    ]
    assert first["pageInfo"]["hasNextPage"] is True
    assert first["edges"][-1]["cursor"] == after
    assert rest["balanceHistory"]["edges"][0]["node"] == {"date": "2022-10-19", "totalUsd": 1000}
    assert rest["balanceHistory"]["pageInfo"] == {"hasNextPage": False, "endCursor": None}


async def test_graphql_page_arguments_are_checked_together(alice, venue):
    await alice.post(KEYS, funded(venue, "key-1"))

    response = await alice.graphql(
        '{ viewer { exchangeKeys { balanceHistory(first: 0, after: "forged") { pageInfo {'
        " hasNextPage } } } } }"
    )

    [error] = response["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert [(f["field"], f["message"]) for f in error["extensions"]["fields"]] == [
        ("first", "must be between 1 and 1000"),
        ("after", "must be valid token"),
    ]
