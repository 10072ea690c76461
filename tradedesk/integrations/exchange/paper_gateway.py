"""The exchange port over the paper exchange, in process: the embedded default.

`serve` trades against it with no keys and no network. Tickers come from the time-indexed
paper feed, and the matching engine is moved to the feed's price before every operation (and
by `tick`, in the background), so the price a user sees is the price their orders fill at and
their stops trigger on.

A paper account opens the first time a key is used, credited with `opening_usdt` in both
wallets; from then on the key's secret must match, as an exchange's would. Accounts live in
memory: a restart starts every paper account afresh.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from tradedesk.domain.errors import BusinessRuleViolation, ConditionalOrdersFull, ErrorCode
from tradedesk.domain.market.exchange import (
    ApiCredentials,
    AssetBalance,
    Fee,
    FuturesAccount,
    KeyPermissions,
    MarginMode,
    MarketRules,
    Order,
    OrderRequest,
    OrderType,
    Position,
    Trade,
)
from tradedesk.domain.market.model import ExchangeId, Ticker, TradeType
from tradedesk.domain.ports import Clock
from tradedesk.domain.timestamps import iso_millis
from tradedesk.integrations.exchange.ccxt_errors import CONDITIONALS_FULL, HEDGE_MODE
from tradedesk.integrations.exchange.order_statuses import unified_status
from tradedesk.integrations.exchange.paper_feed import PaperMarketFeed
from tradedesk.simulator import errors as venue_errors
from tradedesk.simulator import orders as venue
from tradedesk.simulator.engine import PaperExchange
from tradedesk.simulator.markets import Kind, default_markets

T = TypeVar("T")

log = logging.getLogger("tradedesk.exchange")

_KIND = {TradeType.SPOT: Kind.SPOT, TradeType.FUTURES: Kind.FUTURES}
_REJECTED_CREDENTIALS = frozenset({-2014, -2015, -1022})
_MARGIN_TYPE = {
    MarginMode.CROSS: venue.MarginType.CROSSED,
    MarginMode.ISOLATED: venue.MarginType.ISOLATED,
}


class PaperGateway:
    def __init__(self, feed: PaperMarketFeed, clock: Clock, *, opening_usdt: Decimal) -> None:
        self._feed = feed
        self._clock = clock
        self._opening_usdt = opening_usdt
        markets = default_markets()
        self._symbols = {(m.kind, m.symbol): m.id for m in markets if m.symbol in feed.symbols}
        self._moved: dict[tuple[Kind, str], Decimal] = {}  # each market's last price moved to
        self.engine = PaperExchange(
            markets,
            prices={
                (kind, market_id): self._feed_price(kind, symbol)
                for (kind, symbol), market_id in self._symbols.items()
            },
            now_ms=lambda: int(clock.now().timestamp() * 1000),
        )

    async def fetch_ticker(
        self, *, exchange_id: ExchangeId, trade_type: TradeType, symbol: str
    ) -> Ticker:
        return await self._feed.fetch_ticker(
            exchange_id=exchange_id, trade_type=trade_type, symbol=symbol
        )

    async def market_rules(self, *, trade_type: TradeType, symbol: str) -> MarketRules:
        market_id = self._symbols.get((_KIND[trade_type], symbol))
        if market_id is None:
            raise BusinessRuleViolation(ErrorCode.INVALID_EXCHANGE_SYMBOL)
        market = self.engine.market(_KIND[trade_type], market_id)
        return MarketRules(
            symbol=symbol,
            tick_size=market.tick_size,
            step_size=market.step_size,
            min_amount=market.min_qty,
            max_amount=market.max_qty,
            market_max_amount=market.market_max_qty,
            min_notional=market.min_notional,
            max_orders=market.max_num_orders,
            max_algo_orders=market.max_num_algo_orders if trade_type is TradeType.FUTURES else 0,
        )

    def tick(self) -> None:
        """Moves every market to the feed's price: resting orders fill, stops trigger."""
        for (kind, symbol), market_id in self._symbols.items():
            self._move(kind, symbol, market_id)

    def _move(self, kind: Kind, symbol: str, market_id: str) -> None:
        """The engine to the feed's price; nothing to do while the price has not changed (a
        resting order or a stop is never reached by the price it was placed at)."""
        price = self._feed_price(kind, symbol)
        if self._moved.get((kind, market_id)) != price:
            self.engine.set_price(kind, market_id, price)
            self._moved[(kind, market_id)] = price

    async def run(self, interval_seconds: float = 1.0) -> None:
        """`tick` forever (the app's lifespan runs it)."""
        while True:
            try:
                self.tick()
            except Exception:  # one bad tick must not stop the market for good
                log.exception("paper exchange: tick failed")
            await asyncio.sleep(interval_seconds)

    # keys -------------------------------------------------------------------------------

    async def check_key(self, credentials: ApiCredentials) -> KeyPermissions:
        account = self._account(credentials)
        if credentials.trade_type is TradeType.FUTURES and account.hedge_mode:
            raise BusinessRuleViolation(ErrorCode.EXCHANGE_KEY_TYPE_INVALID)
        return KeyPermissions(
            can_trade=True,
            can_withdraw=account.can_withdraw,
            ip_restricted=account.ip_restricted,
        )

    async def fetch_balances(self, credentials: ApiCredentials) -> list[AssetBalance]:
        account = self._account(credentials)
        if credentials.trade_type is TradeType.SPOT:
            return [
                AssetBalance(asset, float(b.free), float(b.locked), float(b.free + b.locked))
                for asset, b in sorted(account.spot.items())
                if b.free + b.locked
            ]
        self.tick()
        total = account.futures_wallet + self.engine.unrealized_pnl(account)
        free = self.engine.available_balance(account)
        return (
            [AssetBalance("USDT", float(free), float(total - free), float(total))] if total else []
        )

    async def fetch_futures_account(self, credentials: ApiCredentials) -> FuturesAccount:
        account = self._account(credentials)
        held = {
            self.engine.market(Kind.FUTURES, market_id).symbol
            for market_id, position in account.positions.items()
            if position.amount
        }
        return FuturesAccount(await self.fetch_balances(credentials), frozenset(held))

    async def release(self, credentials: ApiCredentials) -> None:
        """Nothing to close: the paper account stays, as an exchange account would."""

    # orders -----------------------------------------------------------------------------

    async def fetch_open_orders(self, credentials: ApiCredentials, symbol: str) -> list[Order]:
        return [o for o in await self.fetch_order_history(credentials, symbol) if o.is_open]

    async def fetch_order_history(self, credentials: ApiCredentials, symbol: str) -> list[Order]:
        kind, market_id = self._market(credentials, symbol)
        plain = [
            self._order(o, symbol)
            for o in self._call(lambda: self.engine.orders(credentials.api_key, kind, market_id))
        ]
        algo = [
            self._conditional(c, symbol)
            for c in self._call(
                lambda: self.engine.conditionals(credentials.api_key, kind, market_id)
            )
        ]
        return sorted([*plain, *algo], key=lambda found: found.timestamp or 0)

    async def fetch_trades(self, credentials: ApiCredentials, symbol: str) -> list[Trade]:
        kind, market_id = self._market(credentials, symbol)
        fills = self._call(lambda: self.engine.fills(credentials.api_key, kind, market_id))
        return [_trade(fill, symbol) for fill in fills]

    async def fetch_position(self, credentials: ApiCredentials, symbol: str) -> Position | None:
        kind, market_id = self._market(credentials, symbol, trade_type=TradeType.FUTURES)
        account = self._account(credentials)
        position = account.positions.get(market_id)
        if position is None or not position.amount:
            return None
        mark = self.engine.price(kind, market_id)
        market = self.engine.market(kind, market_id)
        notional = position.notional(mark)
        initial = notional / position.leverage
        rate = market.bracket_for(notional).maintenance_rate
        isolated = position.margin_type is venue.MarginType.ISOLATED
        pnl = position.unrealized_pnl(mark)
        collateral = (
            position.isolated_margin + pnl
            if isolated
            else account.futures_wallet + self.engine.unrealized_pnl(account)
        )
        liquidation = self.engine.liquidation_price(account, market_id)
        now = self._clock.now()
        return Position(
            symbol=symbol,
            contracts=float(abs(position.amount)),
            contract_size=1.0,
            unrealized_pnl=float(pnl),
            leverage=float(position.leverage),
            liquidation_price=float(liquidation) if liquidation else None,
            collateral=float(collateral),
            notional=float(notional),
            mark_price=float(mark),
            entry_price=float(position.entry_price),
            initial_margin=float(initial),
            initial_margin_percentage=float(Decimal(1) / position.leverage),
            maintenance_margin=float(notional * rate),
            maintenance_margin_percentage=float(rate),
            margin_ratio=float(notional * rate / collateral) if collateral else None,
            timestamp=int(now.timestamp() * 1000),
            datetime=iso_millis(now),
            margin_mode="isolated" if isolated else "cross",
            side="long" if position.amount > 0 else "short",
            hedged=False,
            percentage=float(pnl / initial * 100) if initial else None,
        )

    async def place_order(self, credentials: ApiCredentials, order: OrderRequest) -> Order:
        kind, market_id = self._market(credentials, order.symbol)
        side = venue.Side(order.side.value.upper())
        existing = self._existing(credentials, kind, market_id, order)
        if existing is not None:  # the same client order id: answer it, never place it twice
            return existing
        if order.type.conditional:
            placed = self._call(
                lambda: self.engine.place_conditional(
                    credentials.api_key,
                    kind,
                    market_id,
                    side=side,
                    type=venue.TriggerType(order.type.value.upper()),
                    quantity=order.amount,
                    trigger_price=order.stop_price,
                    price=order.price,
                    callback_rate=order.callback_rate,
                    activation_price=order.activation_price,
                    reduce_only=order.reduce_only,
                    close_position=False,
                    client_algo_id=order.client_order_id,
                )
            )
            return self._conditional(placed, order.symbol)
        limit = order.type is OrderType.LIMIT
        made = self._call(
            lambda: self.engine.place_order(
                credentials.api_key,
                kind,
                market_id,
                side=side,
                type=venue.OrderType.LIMIT if limit else venue.OrderType.MARKET,
                quantity=order.amount,
                price=order.price if limit else None,
                reduce_only=order.reduce_only,
                client_order_id=order.client_order_id,
            )
        )
        return self._order(made, order.symbol)

    async def cancel_order(self, credentials: ApiCredentials, order: Order) -> Order:
        kind, market_id = self._market(credentials, order.symbol)
        if order.conditional:
            cancelled = self._call(
                lambda: self.engine.cancel_conditional(
                    credentials.api_key, kind, market_id, algo_id=int(order.id)
                )
            )
            return self._conditional(cancelled, order.symbol)
        plain = self._call(
            lambda: self.engine.cancel_order(
                credentials.api_key, kind, market_id, order_id=int(order.id)
            )
        )
        return self._order(plain, order.symbol)

    async def cancel_all_orders(self, credentials: ApiCredentials, symbol: str) -> None:
        for order in await self.fetch_open_orders(credentials, symbol):
            await self.cancel_order(credentials, order)

    # futures settings -------------------------------------------------------------------

    async def set_leverage(self, credentials: ApiCredentials, symbol: str, leverage: int) -> None:
        _kind, market_id = self._market(credentials, symbol, trade_type=TradeType.FUTURES)
        self._call(lambda: self.engine.set_leverage(credentials.api_key, market_id, leverage))

    async def set_margin_mode(
        self, credentials: ApiCredentials, symbol: str, mode: MarginMode
    ) -> None:
        _kind, market_id = self._market(credentials, symbol, trade_type=TradeType.FUTURES)
        account = self._account(credentials)
        if account.position(market_id).margin_type is _MARGIN_TYPE[mode]:
            return
        self._call(
            lambda: self.engine.set_margin_type(credentials.api_key, market_id, _MARGIN_TYPE[mode])
        )

    # plumbing ---------------------------------------------------------------------------

    def _account(self, credentials: ApiCredentials) -> venue.Account:
        """The key's paper account, opened on first use; a different secret is refused."""
        try:
            account = self.engine.account(credentials.api_key)
        except venue_errors.ExchangeError:
            return self.engine.add_account(
                credentials.api_key, credentials.secret, usdt=self._opening_usdt
            )
        if account.secret != credentials.secret:
            raise BusinessRuleViolation(ErrorCode.EXCHANGE_AUTHORIZATION_FAILED)
        return account

    def _market(
        self, credentials: ApiCredentials, symbol: str, *, trade_type: TradeType | None = None
    ) -> tuple[Kind, str]:
        """The engine's market for the symbol, moved to the feed's price first."""
        if trade_type is not None and credentials.trade_type is not trade_type:
            raise BusinessRuleViolation(ErrorCode.EXCHANGE_KEY_TYPE_INVALID)
        self._account(credentials)
        kind = _KIND[credentials.trade_type]
        market_id = self._symbols.get((kind, symbol))
        if market_id is None:
            raise BusinessRuleViolation(ErrorCode.INVALID_EXCHANGE_SYMBOL)
        self._move(kind, symbol, market_id)
        return kind, market_id

    def _existing(
        self, credentials: ApiCredentials, kind: Kind, market_id: str, order: OrderRequest
    ) -> Order | None:
        try:
            if order.type.conditional:
                found = self.engine.find_conditional(
                    credentials.api_key, kind, market_id, client_algo_id=order.client_order_id
                )
                return self._conditional(found, order.symbol)
            plain = self.engine.find_order(
                credentials.api_key, kind, market_id, client_order_id=order.client_order_id
            )
            return self._order(plain, order.symbol)
        except venue_errors.ExchangeError:
            return None

    def _feed_price(self, kind: Kind, symbol: str) -> Decimal:
        trade_type = TradeType.SPOT if kind is Kind.SPOT else TradeType.FUTURES
        return Decimal(str(self._feed.last_price(symbol, trade_type)))

    @staticmethod
    def _call(operation: Callable[[], T]) -> T:
        """Runs an engine operation, its Binance error mapped as the ccxt adapter maps it."""
        try:
            return operation()
        except venue_errors.ExchangeError as error:
            if error.code in _REJECTED_CREDENTIALS:
                raise BusinessRuleViolation(ErrorCode.EXCHANGE_AUTHORIZATION_FAILED) from None
            if error.code == venue_errors.bad_symbol().code:
                raise BusinessRuleViolation(ErrorCode.INVALID_EXCHANGE_SYMBOL) from None
            if error.code == HEDGE_MODE:
                raise BusinessRuleViolation(ErrorCode.EXCHANGE_KEY_TYPE_INVALID) from None
            if error.code == CONDITIONALS_FULL:
                raise ConditionalOrdersFull from None
            log.warning("paper exchange refused: %s", error)
            raise BusinessRuleViolation(ErrorCode.EXCHANGE_BAD_REQUEST) from None

    def _order(self, order: venue.Order, symbol: str) -> Order:
        average = order.avg_price
        return Order(
            id=str(order.order_id),
            client_order_id=order.client_order_id,
            timestamp=order.created_at,
            datetime=_iso(order.created_at),
            symbol=symbol,
            type=order.type.value.lower(),
            side=order.side.value.lower(),
            time_in_force=order.time_in_force,
            post_only=False,
            reduce_only=order.reduce_only,
            price=float(average or order.price),
            stop_price=None,
            amount=float(order.orig_qty),
            cost=float(order.cum_quote),
            average=float(average) if average else None,
            filled=float(order.executed_qty),
            remaining=float(order.orig_qty - order.executed_qty),
            status=unified_status(order.status.value),
            fee=None,
            fees=(),
        )

    def _conditional(self, conditional: venue.ConditionalOrder, symbol: str) -> Order:
        return Order(
            id=str(conditional.algo_id),
            client_order_id=conditional.client_algo_id,
            timestamp=conditional.created_at,
            datetime=_iso(conditional.created_at),
            symbol=symbol,
            type=conditional.type.value.lower(),
            side=conditional.side.value.lower(),
            time_in_force="GTC",
            post_only=False,
            reduce_only=conditional.reduce_only or conditional.close_position,
            price=float(conditional.price or conditional.trigger_price) or None,
            stop_price=float(conditional.trigger_price) or None,
            amount=float(conditional.quantity) or None,
            cost=0.0,
            average=None,
            filled=0.0,
            remaining=(float(conditional.quantity) if conditional.is_open else 0.0)
            if conditional.quantity
            else None,
            status=unified_status(conditional.status.value),
            fee=None,
            fees=(),
            conditional=True,
            triggering=conditional.status is venue.AlgoStatus.TRIGGERING,
        )


def _trade(fill: venue.Fill, symbol: str) -> Trade:
    fee = Fee(currency=fill.commission_asset, cost=float(fill.commission))
    return Trade(
        id=str(fill.trade_id),
        order=str(fill.order_id),
        timestamp=fill.time,
        datetime=_iso(fill.time),
        symbol=symbol,
        type=None,
        side=fill.side.value.lower(),
        taker_or_maker="maker" if fill.maker else "taker",
        price=float(fill.price),
        amount=float(fill.qty),
        cost=float(fill.quote_qty),
        fee=fee,
        fees=(fee,),
    )


def _iso(milliseconds: int) -> str:
    return iso_millis(datetime.fromtimestamp(milliseconds / 1000, UTC))
