"""The matching engine: accounts, orders, fills, fees and USDT-M positions.

Deterministic by construction: prices come only from `set_price` (a feed or a test drives
it), time only from the `now_ms` callable, ids from counters. Market orders fill at the current
price as takers; a limit order that crosses fills at once as a taker, otherwise it rests and
fills at its own price as a maker when the price reaches it. There is no order book depth: the
paper market is infinitely liquid at the feed's price.
"""

from __future__ import annotations

import copy
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NotRequired, TypedDict, TypeVar, Unpack

from tradedesk.simulator import errors, margin
from tradedesk.simulator.events import (
    AccountChanged,
    ConditionalChanged,
    Event,
    Execution,
    ExpireReason,
    Observer,
    OrderChanged,
    PositionFigures,
)
from tradedesk.simulator.filters import check_filters
from tradedesk.simulator.markets import Kind, Market
from tradedesk.simulator.orders import (
    ZERO,
    Account,
    AlgoStatus,
    ConditionalOrder,
    Fill,
    MarginType,
    Order,
    OrderType,
    Position,
    Side,
    Status,
    TriggerType,
)
from tradedesk.simulator.positions import net_fill
from tradedesk.simulator.statistics import RollingDay, Window
from tradedesk.simulator.triggers import track, triggered

_Open = TypeVar("_Open", Order, ConditionalOrder)

D = Decimal


@dataclass(frozen=True, slots=True)
class Fees:
    """Binance's regular-tier rates."""

    spot_maker: Decimal = Decimal("0.001")
    spot_taker: Decimal = Decimal("0.001")
    futures_maker: Decimal = Decimal("0.0002")
    futures_taker: Decimal = Decimal("0.0004")

    def rate(self, kind: Kind, *, maker: bool) -> Decimal:
        if kind is Kind.SPOT:
            return self.spot_maker if maker else self.spot_taker
        return self.futures_maker if maker else self.futures_taker


class OrderTicket(TypedDict):
    """What an order asks for, as `place_order` takes it."""

    side: Side
    type: OrderType
    quantity: Decimal
    price: NotRequired[Decimal | None]
    time_in_force: NotRequired[str]
    reduce_only: NotRequired[bool]
    client_order_id: NotRequired[str | None]


ALGO_IDS_FROM = 1_000_000_000_000_000  # the first algo id; plain orders count from 1
GOOD_TILL_POSITION_CLOSES = "GTE_GTC"

log = logging.getLogger("tradedesk.simulator")


class PaperExchange:
    def __init__(
        self,
        markets: Iterable[Market],
        *,
        prices: dict[tuple[Kind, str], Decimal],
        now_ms: Callable[[], int],
        fees: Fees | None = None,
    ) -> None:
        self.markets = {(market.kind, market.id): market for market in markets}
        self._prices = dict(prices)
        self._now_ms = now_ms
        self.fees = fees or Fees()
        self._accounts: dict[str, Account] = {}
        self._orders: list[Order] = []
        self._conditionals: list[ConditionalOrder] = []
        self._fills: dict[str, list[Fill]] = {}
        self._owner: dict[int, str] = {}  # order id -> api key
        self._algo_owner: dict[int, str] = {}  # algo id -> api key
        # each account's orders, so that listing them costs its own, not everybody's
        self._orders_of: defaultdict[str, list[Order]] = defaultdict(list)
        self._conditionals_of: defaultdict[str, list[ConditionalOrder]] = defaultdict(list)
        self._next_order_id = 1
        # Binance numbers algo orders apart from plain ones, so an id never names both: a
        # client that mixes them up cancels or reads nothing instead of the wrong order
        self._next_algo_id = ALGO_IDS_FROM
        self._next_trade_id = 1
        self._placed_by: dict[int, ConditionalOrder] = {}  # order id -> the conditional it fired
        self.observers: list[Observer] = []  # told of every change, as a user-data stream is
        # open conditional orders one account may hold over all symbols (None: no such cap)
        self.max_open_conditionals: int | None = None
        self.rejecting_triggers: defaultdict[str, int] = defaultdict(int)  # symbol -> how many
        # symbol -> how many triggers stay TRIGGERING, their order never placed (an overloaded
        # matching engine), until they are cancelled
        self.holding_triggers: defaultdict[str, int] = defaultdict(int)
        start = now_ms()
        self._days = {key: RollingDay(price, start) for key, price in self._prices.items()}

    # accounts ---------------------------------------------------------------------------

    def add_account(
        self,
        api_key: str,
        secret: str,
        *,
        usdt: Decimal,
        can_withdraw: bool = False,
        ip_restricted: bool = True,
        hedge_mode: bool = False,
    ) -> Account:
        """Credit `usdt` to the spot wallet and, separately, to the USDT-M futures wallet."""
        account = Account(
            api_key,
            secret,
            can_withdraw=can_withdraw,
            ip_restricted=ip_restricted,
            hedge_mode=hedge_mode,
            futures_wallet=usdt,
        )
        account.spot_balance("USDT").free = usdt
        self._accounts[api_key] = account
        self._fills[api_key] = []
        return account

    def account(self, api_key: str) -> Account:
        account = self._accounts.get(api_key)
        if account is None:
            raise errors.unknown_key()
        return account

    def market(self, kind: Kind, symbol: str) -> Market:
        market = self.markets.get((kind, symbol))
        if market is None:
            raise errors.bad_symbol()
        return market

    def price(self, kind: Kind, symbol: str) -> Decimal:
        self.market(kind, symbol)
        return self._prices[(kind, symbol)]

    def day(self, kind: Kind, symbol: str) -> Window:
        """The market's last 24 hours, for the 24hr ticker."""
        self.market(kind, symbol)
        return self._days[(kind, symbol)].window(self._now_ms())

    def now_ms(self) -> int:
        return self._now_ms()

    # prices -----------------------------------------------------------------------------

    def set_price(
        self, kind: Kind, symbol: str, price: Decimal, *, volume: Decimal | None = None
    ) -> list[Fill]:
        """Move the market: resting limit orders the price reaches fill as makers, then
        conditional orders whose trigger it reaches place their orders. `volume` bounds what
        trades against resting orders at this step, oldest order first (None: no bound), so
        an order can fill in parts, as a large one does on a real book."""
        self.market(kind, symbol)
        self._prices[(kind, symbol)] = price
        self._days[(kind, symbol)].price(self._now_ms(), price)
        fills = []
        left = volume
        for order in [
            o for o in self._orders if o.is_open and (o.kind, o.symbol) == (kind, symbol)
        ]:
            reached = price <= order.price if order.side is Side.BUY else price >= order.price
            # an earlier fill may have ended it (its position closed: GTE_GTC)
            if not order.is_open or not reached or (left is not None and left <= 0):
                continue
            if fill := self._fill(order, order.price, maker=True, at_most=left):
                fills.append(fill)
                left = None if left is None else left - fill.qty
        for conditional in [
            c
            for c in self._conditionals
            if c.status is AlgoStatus.NEW and (c.kind, c.symbol) == (kind, symbol)
        ]:
            if conditional.status is AlgoStatus.NEW and triggered(conditional, price):
                fills += self._trigger(conditional)
        if kind is Kind.FUTURES:
            fills += self._liquidate(symbol, price)
        return fills

    def release_held(self, kind: Kind, symbol: str) -> list[Fill]:
        """The exchange catches up: the symbol's conditionals held TRIGGERING place their
        orders now, as their trigger would have."""
        self.holding_triggers[symbol] = 0
        fills = []
        for conditional in [
            c
            for c in self._conditionals
            if c.status is AlgoStatus.TRIGGERING and (c.kind, c.symbol) == (kind, symbol)
        ]:
            fills += self._trigger(conditional)
        return fills

    # orders -----------------------------------------------------------------------------

    def place_order(
        self, api_key: str, kind: Kind, symbol: str, **ticket: Unpack[OrderTicket]
    ) -> Order:
        order, marketable = self._admit(api_key, kind, symbol, **ticket)
        self._open(api_key, order, marketable=marketable)
        return order

    def _admit(
        self,
        api_key: str,
        kind: Kind,
        symbol: str,
        *,
        side: Side,
        type: OrderType,
        quantity: Decimal,
        price: Decimal | None = None,
        time_in_force: str = "GTC",
        reduce_only: bool = False,
        client_order_id: str | None = None,
    ) -> tuple[Order, bool]:
        """The order, numbered, if the venue accepts it (balances checked, spot funds held),
        and whether it fills at once; not yet on the book."""
        account = self.account(api_key)
        market = self.market(kind, symbol)
        mark = self._prices[(kind, symbol)]
        if kind is Kind.FUTURES:
            self._check_client_id(api_key, client_order_id)
            self._check_good_till_position(account, symbol, time_in_force)
        if type is OrderType.LIMIT and price is None:
            raise errors.bad_parameter(
                "Mandatory parameter 'price' was not sent, was empty/null, or malformed."
            )
        limit = price if type is OrderType.LIMIT else None
        check_filters(market, type, quantity, limit, mark, reduce_only=reduce_only)
        if sum(1 for o in self.open_orders(api_key, kind, symbol)) >= market.max_num_orders:
            raise errors.ExchangeError(-2025, "Reach max open order limit.")
        marketable = limit is None or (limit >= mark if side is Side.BUY else limit <= mark)
        execution_price = mark if marketable else limit
        assert execution_price is not None
        locked = ZERO
        if kind is Kind.FUTURES and account.hedge_mode:
            raise errors.ExchangeError(
                -4061, "Order's position side does not match user's setting."
            )
        if kind is Kind.SPOT:
            locked = self._reserve_spot(
                account, market, side, quantity, execution_price, marketable
            )
        else:
            self._check_futures(account, market, side, quantity, execution_price, reduce_only)
        now = self._now_ms()
        order = Order(
            order_id=self._next_order_id,
            client_order_id=client_order_id or f"paper-{self._next_order_id}",
            kind=kind,
            symbol=symbol,
            side=side,
            type=type,
            price=limit or ZERO,
            orig_qty=quantity,
            time_in_force=time_in_force,
            reduce_only=reduce_only,
            created_at=now,
            updated_at=now,
            locked=locked,
        )
        self._next_order_id += 1
        return order, marketable

    def _open(self, api_key: str, order: Order, *, marketable: bool) -> None:
        """Put an admitted order on the book; a marketable one fills at once as a taker."""
        self._book(api_key, order)
        self._announce(api_key, OrderChanged.of(order, Execution.NEW))
        if marketable:
            self._fill(order, self._prices[(order.kind, order.symbol)], maker=False)

    def _book(self, api_key: str, order: Order) -> None:
        self._orders.append(order)
        self._orders_of[api_key].append(order)
        self._owner[order.order_id] = api_key

    def _check_client_id(self, api_key: str, client_id: str | None) -> None:
        """Binance refuses a client id that an open order or conditional of the account has:
        a conditional places its order under its own id, so the two share one namespace."""
        if client_id is None:
            return
        if any(o.client_order_id == client_id for o in self.open_orders(api_key, Kind.FUTURES)):
            raise errors.duplicated_client_id()
        open_conditionals = self.open_conditionals(api_key, Kind.FUTURES)
        if any(c.client_algo_id == client_id for c in open_conditionals):
            raise errors.duplicated_client_id()

    def _check_good_till_position(self, account: Account, symbol: str, time_in_force: str) -> None:
        """GTE_GTC lives as long as the symbol's position: it needs one (or open orders)."""
        if time_in_force != GOOD_TILL_POSITION_CLOSES:
            return
        if not account.position(symbol).amount and not self.open_orders(
            account.api_key, Kind.FUTURES, symbol
        ):
            raise errors.ExchangeError(
                -4509, "TIF GTE can only be used with open positions or open orders."
            )

    def cancel_order(
        self,
        api_key: str,
        kind: Kind,
        symbol: str,
        *,
        order_id: int | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        order = self._cancellable(
            lambda: self.find_order(
                api_key, kind, symbol, order_id=order_id, client_order_id=client_order_id
            )
        )
        self._release(self.account(api_key), order)
        order.status, order.updated_at = Status.CANCELED, self._now_ms()
        self._announce(api_key, OrderChanged.of(order, Execution.CANCELED))
        self._done(api_key, order)
        return order

    def find_order(
        self,
        api_key: str,
        kind: Kind,
        symbol: str,
        *,
        order_id: int | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """The account's order by id or client order id, in any state."""
        for order in self.orders(api_key, kind, symbol):
            if order.order_id == order_id or (
                client_order_id is not None and order.client_order_id == client_order_id
            ):
                return order
        raise errors.order_does_not_exist()

    def cancel_all(self, api_key: str, kind: Kind, symbol: str) -> list[Order]:
        return [
            self.cancel_order(api_key, kind, symbol, order_id=order.order_id)
            for order in self.open_orders(api_key, kind, symbol)
        ]

    def orders(self, api_key: str, kind: Kind, symbol: str | None = None) -> list[Order]:
        self._check_scope(api_key, kind, symbol)
        return [
            order
            for order in self._orders_of[api_key]
            if order.kind is kind and (symbol is None or order.symbol == symbol)
        ]

    def open_orders(self, api_key: str, kind: Kind, symbol: str | None = None) -> list[Order]:
        return [order for order in self.orders(api_key, kind, symbol) if order.is_open]

    def fills(self, api_key: str, kind: Kind, symbol: str | None = None) -> list[Fill]:
        self._check_scope(api_key, kind, symbol)
        return [
            fill
            for fill in self._fills[api_key]
            if fill.kind is kind and (symbol is None or fill.symbol == symbol)
        ]

    # conditional (algo) orders ----------------------------------------------------------

    def place_conditional(
        self,
        api_key: str,
        kind: Kind,
        symbol: str,
        *,
        side: Side,
        type: TriggerType,
        quantity: Decimal | None = None,
        trigger_price: Decimal | None = None,
        price: Decimal | None = None,
        callback_rate: Decimal | None = None,
        activation_price: Decimal | None = None,
        reduce_only: bool = False,
        close_position: bool = False,
        client_algo_id: str | None = None,
        time_in_force: str = "GTC",
    ) -> ConditionalOrder:
        self.account(api_key)
        market = self.market(kind, symbol)
        mark = self._prices[(kind, symbol)]
        trailing = type is TriggerType.TRAILING_STOP_MARKET
        if trailing:
            if callback_rate is None or not D("0.1") <= callback_rate <= D(10):
                raise errors.bad_parameter("callbackRate must be between 0.1 and 10.")
        elif trigger_price is None:
            raise errors.bad_parameter(
                "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed."
            )
        if type.places_limit and price is None:
            raise errors.bad_parameter(
                "Mandatory parameter 'price' was not sent, was empty/null, or malformed."
            )
        if close_position == (quantity is not None):
            raise errors.bad_parameter("Send either quantity or closePosition=true.")
        if quantity is not None:
            reference = price or trigger_price or activation_price or mark
            check_filters(
                market,
                OrderType.LIMIT if type.places_limit else OrderType.MARKET,
                quantity,
                price,
                reference,
                reduce_only=reduce_only,
            )
        for value in (trigger_price, price, activation_price):
            if value is not None and (value <= 0 or value % market.tick_size):
                raise errors.filter_failure("PRICE_FILTER")
        self._check_client_id(api_key, client_algo_id)
        self._check_good_till_position(self.account(api_key), symbol, time_in_force)
        open_now = self.open_conditionals(api_key, kind)
        open_here = [c for c in open_now if c.symbol == symbol]
        cap, cap_here = self.max_open_conditionals, market.max_num_algo_orders
        if (cap_here is not None and len(open_here) >= cap_here) or (
            cap is not None and len(open_now) >= cap
        ):
            raise errors.ExchangeError(-4045, "Reach max stop order limit.")
        now = self._now_ms()
        conditional = ConditionalOrder(
            algo_id=self._next_algo_id,
            client_algo_id=client_algo_id or f"paper-algo-{self._next_algo_id}",
            kind=kind,
            symbol=symbol,
            side=side,
            type=type,
            quantity=quantity or ZERO,
            trigger_price=trigger_price or ZERO,
            price=price or ZERO,
            callback_rate=callback_rate or ZERO,
            activation_price=activation_price or ZERO,
            reduce_only=reduce_only,
            close_position=close_position,
            created_at=now,
            updated_at=now,
            time_in_force=time_in_force,
        )
        if trailing:
            track(conditional, mark)
        elif triggered(conditional, mark):
            raise errors.ExchangeError(-2021, "Order would immediately trigger.")
        self._next_algo_id += 1
        self._conditionals.append(conditional)
        self._conditionals_of[api_key].append(conditional)
        self._algo_owner[conditional.algo_id] = api_key
        self._announce(api_key, ConditionalChanged.of(conditional))
        return conditional

    def cancel_conditional(
        self,
        api_key: str,
        kind: Kind,
        symbol: str,
        *,
        algo_id: int | None = None,
        client_algo_id: str | None = None,
    ) -> ConditionalOrder:
        conditional = self._cancellable(
            lambda: self.find_conditional(
                api_key, kind, symbol, algo_id=algo_id, client_algo_id=client_algo_id
            )
        )
        self._move_to(conditional, AlgoStatus.CANCELED)
        return conditional

    def conditionals(
        self, api_key: str, kind: Kind, symbol: str | None = None
    ) -> list[ConditionalOrder]:
        self._check_scope(api_key, kind, symbol)
        return [
            c
            for c in self._conditionals_of[api_key]
            if c.kind is kind and (symbol is None or c.symbol == symbol)
        ]

    def open_conditionals(
        self, api_key: str, kind: Kind, symbol: str | None = None
    ) -> list[ConditionalOrder]:
        return [c for c in self.conditionals(api_key, kind, symbol) if c.is_open]

    def find_conditional(
        self,
        api_key: str,
        kind: Kind,
        symbol: str | None = None,
        *,
        algo_id: int | None = None,
        client_algo_id: str | None = None,
    ) -> ConditionalOrder:
        """The account's conditional order by algo id or client algo id, in any state."""
        for conditional in self.conditionals(api_key, kind, symbol):
            if conditional.algo_id == algo_id or (
                client_algo_id is not None and conditional.client_algo_id == client_algo_id
            ):
                return conditional
        raise errors.order_does_not_exist()

    # futures settings -------------------------------------------------------------------

    def set_leverage(self, api_key: str, symbol: str, leverage: int) -> Decimal:
        """Returns the largest position notional the new leverage allows."""
        account = self.account(api_key)
        market = self.market(Kind.FUTURES, symbol)
        if not 1 <= leverage <= market.max_leverage:
            raise errors.invalid_leverage(leverage)
        position = account.position(symbol)
        cap = market.notional_cap_at(leverage)
        if position.notional(self._prices[(Kind.FUTURES, symbol)]) > cap:
            raise errors.position_over_bracket()
        position.leverage = leverage
        return cap

    def set_margin_type(self, api_key: str, symbol: str, margin_type: MarginType) -> None:
        account = self.account(api_key)
        self.market(Kind.FUTURES, symbol)
        position = account.position(symbol)
        if position.margin_type is margin_type:
            raise errors.margin_type_unchanged()
        if position.amount or self.open_orders(api_key, Kind.FUTURES, symbol):
            raise errors.margin_type_locked()
        position.margin_type = margin_type

    # futures figures --------------------------------------------------------------------

    def unrealized_pnl(self, account: Account) -> Decimal:
        return margin.unrealized_pnl(account, self._futures_marks())

    def available_balance(self, account: Account) -> Decimal:
        """Wallet plus cross profit, less the margin positions and open orders hold."""
        return margin.available_balance(
            account, self._futures_marks(), self.open_orders(account.api_key, Kind.FUTURES)
        )

    def liquidation_price(self, account: Account, symbol: str) -> Decimal:
        """Binance's one-way-mode formula; zero when no price can liquidate the position."""
        market = self.market(Kind.FUTURES, symbol)
        return margin.liquidation_price(account, market, self._futures_marks())

    def _futures_marks(self) -> dict[str, Decimal]:
        return {
            symbol: price for (kind, symbol), price in self._prices.items() if kind is Kind.FUTURES
        }

    # internals --------------------------------------------------------------------------

    def _liquidate(self, symbol: str, price: Decimal) -> list[Fill]:
        """Close every position the price has reached the liquidation price of, at that price;
        an isolated position never loses more than its margin. Its open orders expire."""
        fills = []
        for api_key, account in self._accounts.items():
            position = account.positions.get(symbol)
            if position is None or not position.amount:
                continue
            threshold = self.liquidation_price(account, symbol)
            reached = price <= threshold if position.side > 0 else price >= threshold
            if not threshold or not reached:
                continue
            for order in self.open_orders(api_key, Kind.FUTURES, symbol):
                self._expire(api_key, order, ExpireReason.LIQUIDATED)
            for conditional in self.open_conditionals(api_key, Kind.FUTURES, symbol):
                self._move_to(conditional, AlgoStatus.EXPIRED)
            fills.append(self._liquidation_fill(api_key, account, position, price))
        return fills

    def _liquidation_fill(
        self, api_key: str, account: Account, position: Position, price: Decimal
    ) -> Fill:
        """The venue's own LIQUIDATION order closes the position whole."""
        quantity = abs(position.amount)
        side = Side.SELL if position.side > 0 else Side.BUY
        realized = position.unrealized_pnl(price)
        if position.margin_type is MarginType.ISOLATED:
            realized = max(realized, -position.isolated_margin)
        commission = quantity * price * self.fees.rate(Kind.FUTURES, maker=False)
        account.futures_wallet += realized - commission
        position.amount = position.entry_price = position.isolated_margin = ZERO
        now = position.updated_at = self._now_ms()
        order = Order(
            order_id=self._next_order_id,
            client_order_id=f"autoclose-{now}",
            kind=Kind.FUTURES,
            symbol=position.symbol,
            side=side,
            type=OrderType.LIQUIDATION,
            price=price,
            orig_qty=quantity,
            time_in_force="IOC",
            reduce_only=True,
            created_at=now,
            updated_at=now,
            status=Status.FILLED,
            executed_qty=quantity,
            cum_quote=quantity * price,
        )
        self._next_order_id += 1
        self._book(api_key, order)
        fill = self._record_fill(
            api_key,
            order_id=order.order_id,
            kind=Kind.FUTURES,
            symbol=position.symbol,
            side=side,
            price=price,
            qty=quantity,
            commission=commission,
            commission_asset="USDT",
            maker=False,
            realized_pnl=realized,
            liquidation=True,
        )
        self._announce(api_key, OrderChanged.of(order, Execution.CALCULATED, fill))
        self._announce_account(api_key, account, position)
        return fill

    @staticmethod
    def _cancellable(find: Callable[[], _Open]) -> _Open:
        """What `find` names, if it is still open; Binance answers anything else with -2011."""
        try:
            found = find()
        except errors.ExchangeError as error:
            if error.code != errors.order_does_not_exist().code:
                raise
            raise errors.unknown_order() from None
        if not found.is_open:
            raise errors.unknown_order()
        return found

    def _check_scope(self, api_key: str, kind: Kind, symbol: str | None) -> None:
        """A listing names a known account and, if any, a listed symbol."""
        self.account(api_key)
        if symbol is not None:
            self.market(kind, symbol)

    def _trigger(self, conditional: ConditionalOrder) -> list[Fill]:
        """Place the conditional's order, announcing each step as Binance does: TRIGGERING,
        then TRIGGERED with its order, or REJECTED when the order is refused (no margin,
        nothing to reduce, or a rejection the control surface asked for); a close-position
        conditional with nothing left to close EXPIRES. One the control surface holds stays
        TRIGGERING."""
        api_key = self._algo_owner[conditional.algo_id]
        if conditional.status is not AlgoStatus.TRIGGERING:  # a held one is released
            self._move_to(conditional, AlgoStatus.TRIGGERING)
        if self.holding_triggers[conditional.symbol] > 0:
            self.holding_triggers[conditional.symbol] -= 1
            return []
        quantity = conditional.quantity
        if conditional.close_position:
            position = self.account(api_key).position(conditional.symbol)
            closes = position.side == (-1 if conditional.side is Side.BUY else 1)
            quantity = abs(position.amount) if closes else ZERO
        if not quantity:
            self._move_to(conditional, AlgoStatus.EXPIRED)
            return []
        if self.rejecting_triggers[conditional.symbol] > 0:
            self.rejecting_triggers[conditional.symbol] -= 1
            self._move_to(conditional, AlgoStatus.REJECTED, "Margin is insufficient.")
            return []
        try:
            order, marketable = self._admit(
                api_key,
                conditional.kind,
                conditional.symbol,
                side=conditional.side,
                type=OrderType.LIMIT if conditional.type.places_limit else OrderType.MARKET,
                quantity=quantity,
                price=conditional.price or None,
                time_in_force=conditional.time_in_force,
                reduce_only=conditional.reduce_only or conditional.close_position,
                client_order_id=None,  # its own: the conditional holds the id until it ends
            )
        except errors.ExchangeError as refused:
            self._move_to(conditional, AlgoStatus.REJECTED, refused.msg)
            return []
        order.client_order_id = conditional.client_algo_id
        order.placed_by, order.stop_price = conditional.type, conditional.trigger_price
        order.close_position = conditional.close_position
        conditional.order_id, conditional.triggered_at = order.order_id, self._now_ms()
        self._placed_by[order.order_id] = conditional
        self._move_to(conditional, AlgoStatus.TRIGGERED, placed=order)
        before = len(self._fills[api_key])
        self._open(api_key, order, marketable=marketable)
        return self._fills[api_key][before:]

    def _move_to(
        self,
        conditional: ConditionalOrder,
        status: AlgoStatus,
        reason: str = "",
        *,
        placed: Order | None = None,
    ) -> None:
        """Move a conditional on to `status` and announce it (with the order it placed)."""
        conditional.status, conditional.updated_at = status, self._now_ms()
        api_key = self._algo_owner[conditional.algo_id]
        self._announce(api_key, ConditionalChanged.of(conditional, reason, placed))

    def _done(self, api_key: str, order: Order) -> None:
        """An order left the book: the conditional that placed it is FINISHED."""
        conditional = self._placed_by.pop(order.order_id, None)
        if conditional is not None:
            self._move_to(conditional, AlgoStatus.FINISHED, placed=order)

    def _expire_with_position(self, api_key: str, symbol: str) -> None:
        """A closed position takes its GTE_GTC orders and conditionals with it."""
        for order in self.open_orders(api_key, Kind.FUTURES, symbol):
            if order.time_in_force == GOOD_TILL_POSITION_CLOSES:
                self._expire(api_key, order, ExpireReason.POSITION_CLOSED)
        for conditional in self.open_conditionals(api_key, Kind.FUTURES, symbol):
            if conditional.time_in_force == GOOD_TILL_POSITION_CLOSES:
                self._move_to(conditional, AlgoStatus.EXPIRED)

    def _announce(self, api_key: str, event: Event) -> None:
        """Tell every observer; one that fails must not leave the engine half-way through."""
        for observer in self.observers:
            try:
                observer(api_key, event)
            except Exception:
                log.exception("an observer of the paper exchange failed")

    def _announce_account(self, api_key: str, account: Account, position: Position) -> None:
        """The wallet and the position a futures fill moved (Binance's ACCOUNT_UPDATE)."""
        if not self.observers:
            return
        wallet = account.futures_wallet
        isolated = sum((p.isolated_margin for p in account.positions.values()), start=ZERO)
        mark = self._prices[(Kind.FUTURES, position.symbol)]
        figures = PositionFigures(copy.copy(position), mark)
        self._announce(api_key, AccountChanged("ORDER", wallet, wallet - isolated, (figures,)))

    def _reserve_spot(
        self,
        account: Account,
        market: Market,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        marketable: bool,
    ) -> Decimal:
        """Check the balance; a resting order locks what it may spend. Returns what it locked."""
        asset, amount = (
            (market.quote, quantity * price) if side is Side.BUY else (market.base, quantity)
        )
        balance = account.spot_balance(asset)
        if balance.free < amount:
            raise errors.insufficient_balance()
        if marketable:
            return ZERO
        balance.free -= amount
        balance.locked += amount
        return amount

    def _check_futures(
        self,
        account: Account,
        market: Market,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        reduce_only: bool,
    ) -> None:
        position = account.position(market.id)
        direction = 1 if side is Side.BUY else -1
        reducible = abs(position.amount) if position.side == -direction else ZERO
        if reduce_only:  # larger than the position is fine: it fills only what it reduces
            if not reducible:
                raise errors.reduce_only_rejected()
            return
        opening = max(quantity - reducible, ZERO)
        if not opening:
            return
        new_notional = (abs(position.amount) - reducible + opening) * price
        if new_notional > market.notional_cap_at(position.leverage):
            raise errors.position_over_bracket()
        required = opening * price / position.leverage
        required += quantity * price * self.fees.rate(Kind.FUTURES, maker=False)
        if required > self.available_balance(account):
            raise errors.margin_insufficient()

    def _release(self, account: Account, order: Order) -> None:
        """Unlock what a resting spot order held."""
        if not order.locked:
            return
        market = self.market(order.kind, order.symbol)
        asset = market.quote if order.side is Side.BUY else market.base
        balance = account.spot_balance(asset)
        balance.locked -= order.locked
        balance.free += order.locked
        order.locked = ZERO

    def _fill(
        self, order: Order, price: Decimal, *, maker: bool, at_most: Decimal | None = None
    ) -> Fill | None:
        """Execute what is left of the order, or `at_most` of it (the order then rests on,
        partially filled). A reduce-only futures order executes no more than the position it
        reduces and expires with the rest, as Binance's does; None when nothing was left to
        reduce."""
        api_key = self._owner[order.order_id]
        account = self.account(api_key)
        market = self.market(order.kind, order.symbol)
        left = order.orig_qty - order.executed_qty
        quantity = left
        if order.kind is Kind.FUTURES and order.reduce_only:
            position = account.position(market.id)
            direction = 1 if order.side is Side.BUY else -1
            quantity = min(quantity, abs(position.amount) if position.side == -direction else ZERO)
            if not quantity:
                self._expire(api_key, order, ExpireReason.REDUCE_ONLY)
                return None
        partial = at_most is not None and at_most < quantity
        if partial:
            assert at_most is not None
            quantity = at_most
        released = order.locked * quantity / left  # a spot order's hold, for this part
        quote = quantity * price
        rate = self.fees.rate(order.kind, maker=maker)
        if order.kind is Kind.SPOT:
            commission, asset, pnl = self._settle_spot(
                account, market, order, quantity, price, rate, released
            )
        else:
            commission, asset = quote * rate, market.quote
            pnl = net_fill(account.position(market.id), order.side, quantity, price)
            account.position(market.id).updated_at = self._now_ms()
            account.futures_wallet += pnl - commission
        order.executed_qty += quantity
        order.cum_quote += quote
        complete = order.executed_qty == order.orig_qty
        order.status = Status.FILLED if complete else Status.PARTIALLY_FILLED
        order.updated_at = self._now_ms()
        fill = self._record_fill(
            api_key,
            order_id=order.order_id,
            kind=order.kind,
            symbol=order.symbol,
            side=order.side,
            price=price,
            qty=quantity,
            commission=commission,
            commission_asset=asset,
            maker=maker,
            realized_pnl=pnl,
        )
        self._announce(api_key, OrderChanged.of(order, Execution.TRADE, fill))
        if order.kind is Kind.FUTURES:
            self._announce_account(api_key, account, account.position(market.id))
        if complete:
            self._done(api_key, order)
        elif not partial:  # a reduce-only order's rest: its position is gone
            self._expire(api_key, order, ExpireReason.REDUCE_ONLY)
        if order.kind is Kind.FUTURES and not account.position(market.id).amount:
            self._expire_with_position(api_key, market.id)
        return fill

    def _expire(self, api_key: str, order: Order, reason: ExpireReason) -> None:
        order.status, order.updated_at = Status.EXPIRED, self._now_ms()
        self._announce(api_key, OrderChanged.of(order, Execution.EXPIRED, None, reason))
        self._done(api_key, order)

    def _record_fill(self, api_key: str, **fields: Any) -> Fill:
        """Number the fill, keep it and count it in the 24-hour volume."""
        now = self._now_ms()
        fill = Fill(
            trade_id=self._next_trade_id,
            quote_qty=fields["qty"] * fields["price"],
            time=now,
            **fields,
        )
        self._next_trade_id += 1
        self._fills[api_key].append(fill)
        self._days[(fill.kind, fill.symbol)].trade(now, fill.qty, fill.price)
        return fill

    def _settle_spot(
        self,
        account: Account,
        market: Market,
        order: Order,
        quantity: Decimal,
        price: Decimal,
        rate: Decimal,
        released: Decimal,
    ) -> tuple[Decimal, str, Decimal]:
        """Commission is taken from what the trade receives, as Binance does without BNB.
        `released` is the part of a resting order's hold that this fill uses up."""
        base, quote = account.spot_balance(market.base), account.spot_balance(market.quote)
        order.locked -= released
        if order.side is Side.BUY:
            spend = quantity * price
            if released:
                quote.locked -= released
                quote.free += released - spend
            else:
                quote.free -= spend
            commission = quantity * rate
            base.free += quantity - commission
            return commission, market.base, ZERO
        if released:
            base.locked -= released
        else:
            base.free -= quantity
        commission = quantity * price * rate
        quote.free += quantity * price - commission
        return commission, market.quote, ZERO
