"""The exchange, as the domain sees it."""

from __future__ import annotations

from typing import Protocol

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
)
from tradedesk.domain.market.model import ExchangeId, Ticker, TradeType


class ExchangeGateway(Protocol):
    """An exchange as the domain sees it; adapters map their failures to domain errors.

    Symbols are the platform's (`BTC/USDT`) for both trade types. Rejected credentials are
    1103, an unknown symbol 1300, anything else the exchange refuses 1500; reads are retried
    while the exchange is unreachable, writes never blindly."""

    async def fetch_ticker(
        self, *, exchange_id: ExchangeId, trade_type: TradeType, symbol: str
    ) -> Ticker: ...

    async def market_rules(self, *, trade_type: TradeType, symbol: str) -> MarketRules:
        """The market's filters, from the markets the adapter loaded once."""
        ...

    async def check_key(self, credentials: ApiCredentials) -> KeyPermissions:
        """Whether the exchange accepts the key and what it may do; a key the platform cannot
        trade with (a futures key in hedge mode, no trading permission) is 1106."""
        ...

    async def fetch_balances(self, credentials: ApiCredentials) -> list[AssetBalance]:
        """Every asset with a non-zero total in the key's wallet of its trade type."""
        ...

    async def fetch_futures_account(self, credentials: ApiCredentials) -> FuturesAccount:
        """A futures key's balances and held symbols in one request: what a copy trade
        sizes from, at the request weight of a balance read alone."""
        ...

    async def fetch_open_orders(self, credentials: ApiCredentials, symbol: str) -> list[Order]:
        """Plain and conditional (algo) orders that are still open, oldest first."""
        ...

    async def fetch_order_history(self, credentials: ApiCredentials, symbol: str) -> list[Order]:
        """Plain and conditional orders of the symbol in every state, oldest first."""
        ...

    async def fetch_trades(self, credentials: ApiCredentials, symbol: str) -> list[Trade]: ...

    async def fetch_position(self, credentials: ApiCredentials, symbol: str) -> Position | None:
        """The futures position on the symbol; None when flat."""
        ...

    async def place_order(self, credentials: ApiCredentials, order: OrderRequest) -> Order:
        """Places the order once: if its answer is lost, the order is looked up by its client
        order id; only an order the exchange never received is sent again."""
        ...

    async def cancel_order(self, credentials: ApiCredentials, order: Order) -> Order: ...

    async def cancel_all_orders(self, credentials: ApiCredentials, symbol: str) -> None:
        """Cancels plain and conditional orders of the symbol."""
        ...

    async def set_leverage(
        self, credentials: ApiCredentials, symbol: str, leverage: int
    ) -> None: ...

    async def set_margin_mode(
        self, credentials: ApiCredentials, symbol: str, mode: MarginMode
    ) -> None: ...

    async def release(self, credentials: ApiCredentials) -> None:
        """Forget the key's client (the key was deleted or replaced)."""
        ...


class AccountStreams(Protocol):
    """The user-data streams of the keys being watched: each key's account events go to the
    sink the streams were made with, as they happen. Futures accounts only."""

    async def watch(self, key_id: str, credentials: ApiCredentials) -> None:
        """Start (or keep) listening to the key; a StreamGap follows once its stream is up,
        and again after any moment it was not."""
        ...

    async def unwatch(self, key_id: str) -> None: ...

    def live(self, key_id: str) -> bool:
        """Whether the key's events arrive now, so that nothing needs reading to learn them."""
        ...

    def watched(self) -> set[str]: ...

    async def aclose(self) -> None: ...
