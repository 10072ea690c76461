"""The simulator's Binance-compatible facade under a real uvicorn in the test's event loop."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

from tests.standins.serving import serving_here
from tradedesk.integrations.exchange.ccxt_clients import rewrite_hosts
from tradedesk.simulator.engine import PaperExchange
from tradedesk.simulator.faults import Faults
from tradedesk.simulator.http import facade
from tradedesk.simulator.limits import RateLimits
from tradedesk.simulator.markets import Market, default_markets, default_prices
from tradedesk.simulator.user_stream import LISTEN_KEY_SECONDS, UserStreams


class Venue(tuple[PaperExchange, str]):
    """(engine, base URL), as tests unpack it; `streams` are its user-data streams."""

    streams: UserStreams

    def __new__(cls, engine: PaperExchange, base: str, streams: UserStreams) -> Venue:
        venue = super().__new__(cls, (engine, base))
        venue.streams = streams
        return venue


@asynccontextmanager
async def serving_facade(
    accounts: dict[str, tuple[str, Decimal]] | None = None,
    limits: RateLimits | None = None,
    *,
    clock_offset_ms: int = 0,
    limits_clock: Callable[[], int] | None = None,
    wrap: Callable[[Any], Any] = lambda app: app,
    faults: Faults | None = None,
    listen_key_seconds: float = LISTEN_KEY_SECONDS,
    markets: list[Market] | None = None,
    **account_flags: dict[str, bool],
) -> AsyncIterator[Venue]:
    """(engine, base URL) of a facade whose prices move only when a test moves them.
    `account_flags` maps an API key to `add_account` flags (can_withdraw, hedge_mode, ...);
    `clock_offset_ms` sets the exchange's clock apart from ours; `wrap` puts ASGI middleware
    (a lost answer, say) in front of the facade; `faults` are the facade's outage switches;
    `limits_clock` is the clock of its rate limits' minute windows; `listen_key_seconds` how
    long a user-data stream's listen key lives without a keepalive; `markets` replace the
    default ones."""
    markets = markets or default_markets()
    engine = PaperExchange(
        markets,
        prices=default_prices(markets),
        now_ms=lambda: int(time.time() * 1000) + clock_offset_ms,
    )
    for api_key, (secret, usdt) in (accounts or {}).items():
        engine.add_account(api_key, secret, usdt=usdt, **account_flags.get(api_key, {}))
    streams = UserStreams(engine, listen_key_seconds=listen_key_seconds)
    app = facade(engine, limits, faults, limits_clock=limits_clock, streams=streams)
    async with serving_here(wrap(app)) as base:
        yield Venue(engine, base, streams)


def ccxt_client(factory: Any, base: str, *, api_key: str = "key", secret: str = "secret") -> Any:
    """A real ccxt (or ccxt.pro) Binance client of `factory`'s class, pointed at the facade at
    `base`: its REST hosts and, for ccxt.pro, its USD-M stream."""
    spot = factory.__name__ == "binance"
    made = factory(
        {
            "apiKey": api_key,
            "secret": secret,
            "options": {
                "fetchMarkets": {"types": ["spot"] if spot else ["linear"]},
                "fetchCurrencies": False,
                "fetchMargins": False,
            },
        }
    )
    made.urls["api"] = rewrite_hosts(made.urls["api"], base)
    if "ws" in made.urls["api"]:  # ccxt.pro's: where the user-data stream is
        made.urls["api"]["ws"]["linear"] = base.replace("http://", "ws://") + "/ws"
    return made
