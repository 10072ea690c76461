"""The public catalog, read once and served from memory.

Plans, risk profiles and strategies change only when an operator changes them, yet every page
of the app shows them. The catalog keeps one immutable snapshot; `invalidate()` drops it at once
(called by in-process writers), and a short TTL bounds how long a change made by another
process (`tradedesk seed`, another worker) stays unseen. Only public data lives here, so the
snapshot can never carry one user's data to another.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tradedesk.domain.catalog.model import Plan, RiskProfile, Strategy
from tradedesk.domain.catalog.ports import CatalogUnitOfWorkFactory
from tradedesk.domain.errors import NotFound
from tradedesk.domain.ports import Clock


@dataclass(frozen=True, slots=True)
class CatalogSnapshot:
    plans: tuple[Plan, ...]
    risk_profiles: tuple[RiskProfile, ...]
    strategies: tuple[Strategy, ...]
    version: int
    public_plans: tuple[Plan, ...] = ()
    strategies_by_id: dict[str, Strategy] = field(default_factory=dict)


class PublicCatalog:
    def __init__(
        self, *, uow_factory: CatalogUnitOfWorkFactory, clock: Clock, ttl_seconds: float
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ttl = ttl_seconds
        self._snapshot: CatalogSnapshot | None = None
        self._loaded_at = 0.0
        self._version = 0
        self._invalidations = 0
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """Forget the snapshot; the next read goes to the database."""
        self._snapshot = None
        self._invalidations += 1

    async def snapshot(self) -> CatalogSnapshot:
        snapshot = self._snapshot
        if snapshot is not None and self._clock.monotonic() - self._loaded_at < self._ttl:
            return snapshot
        async with self._lock:  # one reload, however many requests are waiting
            if self._snapshot is not None and self._snapshot is not snapshot:
                return self._snapshot
            return await self._reload()

    async def _reload(self) -> CatalogSnapshot:
        invalidations = self._invalidations
        async with self._uow_factory() as uow:
            plans = await uow.catalog.list_plans()
            profiles = await uow.catalog.list_risk_profiles()
            strategies = await uow.catalog.list_strategies()
        self._version += 1
        snapshot = CatalogSnapshot(
            plans=tuple(plans),
            risk_profiles=tuple(profiles),
            strategies=tuple(strategies),
            version=self._version,
            public_plans=tuple(plan for plan in plans if plan.public),
            strategies_by_id={strategy.id: strategy for strategy in strategies},
        )
        if invalidations == self._invalidations:
            self._snapshot, self._loaded_at = snapshot, self._clock.monotonic()
        # else: invalidated while reading, so this may predate the change: serve it to the
        # callers already waiting, but keep nothing, and the next read loads again.
        return snapshot

    async def public_plans(self) -> tuple[Plan, ...]:
        return (await self.snapshot()).public_plans

    async def risk_profiles(self) -> tuple[RiskProfile, ...]:
        return (await self.snapshot()).risk_profiles

    async def strategies(self) -> tuple[Strategy, ...]:
        return (await self.snapshot()).strategies

    async def strategy(self, strategy_id: str) -> Strategy:
        strategy = (await self.snapshot()).strategies_by_id.get(strategy_id)
        if strategy is None:
            raise NotFound(f"strategy {strategy_id}")
        return strategy
