"""The exchange port over ccxt: Binance spot through `binance`, USDT-M futures through
`binanceusdm`.

Reads are retried a few times while the exchange is unreachable, after waiting out any
`Retry-After` it sent, and once after re-measuring the clock if it refused the timestamp
(-1021). Orders are never sent twice blindly: each carries the caller's client order id, and
when its answer is lost (a timeout, -1007) the order is looked up by that id first.

Since 2025-12-09 Binance takes conditional futures orders only through its Algo Order API;
ccxt lists and cancels them only when asked for trigger orders, so every read of a futures
key's orders merges both families.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import ccxt

from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode, ExchangeUnavailable
from tradedesk.domain.market.exchange import (
    ApiCredentials,
    AssetBalance,
    FuturesAccount,
    KeyPermissions,
    MarginMode,
    MarketRules,
    Order,
    OrderRequest,
    Position,
    Trade,
    from_exchange_symbol,
    to_exchange_symbol,
)
from tradedesk.domain.market.exchange_purpose import ExchangePurpose, spending_for
from tradedesk.domain.market.model import ExchangeId, Ticker, TradeType
from tradedesk.integrations.exchange import ccxt_shapes
from tradedesk.integrations.exchange.ccxt_clients import CcxtClients
from tradedesk.integrations.exchange.ccxt_errors import (
    ACCOUNT_ORDER_LIMIT,
    MARGIN_TYPE_UNCHANGED,
    ExchangeUnreachable,
    binance_code,
    outcome_unknown,
    to_domain,
)

log = logging.getLogger("tradedesk.exchange")

READ_ATTEMPTS = 3
RETRY_DELAY_SECONDS = 0.2
TRIGGER = {"trigger": True}
T = TypeVar("T")
# Ticker field -> ccxt's unified ticker key; every one must be a number.
_TICKER_NUMBERS = {
    "high": "high",
    "low": "low",
    "vwap": "vwap",
    "open": "open",
    "close": "close",
    "last": "last",
    "change": "change",
    "percentage": "percentage",
    "average": "average",
    "base_volume": "baseVolume",
    "quote_volume": "quoteVolume",
}


class CcxtGateway:
    def __init__(self, clients: CcxtClients | None = None) -> None:
        self.clients = clients or CcxtClients()
        self._orders = self.clients.budgets.orders

    # public -----------------------------------------------------------------------------

    async def fetch_ticker(
        self, *, exchange_id: ExchangeId, trade_type: TradeType, symbol: str
    ) -> Ticker:
        client = await self._read(trade_type, lambda: self.clients.public(trade_type), "markets")
        unified = to_exchange_symbol(symbol, trade_type)
        if unified not in client.markets:
            raise BusinessRuleViolation(ErrorCode.INVALID_EXCHANGE_SYMBOL)
        raw = await self._read(
            trade_type, lambda: client.fetch_ticker(unified), "fetch_ticker", client
        )
        try:
            if not isinstance(raw["datetime"], str):
                raise TypeError("datetime")
            return Ticker(
                symbol=symbol,
                timestamp=int(raw["timestamp"]),
                datetime=raw["datetime"],
                **{field: float(raw[key]) for field, key in _TICKER_NUMBERS.items()},
            )
        except (KeyError, TypeError, ValueError):
            log.warning("fetch_ticker %s: incomplete ticker from the exchange: %s", symbol, raw)
            raise BusinessRuleViolation(ErrorCode.EXCHANGE_BAD_REQUEST) from None

    async def market_rules(self, *, trade_type: TradeType, symbol: str) -> MarketRules:
        client = await self._read(trade_type, lambda: self.clients.public(trade_type), "markets")
        unified = to_exchange_symbol(symbol, trade_type)
        self._require_market(client, unified)
        try:
            return ccxt_shapes.market_rules(symbol, client.markets[unified])
        except ccxt_shapes.MalformedAnswer as missing:
            log.warning("market_rules %s: %s", symbol, missing)
            raise BusinessRuleViolation(ErrorCode.EXCHANGE_BAD_REQUEST) from None

    # keys -------------------------------------------------------------------------------

    async def check_key(self, credentials: ApiCredentials) -> KeyPermissions:
        async def check(client: Any) -> KeyPermissions:
            restrictions = await client.sapiGetAccountApiRestrictions()
            futures = credentials.trade_type is TradeType.FUTURES
            if futures and (await client.fapiPrivateGetPositionSideDual())["dualSidePosition"]:
                log.warning(
                    "key %s: the futures account is in hedge mode; the platform trades "
                    "one-way mode only",
                    _masked(credentials.api_key),
                )
                raise BusinessRuleViolation(ErrorCode.EXCHANGE_KEY_TYPE_INVALID)
            permission = "enableFutures" if futures else "enableSpotAndMarginTrading"
            permissions = KeyPermissions(
                can_trade=bool(restrictions.get(permission)),
                can_withdraw=bool(restrictions.get("enableWithdrawals")),
                ip_restricted=bool(restrictions.get("ipRestrict")),
            )
            if not permissions.can_trade:
                log.warning("key %s: no %s permission", _masked(credentials.api_key), permission)
                raise BusinessRuleViolation(ErrorCode.EXCHANGE_KEY_TYPE_INVALID)
            return permissions

        return await self._private_read(credentials, check, "check_key")

    async def fetch_balances(self, credentials: ApiCredentials) -> list[AssetBalance]:
        async def balances(client: Any) -> list[AssetBalance]:
            return ccxt_shapes.balances(await client.fetch_balance())

        return await self._private_read(credentials, balances, "fetch_balance")

    async def fetch_futures_account(self, credentials: ApiCredentials) -> FuturesAccount:
        """ccxt's futures balance reads Binance's account endpoint, whose answer also lists
        the positions: one request of weight 5 for both."""

        async def account(client: Any) -> FuturesAccount:
            raw = await client.fetch_balance()
            held = set()
            for position in (raw.get("info") or {}).get("positions") or []:
                if float(position.get("positionAmt") or 0):
                    market = client.safe_market(position.get("symbol"), None, None, "contract")
                    held.add(from_exchange_symbol(market["symbol"]))
            return FuturesAccount(ccxt_shapes.balances(raw), frozenset(held))

        return await self._private_read(credentials, account, "fetch_balance")

    async def release(self, credentials: ApiCredentials) -> None:
        await self.clients.release(credentials)

    # user-data streams -----------------------------------------------------------------

    async def listen_key(self, credentials: ApiCredentials, *, renew: bool = False) -> str:
        """The key's USDⓈ-M user-data listen key: made (or the account's current one given
        back) by a POST; with `renew`, kept alive another hour by a PUT."""

        async def call(client: Any) -> str:
            if renew:
                answer = await client.fapiPrivatePutListenKey()
            else:
                answer = await client.fapiPrivatePostListenKey()
            listen_key = answer.get("listenKey") if isinstance(answer, dict) else None
            if not listen_key:
                raise ccxt_shapes.MalformedAnswer("listenKey")
            return str(listen_key)

        with spending_for(ExchangePurpose.STREAM):
            return await self._private_read(credentials, call, "listen_key")

    async def futures_symbols(self) -> dict[str, str]:
        """Binance's USDⓈ-M market ids (BTCUSDT) with the platform's symbols (BTC/USDT)."""
        client = await self._read(
            TradeType.FUTURES, lambda: self.clients.public(TradeType.FUTURES), "markets"
        )
        return {
            market["id"]: from_exchange_symbol(market["symbol"])
            for market in client.markets.values()
            if market.get("contract")
        }

    # orders -----------------------------------------------------------------------------

    async def fetch_open_orders(self, credentials: ApiCredentials, symbol: str) -> list[Order]:
        return await self._both_families(credentials, symbol, "fetch_open_orders")

    async def fetch_order_history(self, credentials: ApiCredentials, symbol: str) -> list[Order]:
        return await self._both_families(credentials, symbol, "fetch_orders")

    async def fetch_trades(self, credentials: ApiCredentials, symbol: str) -> list[Trade]:
        unified = to_exchange_symbol(symbol, credentials.trade_type)

        async def trades(client: Any) -> list[Trade]:
            return [ccxt_shapes.trade(raw) for raw in await client.fetch_my_trades(unified)]

        return await self._private_read(credentials, trades, "fetch_my_trades")

    async def fetch_position(self, credentials: ApiCredentials, symbol: str) -> Position | None:
        unified = to_exchange_symbol(symbol, TradeType.FUTURES)

        async def position(client: Any) -> Position | None:
            self._require_market(client, unified)
            for raw in await client.fetch_positions([unified]):
                if raw.get("symbol") == unified and raw.get("contracts"):
                    return ccxt_shapes.position(raw)
            return None

        return await self._private_read(credentials, position, "fetch_positions")

    async def place_order(self, credentials: ApiCredentials, order: OrderRequest) -> Order:
        client = await self._read(
            credentials.trade_type, lambda: self.clients.private(credentials), "markets"
        )
        unified = to_exchange_symbol(order.symbol, credentials.trade_type)
        self._require_market(client, unified)
        params: dict[str, Any] = {"clientOrderId": order.client_order_id}
        if order.reduce_only:
            params["reduceOnly"] = True
        if order.stop_price is not None:
            params["stopPrice"] = float(order.stop_price)
        if order.callback_rate is not None:
            params["callbackRate"] = float(order.callback_rate)
        if order.activation_price is not None:
            params["activationPrice"] = float(order.activation_price)
        price = None if order.price is None else float(order.price)
        await self._orders.acquire(credentials.api_key)
        unsure = False  # an attempt whose answer was lost may have been placed unseen
        for _attempt in (1, 2):
            try:
                raw = await client.create_order(
                    unified,
                    order.type.value.upper(),
                    order.side.value,
                    float(order.amount),
                    price,
                    dict(params),
                )
                return self._order(raw, conditional=order.type.conditional)
            except ccxt.InvalidNonce:  # refused before execution: safe to send again
                await self.clients.sync_time(credentials.trade_type)
            except ccxt.DDoSProtection as error:  # refused before execution: wait, send again
                await self._refused(client, error, "place_order")
            except ccxt.BaseError as error:
                if not outcome_unknown(error):
                    # after a lost answer, a refusal may be the first attempt's own doing (its
                    # id taken, its slot used): that order is the one placed, if it is there
                    if unsure and (
                        found := await self._look_up(client, credentials, order, unified)
                    ):
                        return found
                    raise await self._refused(client, error, "place_order") from None
                unsure = True
                log.warning("place_order %s: answer lost; looking it up", order.client_order_id)
                found = await self._look_up(client, credentials, order, unified)
                if found is not None:
                    return found
            except ccxt_shapes.MalformedAnswer as missing:
                log.error("place_order %s: placed, but the answer lacks %s", order, missing)
                raise BusinessRuleViolation(ErrorCode.EXCHANGE_BAD_REQUEST) from None
        raise ExchangeUnavailable  # twice no answer, and no such order: it was never placed

    async def cancel_order(self, credentials: ApiCredentials, order: Order) -> Order:
        unified = to_exchange_symbol(order.symbol, credentials.trade_type)

        async def cancel(client: Any) -> Order:
            params = TRIGGER if order.conditional else {}
            raw = await client.cancel_order(order.id, unified, dict(params))
            return self._order(raw, conditional=order.conditional)

        return await self._private_read(credentials, cancel, "cancel_order")

    async def cancel_all_orders(self, credentials: ApiCredentials, symbol: str) -> None:
        unified = to_exchange_symbol(symbol, credentials.trade_type)

        async def cancel_all(client: Any) -> None:
            self._require_market(client, unified)
            await client.cancel_all_orders(unified)
            if credentials.trade_type is TradeType.FUTURES:  # algo orders are cancelled apart
                await client.cancel_all_orders(unified, dict(TRIGGER))

        await self._private_read(credentials, cancel_all, "cancel_all_orders")

    # futures settings -------------------------------------------------------------------

    async def set_leverage(self, credentials: ApiCredentials, symbol: str, leverage: int) -> None:
        unified = to_exchange_symbol(symbol, TradeType.FUTURES)

        async def set_leverage(client: Any) -> None:
            self._require_market(client, unified)
            await client.set_leverage(leverage, unified)

        await self._private_read(credentials, set_leverage, "set_leverage")

    async def set_margin_mode(
        self, credentials: ApiCredentials, symbol: str, mode: MarginMode
    ) -> None:
        unified = to_exchange_symbol(symbol, TradeType.FUTURES)

        async def set_margin_mode(client: Any) -> None:
            self._require_market(client, unified)
            try:
                await client.set_margin_mode(mode.value, unified)
            except ccxt.BaseError as error:
                if binance_code(error) != MARGIN_TYPE_UNCHANGED:  # then it is done already
                    raise

        await self._private_read(credentials, set_margin_mode, "set_margin_mode")

    async def aclose(self) -> None:
        await self.clients.aclose()

    # plumbing ---------------------------------------------------------------------------

    async def _both_families(
        self, credentials: ApiCredentials, symbol: str, method: str
    ) -> list[Order]:
        unified = to_exchange_symbol(symbol, credentials.trade_type)

        async def listing(client: Any) -> list[Order]:
            self._require_market(client, unified)
            listed = getattr(client, method)
            plain = [self._order(raw) for raw in await listed(unified)]
            if credentials.trade_type is TradeType.SPOT:
                return plain
            triggers = [
                self._order(raw, conditional=True)
                for raw in await listed(unified, None, None, dict(TRIGGER))
            ]
            return sorted([*plain, *triggers], key=lambda found: found.timestamp or 0)

        return await self._private_read(credentials, listing, method)

    async def _look_up(
        self, client: Any, credentials: ApiCredentials, order: OrderRequest, unified: str
    ) -> Order | None:
        """The order by its client order id, or None if the exchange never received it."""
        params: dict[str, Any] = {"clientOrderId": order.client_order_id}
        if order.type.conditional:
            params.update(TRIGGER)

        async def fetch() -> Order | None:
            try:
                raw = await client.fetch_order(None, unified, params)
            except ccxt.OrderNotFound:
                return None
            return self._order(raw, conditional=order.type.conditional)

        return await self._read(credentials.trade_type, fetch, "fetch_order")

    async def _private_read(
        self,
        credentials: ApiCredentials,
        call: Callable[[Any], Awaitable[T]],
        action: str,
    ) -> T:
        client = await self._read(
            credentials.trade_type, lambda: self.clients.private(credentials), "markets"
        )
        return await self._read(credentials.trade_type, lambda: call(client), action, client)

    async def _read(
        self,
        trade_type: TradeType,
        call: Callable[[], Awaitable[T]],
        action: str,
        client: Any = None,
    ) -> T:
        """An idempotent call, retried while the exchange is unreachable and once after
        re-measuring the clock; a 429 or 418 pauses every client of the egress first."""
        resynced = False
        for attempt in range(1, READ_ATTEMPTS + 1):
            try:
                return await call()
            except ccxt.InvalidNonce:
                if resynced:
                    raise BusinessRuleViolation(ErrorCode.EXCHANGE_BAD_REQUEST) from None
                resynced = True
                await self.clients.sync_time(trade_type)
                continue
            except ccxt.BaseError as error:
                mapped = await self._refused(client, error, action)
                if not isinstance(mapped, ExchangeUnreachable):
                    raise mapped from None
                if attempt == READ_ATTEMPTS:
                    raise ExchangeUnavailable from None
                if not isinstance(error, ccxt.DDoSProtection):
                    await asyncio.sleep(RETRY_DELAY_SECONDS * attempt)
            except ccxt_shapes.MalformedAnswer as missing:
                log.warning("%s: the exchange's answer lacks %s", action, missing)
                raise BusinessRuleViolation(ErrorCode.EXCHANGE_BAD_REQUEST) from None
        raise ExchangeUnavailable

    async def _refused(self, client: Any, error: Exception, action: str) -> Exception:
        """The domain error for a ccxt error; a rate-limit answer also pauses the egress,
        unless it is one account's order count (-1015), which other accounts do not share."""
        ip_limited = binance_code(error) != ACCOUNT_ORDER_LIMIT
        if isinstance(error, ccxt.DDoSProtection) and client is not None and ip_limited:
            headers = client.last_response_headers or {}
            waited = await self.clients.budget_of(client).pause(headers.get("Retry-After"))
            log.warning("%s: rate limited; pausing the egress %.0f s", action, waited)
        return to_domain(error, action=action)

    @staticmethod
    def _order(raw: dict[str, Any], *, conditional: bool = False) -> Order:
        return ccxt_shapes.order(raw, conditional=conditional)

    @staticmethod
    def _require_market(client: Any, unified: str) -> None:
        if unified not in client.markets:
            raise BusinessRuleViolation(ErrorCode.INVALID_EXCHANGE_SYMBOL)


def _masked(api_key: str) -> str:
    """Enough of a key to find it in the log, not enough to use it."""
    return f"{api_key[:4]}…{api_key[-4:]}" if len(api_key) > 12 else "…"
