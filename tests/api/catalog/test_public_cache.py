"""Public data is served from memory, yet an operator's change shows up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from tradedesk.persistence.tables import StrategyRow

pytestmark = pytest.mark.asyncio


async def rename_strategy_one(runtime) -> None:
    async with runtime.engine.begin() as connection:
        await connection.execute(
            update(StrategyRow).where(StrategyRow.name == "STRATEGY #1").values(name="RENAMED")
        )


async def test_repeated_reads_cost_no_query(client, count_statements):
    await client.get("/v1/pub/strategy/list")
    with count_statements as counter:
        for _ in range(5):
            await client.get("/v1/pub/strategy/list")
            await client.post("/graphql", json={"query": "{ strategies { name } plans { name } }"})

    assert counter.statements == []


async def test_invalidation_shows_a_change_at_once(client, runtime):
    await client.get("/v1/pub/strategy/list")
    await rename_strategy_one(runtime)
    runtime.services.catalog.invalidate()

    response = await client.get("/v1/pub/strategy/list")

    assert response.json()["items"][0]["name"] == "RENAMED"


async def test_a_change_from_another_process_shows_after_the_ttl(client, runtime, clock):
    await client.get("/v1/pub/strategy/list")
    await rename_strategy_one(runtime)

    before = await client.get("/v1/pub/strategy/list")
    clock.advance(timedelta(seconds=6))  # the fixture's TTL is 5 seconds
    after = await client.get("/v1/pub/strategy/list")

    assert before.json()["items"][0]["name"] == "STRATEGY #1"
    assert after.json()["items"][0]["name"] == "RENAMED"


async def test_graphql_catalog_results_follow_invalidation(client, runtime):
    query = {"query": "{ strategies { name } }"}
    before = await client.post("/graphql", json=query)
    await rename_strategy_one(runtime)
    cached = await client.post("/graphql", json=query)
    runtime.services.catalog.invalidate()
    after = await client.post("/graphql", json=query)

    assert before.json() == cached.json()
    assert after.json()["data"]["strategies"][0]["name"] == "RENAMED"


async def test_graphql_results_that_change_with_time_are_never_cached(client, clock):
    ticker = {"query": "{ strategies { name } ticker { timestamp } }"}
    first = await client.post("/graphql", json=ticker)
    clock.advance(timedelta(seconds=3))  # past the 2-second ticker TTL
    second = await client.post("/graphql", json=ticker)

    assert second.json()["data"]["ticker"]["timestamp"] == (
        first.json()["data"]["ticker"]["timestamp"] + 3000
    )


async def test_published_results_are_computed_once_a_window_and_a_trade_shows_after_it(
    client, runtime, clock, count_statements
):
    """TRADEDESK_RESULTS_CACHE_SECONDS (2 by default): every reader in a window shares one
    computation; a trade closed in it shows from the next window on."""
    from datetime import UTC, datetime

    from tests.builders import documented
    from tests.builders.trades import add_trades

    history = {"query": "{ strategies { history(limit: 3) { trades } performance { trades } } }"}
    # to the start of a window, whatever the fixture's NOW: then 1.9 s stays in it, 0.1 more not
    since_epoch = (clock.now() - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    clock.advance(timedelta(microseconds=2_000_000 - since_epoch % 2_000_000))
    first = await client.post("/graphql", json=history)
    await add_trades(
        runtime, documented.STRATEGY_1, ("LONG", datetime(2022, 10, 19, 1, tzinfo=UTC), 0.01)
    )
    clock.advance(timedelta(seconds=1.9))
    with count_statements as counter:
        same_window = await client.post("/graphql", json=history)
    clock.advance(timedelta(seconds=0.1))
    next_window = await client.post("/graphql", json=history)

    assert counter.statements == []
    assert same_window.json() == first.json()
    assert first.json()["data"]["strategies"][0]["performance"]["trades"] == 0
    assert next_window.json()["data"]["strategies"][0]["performance"]["trades"] == 1
    assert next_window.json()["data"]["strategies"][0]["history"][0]["trades"] == 1


class TestWithNoResultsWindow:
    @pytest.fixture
    def settings_overrides(self):
        return {"results_cache_seconds": 0}

    async def test_every_read_computes_the_results(self, client, runtime):
        from datetime import UTC, datetime

        from tests.builders import documented
        from tests.builders.trades import add_trades

        history = {"query": "{ strategies { performance { trades } } }"}
        first = await client.post("/graphql", json=history)
        await add_trades(
            runtime, documented.STRATEGY_1, ("LONG", datetime(2022, 10, 19, 1, tzinfo=UTC), 0.01)
        )
        second = await client.post("/graphql", json=history)

        assert first.json()["data"]["strategies"][0]["performance"]["trades"] == 0
        assert second.json()["data"]["strategies"][0]["performance"]["trades"] == 1


async def test_different_variables_are_different_entries(client):
    query = "query($id: ID!) { strategy(id: $id) { name } }"
    from tests.builders import documented

    one = await client.post(
        "/graphql", json={"query": query, "variables": {"id": documented.STRATEGY_1}}
    )
    two = await client.post(
        "/graphql", json={"query": query, "variables": {"id": documented.STRATEGY_2}}
    )

    assert one.json()["data"]["strategy"]["name"] == "STRATEGY #1"
    assert two.json()["data"]["strategy"]["name"] == "STRATEGY #2"
