"""The domain services both transports call, wired once at start-up by `tradedesk.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass

from tradedesk.domain.catalog import PublicCatalog
from tradedesk.domain.market import MarketService
from tradedesk.domain.strategy_results import StrategyResults


@dataclass(frozen=True, slots=True)
class Services:
    market: MarketService
    catalog: PublicCatalog
    strategy_results: StrategyResults
