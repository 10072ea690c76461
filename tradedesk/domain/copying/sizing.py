"""How big a follower's copy is: the stop loses the risk profile's share of their equity.

`amount = equity * pct / 100 / |entry - stop|`, rounded down to the lot step, and no more than
90 % of equity can carry at the follow's leverage cap (Binance's 125x when the follow sets
none). The leverage is the smallest that keeps the margin within that share. A copy too small
for the market's minimum is skipped, with the reason the follower can act on.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from decimal import Decimal

from tradedesk.domain.copying.model import StrategyFollow
from tradedesk.domain.copying_notices import NoticeKind
from tradedesk.domain.market.exchange import MarketRules

log = logging.getLogger("tradedesk.copy_trading")

MARGIN_SHARE = Decimal("0.9")  # of equity a copy's initial margin may take
MAX_LEVERAGE = 125  # Binance's; a follow may set a lower cap


class CopySkipped(Exception):
    """The copy is not made, for a reason the follower can read (and, when they can act on
    it, are told as `tell`)."""

    def __init__(self, reason: str, *, tell: NoticeKind | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.tell = tell


@dataclass(frozen=True, slots=True)
class CopySize:
    amount: Decimal
    leverage: int


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
            tell=NoticeKind.LOSS_LIMIT,
        )


def size_copy(
    *,
    symbol: str,
    equity: Decimal,
    risk_percent: Decimal,
    entry_price: Decimal,
    stop_price: Decimal,
    rules: MarketRules,
    leverage_cap: int | None,
) -> CopySize:
    """The copy's amount and leverage; `CopySkipped` when there is nothing to place."""
    risk = abs(entry_price - stop_price)
    if not risk:  # a MARKET signal whose stop the market has reached: nothing to size
        raise CopySkipped(f"the market is at the stop ({entry_price.normalize():f})")
    margin = equity * MARGIN_SHARE
    cap = leverage_cap or MAX_LEVERAGE
    at_risk = rules.round_amount(equity * risk_percent / 100 / risk)
    carried = rules.round_amount(margin * cap / entry_price)  # what the cap can carry
    amount = min(at_risk, carried)
    notional = amount * entry_price
    if amount < rules.min_amount or notional < rules.min_notional:
        minimum = f"the market's minimum ({rules.min_amount}, {rules.min_notional} USDT)"
        if carried < at_risk:
            raise CopySkipped(
                f"{amount} {symbol} is below {minimum}: the follow's leverage cap of "
                f"{cap}x leaves no more margin",
                tell=NoticeKind.LEVERAGE_CAP,
            )
        raise CopySkipped(f"{amount} {symbol} is below {minimum}", tell=NoticeKind.BELOW_MINIMUM)
    return CopySize(amount, max(1, math.ceil(notional / margin)))
