"""One signal to N followers on the paper exchange, every account call 50 ms late.

Run: `python bench/fanout.py [--followers 100 1000 10000] [--delay 0.05] [--database URL]`.
Each round seeds N users, each with an AUTOMATED futures key (a paper account of 1,000 USDT)
following STRATEGY #1 with one of the three risk profiles, on a fresh SQLite file (or the
given PostgreSQL URL), then publishes one MARKET signal and runs the copies in process, as
`serve` does. It reports the time from the signal accepted to the last entry placed, the
p50/p99 of each follower's time to their entry, the process's peak memory, exchange calls
per follower, and Binance request weight per proxy IP when the keys are spread over the five
proxies of the documented whitelist (Binance allows 2,400 a minute per IP on USDT-M).

With `--ip-budget`, each call also waits for its weight in the `EgressBudget` of its proxy,
as the ccxt gateway's calls do: the time a fan-out takes against Binance's real limits.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.seeding import seed_keys  # noqa: E402
from tradedesk.bootstrap import build_runtime  # noqa: E402
from tradedesk.config import load_settings  # noqa: E402
from tradedesk.domain.copying.model import StrategyFollow  # noqa: E402
from tradedesk.domain.keys.model import ExchangeKey  # noqa: E402
from tradedesk.domain.market.exchange import OrderSide  # noqa: E402
from tradedesk.domain.market.model import TradeType  # noqa: E402
from tradedesk.domain.strategies.model import SignalAction, SignalInput  # noqa: E402
from tradedesk.integrations.clock import SystemClock  # noqa: E402
from tradedesk.integrations.exchange.ccxt_clients import sticky_proxy  # noqa: E402
from tradedesk.integrations.exchange.paper_feed import PaperMarketFeed  # noqa: E402
from tradedesk.integrations.exchange.paper_gateway import PaperGateway  # noqa: E402
from tradedesk.integrations.exchange.rate_budgets import ExchangeBudgets  # noqa: E402
from tradedesk.persistence.engine import make_engine  # noqa: E402
from tradedesk.persistence.migrate import upgrade  # noqa: E402
from tradedesk.persistence.seed import seed_public_data  # noqa: E402

STRATEGY_1 = "b9f67eb2-1d6e-4a47-a735-d0d9039c9b08"
PROFILES = [
    "ab00673a-cd19-44d4-a7c4-05c63e309663",
    "3dc38f3d-4b4e-43b3-a102-e250b7cd3551",
    "9234a512-48d0-4fa9-8b77-fdaec0fd3e00",
]
PROXIES = [f"http://10.0.0.{n}:3128" for n in range(1, 6)]  # five, as the whitelist lists
# Binance's documented request weight (USDT-M); orders weigh nothing on the IP limit
WEIGHTS = {
    "fetch_futures_account": 5,
    "fetch_position": 5,
    "fetch_balances": 5,
    "set_leverage": 1,
    "cancel_all_orders": 2,  # plain and algo orders: two DELETEs
    "fetch_open_orders": 2,
    "fetch_order_history": 10,
    "cancel_order": 1,
    "place_order": 0,
}


class SlowExchange:
    """The paper gateway with each account call `delay` late, counted per call and per IP,
    and paced by each IP's `EgressBudget` when `ip_budget`."""

    def __init__(self, inner: PaperGateway, delay: float, *, ip_budget: bool = False) -> None:
        self._inner = inner
        self._delay = delay
        budgets = ExchangeBudgets()
        self._budgets = (
            {proxy: budgets.egress(proxy, TradeType.FUTURES) for proxy in PROXIES}
            if ip_budget
            else {}
        )
        self.calls: Counter[str] = Counter()
        self.weight: Counter[str] = Counter()
        self.entry_placed_at: dict[str, float] = {}

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if name not in WEIGHTS:
            return found

        async def call(credentials, *args, **kwargs):  # type: ignore[no-untyped-def]
            proxy = sticky_proxy(credentials.api_key, PROXIES) or ""
            if self._budgets:
                await self._budgets[proxy].throttle(WEIGHTS[name])
            await asyncio.sleep(self._delay)
            self.calls[name] += 1
            self.weight[proxy] += WEIGHTS[name]
            result = await found(credentials, *args, **kwargs)
            if name == "place_order" and args[0].client_order_id.endswith("e"):
                self.entry_placed_at[credentials.api_key] = time.perf_counter()
            return result

        return call


async def seed_followers(runtime: Any, count: int) -> None:
    """N users, keys and follows, written straight through the repositories."""
    now = SystemClock().now()

    async def follow(uow: Any, n: int, key: ExchangeKey) -> None:
        await uow.follows.add(
            StrategyFollow(
                id=f"00000000-0000-4000-a000-{n:012d}",
                user_id=key.user_id,
                key_id=key.id,
                strategy_id=STRATEGY_1,
                risk_profile_id=PROFILES[n % len(PROFILES)],
                symbol="BTC/USDT",
                active=True,
                created_at=now,
                updated_at=now,
            )
        )

    await seed_keys(runtime, count, also=follow)


async def one_round(
    followers: int, delay: float, database: str | None, *, ip_budget: bool
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = database or f"sqlite+aiosqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        await upgrade(engine)
        await engine.dispose()
        settings = load_settings(database_url=url, data_dir=tmp)
        clock = SystemClock()
        feed = PaperMarketFeed(clock, prices=settings.paper_prices, seed=settings.paper_seed)
        exchange = SlowExchange(
            PaperGateway(feed, clock, opening_usdt=settings.paper_opening_usdt),
            delay,
            ip_budget=ip_budget,
        )
        runtime = build_runtime(settings, clock=clock, exchange=exchange)  # type: ignore[arg-type]
        try:
            from tradedesk.persistence.engine import make_session_factory

            await seed_public_data(make_session_factory(runtime.engine))
            await seed_followers(runtime, followers)
            last = Decimal(str(feed.last_price("BTC/USDT", TradeType.FUTURES)))
            signal = SignalInput(
                strategy_id=STRATEGY_1,
                action=SignalAction.OPEN,
                side=OrderSide.BUY,
                stop_price=(last * Decimal("0.99")).quantize(Decimal("0.1")),
                take_profit_prices=(
                    (last * Decimal("1.01")).quantize(Decimal("0.1")),
                    (last * Decimal("1.02")).quantize(Decimal("0.1")),
                ),
            )
            accepted = time.perf_counter()
            await runtime.services.signal_publishing.publish_as(
                signal, signal_id="00000000-0000-4000-b000-000000000001", created_by="bench",
                location="input",
            )  # fmt: skip
            await runtime.services.copy_dispatcher.drain()
            done = time.perf_counter()
        finally:
            await runtime.aclose()
        waits = sorted(t - accepted for t in exchange.entry_placed_at.values())
        return {
            "followers": followers,
            "placed": len(waits),
            "total_s": done - accepted,
            "last_entry_s": waits[-1] if waits else None,
            "p50_s": statistics.median(waits) if waits else None,
            "p99_s": waits[int(len(waits) * 0.99) - 1] if waits else None,
            "calls_per_follower": sum(exchange.calls.values()) / followers,
            "calls": dict(exchange.calls),
            "max_weight_per_ip": max(exchange.weight.values()) if exchange.weight else 0,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--followers", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--database", default=None, help="default: a fresh SQLite file")
    parser.add_argument(
        "--ip-budget", action="store_true", help="pace calls by each proxy's Binance budget"
    )
    args = parser.parse_args()
    for count in args.followers:
        result = asyncio.run(one_round(count, args.delay, args.database, ip_budget=args.ip_budget))
        print(
            f"{result['followers']:>6} followers: {result['placed']} placed;"
            f" signal to last entry {result['last_entry_s']:.2f} s (all done"
            f" {result['total_s']:.2f} s); per follower p50 {result['p50_s']:.2f} s,"
            f" p99 {result['p99_s']:.2f} s; {result['calls_per_follower']:.1f} calls each;"
            f" max weight per IP {result['max_weight_per_ip']}; peak RSS"
            f" {result['peak_rss_mb']:.0f} MB"
        )
        print(f"        calls: {result['calls']}")


if __name__ == "__main__":
    main()
