"""The composition root: builds the engine, the adapters and the domain services once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from tradedesk.config import Settings
from tradedesk.domain.catalog import PublicCatalog
from tradedesk.domain.market import MarketService
from tradedesk.domain.ports import Clock, ExchangeGateway
from tradedesk.domain.services import Services
from tradedesk.domain.strategy_results import StrategyResults
from tradedesk.integrations.clock import SystemClock
from tradedesk.integrations.exchange.paper_feed import PaperMarketFeed
from tradedesk.persistence.engine import make_engine, make_session_factory
from tradedesk.persistence.unit_of_work import SqlUnitOfWork


@dataclass(frozen=True, slots=True)
class Runtime:
    """What a process holds for its lifetime; `aclose()` releases it."""

    settings: Settings
    engine: AsyncEngine
    services: Services

    async def aclose(self) -> None:
        await self.engine.dispose()


def build_runtime(
    settings: Settings, *, clock: Clock | None = None, exchange: ExchangeGateway | None = None
) -> Runtime:
    clock = clock or SystemClock()
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)

    def uow_factory() -> SqlUnitOfWork:
        return SqlUnitOfWork(session_factory)

    exchange = exchange or PaperMarketFeed(
        clock, prices=settings.paper_prices, seed=settings.paper_seed
    )
    catalog = PublicCatalog(uow_factory, clock, settings.public_cache_ttl_seconds)
    services = Services(
        market=MarketService(exchange),
        catalog=catalog,
        strategy_results=StrategyResults(catalog, uow_factory, clock),
    )
    return Runtime(settings=settings, engine=engine, services=services)
