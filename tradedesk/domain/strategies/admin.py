"""Operators manage the automated strategies followers copy: create, rename, describe,
activate and deactivate. Only callers with the operator (`admin`) role; every change shows in
the public catalog at once in this process (and within its TTL in others)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from tradedesk.domain.catalog.model import Strategy
from tradedesk.domain.errors import Forbidden, InvalidValue, NotFound
from tradedesk.domain.market.model import TradeType, parse_exchange_id
from tradedesk.domain.principal import Principal
from tradedesk.domain.trading.manual_trading import parse_symbol_field
from tradedesk.domain.validation import FieldCollector, parse_boolean

if TYPE_CHECKING:
    from tradedesk.domain.catalog.public import PublicCatalog
    from tradedesk.domain.market.ports import ExchangeGateway
    from tradedesk.domain.ports import Clock, Ids
    from tradedesk.domain.strategies.ports import StrategiesUnitOfWorkFactory

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


def _exchange(raw: object) -> object:
    return parse_exchange_id(raw if isinstance(raw, str) else "")


def parse_strategy_fields(
    fields: Mapping[str, object], *, location: str, creating: bool
) -> dict[str, object]:
    """The given fields, checked together; creating needs name, exchangeId and symbol."""
    collector = FieldCollector()
    parsers: dict[str, Callable[[object], object]] = {
        "name": _name,
        "description": _description,
        "active": parse_boolean,
    }
    if creating:
        parsers |= {"exchangeId": _exchange, "symbol": parse_symbol_field}
    changes: dict[str, object] = {}
    for field, parse in parsers.items():
        if field in fields or (creating and field in ("name", "exchangeId", "symbol")):
            changes[field] = collector.parse(field, fields.get(field), parse, location)
    collector.raise_if_invalid()
    return changes


class StrategyAdmin:
    def __init__(
        self,
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

    async def create(self, caller: Principal, fields: dict[str, object]) -> Strategy:
        """A new strategy on a futures market the exchange lists (1300 otherwise)."""
        require_operator(caller)
        symbol = str(fields["symbol"])
        await self._gateway.market_rules(trade_type=TradeType.FUTURES, symbol=symbol)
        now = self._clock.now()
        strategy = Strategy(
            id=self._ids.new_id(),
            active=bool(fields.get("active", True)),
            name=str(fields["name"]),
            description=fields.get("description"),  # type: ignore[arg-type]
            exchange_id=fields["exchangeId"],  # type: ignore[arg-type]
            symbol=symbol,
            created_at=now,
            updated_at=now,
        )
        async with self._uow_factory() as uow:
            await uow.catalog.add_strategy(strategy)
            await uow.commit()
        self._catalog.invalidate()
        return strategy

    async def update(
        self, caller: Principal, strategy_id: str, fields: dict[str, object]
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
                name=str(fields.get("name", current.name)),
                description=fields.get("description", current.description),  # type: ignore[arg-type]
                active=bool(fields.get("active", current.active)),
                updated_at=self._clock.now(),
            )
            await uow.catalog.update_strategy(changed)
            await uow.commit()
        self._catalog.invalidate()
        return changed
