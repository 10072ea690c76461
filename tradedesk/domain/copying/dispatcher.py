"""Running copies: each PENDING copy becomes a trade on the follower's key, sized as the
follow says (`copying/sizing.py`).

Copies are leased to a dispatcher (serve's, or any worker's) and a copy whose dispatcher died
is taken over when its lease lapses; the lease is renewed while a batch runs and checked
before every action on the exchange. A copy's client order ids derive from (signal, follow),
and a copy tried before first looks for its entry on the exchange: a retry never places a
follower's order twice. Orders go out through the same `TradePlacer` as manual orders; the
keeper then follows the trade like any other.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from tradedesk.domain.copying.model import (
    CopyOutcome,
    CopyReason,
    CopyStatus,
    SignalCopy,
    StrategyFollow,
    strategy_positions,
)
from tradedesk.domain.copying.outcomes import CopyOutcomes
from tradedesk.domain.copying.ports import (
    CopyingUnitOfWorkFactory,
)
from tradedesk.domain.copying.sizing import (
    TOLD,
    CopySkipped,
    SizingRule,
    check_daily_loss,
    check_no_foreign_position,
    check_portfolio_stop,
    check_slippage,
    equity_of,
    is_portfolio_stop,
    size_copy,
    wrong_side,
)
from tradedesk.domain.copying_notices import CopyingNotice, NoticeKind, notice
from tradedesk.domain.errors import (
    BusinessRuleViolation,
    ErrorCode,
    ExchangeUnavailable,
    InsufficientMargin,
)
from tradedesk.domain.job_leases import HeldLease
from tradedesk.domain.keys.exchange_keys import ExchangeKeys
from tradedesk.domain.keys.model import ApiKeyStatus, ExchangeKey
from tradedesk.domain.market.exchange import (
    ApiCredentials,
    Order,
    OrderRequest,
    OrderSide,
    OrderType,
)
from tradedesk.domain.market.exchange_purpose import ExchangePurpose, spending_for
from tradedesk.domain.market.model import TradeType
from tradedesk.domain.market.ports import ExchangeGateway
from tradedesk.domain.market.tickers import MarketService
from tradedesk.domain.ports import Clock, Ids, JobMetrics
from tradedesk.domain.strategies.model import Signal, SignalAction, SignalEntry
from tradedesk.domain.trade_events import TradeEvents, entry_event
from tradedesk.domain.trading.exits import ExitPlan, entry_id
from tradedesk.domain.trading.flattening import flatten
from tradedesk.domain.trading.model import StopTriggerType
from tradedesk.domain.trading.placement import TradePlacer, placed_before
from tradedesk.domain.trading.protection import ProtectionKeeper

log = logging.getLogger("tradedesk.copy_trading")

LEASE = timedelta(seconds=30)
DEADLINE = timedelta(minutes=2)  # a copy not placed by then is too late to follow the signal
MAX_ATTEMPTS = 5  # an OPEN's; a CLOSE is tried until it goes through
CONCURRENT_COPIES = 1024  # copies in flight at once in one dispatcher
OUTCOME_FLUSH_SECONDS = 0.2  # how often finished copies are written while a fan-out runs


@dataclass(frozen=True, slots=True)
class _Job:
    copy: SignalCopy
    signal: Signal
    # None: the key is gone; credentials None: its secret cannot be opened here
    opened: tuple[ExchangeKey, ApiCredentials | None] | None
    follow: StrategyFollow | None  # None: the follow is gone
    day_start_usd: float | None  # the key's first balance snapshot of the UTC day
    superseded: bool = False  # the strategy has published a later signal since


class _LeaseLost(Exception):
    """The copy's lease is no longer this process's: act on nothing, record nothing."""


class CopyDispatcher:
    def __init__(
        self,
        *,
        uow_factory: CopyingUnitOfWorkFactory,
        keys: ExchangeKeys,
        market: MarketService,
        gateway: ExchangeGateway,
        placer: TradePlacer,
        keeper: ProtectionKeeper,
        trade_events: TradeEvents,
        clock: Clock,
        ids: Ids,
        metrics: JobMetrics,
        lease: timedelta = LEASE,
    ) -> None:
        self._uow_factory = uow_factory
        self._keys = keys
        self._market = market
        self._gateway = gateway
        self._placer = placer
        self._keeper = keeper
        self._trade_events = trade_events
        self._clock = clock
        self._ids = ids
        self._metrics = metrics
        self._lease = lease
        self._key_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._signals: dict[str, Signal] = {}

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
        outcomes = CopyOutcomes(
            uow_factory=self._uow_factory, clock=self._clock, ids=self._ids, token=token
        )
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
        signals = {c.signal_id: await self._signal(c.signal_id) for c in due}
        async with self._uow_factory() as uow:
            follows = {f.id: f for f in await uow.follows.get_many([c.follow_id for c in due])}
            day_start = await uow.balance_snapshots.of_day(list(opened), self._clock.now().date())
            held = strategy_positions(await uow.protected_trades.open_on_keys(list(opened)))
            published = await uow.signals.published_counts(
                sorted({signal.strategy_id for signal in signals.values()})
            )

        async def run(copy: SignalCopy) -> None:
            signal = signals[copy.signal_id]
            job = _Job(
                copy,
                signal,
                opened.get(copy.key_id),
                follows.get(copy.follow_id),
                day_start.get(copy.key_id),
                superseded=0 < copy.sequence < published.get(signal.strategy_id, 0),
            )
            async with bound, self._key_locks[copy.key_id]:
                started = time.perf_counter()
                with spending_for(ExchangePurpose.ENTRY):  # its closes are protective
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
                raise CopySkipped("the key was deleted", CopyReason.KEY_DELETED)
            key, credentials = job.opened
            if credentials is None:  # the operator's to mend; the copy cannot wait for it
                reason = "the key's secret cannot be opened by this server"
                return CopyOutcome(
                    _ended(copy, CopyStatus.FAILED, reason, CopyReason.KEY_UNREADABLE)
                )
            if key.api_key_status is ApiKeyStatus.UNAUTHORIZED:  # found out by another job
                raise BusinessRuleViolation(ErrorCode.EXCHANGE_AUTHORIZATION_FAILED)
            if not key.active:
                raise CopySkipped("the key is inactive", CopyReason.KEY_INACTIVE)
            if signal.action is SignalAction.OPEN and copy.attempts > 1:
                # an entry an earlier attempt placed is protected, whatever changed since (the
                # follow paused, its direction): it is on the exchange, and needs its stop
                resumed = await self._keys.use(
                    key, lambda c: self._resume(copy, signal, c), credentials=credentials
                )
                if resumed is not None:
                    return resumed
            if signal.action is SignalAction.OPEN and job.superseded and copy.attempts > 1:
                # held up by the exchange past the strategy's next signal: that trade is over
                # (a first attempt still opens, and the next signal's copy closes it: as the
                # strategy's own trade went)
                raise CopySkipped(
                    "the strategy closed or replaced this trade before the copy could be placed",
                    CopyReason.CLOSED_BY_STRATEGY,
                )
            if job.follow is None or not job.follow.active:
                raise _paused(job.follow)
            holds = (key.id, copy.symbol) in held
            if signal.action is SignalAction.CLOSE:
                return await self._keys.use(
                    key, lambda c: self._close(copy, c, holds, fence), credentials=credentials
                )
            if _closes_only(job):
                return await self._keys.use(
                    key, lambda c: self._decline(job, c, holds, fence), credentials=credentials
                )
            return await self._keys.use(
                key, lambda c: self._open(job, key, c, holds, fence), credentials=credentials
            )
        except _LeaseLost:
            log.warning("copy %s: its lease was lost; leaving it to its new holder", copy.id)
            return None
        except CopySkipped as skipped:
            skipped_copy = _ended(copy, CopyStatus.SKIPPED, skipped.reason, skipped.code)
            return CopyOutcome(skipped_copy, notice=self._notice(job, skipped.tell, skipped.reason))
        except ExchangeUnavailable as unanswered:
            log.warning("copy %s: attempt %d: the exchange did not answer", copy.id, copy.attempts)
            gave_up = self._again_or_give_up(job, unanswered.text, CopyReason.EXCHANGE_UNAVAILABLE)
            return CopyOutcome(gave_up)
        except BusinessRuleViolation as refused:
            log.info("copy %s failed: %s", copy.id, refused.text)
            code = _refusal(refused)
            failed = _ended(copy, CopyStatus.FAILED, refused.text, code)
            return CopyOutcome(failed, notice=self._notice(job, TOLD.get(code), refused.text))
        except Exception as error:
            log.exception("copy %s: attempt %d failed", copy.id, copy.attempts)
            return CopyOutcome(self._again_or_give_up(job, type(error).__name__, CopyReason.ERROR))

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

    def _again_or_give_up(self, job: _Job, error: str, code: CopyReason) -> SignalCopy:
        """A copy that failed for a passing reason stays PENDING, to be tried again after a
        backoff, unless it has had its attempts or the signal is too old to follow. A CLOSE
        is never given up for a passing reason: a follower must not keep a position the
        strategy has closed (it may have waited for its OPEN, too), nor is an OPEN that only
        closes (`_decline`)."""
        copy, signal = job.copy, job.signal
        assert signal.created_at is not None
        if signal.action is SignalAction.CLOSE or _closes_only(job):
            return copy
        late = self._clock.now() > signal.created_at + DEADLINE
        if copy.attempts >= MAX_ATTEMPTS or late:
            reason = f"gave up after {copy.attempts} attempts: {error}"
            return _ended(copy, CopyStatus.FAILED, reason, code)
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
        plan = _exit_plan(signal)
        account = await self._gateway.fetch_futures_account(credentials)
        check_no_foreign_position(account, copy.symbol, held=held)
        equity = equity_of(account)
        check_portfolio_stop(follow, equity)
        check_daily_loss(follow, job.day_start_usd, equity)
        entry_price = signal.price
        if entry_price is None:
            ticker = await self._market.ticker(
                exchange_id=key.exchange_id, trade_type=TradeType.FUTURES, symbol=copy.symbol
            )
            entry_price = Decimal(str(ticker.last))
            check_slippage(follow, signal, entry_price)
        size = size_copy(
            symbol=copy.symbol,
            equity=equity,
            risk_percent=copy.risk_profile_percent,
            entry_price=entry_price,
            stop_price=signal.stop_price,
            rules=rules,
            rule=SizingRule.of(follow),
        )
        amount, leverage = size.amount, size.leverage
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
        self, copy: SignalCopy, signal: Signal, credentials: ApiCredentials
    ) -> CopyOutcome | None:
        """A copy tried before: if its entry went out, the keeper takes over the legs (it
        places what is missing) and nothing is placed again here."""
        found = await placed_before(self._gateway, credentials, copy.symbol, copy.prefix)
        if found is None:
            return None
        entry = found[0]
        plan = replace(_exit_plan(signal), amount=Decimal(str(entry.amount or entry.filled)))
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
            raise CopySkipped("no position of the strategy to close", CopyReason.NOTHING_TO_CLOSE)
        fence()
        await self._keeper.supersede(copy.key_id, copy.symbol, reason=closing)
        await flatten(self._gateway, credentials, copy.symbol, f"{copy.prefix}x")
        return CopyOutcome(replace(copy, status=CopyStatus.PLACED, reason=None))

    async def _decline(
        self, job: _Job, credentials: ApiCredentials, held: bool, fence: Callable[[], None]
    ) -> CopyOutcome:
        """An OPEN the other way than the follow copies: nothing is opened, but the strategy's
        earlier trade on the key is closed, as the strategy closed it by turning."""
        assert job.follow is not None
        reason = wrong_side(job.follow)
        try:
            await self._close(job.copy, credentials, held, fence)
        except CopySkipped:  # nothing of the strategy's to close
            raise CopySkipped(reason, CopyReason.DIRECTION) from None
        raise CopySkipped(
            f"{reason}; the strategy's earlier trade was closed", CopyReason.DIRECTION
        )

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


def _exit_plan(signal: Signal) -> ExitPlan:
    """The exits an OPEN signal asks of every copy (the amount is each copy's own)."""
    assert signal.side is not None and signal.stop_price is not None
    return ExitPlan(
        side=signal.side,
        amount=Decimal(0),
        take_profit_prices=signal.take_profit_prices,
        stop_trigger_price=signal.stop_price,
        stop_price=signal.stop_price if signal.stop_type is StopTriggerType.LIMIT else None,
        breakeven_after=signal.breakeven_after,
        callback_rate=signal.callback_rate,
    )


def _closes_only(job: _Job) -> bool:
    """An OPEN on the side the follow leaves out: it can only close the earlier trade."""
    side, follow = job.signal.side, job.follow
    if job.signal.action is not SignalAction.OPEN or side is None or follow is None:
        return False
    return not follow.direction.admits(side)


def _ended(copy: SignalCopy, status: CopyStatus, reason: str, code: CopyReason) -> SignalCopy:
    """The copy SKIPPED or FAILED, with its reason in words and as a code."""
    return replace(copy, status=status, reason=reason, reason_code=code)


def _paused(follow: StrategyFollow | None) -> CopySkipped:
    """A follow removed, paused by its user, or paused by the platform: the plan lost
    automation, or the portfolio stop ended it."""
    reason = None if follow is None else follow.paused_reason
    if reason is None:
        return CopySkipped("the follow is paused", CopyReason.FOLLOW_PAUSED)
    code = CopyReason.PORTFOLIO_STOP if is_portfolio_stop(reason) else CopyReason.NO_AUTOMATION
    return CopySkipped(f"the follow is paused: {reason}", code)


def _refusal(refused: BusinessRuleViolation) -> CopyReason:
    if refused.code is ErrorCode.EXCHANGE_AUTHORIZATION_FAILED:
        return CopyReason.KEY_REFUSED
    if isinstance(refused, InsufficientMargin):
        return CopyReason.INSUFFICIENT_MARGIN
    return CopyReason.EXCHANGE_REFUSED


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
