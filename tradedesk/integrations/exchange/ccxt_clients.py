"""The ccxt clients a process holds: one public client per trade type, one per user key.

Building a ccxt client and loading its markets costs a round trip and a few megabytes, so a
public client per trade type loads the markets and the exchange's clock offset once, and every
key's client shares them (`set_markets_from_exchange`). A key's client is kept for the life of
the process (or until `release`), so its HTTP session, and its proxy, are reused.

Outbound calls leave through the proxies of `TRADEDESK_EXCHANGE_PROXIES`: each key sticks to
one of them (rendezvous hashing, so adding a proxy moves only the keys it takes over), and all
clients leaving through one proxy share one `EgressBudget` (with every other process, through
Redis, when the budgets are shared), charged Binance's IP weight.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Sequence
from functools import partial
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import ccxt
import ccxt.async_support as ccxt_async

from tradedesk.domain.market.exchange import ApiCredentials
from tradedesk.domain.market.model import TradeType
from tradedesk.integrations.exchange.rate_budgets import EgressBudget, ExchangeBudgets, ip_cost
from tradedesk.integrations.prometheus_metrics import count_exchange_requests

TIME_SYNC_SECONDS = 600.0  # how old the clock offset may get before it is measured again
PUBLIC = "public"  # the account name the public clients pick their proxy by


def rewrite_hosts(api: Any, base_url: str) -> Any:
    """ccxt's `urls['api']` (a nested dict of URLs) with every host replaced by `base_url`'s."""
    base = urlsplit(base_url)
    if isinstance(api, str):
        url = urlsplit(api)
        return urlunsplit((base.scheme, base.netloc, url.path, url.query, url.fragment))
    if isinstance(api, dict):
        return {key: rewrite_hosts(value, base_url) for key, value in api.items()}
    return api


def sticky_proxy(account: str, proxies: Sequence[str]) -> str | None:
    """The proxy this account always leaves through (rendezvous hashing); None without any."""
    if not proxies:
        return None
    return max(proxies, key=lambda proxy: hashlib.sha256(f"{proxy}|{account}".encode()).digest())


class CcxtClients:
    def __init__(
        self,
        *,
        base_url: str | None = None,
        sandbox: bool = False,
        proxies: Sequence[str] = (),
        timeout_ms: int = 10_000,
        budgets: ExchangeBudgets | None = None,
    ) -> None:
        self._base_url = base_url
        self._sandbox = sandbox
        self._proxies = tuple(proxies)
        self._timeout_ms = timeout_ms
        self.budgets = budgets or ExchangeBudgets()
        self._public: dict[TradeType, Any] = {}
        self._ready: dict[TradeType, asyncio.Task[Any]] = {}
        self._synced_at: dict[TradeType, float] = {}
        self._private: dict[str, Any] = {}
        self._budgets: dict[tuple[str | None, TradeType], EgressBudget] = {}

    async def public(self, trade_type: TradeType) -> Any:
        """The public client of this trade type, with markets and clock offset loaded once.
        Concurrent first callers share one load; a failed load is tried again next time."""
        ready = self._ready.get(trade_type)
        failed = ready is not None and ready.done() and (ready.cancelled() or ready.exception())
        if ready is None or failed:
            ready = asyncio.ensure_future(self._load(trade_type))
            self._ready[trade_type] = ready
        return await asyncio.shield(ready)

    async def private(self, credentials: ApiCredentials) -> Any:
        """The key's client, sharing the public client's markets and clock offset."""
        public = await self.public(credentials.trade_type)
        if time.monotonic() - self._synced_at.get(credentials.trade_type, 0.0) > TIME_SYNC_SECONDS:
            await self.sync_time(credentials.trade_type)
        client = self._private.get(credentials.fingerprint)
        if client is None:
            client = self._new_client(
                credentials.trade_type,
                account=credentials.api_key,
                keys={"apiKey": credentials.api_key, "secret": credentials.secret},
            )
            client.set_markets_from_exchange(public)
            client.options["timeDifference"] = public.options["timeDifference"]
            self._private[credentials.fingerprint] = client
        return client

    def budget_of(self, client: Any) -> EgressBudget:
        return client.egress_budget

    async def sync_time(self, trade_type: TradeType) -> None:
        """Measures the exchange's clock offset again and hands it to every client of the type
        (after a -1021, or when the last measure is old)."""
        public = await self.public(trade_type)
        await public.load_time_difference()
        self._synced_at[trade_type] = time.monotonic()
        for client in self._private.values():
            if client.trade_type is trade_type:
                client.options["timeDifference"] = public.options["timeDifference"]

    async def release(self, credentials: ApiCredentials) -> None:
        client = self._private.pop(credentials.fingerprint, None)
        if client is not None:
            await client.close()

    async def aclose(self) -> None:
        """Closes every client at once: ccxt waits a quarter of a second in each close, so
        one after another, ten thousand keys would hold a shutdown for ten minutes."""
        await asyncio.gather(
            *(client.close() for client in [*self._public.values(), *self._private.values()]),
            return_exceptions=True,  # one failing close keeps none of the others open
        )
        self._public.clear()
        self._private.clear()
        self._ready.clear()

    async def _load(self, trade_type: TradeType) -> Any:
        client = self._public.get(trade_type)
        if client is None:
            client = self._public[trade_type] = self._new_client(trade_type, account=PUBLIC)
        await client.load_markets()
        await client.load_time_difference()
        self._synced_at[trade_type] = time.monotonic()
        return client

    def _new_client(
        self, trade_type: TradeType, *, account: str, keys: dict[str, str] | None = None
    ) -> Any:
        spot = trade_type is TradeType.SPOT
        factory = ccxt_async.binance if spot else ccxt_async.binanceusdm
        config: dict[str, Any] = {
            **(keys or {}),
            "enableRateLimit": True,
            "timeout": self._timeout_ms,
            "options": {
                "fetchMarkets": {"types": ["spot" if spot else "linear"]},
                "fetchCurrencies": False,
                "fetchMargins": False,
            },
        }
        client = factory(config)
        if self._sandbox:
            client.set_sandbox_mode(True)
        if self._base_url:
            client.urls["api"] = rewrite_hosts(client.urls["api"], self._base_url)
        proxy = sticky_proxy(account, self._proxies)
        if proxy is not None:
            client.httpsProxy = proxy
        budget = self._budgets.get((proxy, trade_type))
        if budget is None:
            budget = self._budgets[(proxy, trade_type)] = self.budgets.egress(proxy, trade_type)
        client.throttle = budget.throttle
        client.calculate_rate_limiter_cost = partial(ip_cost, client)
        client.egress_budget = budget
        client.trade_type = trade_type
        _answers_checked(client)
        count_exchange_requests(client)
        return client


def _answers_checked(client: Any) -> None:
    """Wraps `fetch2` so that a broken answer is an error ccxt's callers can reason about:
    a body that is not JSON (ccxt would hand its text to the parsers) is a `BadResponse`, and
    a connection cut mid-answer (ccxt files aiohttp's payload errors as refusals) is an
    `ExchangeNotAvailable`. Either way the request may have been executed."""
    send = client.fetch2

    async def checked(
        path: str, api: Any = "public", method: str = "GET", params: Any = None, config: Any = None
    ) -> Any:
        try:
            answer = await send(path, api, method, params or {}, config or {})
        except ccxt.ExchangeError as error:
            if isinstance(error.__cause__, aiohttp.ClientError):
                raise ccxt.ExchangeNotAvailable(f"{client.id} {method} {path}: cut off") from error
            raise
        if isinstance(answer, str | bytes):
            raise ccxt.BadResponse(f"{client.id} {method} {path}: the answer is not JSON")
        return answer

    client.fetch2 = checked
