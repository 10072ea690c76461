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
