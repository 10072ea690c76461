"""`tradedesk simulator`: the paper exchange behind its Binance-compatible HTTP facade."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from starlette.applications import Starlette

from tradedesk.simulator.control import control_routes
from tradedesk.simulator.engine import PaperExchange
from tradedesk.simulator.faults import Faults
from tradedesk.simulator.feeds import WalkFeed
from tradedesk.simulator.http import facade
from tradedesk.simulator.limits import BINANCE_IP_WEIGHT, RateLimits
from tradedesk.simulator.markets import default_markets, default_prices

FLAGS = {"withdraw", "noip", "hedge"}


@dataclass(frozen=True, slots=True)
class AccountSpec:
    api_key: str
    secret: str
    usdt: Decimal
    flags: frozenset[str] = frozenset()


def parse_account(text: str) -> AccountSpec:
    """`KEY:SECRET:USDT=AMOUNT[:FLAG...]`, as `--account` takes it. Flags: `withdraw` (the key
    can withdraw), `noip` (no IP restriction), `hedge` (futures in hedge mode)."""
    problem = f"{text!r} is not KEY:SECRET:USDT=AMOUNT[:withdraw][:noip][:hedge]"
    try:
        api_key, secret, funds, *flags = text.split(":")
        asset, amount = funds.split("=", 1)
        usdt = Decimal(amount)
    except (ValueError, InvalidOperation):
        raise ValueError(problem) from None
    if asset != "USDT" or not api_key or not secret or usdt < 0 or not set(flags) <= FLAGS:
        raise ValueError(problem)
    return AccountSpec(api_key, secret, usdt, frozenset(flags))


def build_simulator(
    accounts: list[AccountSpec],
    *,
    seed: int = 7,
    control: bool = False,
    max_open_algo_orders: int | None = None,
    ip_weight_per_minute: int = BINANCE_IP_WEIGHT,
) -> tuple[PaperExchange, Starlette]:
    """The engine, funded accounts, and the facade app whose lifespan runs the walk feed;
    with `control`, the control surface on the same port. `max_open_algo_orders` caps the
    open conditional orders of an account over all symbols; `ip_weight_per_minute` is the
    request weight one IP may spend a minute (Binance's 2,400 unless raised)."""
    markets = default_markets()
    engine = PaperExchange(
        markets, prices=default_prices(markets), now_ms=lambda: int(time.time() * 1000)
    )
    engine.max_open_conditionals = max_open_algo_orders
    for spec in accounts:
        engine.add_account(
            spec.api_key,
            spec.secret,
            usdt=spec.usdt,
            can_withdraw="withdraw" in spec.flags,
            ip_restricted="noip" not in spec.flags,
            hedge_mode="hedge" in spec.flags,
        )
    feed = WalkFeed(engine, seed=seed)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(feed.run())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    faults = Faults()
    app = facade(engine, RateLimits(weight_per_minute=ip_weight_per_minute), faults=faults)
    if control:
        app.router.routes.extend(
            control_routes(
                engine, faults, feed, limiter=app.state.limiter, streams=app.state.streams
            )
        )
    app.router.lifespan_context = lifespan
    return engine, app
