"""The exits of a trade: its take-profit ladder and its stops, as orders.

One plan serves the placement (`ManualOrders`) and the keeper that follows the entry as it
fills (`ProtectionKeeper`), so both size and name the legs alike:

- the ladder splits an amount equally by lot step, the remainder on the last rung; an amount
  too small for every rung to hold the market's minimum goes to as many first rungs as can;
- rungs that fit beside the stop under Binance's MAX_NUM_ALGO_ORDERS are `take_profit`
  orders, the rest reduce-only LIMIT orders (which need a position to rest against);
- every leg is reduce-only, so no leg can ever open or grow a position.

A plan with a callback rate also has a trailing stop: reduce-only, it starts trailing the
market by that percentage once the first take profit is reached (at once without a ladder),
so what is left after the first rung keeps its gains; the fixed stop stays under it.

Client order ids tie the orders to the trade: `<prefix>e` the entry, `<prefix>t<N>` rung N,
`<prefix>s` the stop, `<prefix>w` the trailing stop; a leg replaced by the keeper gets
`r<generation>` appended, so an id is never reused (a lost answer is looked up by id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal

from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode
from tradedesk.domain.market.exchange import MarketRules, OrderRequest, OrderSide, OrderType

STOP = "stop"
TRAIL = "trailingStop"
_CODES = {STOP: "s", TRAIL: "w"}


@dataclass(frozen=True, slots=True)
class ExitPlan:
    """What protects a trade: the entry's side and ordered amount, the ladder, the stop."""

    side: OrderSide
    amount: Decimal
    take_profit_prices: tuple[Decimal, ...]
    stop_trigger_price: Decimal | None
    stop_price: Decimal | None  # the limit of a stop-limit; None for a stop-market
    breakeven_after: int | None = None  # once this many rungs filled, the stop goes to entry
    callback_rate: Decimal | None = None  # the trailing stop's distance, in percent

    @property
    def exit_side(self) -> OrderSide:
        return OrderSide.SELL if self.side is OrderSide.BUY else OrderSide.BUY

    @property
    def has_exits(self) -> bool:
        return bool(self.take_profit_prices) or self.stop_trigger_price is not None

    def rung_names(self) -> list[str]:
        return [rung_name(n) for n in range(1, len(self.take_profit_prices) + 1)]

    def stop_names(self) -> list[str]:
        """The legs that close the whole position: the stop, the trailing stop."""
        return ([STOP] if self.stop_trigger_price is not None else []) + (
            [TRAIL] if self.callback_rate is not None else []
        )

    def leg_names(self) -> list[str]:
        """Every leg of the plan: the rungs, then the stops."""
        return self.rung_names() + self.stop_names()


def rung_name(n: int) -> str:
    """`takeProfit[N]`, as an error names a failed leg."""
    return f"takeProfit[{n}]"


def entry_id(prefix: str) -> str:
    return f"{prefix}e"


def leg_id(prefix: str, leg: str, generation: int = 0) -> str:
    """The client order id of a leg placed in a generation (0: at placement)."""
    code = _CODES.get(leg) or f"t{_rung_number(leg)}"
    return f"{prefix}{code}" if generation == 0 else f"{prefix}{code}r{generation}"


def leg_of(prefix: str, client_order_id: str | None) -> str | None:
    """The leg an order of the trade stands for, or None (the entry, another trade's order)."""
    if not client_order_id or not client_order_id.startswith(prefix):
        return None
    found = _LEG_ID.fullmatch(client_order_id[len(prefix) :])
    if found is None:
        return None
    if found["rung"] is not None:
        return rung_name(int(found["rung"]))
    return STOP if found["code"] == "s" else TRAIL


_LEG_ID = re.compile(r"(?P<code>s|w|t(?P<rung>\d+))(?:r\d+)?")


def in_plan_order(leg: str) -> tuple[int, int]:
    """Sorts legs as a plan lists them: the rungs by number, then the stop, the trailing
    stop (they go out stops first; callers are answered in this order)."""
    if leg in _CODES:
        return (1, list(_CODES).index(leg))
    return (0, _rung_number(leg))


def _rung_number(leg: str) -> int:
    return int(leg[len("takeProfit[") : -1])


def ladder_sizes(
    count: int, amount: Decimal, rules: MarketRules, *, strict: bool = False
) -> list[Decimal]:
    """The amount of each of `count` rungs: equal lot-rounded shares, the remainder on the
    last rung. When a share would be below the market's minimum, `strict` refuses (1500, the
    exchange would); otherwise the amount goes to as many first rungs as can hold the
    minimum, and the others get zero."""
    if count == 0:
        return []
    share = rules.round_amount(amount / count)
    if share < rules.min_amount:
        if strict:
            raise BusinessRuleViolation(ErrorCode.EXCHANGE_BAD_REQUEST)
        holding = min(count, int(amount / rules.min_amount)) if rules.min_amount else 0
        if holding == 0:
            return [Decimal(0)] * count
        return ladder_sizes(holding, amount, rules) + [Decimal(0)] * (count - holding)
    return [share] * (count - 1) + [amount - share * (count - 1)]


def rung_request(
    plan: ExitPlan,
    rules: MarketRules,
    *,
    symbol: str,
    leg: str,
    amount: Decimal,
    client_order_id: str,
    conditional: bool,
) -> OrderRequest:
    """A take-profit rung: a `take_profit` order triggered at its price, or, where no
    conditional slot is left, a reduce-only LIMIT order resting at it."""
    price = rules.round_price(plan.take_profit_prices[_rung_number(leg) - 1])
    rung = OrderRequest(
        symbol=symbol,
        type=OrderType.TAKE_PROFIT,
        side=plan.exit_side,
        amount=amount,
        client_order_id=client_order_id,
        price=price,
        stop_price=price,
        reduce_only=True,
    )
    return rung if conditional else resting(rung)


def resting(rung: OrderRequest) -> OrderRequest:
    """A conditional take-profit rung as the reduce-only LIMIT that needs no conditional
    slot (its client order id kept: it is the same leg)."""
    return replace(rung, type=OrderType.LIMIT, stop_price=None)


def stop_request(
    plan: ExitPlan, rules: MarketRules, *, symbol: str, amount: Decimal, client_order_id: str
) -> OrderRequest:
    """The stop: stop-limit with a `stop_price`, else stop-market."""
    assert plan.stop_trigger_price is not None
    return OrderRequest(
        symbol=symbol,
        type=OrderType.STOP if plan.stop_price is not None else OrderType.STOP_MARKET,
        side=plan.exit_side,
        amount=amount,
        client_order_id=client_order_id,
        price=None if plan.stop_price is None else rules.round_price(plan.stop_price),
        stop_price=rules.round_price(plan.stop_trigger_price),
        reduce_only=True,
    )


def trail_request(
    plan: ExitPlan, rules: MarketRules, *, symbol: str, amount: Decimal, client_order_id: str
) -> OrderRequest:
    """The trailing stop, active from the first take profit (from placement without one)."""
    assert plan.callback_rate is not None
    first = plan.take_profit_prices[0] if plan.take_profit_prices else None
    return OrderRequest(
        symbol=symbol,
        type=OrderType.TRAILING_STOP_MARKET,
        side=plan.exit_side,
        amount=amount,
        client_order_id=client_order_id,
        callback_rate=plan.callback_rate,
        activation_price=None if first is None else rules.round_price(first),
        reduce_only=True,
    )


def closing_request(
    plan: ExitPlan,
    rules: MarketRules,
    leg: str,
    *,
    symbol: str,
    amount: Decimal,
    client_order_id: str,
) -> OrderRequest:
    """The stop or the trailing stop, covering `amount`."""
    build = stop_request if leg == STOP else trail_request
    return build(plan, rules, symbol=symbol, amount=amount, client_order_id=client_order_id)


def initial_legs(
    plan: ExitPlan,
    rules: MarketRules,
    *,
    symbol: str,
    prefix: str,
    filled: Decimal,
    entry_open: bool,
) -> list[tuple[str, OrderRequest]]:
    """The legs to place with the entry. The ladder is sized to what the entry filled, so a
    resting entry gets none yet (the keeper places it as the entry fills); the stop covers
    the whole ordered amount while the entry may still fill (reduce-only, it never closes
    more than the position), else what filled."""
    legs: list[tuple[str, OrderRequest]] = []
    slots = (
        len(plan.take_profit_prices)
        if rules.max_algo_orders is None
        else rules.max_algo_orders - len(plan.stop_names())
    )
    sizes = ladder_sizes(len(plan.take_profit_prices), filled, rules) if filled else []
    for n, size in enumerate(sizes, start=1):
        if size:
            leg = rung_name(n)
            legs.append(
                (
                    leg,
                    rung_request(
                        plan,
                        rules,
                        symbol=symbol,
                        leg=leg,
                        amount=size,
                        client_order_id=leg_id(prefix, leg),
                        conditional=n <= slots,
                    ),
                )
            )
    cover = plan.amount if entry_open else filled
    for leg in plan.stop_names() if cover else []:
        request = closing_request(
            plan, rules, leg, symbol=symbol, amount=cover, client_order_id=leg_id(prefix, leg)
        )
        legs.append((leg, request))
    return legs
