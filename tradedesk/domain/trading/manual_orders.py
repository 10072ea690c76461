"""A manual order as the app sends it: an entry, an optional take-profit ladder and an
optional stop, placed as one protected trade (`domain/trading/placement.py`) and recorded for the
user's history. A futures trade with exits is then followed by the `ProtectionKeeper`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tradedesk.domain.alerts.recording import record_alerts
from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode, InvalidValue, Unavailable
from tradedesk.domain.keys.exchange_keys import ExchangeKeys
from tradedesk.domain.keys.model import ExchangeKey, StrategyType
from tradedesk.domain.market.exchange import (
    ApiCredentials,
    MarketRules,
    Order,
    OrderRequest,
    OrderSide,
    OrderType,
)
from tradedesk.domain.market.model import TradeType
from tradedesk.domain.market.ports import ExchangeGateway
from tradedesk.domain.numbers import as_float
from tradedesk.domain.ports import Clock, Ids
from tradedesk.domain.principal import Principal
from tradedesk.domain.trade_events import TradeEvent, TradeEvents, entry_event
from tradedesk.domain.trading.exits import ExitPlan, entry_id, ladder_sizes
from tradedesk.domain.trading.manual_trading import parse_symbol_field
from tradedesk.domain.trading.model import (
    Claim,
    EntryType,
    ManualTrade,
    StopTriggerType,
    protected_trade,
)
from tradedesk.domain.trading.placement import TradePlacer, placed_before
from tradedesk.domain.trading.ports import TradingUnitOfWorkFactory
from tradedesk.domain.validation import FieldCollector, choice

log = logging.getLogger("tradedesk.manual_orders")

MAX_TAKE_PROFITS = 25
MAX_NUMBER = Decimal("1e15")  # beyond any price or amount; keeps the arithmetic finite
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
REPLAY_WAIT_SECONDS = 10.0  # how long a retry waits for the first request to finish
MIN_CALLBACK_RATE, MAX_CALLBACK_RATE = Decimal("0.1"), Decimal(5)


@dataclass(frozen=True, slots=True)
class ManualOrder:
    symbol: str
    type: EntryType
    side: OrderSide
    amount: Decimal
    price: Decimal | None
    take_profit_prices: tuple[Decimal, ...]
    stop_trigger_price: Decimal | None
    stop_trigger_type: StopTriggerType
    stop_price: Decimal | None
    callback_rate: Decimal | None
    risk_profile_percent: Decimal | None = None


def parse_positive(raw: object) -> Decimal:
    """A positive number, given as a JSON number or a numeric string ("0.05")."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise InvalidValue("must be positive number")
    try:
        number = Decimal(str(raw))
    except InvalidOperation:
        raise InvalidValue("must be positive number") from None
    if not number.is_finite() or not 0 < number <= MAX_NUMBER:
        raise InvalidValue("must be positive number")
    return number


def parse_side(raw: object) -> OrderSide:
    if raw not in ("BUY", "SELL"):
        raise InvalidValue("must be one of [BUY, SELL]")
    return OrderSide(str(raw).lower())


def parse_take_profits(raw: object) -> tuple[Decimal, ...]:
    if not isinstance(raw, list):
        raise InvalidValue("must be array of positive numbers")
    if len(raw) > MAX_TAKE_PROFITS:
        raise InvalidValue(f"must have at most {MAX_TAKE_PROFITS} prices")
    try:
        return tuple(parse_positive(price) for price in raw)
    except InvalidValue:
        raise InvalidValue("must be array of positive numbers") from None


def _refuse(msg: str) -> Callable[[object], None]:
    def refuse(_raw: object) -> None:
        raise InvalidValue(msg)

    return refuse


def parse_manual_order(body: Mapping[str, object]) -> ManualOrder:
    """Every documented rule, every failing field in one 422."""
    c = FieldCollector()
    symbol = c.parse("symbol", body.get("symbol"), parse_symbol_field)
    entry = c.parse("type", body.get("type"), choice(EntryType))
    side = c.parse("side", body.get("side"), parse_side)
    amount = c.parse("amount", body.get("amount"), parse_positive)
    trailing = entry is EntryType.TRAILING_STOP
    price = None
    if body.get("price") is not None:
        price = c.parse("price", body["price"], parse_positive)
    elif entry in (EntryType.LIMIT, EntryType.TRAILING_STOP):
        c.parse("price", None, _refuse(f"must require price with type {entry.value.lower()}"))
    take_profits: tuple[Decimal, ...] = ()
    if body.get("takeProfitPrices") is not None:
        if trailing:
            c.parse(
                "takeProfitPrices",
                body["takeProfitPrices"],
                _refuse("must not use with type trailing stop"),
            )
        else:
            take_profits = (
                c.parse("takeProfitPrices", body["takeProfitPrices"], parse_take_profits) or ()
            )
    stop_trigger = None
    if body.get("stopTriggerPrice") is not None:
        if trailing:
            c.parse(
                "stopTriggerPrice",
                body["stopTriggerPrice"],
                _refuse("must not use with type traililng stop"),
            )
        else:
            stop_trigger = c.parse("stopTriggerPrice", body["stopTriggerPrice"], parse_positive)
    trigger_type = StopTriggerType.MARKET
    if body.get("stopTriggerType") is not None:
        trigger_type = (
            c.parse(
                "stopTriggerType",
                body["stopTriggerType"],
                choice(StopTriggerType),
            )
            or StopTriggerType.MARKET
        )
    stop_price = None
    if body.get("stopPrice") is not None:
        stop_price = c.parse("stopPrice", body["stopPrice"], parse_positive)
    elif trigger_type is StopTriggerType.LIMIT and body.get("stopTriggerType") is not None:
        c.parse(
            "stopTriggerType",
            body["stopTriggerType"],
            _refuse("must require stopPrice with type limit"),
        )
    callback_rate = None
    if body.get("callbackRate") is not None or trailing:
        callback_rate = c.parse("callbackRate", body.get("callbackRate"), parse_callback_rate)
    risk = None
    if body.get("riskProfilePercent") is not None:
        risk = c.parse("riskProfilePercent", body["riskProfilePercent"], parse_positive)
    c.raise_if_invalid()
    assert symbol and entry and side and amount
    return ManualOrder(
        symbol=symbol,
        type=entry,
        side=side,
        amount=amount,
        price=price,
        take_profit_prices=take_profits,
        stop_trigger_price=stop_trigger,
        stop_trigger_type=trigger_type,
        stop_price=stop_price,
        callback_rate=callback_rate,
        risk_profile_percent=risk,
    )


def parse_idempotency_key(raw: str) -> str:
    """What a client sends to make a retry safe: 1-64 characters of [A-Za-z0-9._:-]."""
    if not _IDEMPOTENCY_KEY.match(raw):
        raise InvalidValue("must be 1-64 characters of letters, digits, . _ : -")
    return raw


def parse_callback_rate(raw: object) -> Decimal:
    try:
        rate = parse_positive(raw)
    except InvalidValue:
        rate = Decimal(0)
    if not MIN_CALLBACK_RATE <= rate <= MAX_CALLBACK_RATE:
        raise InvalidValue(f"must be between {MIN_CALLBACK_RATE} and {MAX_CALLBACK_RATE}")
    return rate


class ManualOrders:
    def __init__(
        self,
        *,
        uow_factory: TradingUnitOfWorkFactory,
        keys: ExchangeKeys,
        gateway: ExchangeGateway,
        clock: Clock,
        ids: Ids,
        placer: TradePlacer,
        events: TradeEvents,
    ) -> None:
        self._events = events
        self._uow_factory = uow_factory
        self._keys = keys
        self._gateway = gateway
        self._clock = clock
        self._ids = ids
        self._placer = placer

    async def place(
        self,
        caller: Principal,
        key_id: str,
        order: ManualOrder,
        *,
        idempotency_key: str | None = None,
    ) -> list[Order]:
        """Places the order and records it. With an idempotency key, a retry (even one sent
        while the first is still running) answers the first one's orders and places nothing;
        the client order ids derive from the key, so even the exchange sees the same ids."""
        key = _tradable(await self._keys.get(caller, key_id), order)
        rules = await self._gateway.market_rules(trade_type=key.trade_type, symbol=order.symbol)
        amount = rules.round_amount(order.amount)
        if amount < rules.min_amount:
            log.info("order of %s %s below the lot minimum", order.amount, order.symbol)
            raise BusinessRuleViolation(ErrorCode.EXCHANGE_BAD_REQUEST)
        plan = ExitPlan(
            side=order.side,
            amount=amount,
            take_profit_prices=order.take_profit_prices,
            stop_trigger_price=order.stop_trigger_price,
            stop_price=order.stop_price
            if order.stop_trigger_type is StopTriggerType.LIMIT
            else None,
        )
        # a ladder too fine for the ordered amount fails before anything is placed
        ladder_sizes(len(plan.take_profit_prices), amount, rules, strict=True)
        trade_id = self._ids.new_id()
        resuming = False
        if idempotency_key is None:
            prefix = "td" + trade_id.replace("-", "")[:22]
        else:
            digest = hashlib.sha256(f"{caller.user_id}|{idempotency_key}".encode()).hexdigest()
            prefix = "td" + digest[:22]
            async with self._uow_factory() as uow:
                claim = await uow.manual_trades.claim(
                    trade_id=trade_id,
                    user_id=caller.user_id,
                    key_id=key.id,
                    symbol=order.symbol,
                    idempotency_key=idempotency_key,
                    now=self._clock.now(),
                )
                await uow.commit()
            if claim is Claim.HELD:
                return await self._replay(caller, idempotency_key)
            resuming = claim is Claim.TAKEN_OVER
        try:
            entry = _entry(order, rules, amount, entry_id(prefix))

            async def place(credentials: ApiCredentials) -> tuple[list[Order], bool]:
                """The orders, and whether an earlier attempt had placed them already."""
                found = None
                if resuming:  # the first holder died placing it: finish what it left
                    found = await placed_before(self._gateway, credentials, order.symbol, prefix)
                if found is not None:
                    return found, True
                placed = await self._placer.place(credentials, key.id, entry, plan, rules, prefix)
                return placed, False

            placed, resumed = await self._keys.use(key, place)
        except BaseException:
            if idempotency_key is not None:
                async with self._uow_factory() as uow:
                    await uow.manual_trades.release(trade_id)
                    await uow.commit()
            raise
        event = entry_event(key.id, placed[0], self._clock.now())
        await self._record(
            caller,
            key,
            order,
            trade_id,
            placed,
            plan,
            prefix,
            event,
            resumed=resumed,
            claimed=idempotency_key is not None,
        )
        self._events.publish(caller.user_id, event)
        return placed

    async def _replay(self, caller: Principal, idempotency_key: str) -> list[Order]:
        deadline = self._clock.monotonic() + REPLAY_WAIT_SECONDS
        while True:
            async with self._uow_factory() as uow:
                orders = await uow.manual_trades.placed_orders(caller.user_id, idempotency_key)
            if orders is not None:
                return orders
            if self._clock.monotonic() > deadline:
                raise Unavailable("the first request with this idempotency key is still running")
            await asyncio.sleep(0.1)

    async def _record(
        self,
        caller: Principal,
        key: ExchangeKey,
        order: ManualOrder,
        trade_id: str,
        placed: list[Order],
        plan: ExitPlan,
        prefix: str,
        event: TradeEvent,
        *,
        resumed: bool,
        claimed: bool,
    ) -> None:
        """The history row, the entry's alerts and, for a futures trade with exits, the trade
        the keeper follows, in one transaction."""
        entry = placed[0]
        trade = ManualTrade(
            id=trade_id,
            order_id=entry.id,
            price=entry.average or entry.price,
            amount=entry.amount,
            cost=entry.cost,
            stop=as_float(order.stop_trigger_price),
            stop_type=order.stop_trigger_type.value if order.stop_trigger_price else None,
            take_profit=tuple(float(price) for price in order.take_profit_prices),
            callback_rate=as_float(order.callback_rate),
            risk_profile_percent=as_float(order.risk_profile_percent),
            created_at=self._clock.now(),
        )
        async with self._uow_factory() as uow:
            recorded = await uow.manual_trades.complete(
                trade,
                user_id=caller.user_id,
                key_id=key.id,
                symbol=order.symbol,
                orders=placed,
                claimed=claimed,
            )
            if not recorded:  # another request took the claim over: its record stands
                log.warning("trade %s: its claim was taken over; recording nothing", trade_id)
                return
            await record_alerts(uow, self._ids, [(caller.user_id, event)])
            if key.trade_type is TradeType.FUTURES and plan.has_exits:
                protected = protected_trade(
                    trade_id=trade_id,
                    user_id=caller.user_id,
                    key_id=key.id,
                    plan=plan,
                    prefix=prefix,
                    placed=placed,
                    resumed=resumed,
                )
                await uow.protected_trades.add(protected, now=self._clock.now())
            await uow.commit()


def _tradable(key: ExchangeKey, order: ManualOrder) -> ExchangeKey:
    if key.strategy_type is not StrategyType.MANUAL:
        raise BusinessRuleViolation(ErrorCode.EXCHANGE_KEY_TYPE_INVALID)
    spot_can = (
        order.side is OrderSide.BUY
        and order.type is not EntryType.TRAILING_STOP
        and not (order.take_profit_prices or order.stop_trigger_price)
    )
    if key.trade_type is TradeType.SPOT and not spot_can:
        raise BusinessRuleViolation(ErrorCode.EXCHANGE_KEY_TYPE_UNSUPPORTED)
    return key


def _entry(order: ManualOrder, rules: MarketRules, amount: Decimal, cid: str) -> OrderRequest:
    price = None if order.price is None else rules.round_price(order.price)
    if order.type is EntryType.TRAILING_STOP:
        return OrderRequest(
            symbol=order.symbol,
            type=OrderType.TRAILING_STOP_MARKET,
            side=order.side,
            amount=amount,
            client_order_id=cid,
            activation_price=price,
            callback_rate=order.callback_rate,
        )
    return OrderRequest(
        symbol=order.symbol,
        type=OrderType.LIMIT if order.type is EntryType.LIMIT else OrderType.MARKET,
        side=order.side,
        amount=amount,
        client_order_id=cid,
        price=price if order.type is EntryType.LIMIT else None,
    )
