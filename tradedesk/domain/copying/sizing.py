"""How big a follower's copy is, by the follow's sizing mode: RISK (the stop loses the risk
profile's share of equity: `equity * pct / 100 / |entry - stop|`), FIXED_NOTIONAL (a set
notional) or EQUITY_PERCENT (a share of equity as notional).

The amount rounds down to the lot step, and is no more than the follow's notional cap, nor
than 90 % of equity can carry at the follow's leverage cap (Binance's 125x when the follow
sets none), nor than would lose 90 % of equity at the stop (a stop beyond that may never be
reached before liquidation). The leverage is the smallest that keeps the margin within that
share. A copy too small for the market's minimum is skipped, with the reason the follower can
act on.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from decimal import Decimal

from tradedesk.domain.copying.model import (
    CopyReason,
    FollowDirection,
    FollowSizing,
    StrategyFollow,
)
from tradedesk.domain.copying_notices import NoticeKind
from tradedesk.domain.keys.exchange_keys import STABLECOINS
from tradedesk.domain.market.exchange import FuturesAccount, MarketRules
from tradedesk.domain.strategies.model import Signal

log = logging.getLogger("tradedesk.copy_trading")

MARGIN_SHARE = Decimal("0.9")  # of equity a copy's initial margin may take
MAX_LEVERAGE = 125  # Binance's; a follow may set a lower cap


class CopySkipped(Exception):
    """The copy is not made, for a reason the follower can read, and its code (when they can
    act on it, they are told: `tell`)."""

    def __init__(self, reason: str, code: CopyReason) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code

    @property
    def tell(self) -> NoticeKind | None:
        return TOLD.get(self.code)


# The reasons a follower can act on, and what they are told of each.
TOLD = {
    CopyReason.BELOW_MINIMUM: NoticeKind.BELOW_MINIMUM,
    CopyReason.LEVERAGE_CAP: NoticeKind.LEVERAGE_CAP,
    CopyReason.DAILY_LOSS_LIMIT: NoticeKind.LOSS_LIMIT,
    CopyReason.FOREIGN_POSITION: NoticeKind.POSITION_HELD,
    CopyReason.KEY_REFUSED: NoticeKind.KEY_REFUSED,
    CopyReason.INSUFFICIENT_MARGIN: NoticeKind.MARGIN_SHORT,
}


@dataclass(frozen=True, slots=True)
class CopySize:
    amount: Decimal
    leverage: int


def equity_of(account: FuturesAccount) -> Decimal:
    """What a copy is sized on: the futures wallet's stablecoins, profit and loss included."""
    return Decimal(str(sum(b.total for b in account.balances if b.asset in STABLECOINS)))


def check_no_foreign_position(account: FuturesAccount, symbol: str, *, held: bool) -> None:
    """No copy onto a position the follower opened themselves (`held`: the strategy's)."""
    if symbol in account.held_symbols and not held:
        raise CopySkipped(
            "the key holds a position on the symbol that the strategy did not open",
            CopyReason.FOREIGN_POSITION,
        )


def wrong_side(follow: StrategyFollow) -> str:
    """Why an OPEN on the side the follow leaves out is not copied."""
    side = "long" if follow.direction is FollowDirection.LONG_ONLY else "short"
    return f"the follow copies {side} trades only"


def check_daily_loss(follow: StrategyFollow, day_start: float | None, equity: Decimal) -> None:
    """The circuit breaker: no new copies once the UTC day's loss reached the follow's limit
    (measured from the day's first balance snapshot; none yet, no check)."""
    limit = follow.daily_loss_limit_percent
    if limit is None or not day_start:
        return
    loss = (Decimal(str(day_start)) - equity) / Decimal(str(day_start)) * 100
    if loss >= limit:
        log.warning("follow %s: daily loss limit reached; copying paused", follow.id)
        raise CopySkipped(
            f"the day's loss of {loss:.2f} % reached the follow's limit of {limit} %;"
            " copying resumes tomorrow (UTC)",
            CopyReason.DAILY_LOSS_LIMIT,
        )


def check_portfolio_stop(follow: StrategyFollow, equity: Decimal) -> None:
    """No new copy once equity is past the follow's portfolio stop (the stops' round closes
    and pauses the follow; a copy must not reopen meanwhile)."""
    drop = follow.past_portfolio_stop(equity)
    if drop is not None:
        raise CopySkipped(portfolio_stop_reason(follow, equity, drop), CopyReason.PORTFOLIO_STOP)


PORTFOLIO_STOP = "portfolio stop:"  # how the reasons the portfolio stop gives begin


def is_portfolio_stop(paused_reason: str) -> bool:
    return paused_reason.startswith(PORTFOLIO_STOP)


def portfolio_stop_reason(follow: StrategyFollow, equity: Decimal, drop: Decimal) -> str:
    assert follow.high_water_usd is not None and follow.portfolio_stop_percent is not None
    return (
        f"{PORTFOLIO_STOP} equity {equity:.2f} USDT is {drop:.2f} % below its high of "
        f"{follow.high_water_usd:.2f} (the stop is {follow.portfolio_stop_percent.normalize():f} %)"
    )


def check_slippage(follow: StrategyFollow, signal: Signal, market: Decimal) -> None:
    """The follow's guard on a MARKET copy: no entry once the market moved more than its
    percentage from the price the signal was checked at, either way (the stop distance, and
    so the risk, moved with it)."""
    guard, reference = follow.max_entry_slippage_percent, signal.reference_price
    if guard is None or not reference:
        return
    moved = abs(market - reference) / reference * 100
    if moved > guard:
        raise CopySkipped(
            f"the market moved {moved:.2f} % from the signal's {reference.normalize():f} to "
            f"{market.normalize():f}; the follow allows {guard.normalize():f} %",
            CopyReason.SLIPPAGE_GUARD,
        )


@dataclass(frozen=True, slots=True)
class SizingRule:
    """What the follow says of a copy's size."""

    sizing: FollowSizing = FollowSizing.RISK
    notional_usdt: Decimal | None = None
    equity_percent: Decimal | None = None
    max_notional_usdt: Decimal | None = None
    leverage_cap: int | None = None

    @classmethod
    def of(cls, follow: StrategyFollow) -> SizingRule:
        return cls(
            sizing=follow.sizing,
            notional_usdt=follow.notional_usdt,
            equity_percent=follow.equity_percent,
            max_notional_usdt=follow.max_notional_usdt,
            leverage_cap=follow.max_leverage,
        )

    def wanted(
        self, equity: Decimal, risk_percent: Decimal, entry: Decimal, risk: Decimal
    ) -> Decimal:
        """The amount the mode asks for, before rounding and caps."""
        match self.sizing:
            case FollowSizing.FIXED_NOTIONAL:
                assert self.notional_usdt is not None  # checked when the follow was written
                return self.notional_usdt / entry
            case FollowSizing.EQUITY_PERCENT:
                assert self.equity_percent is not None
                return equity * self.equity_percent / 100 / entry
        return equity * risk_percent / 100 / risk


def size_copy(
    *,
    symbol: str,
    equity: Decimal,
    risk_percent: Decimal,
    entry_price: Decimal,
    stop_price: Decimal,
    rules: MarketRules,
    rule: SizingRule,
) -> CopySize:
    """The copy's amount and leverage; `CopySkipped` when there is nothing to place."""
    risk = abs(entry_price - stop_price)
    if not risk:  # a MARKET signal whose stop the market has reached: nothing to size
        raise CopySkipped(
            f"the market is at the stop ({entry_price.normalize():f})", CopyReason.AT_STOP
        )
    margin = equity * MARGIN_SHARE
    cap = rule.leverage_cap or MAX_LEVERAGE
    wanted = rules.round_amount(rule.wanted(equity, risk_percent, entry_price, risk))
    caps = {  # what bounds the amount, whatever the mode asks for
        "leverage": rules.round_amount(margin * cap / entry_price),  # what the cap can carry
        # a stop that would take more than the margin may never be reached before the
        # exchange liquidates: no copy loses more than that at its stop
        "stop": rules.round_amount(margin / risk),
    }
    if rule.max_notional_usdt is not None:
        caps["notional"] = rules.round_amount(rule.max_notional_usdt / entry_price)
    binding = min(caps, key=lambda name: caps[name])
    amount = min(wanted, caps[binding])
    notional = amount * entry_price
    if amount < rules.min_amount or notional < rules.min_notional:
        minimum = f"the market's minimum ({rules.min_amount}, {rules.min_notional} USDT)"
        why = {
            "leverage": f": the follow's leverage cap of {cap}x leaves no more margin",
            "stop": ": a larger one would lose more than 90 % of equity at the stop",
            "notional": f": the follow's notional cap is {rule.max_notional_usdt} USDT",
        }
        if caps[binding] < wanted:
            code = CopyReason.LEVERAGE_CAP if binding == "leverage" else CopyReason.BELOW_MINIMUM
            raise CopySkipped(f"{amount} {symbol} is below {minimum}{why[binding]}", code)
        raise CopySkipped(f"{amount} {symbol} is below {minimum}", CopyReason.BELOW_MINIMUM)
    return CopySize(amount, max(1, math.ceil(notional / margin)))
