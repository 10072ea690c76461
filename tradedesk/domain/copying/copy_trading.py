"""Copy trading: a signal becomes one copy per active follow, and each copy a trade on the
follower's key, sized to their risk profile.

Publishing stores the signal and every copy as PENDING in one transaction before anything is
sent, so the fan-out is durable: copies are leased to a dispatcher (serve's, or any worker's),
and a copy whose dispatcher died is taken over when its lease lapses. A copy's client order
ids derive from (signal, follow), and a copy tried before first looks for its entry on the
exchange: a retry never places a follower's order twice.

Sizing: `amount = equity * pct / 100 / |entry - stop|`, rounded down to the lot step, so that
the stop loses the risk profile's share of the follower's equity; skipped with the reason
below the market's minimum. The leverage is the smallest that keeps the margin within 90 %
of equity. Orders go out through the same `TradePlacer` as manual orders; the keeper then
follows the trade like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tradedesk.domain.alerts.recording import record_alerts
from tradedesk.domain.copying.model import (
    CopyOutcome,
    CopyStatus,
    PublishedSignal,
    SignalCopy,
    SignalStats,
    StrategyFollow,
)
from tradedesk.domain.copying_notices import CopyingNotice, NoticeKind, notice
from tradedesk.domain.errors import (
    BusinessRuleViolation,
    ErrorCode,
    ExchangeUnavailable,
    FieldError,
    ValidationFailed,
)
from tradedesk.domain.job_leases import HeldLease
from tradedesk.domain.keys.exchange_keys import STABLECOINS
from tradedesk.domain.keys.model import ApiKeyStatus, ExchangeKey
from tradedesk.domain.market.exchange import (
    ApiCredentials,
    Order,
    OrderRequest,
    OrderSide,
    OrderType,
)
from tradedesk.domain.market.model import TradeType
from tradedesk.domain.principal import Principal
from tradedesk.domain.strategies.admin import require_operator
from tradedesk.domain.strategies.model import Signal, SignalAction, SignalEntry, SignalInput
from tradedesk.domain.strategies.signals import check_against_entry
from tradedesk.domain.trade_events import entry_event
from tradedesk.domain.trading.exits import ExitPlan, entry_id
from tradedesk.domain.trading.flattening import flatten
from tradedesk.domain.trading.model import StopTriggerType
from tradedesk.domain.trading.placement import placed_before
from tradedesk.domain.transactions import in_transaction

if TYPE_CHECKING:
    from tradedesk.domain.catalog.public import PublicCatalog
    from tradedesk.domain.copying.ports import (
        CopyingUnitOfWork,
        CopyingUnitOfWorkFactory,
        CopyQueue,
    )
    from tradedesk.domain.keys.exchange_keys import ExchangeKeys
    from tradedesk.domain.market.ports import ExchangeGateway
    from tradedesk.domain.market.tickers import MarketService
    from tradedesk.domain.ports import Clock, EventBus, Ids, JobMetrics
    from tradedesk.domain.strategies.reference import StrategyReference
    from tradedesk.domain.trade_events import TradeEvents
    from tradedesk.domain.trading.placement import TradePlacer
    from tradedesk.domain.trading.protection import ProtectionKeeper

log = logging.getLogger("tradedesk.copy_trading")

LEASE = timedelta(seconds=30)
DEADLINE = timedelta(minutes=2)  # a copy not placed by then is too late to follow the signal
MAX_ATTEMPTS = 5  # an OPEN's; a CLOSE is tried until it goes through
MAX_BACKOFF_SECONDS = 60.0
CONCURRENT_COPIES = 1024  # copies in flight at once in one dispatcher
OUTCOME_FLUSH_SECONDS = 0.2  # how often finished copies are written while a fan-out runs
MARGIN_SHARE = Decimal("0.9")  # of equity a copy's initial margin may take
MAX_LEVERAGE = 125  # Binance's; a follow may set a lower cap


@dataclass(frozen=True, slots=True)
class _Job:
    copy: SignalCopy
    signal: Signal
    # None: the key is gone; credentials None: its secret cannot be opened here
    opened: tuple[ExchangeKey, ApiCredentials | None] | None
    follow: StrategyFollow | None  # None: the follow is gone
    day_start_usd: float | None  # the key's first balance snapshot of the UTC day


def _check_daily_loss(follow: StrategyFollow, day_start: float | None, equity: Decimal) -> None:
    """The circuit breaker: no new copies once the UTC day's loss reached the follow's limit
    (measured from the day's first balance snapshot; none yet, no check)."""
    limit = follow.daily_loss_limit_percent
    if limit is None or not day_start:
        return
    loss = (Decimal(str(day_start)) - equity) / Decimal(str(day_start)) * 100
    if loss >= limit:
        log.warning("follow %s: daily loss limit reached; copying paused", follow.id)
        raise _Skip(
            f"the day's loss of {loss:.2f} % reached the follow's limit of {limit} %;"
            " copying resumes tomorrow (UTC)",
            tell=NoticeKind.LOSS_LIMIT,
        )


class CopyOutcomes:
    """Copies' outcomes, written in one transaction per batch: a finished copy with the trade
    the keeper is to follow, or a copy still PENDING released for a retry after a backoff.
    Only the copies still held under the batch's lease token are written: a copy taken over
    by another process is theirs to record."""

    def __init__(
        self, uow_factory: CopyingUnitOfWorkFactory, clock: Clock, ids: Ids, *, token: str
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._token = token
        self._waiting: list[CopyOutcome] = []

    def add(self, outcome: CopyOutcome) -> None:
        """A copy's outcome; its entry and notice are alerted in the same transaction."""
        self._waiting.append(outcome)

    async def write_until(self, done: asyncio.Event, seconds: float) -> None:
        """Flush every `seconds` until `done`, then once more for what came in meanwhile
        (a flush is never cut short)."""
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), timeout=seconds)
            await self.flush()
        await self.flush()

    async def flush(self) -> None:
        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        now = self._clock.now()

        async def write(uow: CopyingUnitOfWork) -> None:
            held = await uow.copies.hold(token=self._token, ids=[o.copy.id for o in waiting])
            if lost := len(waiting) - len(held):
                log.warning("%d copies were taken over before their outcome was written", lost)
            batch = [outcome for outcome in waiting if outcome.copy.id in held]
            told = [(o.copy.user_id, e) for o in batch for e in (o.entry, o.notice) if e]
            await record_alerts(uow, self._ids, told)
            await uow.protected_trades.add_many(
                [o.trade for o in batch if o.trade is not None], now=now
            )
            await uow.copies.retry_many(
                [
                    (o.copy.id, now + _backoff(o.copy.attempts))
                    for o in batch
                    if o.copy.status is CopyStatus.PENDING
                ]
            )
            await uow.copies.finish_many(
                [
                    replace(o.copy, updated_at=now)
                    for o in batch
                    if o.copy.status is not CopyStatus.PENDING
                ]
            )

        # two workers' flushes may deadlock on PostgreSQL; a lost flush would leave the copies
        # leased until their lease lapsed, and then run again
        await in_transaction(self._uow_factory, write)


def _signals_topic(strategy_id: str) -> str:
    return f"signals:{strategy_id}"


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(0.5 * 2**attempts, MAX_BACKOFF_SECONDS))


class _LeaseLost(Exception):
    """The copy's lease is no longer this process's: act on nothing, record nothing."""


class _Skip(Exception):
    """The copy is not made, for a reason the follower can read (and, when they can act on
    it, are told as `tell`)."""

    def __init__(self, reason: str, *, tell: NoticeKind | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.tell = tell


class CopyTrading:
    def __init__(
        self,
        uow_factory: CopyingUnitOfWorkFactory,
        keys: ExchangeKeys,
        catalog: PublicCatalog,
        market: MarketService,
        gateway: ExchangeGateway,
        placer: TradePlacer,
        keeper: ProtectionKeeper,
        reference: StrategyReference,
        events: EventBus,
        trade_events: TradeEvents,
        clock: Clock,
        ids: Ids,
        metrics: JobMetrics,
        queue: CopyQueue | None = None,
        lease: timedelta = LEASE,
    ) -> None:
        self._lease = lease
        self._queue = queue  # None: the copies run in this process
        self._metrics = metrics
        self._events = events
        self._trade_events = trade_events
        self._reference = reference
        self._uow_factory = uow_factory
        self._keys = keys
        self._catalog = catalog
        self._market = market
        self._gateway = gateway
        self._placer = placer
        self._keeper = keeper
        self._clock = clock
        self._ids = ids
        # set when this process publishes a signal without a queue: its dispatcher wakes
        self.published = asyncio.Event()
        self._key_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._signals: dict[str, Signal] = {}

    async def publish(
        self, caller: Principal, signal: SignalInput, *, location: str
    ) -> PublishedSignal:
        """Checks the signal against the market, then stores it with one PENDING copy per
        active follow, and wakes the dispatcher. Operators only."""
        require_operator(caller)
        return await self.publish_as(
            signal, signal_id=self._ids.new_id(), created_by=caller.user_id, location=location
        )

    async def publish_as(
        self, signal: SignalInput, *, signal_id: str, created_by: str, location: str
    ) -> PublishedSignal:
        """`publish` for a caller already vouched for (an operator, a signed webhook)."""
        strategy = (await self._catalog.snapshot()).strategies_by_id.get(signal.strategy_id)
        if strategy is None or not strategy.active:
            raise ValidationFailed(
                [
                    FieldError(
                        param="strategyId",
                        value=signal.strategy_id,
                        msg="must be active strategy automated id",
                        location=location,
                    )
                ]
            )
        reference = None
        if signal.action is SignalAction.OPEN:
            reference = signal.price
            if reference is None:
                ticker = await self._market.ticker(
                    exchange_id=strategy.exchange_id,
                    trade_type=TradeType.FUTURES,
                    symbol=strategy.symbol,
                )
                reference = Decimal(str(ticker.last))
            check_against_entry(signal, reference, location=location)
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

    async def drain(self) -> int:
        """Runs every copy that is due, until none is; how many were run."""
        done = 0
        while ran := await self.run_due(1000):
            done += ran
        return done

    async def run_due(self, limit: int) -> int:
        """Runs up to `limit` due copies (one batch); how many."""
        token = self._ids.new_id()
        now = self._clock.now()
        async with self._uow_factory() as uow:
            due = await uow.copies.lease_pending(
                token=token, now=now, lease=self._lease, limit=limit
            )
            await uow.commit()
        if due:
            await self._run_all(due, token, until=now + self._lease)
        return len(due)

    async def _renew(self, token: str, until: datetime) -> set[str]:
        async with self._uow_factory() as uow:
            held = await uow.copies.renew(token=token, until=until)
            await uow.commit()
        return held

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

    async def _run_all(self, due: list[SignalCopy], token: str, *, until: datetime) -> None:
        """Runs a leased batch, keeping its lease from the start and writing its outcomes
        in batches while it runs (a copy whose outcome is lost to a crash is resumed, never
        placed twice)."""
        started = time.perf_counter()
        lease = HeldLease(
            {copy.id for copy in due},
            until=until,
            lease=self._lease,
            clock=self._clock,
            renew=lambda until: self._renew(token, until),
        )
        outcomes = CopyOutcomes(self._uow_factory, self._clock, self._ids, token=token)
        done = asyncio.Event()
        keeper = asyncio.create_task(lease.keep(done))
        writer = asyncio.create_task(outcomes.write_until(done, OUTCOME_FLUSH_SECONDS))
        try:
            await self._run_batch(due, lease, outcomes)
        finally:
            done.set()
            await writer
            await keeper
            self._metrics.fanout_finished(len(due), time.perf_counter() - started)

    async def _run_batch(
        self, due: list[SignalCopy], lease: HeldLease, outcomes: CopyOutcomes
    ) -> None:
        """At most CONCURRENT_COPIES at once and one at a time per key; what they need from
        the database is read once for all."""
        bound = asyncio.Semaphore(CONCURRENT_COPIES)
        opened = await self._keys.open_many(sorted({copy.key_id for copy in due}))
        async with self._uow_factory() as uow:
            follows = {f.id: f for f in await uow.follows.get_many([c.follow_id for c in due])}
            day_start = await uow.balance_snapshots.of_day(list(opened), self._clock.now().date())
            held = {
                (trade.key_id, trade.symbol)
                for trade in await uow.protected_trades.open_on_keys(list(opened))
                if trade.prefix.startswith("tc")
            }
        signals = {c.signal_id: await self._signal(c.signal_id) for c in due}

        async def run(copy: SignalCopy) -> None:
            job = _Job(
                copy,
                signals[copy.signal_id],
                opened.get(copy.key_id),
                follows.get(copy.follow_id),
                day_start.get(copy.key_id),
            )
            async with bound, self._key_locks[copy.key_id]:
                started = time.perf_counter()
                outcome = await self._run(job, held=held, lease=lease)
                if outcome is None:
                    return
                self._metrics.copy_finished(
                    outcome.copy.status.value, time.perf_counter() - started
                )
            outcomes.add(outcome)
            if (entry := outcome.entry) is not None:
                self._trade_events.publish(copy.user_id, entry)

        await asyncio.gather(*(run(copy) for copy in due))

    async def _run(
        self, job: _Job, *, held: set[tuple[str, str]], lease: HeldLease
    ) -> CopyOutcome | None:
        """How the copy went; None when its lease was lost before it was done (whoever took
        it over looks its orders up on the exchange and records it)."""
        copy, signal = job.copy, job.signal

        def fence() -> None:  # before every action on the exchange
            if not lease.holds(copy.id):
                raise _LeaseLost

        try:
            fence()
            if job.opened is None:
                raise _Skip("the key was deleted")
            key, credentials = job.opened
            if credentials is None:  # the operator's to mend; the copy cannot wait for it
                reason = "the key's secret cannot be opened by this server"
                return CopyOutcome(replace(copy, status=CopyStatus.FAILED, reason=reason))
            if key.api_key_status is ApiKeyStatus.UNAUTHORIZED:  # found out by another job
                raise BusinessRuleViolation(ErrorCode.EXCHANGE_AUTHORIZATION_FAILED)
            if not key.active:
                raise _Skip("the key is inactive")
            if job.follow is None or not job.follow.active:
                raise _Skip("the follow is paused")
            holds = (key.id, copy.symbol) in held
            if signal.action is SignalAction.CLOSE:
                return await self._keys.use(
                    key, lambda c: self._close(copy, c, holds, fence), credentials=credentials
                )
            return await self._keys.use(
                key, lambda c: self._open(job, key, c, holds, fence), credentials=credentials
            )
        except _LeaseLost:
            log.warning("copy %s: its lease was lost; leaving it to its new holder", copy.id)
            return None
        except _Skip as skipped:
            skipped_copy = replace(copy, status=CopyStatus.SKIPPED, reason=skipped.reason)
            return CopyOutcome(skipped_copy, notice=self._notice(job, skipped.tell, skipped.reason))
        except ExchangeUnavailable as unanswered:
            log.warning("copy %s: attempt %d: the exchange did not answer", copy.id, copy.attempts)
            return CopyOutcome(self._again_or_give_up(job, unanswered.text))
        except BusinessRuleViolation as refused:
            log.info("copy %s failed: %s", copy.id, refused.text)
            failed = replace(copy, status=CopyStatus.FAILED, reason=refused.text)
            refused_key = refused.code is ErrorCode.EXCHANGE_AUTHORIZATION_FAILED
            told = NoticeKind.KEY_REFUSED if refused_key else None
            return CopyOutcome(failed, notice=self._notice(job, told, refused.text))
        except Exception as error:
            log.exception("copy %s: attempt %d failed", copy.id, copy.attempts)
            return CopyOutcome(self._again_or_give_up(job, type(error).__name__))

    def _notice(self, job: _Job, kind: NoticeKind | None, detail: str) -> CopyingNotice | None:
        """What the follower is told of the copy's end, if it calls for it: a refused key
        once per key, anything else once per follow (each at most once a UTC day)."""
        if kind is None:
            return None
        copy = job.copy
        return notice(
            kind,
            subject=copy.key_id if kind is NoticeKind.KEY_REFUSED else copy.follow_id,
            key_id=copy.key_id,
            symbol=copy.symbol,
            detail=detail,
            at=self._clock.now(),
        )

    def _again_or_give_up(self, job: _Job, error: str) -> SignalCopy:
        """A copy that failed for a passing reason stays PENDING, to be tried again after a
        backoff, unless it has had its attempts or the signal is too old to follow. A CLOSE
        is never given up for a passing reason: a follower must not keep a position the
        strategy has closed (it may have waited for its OPEN, too)."""
        copy, signal = job.copy, job.signal
        assert signal.created_at is not None
        if signal.action is SignalAction.CLOSE:
            return copy
        late = self._clock.now() > signal.created_at + DEADLINE
        if copy.attempts >= MAX_ATTEMPTS or late:
            reason = f"gave up after {copy.attempts} attempts: {error}"
            return replace(copy, status=CopyStatus.FAILED, reason=reason)
        return copy

    async def _open(
        self,
        job: _Job,
        key: ExchangeKey,
        credentials: ApiCredentials,
        held: bool,
        fence: Callable[[], None],
    ) -> CopyOutcome:
        """The copy placed, the trade the keeper is to follow, and the entry it placed."""
        copy, signal, follow = job.copy, job.signal, job.follow
        assert follow is not None
        assert signal.side is not None and signal.stop_price is not None
        rules = await self._gateway.market_rules(trade_type=TradeType.FUTURES, symbol=copy.symbol)
        plan = ExitPlan(
            side=signal.side,
            amount=Decimal(0),
            take_profit_prices=signal.take_profit_prices,
            stop_trigger_price=signal.stop_price,
            stop_price=signal.stop_price if signal.stop_type is StopTriggerType.LIMIT else None,
            breakeven_after=signal.breakeven_after,
            callback_rate=signal.callback_rate,
        )
        if copy.attempts > 1 and (resumed := await self._resume(copy, signal, plan, credentials)):
            return resumed
        account = await self._gateway.fetch_futures_account(credentials)
        if copy.symbol in account.held_symbols and not held:
            raise _Skip(
                "the key holds a position on the symbol that the strategy did not open",
                tell=NoticeKind.POSITION_HELD,
            )
        equity = Decimal(str(sum(b.total for b in account.balances if b.asset in STABLECOINS)))
        _check_daily_loss(follow, job.day_start_usd, equity)
        entry_price = signal.price
        if entry_price is None:
            ticker = await self._market.ticker(
                exchange_id=key.exchange_id, trade_type=TradeType.FUTURES, symbol=copy.symbol
            )
            entry_price = Decimal(str(ticker.last))
        risk = abs(entry_price - signal.stop_price)
        if not risk:  # a MARKET signal whose stop the market has reached: nothing to size
            raise _Skip(f"the market is at the stop ({entry_price.normalize():f})")
        margin = equity * MARGIN_SHARE
        cap = follow.max_leverage or MAX_LEVERAGE
        at_risk = rules.round_amount(equity * copy.risk_profile_percent / 100 / risk)
        carried = rules.round_amount(margin * cap / entry_price)  # what the cap can carry
        amount = min(at_risk, carried)
        notional = amount * entry_price
        if amount < rules.min_amount or notional < rules.min_notional:
            minimum = f"the market's minimum ({rules.min_amount}, {rules.min_notional} USDT)"
            if carried < at_risk:
                raise _Skip(
                    f"{amount} {copy.symbol} is below {minimum}: the follow's leverage cap of "
                    f"{cap}x leaves no more margin",
                    tell=NoticeKind.LEVERAGE_CAP,
                )
            raise _Skip(f"{amount} {copy.symbol} is below {minimum}", tell=NoticeKind.BELOW_MINIMUM)
        leverage = max(1, math.ceil(notional / margin))
        fence()
        await self._gateway.set_leverage(credentials, copy.symbol, leverage)
        plan = replace(plan, amount=amount)
        entry = OrderRequest(
            symbol=copy.symbol,
            type=OrderType.LIMIT if signal.entry_type is SignalEntry.LIMIT else OrderType.MARKET,
            side=signal.side,
            amount=amount,
            client_order_id=entry_id(copy.prefix),
            price=None if signal.price is None else rules.round_price(signal.price),
        )
        # a symbol the strategy holds nothing on needs no clearing: the keeper cancelled the
        # legs of its last trade when that position went
        fence()
        placed = await self._placer.place(
            credentials, key.id, entry, plan, rules, copy.prefix, clear=held
        )
        fidelity = _fidelity(signal, placed[0], self._clock.now())
        entry_placed = entry_event(key.id, placed[0], self._clock.now())
        placed_copy = _placed(copy, placed[0], leverage, fidelity)
        return CopyOutcome(placed_copy, copy.trade(plan, placed), entry_placed)

    async def _resume(
        self, copy: SignalCopy, signal: Signal, plan: ExitPlan, credentials: ApiCredentials
    ) -> CopyOutcome | None:
        """A copy tried before: if its entry went out, the keeper takes over the legs (it
        places what is missing) and nothing is placed again here."""
        found = await placed_before(self._gateway, credentials, copy.symbol, copy.prefix)
        if found is None:
            return None
        entry = found[0]
        plan = replace(plan, amount=Decimal(str(entry.amount or entry.filled)))
        trade = copy.trade(plan, found, resumed=True)
        fidelity = _fidelity(signal, entry, self._clock.now())
        event = entry_event(copy.key_id, entry, self._clock.now())
        return CopyOutcome(_placed(copy, entry, None, fidelity), trade, event)

    async def _close(
        self, copy: SignalCopy, credentials: ApiCredentials, held: bool, fence: Callable[[], None]
    ) -> CopyOutcome:
        """Closes the position the strategy opened on the key, and only that. The trade it
        closes is marked as this copy's to close before anything is cancelled, so a retry
        after a passing failure still knows the position is the strategy's."""
        closing = f"closing for {copy.id}"
        if not held and not (copy.attempts > 1 and await self._began_closing(copy, closing)):
            raise _Skip("no position of the strategy to close")
        fence()
        await self._keeper.supersede(copy.key_id, copy.symbol, reason=closing)
        await flatten(self._gateway, credentials, copy.symbol, f"{copy.prefix}x")
        return CopyOutcome(replace(copy, status=CopyStatus.PLACED, reason=None))

    async def _began_closing(self, copy: SignalCopy, closing: str) -> bool:
        async with self._uow_factory() as uow:
            return await uow.protected_trades.closed_for(copy.key_id, copy.symbol, closing)

    async def _signal(self, signal_id: str) -> Signal:
        """Signals never change once stored: each is read once per process."""
        if signal_id not in self._signals:
            async with self._uow_factory() as uow:
                self._signals[signal_id] = await uow.signals.get(signal_id)
        return self._signals[signal_id]


def _fidelity(signal: Signal, entry: Order, now: datetime) -> dict[str, Any]:
    """How closely the copy followed the signal: how long its entry took (filled, for an
    entry that filled at once) and what it paid against the price the signal was checked at,
    in basis points, positive when worse for the follower."""
    assert signal.created_at is not None
    latency = int((now - signal.created_at).total_seconds() * 1000)
    paid = entry.average
    if paid is None or signal.reference_price is None or not signal.reference_price:
        return {"latency_ms": latency, "slippage_bps": None}
    change = (Decimal(str(paid)) - signal.reference_price) / signal.reference_price * 10_000
    worse = change if signal.side is OrderSide.BUY else -change
    return {"latency_ms": latency, "slippage_bps": round(float(worse), 2)}


def _placed(
    copy: SignalCopy, entry: Order, leverage: int | None, fidelity: dict[str, Any]
) -> SignalCopy:
    return replace(
        copy,
        status=CopyStatus.PLACED,
        reason=None,
        order_id=entry.id,
        price=entry.average or entry.price,
        amount=entry.amount,
        cost=entry.cost,
        leverage=leverage,
        **fidelity,
    )
