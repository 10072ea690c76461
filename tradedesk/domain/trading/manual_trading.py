"""Trading by hand on one of the user's keys: reading its orders, fills and position, and the
futures settings and closing a position.

Every call goes through `ExchangeKeys.use`, so the key's status follows what the exchange
answered. Reads work on any of the user's keys; changing anything needs a MANUAL key (an
AUTOMATED key's trades belong to the strategy it follows), and positions, leverage and margin
a FUTURES key; otherwise 1106.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode, InvalidValue
from tradedesk.domain.keys.exchange_keys import ExchangeKeys
from tradedesk.domain.keys.model import ExchangeKey, StrategyType
from tradedesk.domain.market.exchange import (
    ApiCredentials,
    MarginMode,
    Order,
    Position,
    Trade,
)
from tradedesk.domain.market.model import TradeType, parse_symbol
from tradedesk.domain.market.ports import ExchangeGateway
from tradedesk.domain.ports import Ids
from tradedesk.domain.principal import Principal
from tradedesk.domain.trading.flattening import flatten
from tradedesk.domain.trading.protection import ProtectionKeeper
from tradedesk.domain.validation import FieldCollector

MIN_LEVERAGE, MAX_LEVERAGE = 1, 125
_MARGIN_TYPES = {"ISOLATED": MarginMode.ISOLATED, "CROSSED": MarginMode.CROSS}


def parse_leverage(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not MIN_LEVERAGE <= raw <= MAX_LEVERAGE:
        raise InvalidValue(f"must be between {MIN_LEVERAGE} and {MAX_LEVERAGE}")
    return raw


def parse_margin_type(raw: object) -> MarginMode:
    if not isinstance(raw, str) or raw not in _MARGIN_TYPES:
        raise InvalidValue("must be one of [ISOLATED, CROSSED]")
    return _MARGIN_TYPES[raw]


def parse_symbol_field(raw: object) -> str:
    """A `symbol` given in a body or an argument: a string such as BTC/USDT."""
    if not isinstance(raw, str):
        raise InvalidValue("must be valid exchange symbol")
    return parse_symbol(raw)


@dataclass(frozen=True, slots=True)
class LeverageChange:
    symbol: str
    leverage: int


@dataclass(frozen=True, slots=True)
class MarginChange:
    symbol: str
    mode: MarginMode


def parse_leverage_change(body: Mapping[str, object]) -> LeverageChange:
    collector = FieldCollector()
    symbol = collector.parse("symbol", body.get("symbol"), parse_symbol_field)
    leverage = collector.parse("leverage", body.get("leverage"), parse_leverage)
    collector.raise_if_invalid()
    assert symbol is not None and leverage is not None
    return LeverageChange(symbol, leverage)


def parse_margin_change(body: Mapping[str, object]) -> MarginChange:
    collector = FieldCollector()
    symbol = collector.parse("symbol", body.get("symbol"), parse_symbol_field)
    mode = collector.parse("type", body.get("type"), parse_margin_type)
    collector.raise_if_invalid()
    assert symbol is not None and mode is not None
    return MarginChange(symbol, mode)


def parse_symbol_body(body: Mapping[str, object]) -> str:
    collector = FieldCollector()
    symbol = collector.parse("symbol", body.get("symbol"), parse_symbol_field)
    collector.raise_if_invalid()
    assert symbol is not None
    return symbol


class ManualTrading:
    def __init__(
        self, *, keys: ExchangeKeys, gateway: ExchangeGateway, ids: Ids, keeper: ProtectionKeeper
    ) -> None:
        self._keys = keys
        self._gateway = gateway
        self._ids = ids
        self._keeper = keeper

    async def open_orders(self, caller: Principal, key_id: str, symbol: str) -> list[Order]:
        key = await self._keys.listed(caller, key_id)
        return await self._keys.use(key, lambda c: self._gateway.fetch_open_orders(c, symbol))

    async def order_history(self, caller: Principal, key_id: str, symbol: str) -> list[Order]:
        key = await self._keys.listed(caller, key_id)
        return await self._keys.use(key, lambda c: self._gateway.fetch_order_history(c, symbol))

    async def trades(self, caller: Principal, key_id: str, symbol: str) -> list[Trade]:
        key = await self._keys.listed(caller, key_id)
        return await self._keys.use(key, lambda c: self._gateway.fetch_trades(c, symbol))

    async def position(self, caller: Principal, key_id: str, symbol: str) -> Position | None:
        key = _futures(await self._keys.listed(caller, key_id))
        return await self._keys.use(key, lambda c: self._gateway.fetch_position(c, symbol))

    async def set_leverage(self, caller: Principal, key_id: str, change: LeverageChange) -> None:
        key = _futures(_manual(await self._keys.get(caller, key_id)))
        await self._keys.use(
            key, lambda c: self._gateway.set_leverage(c, change.symbol, change.leverage)
        )

    async def set_margin_type(self, caller: Principal, key_id: str, change: MarginChange) -> None:
        """Setting the mode the symbol already has is no error."""
        key = _futures(_manual(await self._keys.get(caller, key_id)))
        await self._keys.use(
            key, lambda c: self._gateway.set_margin_mode(c, change.symbol, change.mode)
        )

    async def close_position(self, caller: Principal, key_id: str, symbol: str) -> None:
        """Cancels the symbol's open orders (stops and take profits too), then closes what is
        left of the position at market, reduce-only: it can never open a new one."""
        key = _futures(_manual(await self._keys.get(caller, key_id)))
        await self._keeper.supersede(key.id, symbol)

        async def close(credentials: ApiCredentials) -> None:
            await flatten(
                self._gateway, credentials, symbol, f"td{self._ids.new_id().replace('-', '')[:22]}c"
            )

        await self._keys.use(key, close)


def _manual(key: ExchangeKey) -> ExchangeKey:
    if key.strategy_type is not StrategyType.MANUAL:
        raise BusinessRuleViolation(ErrorCode.EXCHANGE_KEY_TYPE_INVALID)
    return key


def _futures(key: ExchangeKey) -> ExchangeKey:
    if key.trade_type is not TradeType.FUTURES:
        raise BusinessRuleViolation(ErrorCode.EXCHANGE_KEY_TYPE_INVALID)
    return key
