"""Each strategy's reference account: its signals traded on a notional account that risks
1 % of equity per trade, at the market's prices, so that the public history and performance
of a strategy are what following it did, not what anybody typed in.

An OPEN signal closes the open reference trade (at the signal's price) and opens a new one at
the price the signal was checked against (a MARKET signal's last price); a LIMIT signal's
entry waits for the market to reach its limit, and is dropped unfilled if the next signal
comes first. On each pass, the market's last price closes the ladder's rungs it reached (each an
equal share) and the rest at the stop; a CLOSE signal closes what is left at its price. A
closed trade becomes a `strategy_trades` row whose result is the gain or loss as a fraction
of equity, which is what `domain/catalog/performance.py` compounds.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from decimal import Decimal

from tradedesk.domain.catalog.model import Strategy
from tradedesk.domain.catalog.public import PublicCatalog
from tradedesk.domain.errors import DomainError
from tradedesk.domain.market.model import TradeType
from tradedesk.domain.market.tickers import MarketService
from tradedesk.domain.ports import Clock, Ids
from tradedesk.domain.strategies.model import ReferenceTrade, Signal, SignalAction, SignalEntry
from tradedesk.domain.strategies.ports import StrategiesUnitOfWorkFactory

log = logging.getLogger("tradedesk.strategy_reference")


class StrategyReference:
    def __init__(
        self,
        *,
        uow_factory: StrategiesUnitOfWorkFactory,
        catalog: PublicCatalog,
        market: MarketService,
        clock: Clock,
        ids: Ids,
    ) -> None:
        self._uow_factory = uow_factory
        self._catalog = catalog
        self._market = market
        self._clock = clock
        self._ids = ids

    async def on_signal(self, strategy: Strategy, signal: Signal) -> None:
        """Trades the signal on the strategy's reference account."""
        price = signal.reference_price or await self._last(strategy)
        now = self._clock.now()
        async with self._uow_factory() as uow:
            current = await uow.reference_trades.get(strategy.id)
            if current is not None:
                if current.filled:  # an entry still waiting was never traded: no result
                    closing = current.realise(current.open_share, price)
                    await uow.strategy_trades.add(self._ids.new_id(), closing.closed(now))
                await uow.reference_trades.remove(strategy.id)
            if signal.action is SignalAction.OPEN:
                assert signal.side is not None and signal.stop_price is not None
                await uow.reference_trades.put(
                    ReferenceTrade(
                        strategy_id=strategy.id,
                        side=signal.side,
                        entry_price=price,
                        stop_price=signal.stop_price,
                        take_profits=signal.take_profit_prices,
                        rungs=len(signal.take_profit_prices),
                        opened_at=now,
                        filled=signal.entry_type is SignalEntry.MARKET,
                    )
                )
            await uow.commit()

    async def tick(self) -> int:
        """Moves every open reference trade to the market's price; how many closed."""
        async with self._uow_factory() as uow:
            trades = await uow.reference_trades.open_all()
        strategies = (await self._catalog.snapshot()).strategies_by_id
        closed = 0
        for trade in trades:
            strategy = strategies.get(trade.strategy_id)
            if strategy is None:
                continue
            try:
                moved = trade.at_price(await self._last(strategy))
            except DomainError as failed:
                log.warning("reference of %s: no price (%s)", strategy.name, failed)
                continue
            if moved == trade:
                continue
            if moved.filled and not trade.filled:  # opened when the limit was reached
                moved = replace(moved, opened_at=self._clock.now())
            async with self._uow_factory() as uow:
                if moved.open_share:
                    await uow.reference_trades.put(moved)
                else:
                    now = self._clock.now()
                    await uow.strategy_trades.add(self._ids.new_id(), moved.closed(now))
                    await uow.reference_trades.remove(trade.strategy_id)
                    closed += 1
                await uow.commit()
        return closed

    async def _last(self, strategy: Strategy) -> Decimal:
        ticker = await self._market.ticker(
            exchange_id=strategy.exchange_id, trade_type=TradeType.FUTURES, symbol=strategy.symbol
        )
        return Decimal(str(ticker.last))
