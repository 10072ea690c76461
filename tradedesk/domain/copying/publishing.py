"""Publishing a signal: it becomes one PENDING copy per active follow, in one transaction
before anything is sent, so the fan-out is durable; the dispatcher (`copying/dispatcher.py`)
runs the copies. Operators also read a signal's feed and how its copies went here, and a
follower their own copies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from decimal import Decimal

from tradedesk.domain.catalog.model import Strategy
from tradedesk.domain.catalog.public import PublicCatalog
from tradedesk.domain.copying.model import (
    CopyStatus,
    PublishedSignal,
    SignalCopy,
    SignalStats,
)
from tradedesk.domain.copying.ports import (
    CopyingUnitOfWorkFactory,
    CopyQueue,
)
from tradedesk.domain.errors import (
    FieldError,
    Unavailable,
    ValidationFailed,
)
from tradedesk.domain.market.model import TradeType
from tradedesk.domain.market.tickers import MarketService
from tradedesk.domain.ports import Clock, EventBus, Ids
from tradedesk.domain.principal import Principal
from tradedesk.domain.strategies.admin import require_operator
from tradedesk.domain.strategies.model import Signal, SignalAction, SignalInput
from tradedesk.domain.strategies.reference import StrategyReference
from tradedesk.domain.strategies.signals import check_against_entry

log = logging.getLogger("tradedesk.copy_trading")


def _signals_topic(strategy_id: str) -> str:
    return f"signals:{strategy_id}"


class SignalPublishing:
    def __init__(
        self,
        *,
        uow_factory: CopyingUnitOfWorkFactory,
        catalog: PublicCatalog,
        market: MarketService,
        reference: StrategyReference,
        events: EventBus,
        clock: Clock,
        ids: Ids,
        queue: CopyQueue | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._catalog = catalog
        self._market = market
        self._reference = reference
        self._events = events
        self._clock = clock
        self._ids = ids
        self._queue = queue  # None: the copies run in this process
        # set when this process publishes a signal without a queue: its dispatcher wakes
        self.published = asyncio.Event()

    async def publish(self, caller: Principal, signal: SignalInput) -> PublishedSignal:
        """Checks the signal against the market, then stores it with one PENDING copy per
        active follow, and wakes the dispatcher. Operators only."""
        require_operator(caller)
        return await self.publish_as(
            signal, signal_id=self._ids.new_id(), created_by=caller.user_id
        )

    async def publish_as(
        self,
        signal: SignalInput,
        *,
        signal_id: str,
        created_by: str,
        price_within: float | None = None,
    ) -> PublishedSignal:
        """`publish` for a caller already vouched for (an operator, a signed webhook). With
        `price_within`, a MARKET signal without a price waits at most that many seconds for the
        market's (`Unavailable`, nothing stored, if it does not come): for a sender with a
        budget for its answer."""
        strategy = (await self._catalog.snapshot()).strategies_by_id.get(signal.strategy_id)
        if strategy is None or not strategy.active:
            raise ValidationFailed(
                [
                    FieldError(
                        param="strategyId",
                        value=signal.strategy_id,
                        msg="must be active strategy automated id",
                    )
                ]
            )
        reference = None
        if signal.action is SignalAction.OPEN:
            reference = signal.price
            if reference is None:
                reference = await self._market_price(strategy, price_within)
            check_against_entry(signal, reference)
        now = self._clock.now()
        stored = Signal(
            **{f: getattr(signal, f) for f in SignalInput.__dataclass_fields__},
            id=signal_id,
            reference_price=reference,
            created_at=now,
        )
        profiles = {p.id: p for p in (await self._catalog.snapshot()).risk_profiles}
        async with self._uow_factory() as uow:
            follows = await uow.follows.active_for_strategy(strategy.id)
            sequence = await uow.signals.next_sequence(strategy.id)
            copies = [
                SignalCopy(
                    id=self._ids.new_id(),
                    signal_id=stored.id,
                    follow_id=follow.id,
                    user_id=follow.user_id,
                    key_id=follow.key_id,
                    symbol=follow.symbol,
                    risk_profile_percent=Decimal(str(profiles[follow.risk_profile_id].percentage)),
                    status=CopyStatus.PENDING,
                    created_at=now,
                    updated_at=now,
                    sequence=sequence,
                )
                for follow in follows
            ]
            await uow.signals.add(stored, created_by=created_by)
            await uow.copies.add_many(copies)
            await uow.commit()
        log.info("signal %s on %s: %d copies", stored.id, strategy.name, len(copies))
        await self._announce(len(copies))
        published = PublishedSignal(stored, len(copies))
        self._events.publish(_signals_topic(strategy.id), published)
        try:
            await self._reference.on_signal(strategy, stored)
        except Exception:  # the published results must never hold up followers' trades
            log.exception("signal %s: the reference account could not follow it", stored.id)
        return published

    async def _market_price(self, strategy: Strategy, within: float | None) -> Decimal:
        """The market's last price; the read is shared and shielded (`CachedTickers`), so
        giving up on it cancels nobody else's."""
        read = self._market.ticker(
            exchange_id=strategy.exchange_id, trade_type=TradeType.FUTURES, symbol=strategy.symbol
        )
        try:
            async with asyncio.timeout(within):
                ticker = await read
        except TimeoutError:
            raise Unavailable(f"no market price within {within:g} s") from None
        return Decimal(str(ticker.last))

    async def signal_feed(
        self, caller: Principal, strategy_id: str
    ) -> AsyncIterator[PublishedSignal]:
        """Operators: the strategy's signals as they are accepted, from now on."""
        require_operator(caller)
        async for event in self._events.subscribe(_signals_topic(strategy_id)):
            assert isinstance(event, PublishedSignal)
            yield event

    async def signal_stats(self, caller: Principal, signal_id: str) -> SignalStats | None:
        """Operators: how the signal's copies went; None for no such signal."""
        require_operator(caller)
        async with self._uow_factory() as uow:
            if not await uow.signals.exists(signal_id):
                return None
            return SignalStats.of(await uow.copies.of_signal(signal_id))

    async def copies_of(self, caller: Principal, limit: int) -> list[SignalCopy]:
        """The caller's own copies, newest first: what was placed, skipped or failed, and why."""
        async with self._uow_factory() as uow:
            return await uow.copies.of_user(caller.user_id, limit)

    async def _announce(self, copies: int) -> None:
        """Wakes this process's dispatcher, or tells the queue's workers. A queue out of
        reach loses nothing: the copies are stored, and workers look for due ones anyway."""
        if self._queue is None:
            self.published.set()
            return
        try:
            await self._queue.kick(copies)
        except Exception:
            log.exception("the copy queue is out of reach; workers will find the copies")
