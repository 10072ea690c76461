"""Keeping a placed trade protected while its entry fills and until its position is gone.

Binance has no way to attach exits to a futures entry, so the platform does it: every trade
with exits is watched from placement until it is closed.

- As the entry fills (in parts, or later for a resting LIMIT entry), the take-profit ladder
  is re-split over the open position; rungs beyond the conditional-order cap, which can only
  rest beside a position, are placed once there is one.
- The stop covers the whole ordered amount while the entry may still fill (reduce-only, it
  never closes more than the position), and, once the entry has finished, what is left of
  the position (it shrinks as take profits fill). A
  stop is replaced by placing the new one before cancelling the old, so a position is never
  without one; a stop the exchange refuses (its price is already passed) closes the position,
  as the stop itself would have.
- When the stop fires, the rest of the entry and the ladder are cancelled; when the entry
  finished unfilled or the position is gone, whatever is left of the trade is cancelled.
- A leg cancelled by someone else (the user on the exchange's own app) is never restored:
  that was their decision.

- A stop the exchange itself ended (REJECTED at its trigger, EXPIRED) while the position is
  open leaves the position unprotected: it is placed again, or, when the price has already
  passed it, the position is closed at market; the trader is told which.

Where the account's user-data stream is live (`AccountStreams`), the keeper acts on what it
tells as it happens: a fill, a trigger, a position that went to zero by any means (the
stop, the last take profit, closed outside the platform, liquidated). A trade whose stream is
live is otherwise read about once every SAFETY_NET as a safety net (each trade at its own
point of it, so that trades placed together are not read together), so an idle trade costs
almost no requests; one whose stream is down is read every tick, as before streams.

The exchange's orders are the truth about which legs are live, found by client order id; the
database holds the plan, what the live legs are and how far they were sized. Each pass that
places anything uses a new generation of client ids, so a pass that died half-way is finished
by the next without ever reusing an id. A trade is leased to one keeper at a time, so several
processes may run the keeper; the keeper keeps what it holds in memory (`LeasedTrades`), so
that a quiet tick reads no trade and renews its leases in two statements (three on
PostgreSQL). Placing a new order on the symbol or closing the position supersedes the trade
(`supersede`); a pass that finds its trade superseded while it worked cancels what it had
placed.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from tradedesk.domain.alerts.recording import record_alerts
from tradedesk.domain.copying_notices import CopyingNotice, NoticeKind, notice
from tradedesk.domain.errors import (
    BusinessRuleViolation,
    ConditionalOrdersFull,
    ExchangeUnavailable,
)
from tradedesk.domain.keys.exchange_keys import ExchangeKeys
from tradedesk.domain.keys.model import ApiKeyStatus, ExchangeKey
from tradedesk.domain.market.account_events import (
    AccountEvent,
    AccountEventSink,
    OrderUpdate,
    PositionUpdate,
    StreamGap,
)
from tradedesk.domain.market.exchange import ApiCredentials, MarketRules, Order, OrderSide, Position
from tradedesk.domain.market.exchange_purpose import ExchangePurpose, spending_for
from tradedesk.domain.market.model import TradeType
from tradedesk.domain.market.ports import AccountStreams, ExchangeGateway
from tradedesk.domain.ports import Clock, Ids, JobMetrics
from tradedesk.domain.trade_events import TradeEvent, TradeEventKind, TradeEvents
from tradedesk.domain.trading.exits import (
    STOP,
    TRAIL,
    ExitPlan,
    closing_request,
    entry_id,
    ladder_sizes,
    leg_id,
    leg_of,
    rung_request,
)
from tradedesk.domain.trading.flattening import flatten
from tradedesk.domain.trading.leased_trades import LeasedTrades
from tradedesk.domain.trading.model import ExitFill, LegEnd, ProtectedTrade, ProtectedTradeGone
from tradedesk.domain.trading.ports import TradingUnitOfWork, TradingUnitOfWorkFactory

log = logging.getLogger("tradedesk.protection")

LEASE = timedelta(seconds=30)  # a keeper that stopped answering hands its trades on after this
CONCURRENT_TRADES = 8  # trades followed at once by one keeper
OPENING_AT_ONCE = 32  # streams opened at once (each a listen key's round trip)
# A trade whose stream is live is still read this often (left alone: once in each period, at
# its own point of it; after an event's pass, 1/2 to 3/2 of it later). A read weighs 2 (open
# orders and open algo orders): with the listen key's keepalive (1 per 30 min) an idle trade
# costs 2/15 + 1/30 = 0.17 a minute, under the 0.2 aimed at (every 10 min measured 0.227).
SAFETY_NET = timedelta(minutes=15)
VENUE_ENDED = frozenset({"rejected", "expired"})  # a conditional the exchange itself ended
PASS_GRACE = timedelta(seconds=5)  # the passes under way may take to finish at shutdown
# a stop the exchange has triggered but not placed its order for this long is given up on
STUCK_TRIGGER = timedelta(seconds=3)


class Look(enum.IntEnum):
    """How much a pass reads before it knows whether anything moved (more reads more)."""

    ORDERS = 1  # the open orders; the rest only if they moved (a tick's read)
    GAP = 2  # and the position (after a gap in the stream: closed outside meanwhile?)
    ALL = 3  # everything (an event told that something moved)


@dataclass
class _Asked:
    """What the events heard for a trade ask its next pass to read."""

    look: Look


class ProtectionKeeper:
    def __init__(
        self,
        *,
        uow_factory: TradingUnitOfWorkFactory,
        keys: ExchangeKeys,
        gateway: ExchangeGateway,
        events: TradeEvents,
        clock: Clock,
        ids: Ids,
        streams: Callable[[AccountEventSink], AccountStreams] | None = None,
        metrics: JobMetrics | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._keys = keys
        self._gateway = gateway
        self._events = events
        self._clock = clock
        self._ids = ids
        self._owner = ids.new_id()  # this keeper's name on the trades it leases
        self.streams = streams(self.hear) if streams is not None else None
        self._metrics = metrics
        self._held = LeasedTrades(SAFETY_NET)
        self._leased_at: datetime | None = None  # when the leases were last renewed
        self._refused_keys: set[str] = set()  # keys last seen unauthorized: no stream
        self._opening: set[str] = set()  # keys whose streams are being opened a first time
        self._tried: set[str] = set()  # keys whose streams were tried (opened, or failed)
        self._heard: asyncio.Queue[tuple[str, AccountEvent]] = asyncio.Queue()
        # per trade: its lock, and how many passes hold or wait for it
        self._one_at_a_time: dict[str, tuple[asyncio.Lock, int]] = {}
        self._queued: dict[str, _Asked] = {}  # trades an event's pass waits for
        self._owed: dict[str, Look] = {}  # looks a failed pass still owes, for the next one
        # client ids of orphan legs the exchange would not cancel: no reason for a full pass
        self._unmovable: dict[str, set[str]] = {}
        self._event_passes = asyncio.Semaphore(CONCURRENT_TRADES)
        self._reacting: set[asyncio.Task[None]] = set()  # the passes events started
        self._timers: set[asyncio.Task[None]] = set()  # passes due later (a stop triggering)
        # (trade id, client id) of a stop seen TRIGGERING -> whether STUCK_TRIGGER has gone
        # by since (a timer, in real time like the exchange's, says so)
        self._triggering: dict[tuple[str, str], bool] = {}
        self._watching: asyncio.Task[None] | None = None
        self._listening = False  # whether `react` runs

    async def supersede(self, key_id: str, symbol: str, *, reason: str = "superseded") -> None:
        """Stop keeping the key's trades on the symbol: the user is replacing or closing them
        (call before the symbol's orders are cancelled)."""
        async with self._uow_factory() as uow:
            await uow.protected_trades.close_all(
                key_id, symbol, reason=reason, now=self._clock.now()
            )
            await uow.commit()

    async def tick(self) -> int:
        """One pass over every open trade this keeper can lease; how many it followed (a trade
        whose stream is live is followed only when its safety-net read is due). A quiet tick
        (every stream live, no read due) reads no trade and no key: it costs the same few
        statements for any number of trades."""
        await self._lease()
        if self._listening and self.streams is not None:
            self._count_streams(self.streams)
            wanted = self._held.key_ids() - self._refused_keys
            idle = self._watching is None or self._watching.done()
            if idle and wanted != self.streams.watched():
                # in the background: opening many streams must not hold up following trades
                self._opening = wanted - self.streams.watched() - self._tried
                self._watching = asyncio.create_task(self._watch(wanted))
        due = self._held.due(self._clock.now(), streamed=self._streamed, opening=self._opening)
        if not due:
            return 0
        usable = self._usable(await self._keys.open_many(sorted({t.key_id for t in due})))
        # a trade outlives no key (deleted with it), but one may go between the two reads
        due = [trade for trade in due if trade.key_id in usable]
        bound = asyncio.Semaphore(CONCURRENT_TRADES)

        async def follow(trade: ProtectedTrade) -> None:
            async with bound:
                await self._follow(trade.id, *usable[trade.key_id])

        async with self._leases_kept():
            await asyncio.gather(*(follow(trade) for trade in due))
        return len(due)

    async def _lease(self) -> None:
        """Leases what this keeper may hold and renews its own leases; reads only the trades
        new to it, and forgets those gone (closed, or taken over after a lapse). A renewal
        leaves every lease at least half a LEASE to run: after a longer silence another
        keeper may have taken a trade, moved it on and lost it again, so every copy is
        doubted."""
        now = self._clock.now()
        async with self._uow_factory() as uow:
            held = await uow.protected_trades.lease_open(owner=self._owner, now=now, lease=LEASE)
            await uow.commit()
        lapsed = self._leased_at is not None and now - self._leased_at >= LEASE / 2
        self._leased_at = now
        for trade_id in self._held.ids() - held:
            self._forget(trade_id)
        if lapsed:
            for trade_id in self._held.ids():
                self._held.doubt(trade_id)
        new = sorted(held - self._held.ids())
        if new:
            async with self._uow_factory() as uow:
                trades = await uow.protected_trades.leased_many(new, owner=self._owner, now=now)
            self._held.hold(trades)

    @contextlib.asynccontextmanager
    async def _leases_kept(self) -> AsyncIterator[None]:
        """Renews the leases every third of one while a tick's passes run: a tick that reads
        many trades (their streams down) may take longer than half a lease."""

        async def renew() -> None:
            while True:
                await asyncio.sleep(LEASE.total_seconds() / 3)
                try:
                    await self._lease()
                except Exception:  # the next renewal tries again, well inside the lease
                    log.exception("the leases could not be renewed")

        renewing = asyncio.create_task(renew())
        try:
            yield
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing

    def _forget(self, trade_id: str) -> None:
        """The trade is no longer this keeper's (closed, or leased elsewhere)."""
        self._held.forget(trade_id)
        self._owed.pop(trade_id, None)
        self._unmovable.pop(trade_id, None)
        for seen in [seen for seen in self._triggering if seen[0] == trade_id]:
            del self._triggering[seen]

    def _usable(
        self, opened: Mapping[str, tuple[ExchangeKey, ApiCredentials | None]]
    ) -> dict[str, tuple[ExchangeKey, ApiCredentials]]:
        """The keys passes can be made with; the others (refused by the exchange, or a
        secret that cannot be opened) get no stream until they can."""
        usable: dict[str, tuple[ExchangeKey, ApiCredentials]] = {}
        for key_id, (key, credentials) in opened.items():
            if key.api_key_status is ApiKeyStatus.UNAUTHORIZED or credentials is None:
                self._refused_keys.add(key_id)
                continue
            self._refused_keys.discard(key_id)
            usable[key_id] = (key, credentials)
        return usable

    def _streamed(self, key_id: str) -> bool:
        """Whether the key's events arrive as they happen, so its trades rest between reads."""
        return self.streams is not None and self._listening and self.streams.live(key_id)

    async def hear(self, key_id: str, event: AccountEvent) -> None:
        """The streams' sink: it only queues, so that a stream never waits on a pass."""
        self._heard.put_nowait((key_id, event))

    async def react(self) -> None:
        """Follows each trade an account event touches, at once (runs until cancelled);
        while it runs, ticks rest the trades whose streams are live."""
        self._listening = True
        try:
            while True:
                key_id, event = await self._heard.get()
                try:
                    self._react_to(key_id, event)
                except Exception:  # one odd event must not stop the keeper hearing the rest
                    log.exception("key %s: could not act on %r", key_id, event)
        finally:  # the passes under way finish (or `aclose` ends them)
            self._listening = False
            for task in list(self._timers):
                task.cancel()

    async def aclose(self) -> None:
        """Stop opening streams and acting on events, then close the streams. The passes
        under way get a moment to finish: one cut off half-way is mended by the next pass,
        but it may hold a database transaction open meanwhile."""
        if self._reacting:
            await asyncio.wait(list(self._reacting), timeout=PASS_GRACE.total_seconds())
        for task in [self._watching, *self._reacting, *self._timers]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):  # logged as it ran
                    await task
        if self.streams is not None:
            await self.streams.aclose()

    def settled(self) -> bool:
        """Whether every event heard so far has been acted on."""
        return self._heard.empty() and not self._reacting

    def _react_to(self, key_id: str, event: AccountEvent) -> None:
        look = Look.GAP if isinstance(event, StreamGap) else Look.ALL
        for trade in [t for t in self._held.of_key(key_id) if _touches(t, key_id, event)]:
            self._pass_soon(trade, look)

    def _pass_soon(self, trade: ProtectedTrade, look: Look = Look.ALL) -> None:
        asked = self._queued.get(trade.id)
        if asked is not None:  # the pass waiting for it reads the news too
            asked.look = max(asked.look, look)
            return
        asked = self._queued[trade.id] = _Asked(look)
        task = asyncio.create_task(self._follow_now(trade, asked, heard_at=self._clock.now()))
        self._reacting.add(task)
        task.add_done_callback(self._reacting.discard)

    def _time_trigger(self, trade: ProtectedTrade, client_id: str) -> None:
        """Once STUCK_TRIGGER has gone by, marks the stop overdue and asks for a pass, which
        gives it up if it is triggering still."""
        seen = (trade.id, client_id)
        self._triggering[seen] = False

        async def later() -> None:
            await asyncio.sleep(STUCK_TRIGGER.total_seconds())
            if seen in self._triggering:  # not seen placed, cancelled or closed meanwhile
                self._triggering[seen] = True
                self._pass_soon(trade)

        task = asyncio.create_task(later())
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    async def _follow_now(
        self, trade: ProtectedTrade, asked: _Asked, *, heard_at: datetime
    ) -> None:
        """A pass over the trade for an event (the look it asked for), unless a pass that
        began since did it."""
        try:
            async with self._event_passes:
                usable = self._usable(await self._keys.open_many([trade.key_id]))
                if trade.key_id in usable:
                    await self._follow(trade.id, *usable[trade.key_id], look=None)
                    if self._metrics is not None:
                        took = self._clock.now() - heard_at
                        self._metrics.event_pass_finished(took.total_seconds())
        except Exception:  # the next tick reads the trade again
            log.exception("trade %s: the pass an event asked for failed", trade.id)
        finally:
            if self._queued.get(trade.id) is asked:  # it never came to its pass
                del self._queued[trade.id]
                self._owe(trade.id, asked.look)

    def _owe(self, trade_id: str, look: Look) -> None:
        """A pass that was to read `look` did not: the next tick's pass reads it."""
        if look is not Look.ORDERS and self._held.get(trade_id) is not None:
            self._owed[trade_id] = max(self._owed.get(trade_id, look), look)
            self._held.unread(trade_id)

    async def _follow(
        self,
        trade_id: str,
        key: ExchangeKey,
        credentials: ApiCredentials,
        *,
        look: Look | None = Look.ORDERS,
    ) -> None:
        """One pass over the trade, never two at once; it also does what the events heard
        so far asked (`look` None: only that, if no pass since did). Under the lock the
        trade is as this keeper last saved it; an event's pass, or one after a pass that
        failed, reads it again (still open and leased here?). A copy taken while another
        pass was half-way would take that pass's new legs for orphans."""
        async with self._alone(trade_id):
            asked = self._queued.pop(trade_id, None)  # events from here on ask again
            if look is None and asked is None:
                return  # a pass that began after the event read what it asked
            look = max(
                look or Look.ORDERS,
                asked.look if asked else Look.ORDERS,
                self._owed.pop(trade_id, Look.ORDERS),
            )
            if look is not Look.ORDERS or self._held.doubted(trade_id):
                trade = await self._reread(trade_id)
            else:
                trade = self._held.get(trade_id)
            if trade is None:
                return
            try:
                await self._keys.use(
                    key,
                    lambda c: _Pass(self, trade, c).run(look),
                    credentials=credentials,
                )
                self._held.read(trade_id, self._clock.now())
            except BusinessRuleViolation as refused:  # tried again on the next pass
                self._owe(trade_id, look)
                self._held.unread(trade_id)
                log.warning("trade %s: the exchange refused (%s)", trade_id, refused.text)
            except ProtectedTradeGone:
                pass
            except _LookAgain as moved:
                self._owe(trade_id, look)
                self._held.unread(trade_id)
                log.info("trade %s: %s; read again on the next tick", trade_id, moved)
            except Exception:  # read again on the next tick; a save may have half-happened
                self._owe(trade_id, look)
                self._held.unread(trade_id)
                self._held.doubt(trade_id)
                log.exception("trade %s: pass failed", trade_id)

    @contextlib.asynccontextmanager
    async def _alone(self, trade_id: str) -> AsyncIterator[None]:
        """The trade's lock, kept only while some pass holds or waits for it."""
        lock, users = self._one_at_a_time.get(trade_id, (None, 0))
        lock = lock or asyncio.Lock()
        self._one_at_a_time[trade_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._one_at_a_time[trade_id]
            if users == 1:
                del self._one_at_a_time[trade_id]
            else:
                self._one_at_a_time[trade_id] = (lock, users - 1)

    async def _reread(self, trade_id: str) -> ProtectedTrade | None:
        """The trade as the database has it now, while it is open and still leased here."""
        async with self._uow_factory() as uow:
            found = await uow.protected_trades.leased_many(
                [trade_id], owner=self._owner, now=self._clock.now()
            )
        if not found:
            self._forget(trade_id)
            return None
        self._held.update(found[0])
        return found[0]

    async def _watch(self, wanted: set[str]) -> None:
        """Listen to the streams of the keys with trades here, and only those; up to
        OPENING_AT_ONCE opened at once, so that thousands of keys are heard in seconds."""
        if self.streams is None:
            return
        streams = self.streams
        adding = sorted(wanted - streams.watched())
        bound = asyncio.Semaphore(OPENING_AT_ONCE)

        async def open_one(key_id: str, credentials: ApiCredentials) -> None:
            async with bound:
                try:
                    await streams.watch(key_id, credentials)
                except Exception as problem:  # polled, as without a stream, until it opens
                    log.warning("key %s: its stream could not be opened (%s)", key_id, problem)
                finally:  # its gap has its trades read, or else every tick does
                    self._opening.discard(key_id)

        try:
            self._tried = (self._tried & wanted) | set(adding)
            for key_id in sorted(streams.watched() - wanted):
                await streams.unwatch(key_id)
            usable = self._usable(await self._keys.open_many(adding)) if adding else {}
            await asyncio.gather(
                *(open_one(key_id, usable[key_id][1]) for key_id in adding if key_id in usable)
            )
        finally:
            self._opening.difference_update(adding)
        self._count_streams(streams)

    def _count_streams(self, streams: AccountStreams) -> None:
        if self._metrics is not None:
            watched = streams.watched()
            self._metrics.streams_watched(len(watched), sum(map(streams.live, watched)))

    async def _save(self, trade: ProtectedTrade, events: list[TradeEvent]) -> None:
        """Saves what a pass learnt, with the alerts of the fills it found; then tells the
        trader's sockets."""
        async with self._uow_factory() as uow:
            still_open = await uow.protected_trades.save(trade, now=self._clock.now())
            await self._record(uow, trade, events)
            await uow.commit()
            if still_open:
                self._held.update(trade)  # at once: nothing after the commit may skip it
        self._publish(trade, events)
        if not still_open:
            self._forget(trade.id)
            raise ProtectedTradeGone(trade.id)

    async def _tell(self, trade: ProtectedTrade, told: CopyingNotice) -> None:
        async with self._uow_factory() as uow:
            await record_alerts(uow, self._ids, [(trade.user_id, told)])
            await uow.commit()

    async def _close(self, trade: ProtectedTrade, reason: str, events: list[TradeEvent]) -> None:
        log.info("trade %s closed: %s", trade.id, reason)
        async with self._uow_factory() as uow:
            await uow.protected_trades.close(trade.id, reason=reason, now=self._clock.now())
            await self._record(uow, trade, events)
            await uow.commit()
        self._forget(trade.id)
        self._publish(trade, events)

    async def _record(
        self, uow: TradingUnitOfWork, trade: ProtectedTrade, fills: list[TradeEvent]
    ) -> None:
        """The fills a pass found, for the user's alerts and reports."""
        await record_alerts(uow, self._ids, [(trade.user_id, fill) for fill in fills])
        await uow.reports.add_fills(
            [
                ExitFill(
                    id=self._ids.new_id(),
                    user_id=trade.user_id,
                    key_id=trade.key_id,
                    trade_id=trade.id,
                    kind=fill.kind.value,
                    amount=fill.amount,
                    price=fill.price,
                    realized_pnl=fill.realized_pnl,
                    at=fill.at,
                )
                for fill in fills
            ]
        )

    def _publish(self, trade: ProtectedTrade, events: list[TradeEvent]) -> None:
        for event in events:
            self._events.publish(trade.user_id, event)


class _LookAgain(Exception):
    """What a pass acted on moved under it: the next pass reads it all again."""


@dataclass
class _Pass:
    """One look at a trade on the exchange, and what it takes to bring its legs in line."""

    keeper: ProtectionKeeper
    trade: ProtectedTrade
    credentials: ApiCredentials
    placed: list[Order] = field(default_factory=list)
    fills: list[TradeEvent] = field(default_factory=list)  # found, not yet saved
    flattened: bool = False  # a refused stop made it close the position
    stuck: list[str] = field(default_factory=list)  # stops given up on in TRIGGERING
    freed: set[str] = field(default_factory=set)  # client ids cancelled to make room

    @property
    def gateway(self) -> ExchangeGateway:
        return self.keeper._gateway

    async def run(self, look: Look) -> None:
        trade = self.trade
        looking = ExchangePurpose.PROTECTION if look is Look.ALL else ExchangePurpose.RECONCILIATION
        with spending_for(looking):
            open_orders = await self.gateway.fetch_open_orders(self.credentials, trade.symbol)
            unmovable = self.keeper._unmovable.get(trade.id, set())
            moved = look is Look.ALL or _changed(trade, open_orders, unmovable)
            if not moved and look is Look.GAP:
                moved = await self._position_gone()
        if not moved:
            return
        with spending_for(ExchangePurpose.PROTECTION):  # something moved: act on it first
            try:
                await self._reconcile(open_orders)
            except ProtectedTradeGone:
                log.info("trade %s was superseded during a pass; undoing the pass", trade.id)
                for order in self.placed:
                    await self.gateway.cancel_order(self.credentials, order)

    async def _position_gone(self) -> bool:
        """Whether the position the trade opened has gone (closed outside the platform while
        nobody heard), though its orders stand as they did."""
        if not self.trade.sized_to:
            return False  # nothing filled, nothing to lose
        position = await self.gateway.fetch_position(self.credentials, self.trade.symbol)
        return not _held(position, self.trade.plan.side)

    def _announce(self, leg: str, history: list[Order], client_id: str) -> None:
        """A rung or a stop filled: its event (the fill of the order it placed, where the
        exchange lists one under the same id, else the conditional order itself), with the
        profit it realised against the entry's price, goes out with the next save."""
        orders = [o for o in history if o.client_order_id == client_id]
        filled = next((o for o in orders if o.filled), orders[-1])
        trade = self.trade
        amount = filled.filled or filled.amount
        price = filled.average or filled.stop_price or filled.price
        entry = _latest(history, entry_id(trade.prefix))
        paid = None if entry is None else entry.average or entry.price
        pnl = None
        if amount is not None and price is not None and paid:
            direction = 1 if trade.plan.side is OrderSide.BUY else -1
            pnl = round((price - paid) * amount * direction, 8)
        self.fills.append(
            TradeEvent(
                kind=TradeEventKind.STOP if leg in (STOP, TRAIL) else TradeEventKind.TAKE_PROFIT,
                key_id=trade.key_id,
                symbol=trade.symbol,
                side=filled.side,
                amount=amount,
                price=price,
                order_id=filled.id,
                at=self.keeper._clock.now(),
                realized_pnl=pnl,
            )
        )

    async def _save(self) -> None:
        fills, self.fills = self.fills, []
        await self.keeper._save(self.trade, fills)

    async def _close(self, reason: str) -> None:
        fills, self.fills = self.fills, []
        await self.keeper._close(self.trade, reason, fills)

    async def _reconcile(self, open_orders: list[Order]) -> None:
        trade, plan = self.trade, self.trade.plan
        rules = await self.gateway.market_rules(trade_type=TradeType.FUTURES, symbol=trade.symbol)
        history = await self.gateway.fetch_order_history(self.credentials, trade.symbol)
        position = await self.gateway.fetch_position(self.credentials, trade.symbol)
        open_by_id = {o.client_order_id: o for o in open_orders if o.client_order_id}
        entry = _latest(history, entry_id(trade.prefix))
        if entry is None and not trade.entry_final:
            log.warning("trade %s: the exchange lists no entry; nothing done", trade.id)
            return
        filled = trade.sized_to if entry is None else _decimal(entry.filled)
        entry_done = entry is None or not entry.is_open
        held = _held(position, plan.side)

        live, ended = dict(trade.live), dict(trade.ended)
        for leg, client_id in trade.live.items():
            if client_id not in open_by_id:
                del live[leg]
                if leg in (STOP, TRAIL) and _venue_ended(history, client_id):
                    continue  # neither live nor ended: placed again below if still needed
                ended[leg] = _how_it_ended(history, client_id)
                log.info("trade %s: %s %s", trade.id, leg, ended[leg].value)
                if ended[leg] is LegEnd.EXECUTED:
                    self._announce(leg, history, client_id)
        self.stuck = await self._drop_stuck(live, open_by_id)
        open_orders = [
            o for o in open_orders if not o.client_order_id or o.client_order_id in open_by_id
        ]
        took_profit = any(
            ended[leg] is LegEnd.EXECUTED and leg in plan.rung_names()
            for leg in set(ended) - set(trade.ended)
        )
        self.trade = trade = replace(trade, live=live, ended=ended)

        unmovable: set[str] = set()
        for orphan in [o for o in open_orders if _orphan(trade, o)]:
            # left by a pass that died between the exchange and the database, or a stuck
            # stop the exchange would not cancel: tried each full pass, never blocking it
            try:
                await self.gateway.cancel_order(self.credentials, orphan)
            except ExchangeUnavailable:
                raise
            except BusinessRuleViolation as refused:
                log.warning("trade %s: an orphan stays (%s)", trade.id, refused.text)
                unmovable.add(orphan.client_order_id or "")
        if unmovable:
            self.keeper._unmovable[trade.id] = unmovable
        else:
            self.keeper._unmovable.pop(trade.id, None)
        live_orders = {leg: open_by_id[client_id] for leg, client_id in live.items()}

        fired = [leg for leg in (STOP, TRAIL) if ended.get(leg) is LegEnd.EXECUTED]
        if fired:
            rest = list(live_orders.values()) + ([entry] if entry and entry.is_open else [])
            return await self._finish(rest, "trailed out" if fired == [TRAIL] else "stopped out")
        if entry_done and (not filled or not held):
            return await self._finish(list(live_orders.values()), "position closed")
        if entry_done and all(leg in ended for leg in plan.leg_names()):
            return await self._finish([], "no exits left")
        unplaced = [leg for leg in plan.stop_names() if leg not in live and leg not in ended]
        if unplaced and held:  # ended by the exchange now, or its replacement failed before
            resize = self._resize(rules, open_orders, live_orders, filled, held, entry_done)
            return await self._reprotect(unplaced, resize)
        if held and _breakeven_due(plan, ended) and position is not None:
            self.trade = trade = replace(trade, plan=_at_breakeven(plan, rules, position))
            log.info("trade %s: the stop moves to the entry price", trade.id)
            await self._resize(rules, open_orders, live_orders, filled, held, entry_done)
        elif filled and (
            filled != trade.sized_to
            or entry_done != trade.entry_final
            or (took_profit and entry_done)  # the stop shrinks to what is left
        ):
            await self._resize(rules, open_orders, live_orders, filled, held, entry_done)
        else:
            await self._save()

    async def _drop_stuck(self, live: dict[str, str], open_by_id: dict[str, Order]) -> list[str]:
        """The stops the exchange triggered without placing their order for STUCK_TRIGGER:
        cancelled where the exchange still lets, and taken out of `live` and `open_by_id`,
        so that the pass protects the position again (reduce-only, so a stuck stop that
        fires after all cannot double the close). Saved as no longer live before it is
        cancelled, so a pass that dies between finds an orphan, not a leg the user dropped;
        one that fired as it was being cancelled is tracked again, for the next pass to
        record as the stop's fill.
        A stop first seen triggering gets a pass at the end of its time."""
        keeper, trade = self.keeper, self.trade
        stuck: dict[str, Order] = {}
        for leg in [leg for leg in (STOP, TRAIL) if leg in live]:
            order, seen = open_by_id[live[leg]], (trade.id, live[leg])
            if not order.triggering:
                keeper._triggering.pop(seen, None)
                continue
            if seen not in keeper._triggering:
                keeper._time_trigger(trade, seen[1])
            if not keeper._triggering[seen]:
                continue
            log.warning("trade %s: the %s is stuck triggering; protecting again", trade.id, leg)
            del live[leg], open_by_id[seen[1]], keeper._triggering[seen]
            stuck[leg] = order
        if not stuck:
            return []
        still = {leg: client_id for leg, client_id in trade.live.items() if leg not in stuck}
        await keeper._save(replace(trade, live=still), [])
        uncancelled = dict(stuck)
        for leg, order in stuck.items():
            try:
                await self.gateway.cancel_order(self.credentials, order)
            except ExchangeUnavailable:
                raise  # not known to be cancelled: the next pass finds it an orphan
            except BusinessRuleViolation:
                # tracked again (with any stuck leg still standing) before looking how it
                # ended: if it fired, the next pass ends the trade as stopped out, with its
                # fill, even if this look fails
                back = {name: trade.live[name] for name in uncancelled}
                await keeper._save(replace(trade, live={**still, **back}), [])
                history = await self.gateway.fetch_order_history(self.credentials, trade.symbol)
                if _how_it_ended(history, trade.live[leg]) is LegEnd.EXECUTED:
                    raise _LookAgain(f"the stuck {leg} fired as it was cancelled") from None
                log.info("trade %s: the stuck %s ended before its cancel", trade.id, leg)
                await keeper._save(replace(trade, live=still), [])
            del uncancelled[leg]
        return list(stuck)

    async def _reprotect(self, missing: list[str], resize: Awaitable[None]) -> None:
        """A stop is missing while the position is open (the exchange ended it, or placing
        its replacement failed): place it (`resize` does, or, its price already passed,
        closes the position), and tell the trader which (once a day per trade)."""
        log.warning("trade %s: %s missing; protecting again", self.trade.id, missing)
        try:
            await resize
        except ProtectedTradeGone:
            if self.flattened:
                await self._notify(NoticeKind.CLOSED_NO_STOP, missing)
            raise
        await self._notify(NoticeKind.STOP_REPLACED, missing)

    async def _notify(self, kind: NoticeKind, missing: list[str]) -> None:
        trade = self.trade
        told = notice(
            kind,
            subject=trade.id,
            key_id=trade.key_id,
            symbol=trade.symbol,
            detail=f"the {' and '.join(missing)} of trade {trade.id} "
            + ("was stuck triggering on the exchange" if self.stuck else "was missing"),
            at=self.keeper._clock.now(),
        )
        await self.keeper._tell(trade, told)

    async def _resize(
        self,
        rules: MarketRules,
        open_orders: list[Order],
        live_orders: dict[str, Order],
        filled: Decimal,
        held: Decimal,
        entry_done: bool,
    ) -> None:
        """Brings the ladder to shares of the open position and the stops to the amount they
        must cover, in a new generation of client ids."""
        plan = self.trade.plan
        self.trade = replace(self.trade, generation=self.trade.generation + 1)
        await self._save()
        algo_orders = sum(1 for o in open_orders if o.conditional and o.is_open)
        algo_orders -= sum(1 for o in open_orders if o.conditional and _orphan(self.trade, o))
        pending = [leg for leg in plan.rung_names() if leg not in self.trade.ended]
        sizes = dict(zip(pending, ladder_sizes(len(pending), held, rules), strict=True))

        for leg in pending:
            order = live_orders.get(leg)
            if order is not None and _decimal(order.amount) != sizes[leg]:
                await self._retire(leg, order)
                algo_orders -= order.conditional

        cover = min(filled, held) if entry_done else plan.amount
        for leg in [leg for leg in plan.stop_names() if leg not in self.trade.ended]:
            old = live_orders.get(leg)
            moved = (
                leg == STOP
                and old is not None
                and plan.stop_trigger_price is not None
                and rules.round_price(_decimal(old.stop_price))
                != rules.round_price(plan.stop_trigger_price)
            )
            if old is None or _decimal(old.amount) != cover or moved:
                if old is not None and not rules.has_algo_slot(algo_orders):
                    await self._retire(leg, old)  # no slot for two: a moment without
                    algo_orders -= 1
                    old = None
                # what may make room: conditional rungs, farthest first, then the stop itself
                spare = sorted(
                    [(rung, o) for rung, o in live_orders.items() if rung in pending],
                    key=lambda r: -plan.rung_names().index(r[0]),
                )
                spare += [(leg, old)] if old is not None else []
                algo_orders += await self._place_closing(rules, leg, cover, spare)
                if old is not None and old.client_order_id not in self.freed:
                    await self._retire(leg, old, keep_tracking=True)
                    algo_orders -= 1

        for leg in pending:
            if sizes[leg] and leg not in self.trade.live:
                algo_orders += await self._place_rung(rules, leg, sizes[leg], algo_orders)

        self.trade = replace(self.trade, sized_to=filled, entry_final=entry_done)
        await self._save()

    async def _place_closing(
        self, rules: MarketRules, leg: str, amount: Decimal, spare: list[tuple[str, Order]]
    ) -> int:
        """Places the stop or the trailing stop; the conditional orders added (1, or 0 for a
        trailing stop the exchange refused, which is dropped: the stop still stands). Where
        the exchange's cap of conditional orders refuses a stop, the first conditional order
        of `spare` makes room (a take profit is placed again by the resize, as a LIMIT if
        the cap still refuses it; the old stop, for a moment without one); a stop the
        exchange still refuses closes the position, as the stop itself would have."""
        trade = self.trade
        client_id = leg_id(trade.prefix, leg, trade.generation)
        request = closing_request(
            trade.plan, rules, leg, symbol=trade.symbol, amount=amount, client_order_id=client_id
        )
        try:
            try:
                order = await self.gateway.place_order(self.credentials, request)
            except ConditionalOrdersFull:
                room = [(name, o) for name, o in spare if o.conditional and name in trade.live]
                if leg != STOP or not room:
                    raise
                name, freed = room[0]
                log.warning("trade %s: no room for the stop; its %s makes room", trade.id, name)
                await self._make_room(name, freed)
                trade = self.trade
                order = await self.gateway.place_order(self.credentials, request)
        except BusinessRuleViolation as refused:
            if leg == TRAIL:
                log.warning("trade %s: the trailing stop was refused (%s)", trade.id, refused.text)
                self.trade = replace(trade, ended={**trade.ended, leg: LegEnd.DROPPED})
                await self._save()
                return 0
            log.warning(
                "trade %s: the stop was refused (%s); closing the position", trade.id, refused.text
            )
            await flatten(self.gateway, self.credentials, trade.symbol, f"{trade.prefix}x")
            self.flattened = True
            await self._close("stop refused; position closed")
            self.placed.clear()  # the symbol is flat and clear: nothing left to undo
            raise ProtectedTradeGone(trade.id) from None
        self.placed.append(order)
        self.trade = replace(trade, live={**trade.live, leg: client_id})
        await self._save()
        return 1

    async def _make_room(self, leg: str, order: Order) -> None:
        """Cancels the leg to free its conditional slot. A cancel the exchange refuses (the
        order filled or fired on the way) keeps the leg tracked and ends the pass, to be
        read again; never a reason to close the position."""
        try:
            await self._retire(leg, order)
        except BusinessRuleViolation:
            self.trade = replace(
                self.trade, live={**self.trade.live, leg: order.client_order_id or ""}
            )
            await self._save()
            raise _LookAgain(f"the {leg} ended while it was making room") from None
        self.freed.add(order.client_order_id or "")

    async def _place_rung(self, rules: MarketRules, leg: str, amount: Decimal, algo: int) -> int:
        """Places a rung: conditional while a slot is free, else (or when the exchange refuses
        a trigger the price has already passed) a reduce-only LIMIT, which then takes the
        profit at once. A rung refused both ways is dropped. Returns the conditional orders
        added."""
        trade = self.trade
        client_id = leg_id(trade.prefix, leg, trade.generation)
        for conditional in (True, False) if rules.has_algo_slot(algo) else (False,):
            request = rung_request(
                trade.plan,
                rules,
                symbol=trade.symbol,
                leg=leg,
                amount=amount,
                client_order_id=client_id,
                conditional=conditional,
            )
            try:
                order = await self.gateway.place_order(self.credentials, request)
            except BusinessRuleViolation as refused:
                log.warning("trade %s: %s refused (%s)", trade.id, leg, refused.text)
                continue
            self.placed.append(order)
            self.trade = replace(trade, live={**trade.live, leg: client_id})
            await self._save()
            return int(conditional)
        self.trade = replace(trade, ended={**trade.ended, leg: LegEnd.DROPPED})
        await self._save()
        return 0

    async def _retire(self, leg: str, order: Order, *, keep_tracking: bool = False) -> None:
        """Cancels a leg the keeper replaces; forgotten first, so that a pass dying here
        finds an orphan to cancel, not a leg the user dropped."""
        if not keep_tracking:
            live = {k: v for k, v in self.trade.live.items() if k != leg}
            self.trade = replace(self.trade, live=live)
            await self._save()
        await self.gateway.cancel_order(self.credentials, order)

    async def _finish(self, leftovers: list[Order], reason: str) -> None:
        for order in leftovers:
            await self.gateway.cancel_order(self.credentials, order)
        await self._close(reason)


def _breakeven_due(plan: ExitPlan, ended: Mapping[str, LegEnd]) -> bool:
    """The plan moves its stop to the entry once that many rungs filled (and only once)."""
    if plan.breakeven_after is None or plan.stop_trigger_price is None:
        return False
    filled = sum(1 for leg in plan.rung_names() if ended.get(leg) is LegEnd.EXECUTED)
    return filled >= plan.breakeven_after


def _at_breakeven(plan: ExitPlan, rules: MarketRules, position: Position) -> ExitPlan:
    """A stop-market at the position's entry price: what is left can no longer lose."""
    entry = rules.round_price(_decimal(position.entry_price))
    return replace(plan, stop_trigger_price=entry, stop_price=None, breakeven_after=None)


def _changed(trade: ProtectedTrade, open_orders: list[Order], unmovable: set[str]) -> bool:
    """Whether anything may need doing: a live leg left the book, an orphan leg stands (but
    those the exchange would not cancel), or the entry filled more or finished. The common
    case (nothing moved) costs one read of the open orders."""
    open_ids = {o.client_order_id for o in open_orders}
    if any(client_id not in open_ids for client_id in trade.live.values()):
        return True
    if any(_orphan(trade, o) and o.client_order_id not in unmovable for o in open_orders):
        return True  # left by a pass that died between the exchange and the database
    if any(leg not in trade.live and leg not in trade.ended for leg in trade.plan.stop_names()):
        return True  # a stop whose replacement failed: placed again
    stops = {trade.live.get(leg) for leg in (STOP, TRAIL)}
    if any(o.triggering for o in open_orders if o.client_order_id in stops):
        return True  # a stop the exchange is (or is stuck) placing
    if trade.entry_final:
        return False
    entry = next((o for o in open_orders if o.client_order_id == entry_id(trade.prefix)), None)
    return entry is None or _decimal(entry.filled) != trade.sized_to


def _latest(history: list[Order], client_id: str) -> Order | None:
    found = [o for o in history if o.client_order_id == client_id]
    return found[-1] if found else None


def _venue_ended(history: list[Order], client_id: str) -> bool:
    """Whether the exchange itself ended the conditional (rejected at its trigger, expired),
    as opposed to it firing or someone cancelling it."""
    orders = [o for o in history if o.client_order_id == client_id]
    return bool(orders) and orders[-1].status in VENUE_ENDED and not any(o.filled for o in orders)


def _touches(trade: ProtectedTrade, key_id: str, event: AccountEvent) -> bool:
    """Whether the event may concern the trade: one of its orders, or its position; any
    event that is neither (a gap in the stream) concerns every trade of the key."""
    if trade.key_id != key_id:
        return False
    match event:
        case OrderUpdate(client_order_id=client_id):
            return (
                client_id == entry_id(trade.prefix) or leg_of(trade.prefix, client_id) is not None
            )
        case PositionUpdate(symbol=symbol):
            return symbol == trade.symbol
    return True


def _how_it_ended(history: list[Order], client_id: str) -> LegEnd:
    """A conditional that fired shows `closed`; a LIMIT rung, its fills."""
    orders = [o for o in history if o.client_order_id == client_id]
    executed = any(o.status == "closed" or o.filled for o in orders)
    return LegEnd.EXECUTED if executed else LegEnd.DROPPED


def _held(position: Position | None, side: OrderSide) -> Decimal:
    """The position the trade opened: its size when on the entry's side, else nothing."""
    if position is None or position.side != ("long" if side is OrderSide.BUY else "short"):
        return Decimal(0)
    return _decimal(position.contracts)


def _orphan(trade: ProtectedTrade, order: Order) -> bool:
    return bool(leg_of(trade.prefix, order.client_order_id)) and (
        order.client_order_id not in trade.live.values()
    )


def _decimal(number: float | None) -> Decimal:
    return Decimal(0) if number is None else Decimal(str(number))
