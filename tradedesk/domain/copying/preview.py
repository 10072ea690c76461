"""What following a strategy with a key would place now, before the follower commits: sized
by the same rules, checks and prices as the copy the next signal makes (`copying/sizing.py`),
for the strategy's latest OPEN signal, or, before its first, for a stop 2 % from the market
on the side the follow copies. The slippage guard is left out: it weighs the next signal's
own price against the market, which no earlier signal can stand in for.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from tradedesk.domain.billing.subscriptions import Entitlements
from tradedesk.domain.copying.follows import can_follow, new_follow
from tradedesk.domain.copying.model import (
    CopyReason,
    FollowChanges,
    FollowDirection,
    strategy_positions,
)
from tradedesk.domain.copying.ports import CopyingUnitOfWorkFactory
from tradedesk.domain.copying.sizing import (
    CopySkipped,
    SizingRule,
    check_daily_loss,
    check_no_foreign_position,
    equity_of,
    size_copy,
    wrong_side,
)
from tradedesk.domain.keys.exchange_keys import ExchangeKeys
from tradedesk.domain.market.exchange import OrderSide
from tradedesk.domain.market.model import TradeType
from tradedesk.domain.market.ports import ExchangeGateway
from tradedesk.domain.market.tickers import MarketService
from tradedesk.domain.ports import Clock
from tradedesk.domain.principal import Principal

HYPOTHETICAL_STOP = Decimal("0.02")  # before a strategy's first signal: a stop 2 % away


@dataclass(frozen=True, slots=True)
class FollowPreview:
    """A copy as it would be placed now; `feasible` False says why not."""

    side: OrderSide
    entry_price: Decimal
    stop_price: Decimal
    signal_id: str | None  # the OPEN it is sized for; None for the hypothetical stop
    feasible: bool = True
    amount: Decimal | None = None
    leverage: int | None = None
    reason: str | None = None
    reason_code: CopyReason | None = None

    @property
    def notional_usdt(self) -> Decimal | None:
        return None if self.amount is None else self.amount * self.entry_price

    @property
    def risk_usdt(self) -> Decimal | None:
        """What hitting the stop would lose, before fees."""
        if self.amount is None:
            return None
        return self.amount * abs(self.entry_price - self.stop_price)


class FollowPreviews:
    def __init__(
        self,
        *,
        uow_factory: CopyingUnitOfWorkFactory,
        keys: ExchangeKeys,
        market: MarketService,
        gateway: ExchangeGateway,
        clock: Clock,
        entitlements: Entitlements,
    ) -> None:
        self._entitlements = entitlements
        self._uow_factory = uow_factory
        self._keys = keys
        self._market = market
        self._gateway = gateway
        self._clock = clock

    async def preview(
        self, caller: Principal, key_id: str, changes: FollowChanges
    ) -> FollowPreview:
        """The caller's key only (another user's is as missing as none); refused as following
        it would be (the key's type and state, the strategy's exchange, the options, a plan
        without automation)."""
        strategy, profile = changes.strategy, changes.risk_profile
        assert strategy is not None and profile is not None
        key = await self._keys.get(caller, key_id)
        can_follow(key, strategy)
        now = self._clock.now()
        follow = new_follow("", caller, key, changes, now)  # as it would be written
        async with self._uow_factory() as uow:
            (await self._entitlements.plan_of(uow, caller.user_id)).admit_automation()
            signal = await uow.signals.latest_open(strategy.id)
            day_start = (await uow.balance_snapshots.of_day([key.id], now.date())).get(key.id)
            held = (key.id, strategy.symbol) in strategy_positions(
                await uow.protected_trades.open_on_keys([key.id])
            )
        rules = await self._gateway.market_rules(
            trade_type=TradeType.FUTURES, symbol=strategy.symbol
        )
        account = await self._keys.use(key, self._gateway.fetch_futures_account)
        ticker = await self._market.ticker(
            exchange_id=key.exchange_id, trade_type=TradeType.FUTURES, symbol=strategy.symbol
        )
        market = Decimal(str(ticker.last))
        if signal is None:
            side = (
                OrderSide.SELL if follow.direction is FollowDirection.SHORT_ONLY else OrderSide.BUY
            )
            away = -HYPOTHETICAL_STOP if side is OrderSide.BUY else HYPOTHETICAL_STOP
            preview = FollowPreview(side, market, rules.round_price(market * (1 + away)), None)
        else:
            assert signal.side is not None and signal.stop_price is not None
            entry = market if signal.price is None else signal.price
            preview = FollowPreview(signal.side, entry, signal.stop_price, signal.id)
        try:
            if not follow.direction.admits(preview.side):
                raise CopySkipped(wrong_side(follow), CopyReason.DIRECTION)
            check_no_foreign_position(account, strategy.symbol, held=held)
            equity = equity_of(account)
            check_daily_loss(follow, day_start, equity)
            size = size_copy(
                symbol=strategy.symbol,
                equity=equity,
                risk_percent=Decimal(str(profile.percentage)),
                entry_price=preview.entry_price,
                stop_price=preview.stop_price,
                rules=rules,
                rule=SizingRule.of(follow),
            )
        except CopySkipped as skipped:
            return replace(preview, feasible=False, reason=skipped.reason, reason_code=skipped.code)
        return replace(preview, amount=size.amount, leverage=size.leverage)
