"""Strategy follows: an AUTOMATED futures key copying one automated strategy, sized by a risk
profile. One follow per key and symbol, so two strategies never trade one position.

Checks run in the v1 service's order: the body (422, every field at once, against the
catalog), then the key (1110), the strategy's exchange (1206), the symbol (1309 on create,
1306 when changing strategy) and the plan (2103), the last two under a lock on the user's row
so that concurrent requests cannot both pass.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from tradedesk.domain.billing.subscriptions import Entitlements
from tradedesk.domain.catalog.model import RiskProfile, Strategy
from tradedesk.domain.catalog.public import CatalogSnapshot, PublicCatalog
from tradedesk.domain.copying.model import (
    FollowChanges,
    FollowDirection,
    FollowLimits,
    FollowSizing,
    FollowView,
    StrategyFollow,
)
from tradedesk.domain.copying.ports import CopyingUnitOfWork, CopyingUnitOfWorkFactory
from tradedesk.domain.errors import (
    BusinessRuleViolation,
    ErrorCode,
    FieldError,
    InvalidValue,
    NotFound,
    ValidationFailed,
)
from tradedesk.domain.keys.exchange_keys import ExchangeKeys
from tradedesk.domain.keys.model import ApiKeyStatus, ExchangeKey, StrategyType
from tradedesk.domain.market.model import TradeType
from tradedesk.domain.ports import Clock, Ids
from tradedesk.domain.principal import Principal
from tradedesk.domain.trading.manual_trading import MAX_LEVERAGE
from tradedesk.domain.validation import FieldCollector, choice, parse_boolean

MAX_USDT = Decimal(1_000_000_000)  # beyond any copy's notional; keeps the arithmetic finite
SMALLEST = Decimal("0.01")  # of a percentage or an amount of USDT


def parse_follow(
    body: Mapping[str, object],
    catalog: CatalogSnapshot,
    *,
    creating: bool,
    with_limits: bool = False,
) -> FollowChanges:
    """Every field at once. Creating needs both ids; an update takes any of the three.
    `with_limits` (GraphQL) also reads the options of `_OPTIONS`: the v1 bodies stay exactly
    as documented, and a follow made through them has the defaults."""
    collector = FieldCollector()
    strategy = profile = active = None
    if creating or "strategyAutomatedId" in body:
        strategy = collector.parse(
            "strategyAutomatedId",
            body.get("strategyAutomatedId"),
            lambda raw: _active_strategy(raw, catalog),
        )
    if creating or "strategyRiskProfileId" in body:
        profile = collector.parse(
            "strategyRiskProfileId",
            body.get("strategyRiskProfileId"),
            lambda raw: _risk_profile(raw, catalog),
        )
    if "active" in body:
        active = collector.parse("active", body["active"], parse_boolean)
    limits = FollowLimits()
    if with_limits:
        options: dict[str, Any] = {}
        for name, attribute, parse, cleared in _OPTIONS:
            if name in body:
                raw = body[name]
                options[attribute] = cleared if raw is None else collector.parse(name, raw, parse)
        limits = FollowLimits(**options, given=frozenset(options))
    collector.raise_if_invalid()
    if creating and active is None:
        active = True  # the documented default
    return FollowChanges(strategy=strategy, risk_profile=profile, active=active, limits=limits)


def new_follow(
    follow_id: str, caller: Principal, key: ExchangeKey, changes: FollowChanges, now: datetime
) -> StrategyFollow:
    """The follow a create body makes (after its options are checked); not yet written."""
    assert changes.strategy is not None and changes.risk_profile is not None
    follow = changes.limits.applied_to(
        StrategyFollow(
            id=follow_id,
            user_id=caller.user_id,
            key_id=key.id,
            strategy_id=changes.strategy.id,
            risk_profile_id=changes.risk_profile.id,
            symbol=changes.strategy.symbol,
            active=bool(changes.active),
            created_at=now,
            updated_at=now,
        )
    )
    check_sizing(follow)
    return follow


def check_sizing(follow: StrategyFollow) -> None:
    """A sizing mode has the figure it sizes by (the follow as it would be written)."""
    needed = {
        FollowSizing.FIXED_NOTIONAL: ("notionalUsdt", follow.notional_usdt),
        FollowSizing.EQUITY_PERCENT: ("equityPercent", follow.equity_percent),
    }.get(follow.sizing)
    if needed is not None and needed[1] is None:
        param, _missing = needed
        msg = f"must be given with sizing {follow.sizing.value}"
        raise ValidationFailed([FieldError(param=param, value=None, msg=msg)])


def _max_leverage(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_LEVERAGE:
        raise InvalidValue(f"must be between 1 and {MAX_LEVERAGE}")
    return raw


def _loss_limit(raw: object) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InvalidValue("must be a percentage between 0.1 and 100")
    value = Decimal(str(raw))
    if not Decimal("0.1") <= value <= 100:
        raise InvalidValue("must be a percentage between 0.1 and 100")
    return value


def _usdt(raw: object) -> Decimal:
    """At least a cent: a smaller figure would round to nothing where it is kept."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InvalidValue("must be an amount of USDT")
    value = Decimal(str(raw))
    if not SMALLEST <= value <= MAX_USDT:
        raise InvalidValue(f"must be an amount of USDT from {SMALLEST} to {MAX_USDT:,}")
    return value


def _percent(raw: object) -> Decimal:
    """0.01 to 100: a smaller share would round to nothing where it is kept (and a stop of
    nothing fires at once)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise InvalidValue("must be a percentage")
    value = Decimal(str(raw))
    if not SMALLEST <= value <= 100:
        raise InvalidValue(f"must be a percentage from {SMALLEST} to 100")
    return value


# The GraphQL-only options: (public name, attribute, parser, what null sets).
_OPTIONS: tuple[tuple[str, str, Callable[[object], object], object], ...] = (
    ("maxLeverage", "max_leverage", _max_leverage, None),
    ("dailyLossLimitPercent", "daily_loss_limit_percent", _loss_limit, None),
    ("sizing", "sizing", choice(FollowSizing), FollowSizing.RISK),
    ("notionalUsdt", "notional_usdt", _usdt, None),
    ("equityPercent", "equity_percent", _percent, None),
    ("maxNotionalUsdt", "max_notional_usdt", _usdt, None),
    ("direction", "direction", choice(FollowDirection), FollowDirection.BOTH),
    ("maxEntrySlippagePercent", "max_entry_slippage_percent", _percent, None),
    ("portfolioStopPercent", "portfolio_stop_percent", _percent, None),
)


def _active_strategy(raw: object, catalog: CatalogSnapshot) -> Strategy:
    strategy = catalog.strategies_by_id.get(raw) if isinstance(raw, str) else None
    if strategy is None or not strategy.active:
        raise InvalidValue("must be active strategy automated id")
    return strategy


def _risk_profile(raw: object, catalog: CatalogSnapshot) -> RiskProfile:
    found = next((p for p in catalog.risk_profiles if p.id == raw), None)
    if found is None:
        raise InvalidValue("must be valid strategy risk profile id")
    return found


class StrategyFollows:
    def __init__(
        self,
        *,
        uow_factory: CopyingUnitOfWorkFactory,
        keys: ExchangeKeys,
        catalog: PublicCatalog,
        clock: Clock,
        ids: Ids,
        entitlements: Entitlements,
    ) -> None:
        self._uow_factory = uow_factory
        self._keys = keys
        self._catalog = catalog
        self._clock = clock
        self._ids = ids
        self._entitlements = entitlements

    async def catalog(self) -> CatalogSnapshot:
        """What bodies are checked against (`parse_follow`)."""
        return await self._catalog.snapshot()

    async def list(self, caller: Principal, key_id: str) -> list[FollowView]:
        """The key's follows, oldest first; a foreign key is 404, as a missing one."""
        key = await self._keys.get(caller, key_id)
        return (await self.of_keys(caller, [key.id]))[key.id]

    async def of_keys(
        self, caller: Principal, key_ids: builtins.list[str]
    ) -> dict[str, builtins.list[FollowView]]:
        """The caller's follows on each key (none for a foreign key), in one query."""
        async with self._uow_factory() as uow:
            follows = await uow.follows.list_for_keys(caller.user_id, key_ids)
        found: dict[str, builtins.list[FollowView]] = {key_id: [] for key_id in key_ids}
        for view in await self._views(follows):
            found[view.follow.key_id].append(view)
        return found

    async def create(self, caller: Principal, key_id: str, changes: FollowChanges) -> FollowView:
        assert changes.strategy is not None and changes.risk_profile is not None
        key = await self._keys.get(caller, key_id)
        can_follow(key, changes.strategy)
        now = self._clock.now()
        follow = new_follow(self._ids.new_id(), caller, key, changes, now)
        async with self._uow_factory() as uow:
            await uow.users.lock(caller.user_id)  # one follow per key and symbol, even racing
            if await uow.follows.symbol_followed(key.id, follow.symbol):
                raise BusinessRuleViolation(ErrorCode.EXCHANGE_SYMBOL_ALREADY_EXISTS)
            await self._require_automation(uow, caller.user_id)
            await uow.follows.add(follow)
            await uow.commit()
        return FollowView(follow, changes.strategy, changes.risk_profile)

    async def update(self, caller: Principal, follow_id: str, changes: FollowChanges) -> FollowView:
        """Changes the follow under the user's lock, applied to the follow as it stands then:
        a pause the platform made meanwhile (the portfolio stop, the plan) is never undone by
        a change the user made of something else."""
        async with self._uow_factory() as uow:
            follow = await uow.follows.get(caller.user_id, follow_id)
            if follow is None:
                raise NotFound("strategy follow")
        key = await self._keys.get(caller, follow.key_id)
        if changes.active:
            _usable(key)
        if changes.strategy is not None:
            if changes.strategy.exchange_id is not key.exchange_id:
                raise BusinessRuleViolation(ErrorCode.EXCHANGE_ID_MISMATCH)
            if changes.strategy.symbol != follow.symbol:
                raise BusinessRuleViolation(ErrorCode.EXCHANGE_SYMBOL_MISMATCH)
        async with self._uow_factory() as uow:
            await uow.users.lock(caller.user_id)  # the platform's pauses take it too
            follow = await uow.follows.get(caller.user_id, follow_id)
            if follow is None:
                raise NotFound("strategy follow")
            new_mark = _new_mark(follow, changes)
            updated = self._changed(follow, changes)
            if new_mark:
                updated = replace(updated, high_water_usd=None)
            check_sizing(updated)
            if updated.active and not follow.active:
                await self._require_automation(uow, caller.user_id)
            await uow.follows.update(updated)
            if new_mark:
                await uow.follows.reset_high_water(follow.id)
            await uow.commit()
        [view] = await self._views([updated])
        return view

    def _changed(self, follow: StrategyFollow, changes: FollowChanges) -> StrategyFollow:
        resuming = bool(changes.active)
        return changes.limits.applied_to(
            replace(
                follow,
                strategy_id=changes.strategy.id if changes.strategy else follow.strategy_id,
                risk_profile_id=(
                    changes.risk_profile.id if changes.risk_profile else follow.risk_profile_id
                ),
                active=follow.active if changes.active is None else changes.active,
                paused_reason=None if resuming else follow.paused_reason,
                updated_at=self._clock.now(),
            )
        )

    async def _require_automation(self, uow: CopyingUnitOfWork, user_id: str) -> None:
        (await self._entitlements.plan_of(uow, user_id)).admit_automation()

    async def _views(self, follows: builtins.list[StrategyFollow]) -> builtins.list[FollowView]:
        catalog = await self._catalog.snapshot()
        profiles = {profile.id: profile for profile in catalog.risk_profiles}
        return [
            FollowView(f, catalog.strategies_by_id[f.strategy_id], profiles[f.risk_profile_id])
            for f in follows
        ]


def _usable(key: ExchangeKey) -> None:
    """A key that copies trades: AUTOMATED, FUTURES, active and accepted by the exchange."""
    if (
        key.strategy_type is not StrategyType.AUTOMATED
        or key.trade_type is not TradeType.FUTURES
        or not key.active
        or key.api_key_status is not ApiKeyStatus.AUTHORIZED
    ):
        raise BusinessRuleViolation(ErrorCode.EXCHANGE_KEY_INACTIVE)


def _new_mark(follow: StrategyFollow, changes: FollowChanges) -> bool:
    """Whether the portfolio stop's high-water mark starts again from the next read: on a
    resume, and when the stop is set, changed or removed (an old mark must not return with
    a stop set again)."""
    resuming = bool(changes.active) and not follow.active
    return resuming or "portfolio_stop_percent" in changes.limits.given


def can_follow(key: ExchangeKey, strategy: Strategy) -> None:
    _usable(key)
    if strategy.exchange_id is not key.exchange_id:
        raise BusinessRuleViolation(ErrorCode.EXCHANGE_ID_MISMATCH)
