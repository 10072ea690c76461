"""Markets' trading filters as Binance's USDT-M futures publish them."""

from __future__ import annotations

from decimal import Decimal

from tradedesk.domain.market.exchange import MarketRules

BTC = MarketRules(
    symbol="BTC/USDT",
    tick_size=Decimal("0.10"),
    step_size=Decimal("0.001"),
    min_amount=Decimal("0.001"),
    max_amount=Decimal(1000),
    market_max_amount=Decimal(120),
    min_notional=Decimal(100),
    max_orders=200,
    max_algo_orders=10,
)
