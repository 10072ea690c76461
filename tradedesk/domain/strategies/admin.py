"""Operators manage the automated strategies followers copy: create, rename, describe,
activate and deactivate. Only callers with the operator (`admin`) role; every change shows in
the public catalog at once in this process (and within its TTL in others)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from tradedesk.domain.catalog.model import Strategy
from tradedesk.domain.catalog.public import PublicCatalog
from tradedesk.domain.errors import Forbidden, InvalidValue, NotFound
from tradedesk.domain.market.model import ExchangeId, TradeType, parse_exchange_id
from tradedesk.domain.market.ports import ExchangeGateway
from tradedesk.domain.ports import Clock, Ids
from tradedesk.domain.principal import Principal
from tradedesk.domain.strategies.ports import StrategiesUnitOfWorkFactory
from tradedesk.domain.trading.manual_trading import parse_symbol_field
from tradedesk.domain.validation import FieldCollector, parse_boolean

MAX_NAME_LENGTH = 120
MAX_DESCRIPTION_LENGTH = 2000


def require_operator(caller: Principal) -> None:
    if not caller.is_operator:
        raise Forbidden("operators only")


def _name(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_NAME_LENGTH:
        raise InvalidValue(f"must be 1 to {MAX_NAME_LENGTH} characters")
    return raw.strip()


def _description(raw: object) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) > MAX_DESCRIPTION_LENGTH:
        raise InvalidValue(f"must be at most {MAX_DESCRIPTION_LENGTH} characters")
    return raw


def _exchange(raw: object) -> ExchangeId:
    return parse_exchange_id(raw if isinstance(raw, str) else "")


@dataclass(frozen=True, slots=True)
class NewStrategy:
    name: str
    exchange_id: ExchangeId
    symbol: str
    description: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class StrategyChanges:
    """What an update sets; None leaves a field as it is. A description can be cleared, so
    `describe` says whether `description` is set."""

    name: str | None = None
    active: bool | None = None
    description: str | None = None
    describe: bool = False


def _description_and_activity(
    collector: FieldCollector, fields: Mapping[str, object]
) -> tuple[str | None, bool | None]:
    """The optional fields both a new strategy and a change may give; None when not given."""
    description = None
    if "description" in fields:
        description = collector.parse("description", fields["description"], _description)
    active = None
    if "active" in fields:
        active = collector.parse("active", fields["active"], parse_boolean)
    return description, active


def parse_new_strategy(fields: Mapping[str, object]) -> NewStrategy:
    """Name, exchangeId and symbol are required; every field is checked together."""
    collector = FieldCollector()
    name = collector.parse("name", fields.get("name"), _name)
    description, active = _description_and_activity(collector, fields)
    exchange_id = collector.parse("exchangeId", fields.get("exchangeId"), _exchange)
    symbol = collector.parse("symbol", fields.get("symbol"), parse_symbol_field)
    collector.raise_if_invalid()
    assert name is not None and exchange_id is not None and symbol is not None
    return NewStrategy(name, exchange_id, symbol, description, True if active is None else active)


def parse_strategy_changes(fields: Mapping[str, object]) -> StrategyChanges:
    """The fields given, checked together; the market never changes."""
    collector = FieldCollector()
    name = collector.parse("name", fields["name"], _name) if "name" in fields else None
    description, active = _description_and_activity(collector, fields)
    collector.raise_if_invalid()
    return StrategyChanges(name, active, description, describe="description" in fields)


class StrategyAdmin:
    def __init__(
        self,
        *,
        uow_factory: StrategiesUnitOfWorkFactory,
        catalog: PublicCatalog,
        gateway: ExchangeGateway,
        clock: Clock,
        ids: Ids,
    ) -> None:
        self._uow_factory = uow_factory
        self._catalog = catalog
        self._gateway = gateway
        self._clock = clock
        self._ids = ids

    async def create(self, caller: Principal, new: NewStrategy) -> Strategy:
        """A new strategy on a futures market the exchange lists (1300 otherwise)."""
        require_operator(caller)
        await self._gateway.market_rules(trade_type=TradeType.FUTURES, symbol=new.symbol)
        now = self._clock.now()
        strategy = Strategy(
            id=self._ids.new_id(),
            active=new.active,
            name=new.name,
            description=new.description,
            exchange_id=new.exchange_id,
            symbol=new.symbol,
            created_at=now,
            updated_at=now,
        )
        async with self._uow_factory() as uow:
            await uow.catalog.add_strategy(strategy)
            await uow.commit()
        self._catalog.invalidate()
        return strategy

    async def update(
        self, caller: Principal, strategy_id: str, changes: StrategyChanges
    ) -> Strategy:
        """Rename, describe, activate or deactivate; the market never changes (followers'
        positions are on it)."""
        require_operator(caller)
        async with self._uow_factory() as uow:
            current = next(
                (s for s in await uow.catalog.list_strategies() if s.id == strategy_id), None
            )
            if current is None:
                raise NotFound("strategy")
            changed = replace(
                current,
                name=current.name if changes.name is None else changes.name,
                description=changes.description if changes.describe else current.description,
                active=current.active if changes.active is None else changes.active,
                updated_at=self._clock.now(),
            )
            await uow.catalog.update_strategy(changed)
            await uow.commit()
        self._catalog.invalidate()
        return changed
