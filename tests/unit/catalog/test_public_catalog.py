"""The public catalog's snapshot: one reload for many waiters, and no stale data kept."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from tests.support.clocks import SteppedClock
from tradedesk.domain.catalog.model import Strategy
from tradedesk.domain.catalog.public import PublicCatalog
from tradedesk.domain.errors import NotFound
from tradedesk.domain.market.model import ExchangeId

pytestmark = pytest.mark.asyncio
NOW = datetime(2022, 10, 19, tzinfo=UTC)


class InMemoryCatalog:
    """A catalog repository whose reads can be held open, to stage races."""

    def __init__(self) -> None:
        self.names = ["STRATEGY #1"]
        self.reads = 0
        self.release = asyncio.Event()
        self.release.set()

    async def list_plans(self):
        return []

    async def list_risk_profiles(self):
        return []

    async def list_strategies(self):
        self.reads += 1
        names = list(self.names)
        await self.release.wait()
        return [
            Strategy(f"id-{i}", True, name, None, ExchangeId.BINANCE, "BTC/USDT", NOW, NOW)
            for i, name in enumerate(names)
        ]


class InMemoryUnitOfWork:
    def __init__(self, catalog: InMemoryCatalog) -> None:
        self.catalog = catalog

    async def __aenter__(self):
        return self

    async def __aexit__(self, *_exc):
        return None


@pytest.fixture
def repository() -> InMemoryCatalog:
    return InMemoryCatalog()


@pytest.fixture
def catalog(repository) -> PublicCatalog:
    return PublicCatalog(
        uow_factory=lambda: InMemoryUnitOfWork(repository), clock=SteppedClock(NOW), ttl_seconds=60
    )


async def test_concurrent_misses_cause_one_reload(catalog, repository):
    repository.release.clear()
    waiting = [asyncio.create_task(catalog.strategies()) for _ in range(10)]
    await asyncio.sleep(0)
    repository.release.set()

    results = await asyncio.gather(*waiting)

    assert repository.reads == 1
    assert all(result == results[0] for result in results)


async def test_an_invalidation_during_a_reload_is_not_lost(catalog, repository):
    repository.release.clear()
    reading = asyncio.create_task(catalog.strategies())
    await asyncio.sleep(0)
    repository.names = ["RENAMED"]  # the operator's change lands while the old rows are read
    catalog.invalidate()
    repository.release.set()
    await reading

    assert [s.name for s in await catalog.strategies()] == ["RENAMED"]


async def test_unknown_strategy_is_not_found(catalog):
    with pytest.raises(NotFound):
        await catalog.strategy("nope")
