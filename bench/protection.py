"""Open protected trades kept by Binance's user-data streams, measured on the simulator.

Run: `python bench/protection.py [--trades 100 1000 10000] [--idle 60] [--sample 100]
[--baseline 100]`.

Each round starts `tradedesk simulator --control` in its own process with one funded account
per trade, seeds the users and keys, places every trade (a MARKET entry, two take profits, a
stop) through the platform's own placement and real ccxt, and runs the keeper as `serve`
does: `react()`, and a tick every 5 s. Once every key's stream is live it reports:

- REST weight per open trade per idle minute, as the simulator counted it (goal <= 0.2), and,
  with `--baseline N`, what N trades cost when the keeper polls (streams off);
- reaction: the stops of `--sample` trades fired one at a time; from the venue's trigger time
  of each stop to the last of its take profits cancelled on the venue, p50 / p99 (goal p99
  < 300 ms), all on the venue's clock;
- stream connections and listen keys as the simulator holds them, and the memory the bench
  process grew per watched key;
- the weight start-up cost (a listen key and a first full read per trade): what Binance's
  2,400 a minute per IP would spread over that many minutes;
- with `--fanout N`, the weight an N-follower fan-out spends per proxy IP and minute with the
  budget shared through Redis by 2 workers behind 5 proxies (`bench/fanout_budget.py`).

The simulator's IP limit and the platform's IP budget are both raised for the bench, so that
10,000 keys start from one loopback IP in seconds instead of hours; the weights reported are
the ones Binance's limits would count.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from limits import RateLimitItemPerMinute  # noqa: E402

from bench import fanout_budget  # noqa: E402
from bench.seeding import SECRET, api_key, key_id, seed_keys, user_id  # noqa: E402
from bench.serving import free_port  # noqa: E402
from tradedesk.bootstrap import build_runtime  # noqa: E402
from tradedesk.config import load_settings  # noqa: E402
from tradedesk.domain.market.exchange import (  # noqa: E402
    ApiCredentials,
    OrderRequest,
    OrderSide,
    OrderType,
)
from tradedesk.domain.market.model import ExchangeId, TradeType  # noqa: E402
from tradedesk.domain.trading.exits import STOP, ExitPlan, entry_id, leg_of  # noqa: E402
from tradedesk.domain.trading.model import protected_trade  # noqa: E402
from tradedesk.domain.trading.placement import TradePlacer  # noqa: E402
from tradedesk.integrations.clock import SystemClock  # noqa: E402
from tradedesk.integrations.exchange.ccxt_clients import CcxtClients  # noqa: E402
from tradedesk.integrations.exchange.ccxt_gateway import CcxtGateway  # noqa: E402
from tradedesk.integrations.exchange.rate_budgets import ExchangeBudgets  # noqa: E402
from tradedesk.persistence.engine import make_engine, make_session_factory  # noqa: E402
from tradedesk.persistence.migrate import upgrade  # noqa: E402
from tradedesk.persistence.seed import seed_public_data  # noqa: E402

BINANCE_IP_WEIGHT = 2400  # a minute, USDT-M futures
RAISED_WEIGHT = 10_000_000  # a minute, for the simulator and the platform alike
PRICE = Decimal(20000)
TAKE_PROFITS = (Decimal(21000), Decimal(21100))
FAR_STOP = Decimal(18000)  # the stops no sample reaches
AMOUNT = Decimal("0.01")
TICK_SECONDS = 5.0  # `serve`'s protection_poll_seconds
PLACING_AT_ONCE = 100


MAX_SAMPLE = 180  # stops of the sample stay above FAR_STOP


def sample_stop(k: int) -> Decimal:
    """Stop k of the sample, 10 apart from 19,900 down, so that one price fires one stop."""
    return PRICE - 100 - 10 * k


@contextlib.asynccontextmanager
async def simulator(trades: int) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """`tradedesk simulator --control` with an account per trade, in its own process."""
    port = free_port()
    accounts = [f"--account={api_key(n)}:{SECRET}:USDT=100000" for n in range(trades)]
    command = [sys.executable, "-m", "tradedesk", "simulator", "--control", f"--port={port}"]
    command += [f"--ip-weight-per-minute={RAISED_WEIGHT}", *accounts]
    process = subprocess.Popen(command, cwd=ROOT)  # noqa: ASYNC220 (started once, not awaited)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            for _ in range(600):
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/fapi/v1/ping")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            else:
                raise SystemExit("the simulator did not start")
            await set_price(http, PRICE)
            yield base, http
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 10)


async def set_price(http: httpx.AsyncClient, price: Decimal) -> None:
    answer = await http.post("/_simulator/price", json={"symbol": "BTCUSDT", "price": str(price)})
    answer.raise_for_status()


async def usage(http: httpx.AsyncClient) -> dict[str, Any]:
    return (await http.get("/_simulator/usage")).json()


def weight_spent(found: dict[str, Any]) -> int:
    return sum(found["weight"].values())


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def credentials(n: int) -> ApiCredentials:
    return ApiCredentials(ExchangeId.BINANCE, TradeType.FUTURES, api_key(n), SECRET)


async def place_trades(runtime: Any, gateway: CcxtGateway, trades: int, sample: int) -> None:
    """Each trade placed through the platform's placement (entry, ladder, stop; real ccxt),
    then handed to the keeper as the manual order service does."""
    placer = TradePlacer(gateway, runtime.services.protection)
    rules = await gateway.market_rules(trade_type=TradeType.FUTURES, symbol="BTC/USDT")
    bound = asyncio.Semaphore(PLACING_AT_ONCE)
    kept = []

    async def place(n: int) -> None:
        plan = ExitPlan(
            side=OrderSide.BUY,
            amount=AMOUNT,
            take_profit_prices=TAKE_PROFITS,
            stop_trigger_price=sample_stop(n) if n < sample else FAR_STOP,
            stop_price=None,
        )
        prefix = f"tdbench{n:017d}"
        entry = OrderRequest(
            symbol="BTC/USDT",
            type=OrderType.MARKET,
            side=OrderSide.BUY,
            amount=AMOUNT,
            client_order_id=entry_id(prefix),
        )
        async with bound:
            placed = await placer.place(
                credentials(n), key_id(n), entry, plan, rules, prefix, clear=False
            )
        kept.append(
            protected_trade(
                trade_id=f"00000000-0000-4000-c000-{n:012d}",
                user_id=user_id(n),
                key_id=key_id(n),
                plan=plan,
                prefix=prefix,
                placed=placed,
            )
        )

    await asyncio.gather(*(place(n) for n in range(trades)))
    async with runtime.services.exchange_keys._uow_factory() as uow:
        await uow.protected_trades.add_many(kept, now=SystemClock().now())
        await uow.commit()


@contextlib.asynccontextmanager
async def keeping(keeper: Any) -> AsyncIterator[None]:
    """The keeper as `serve` runs it: `react()`, and a tick every 5 s."""

    async def ticks() -> None:
        while True:
            await keeper.tick()
            await asyncio.sleep(TICK_SECONDS)

    tasks = [asyncio.create_task(keeper.react()), asyncio.create_task(ticks())]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()


async def until(check: Any, seconds: float, what: str) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > seconds:
            raise SystemExit(f"{what}: not within {seconds:.0f} s")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def reactions(http: httpx.AsyncClient, gateway: CcxtGateway, keeper: Any, sample: int):
    """Fires the sample's stops one at a time; for each, the venue's time from its trigger to
    the last of its take profits cancelled, in ms."""
    for k in range(sample):
        await set_price(http, sample_stop(k) - 5)
        await asyncio.sleep(0.2)
    await until(keeper.settled, 60, "the keeper acting on the stops")
    await asyncio.sleep(1)
    took = []
    for n in range(sample):
        client = await gateway.clients.private(credentials(n))
        algos = await client.fetch_orders("BTC/USDT:USDT", params={"trigger": True})
        prefix = f"tdbench{n:017d}"
        stop = [a["info"] for a in algos if leg_of(prefix, a["clientOrderId"]) == STOP]
        rungs = [
            a["info"] for a in algos if (leg := leg_of(prefix, a["clientOrderId"])) and leg != STOP
        ]
        triggered = max((int(s["triggerTime"]) for s in stop), default=0)
        if not triggered or not rungs or any(r["algoStatus"] != "CANCELED" for r in rungs):
            raise SystemExit(f"trade {n}: its stop fired but its take profits stand: {rungs}")
        took.append(max(int(r["updateTime"]) for r in rungs) - triggered)
    return sorted(took)


def ccxt_gateway(base: str) -> CcxtGateway:
    raised = {t: [RateLimitItemPerMinute(RAISED_WEIGHT)] for t in TradeType}
    return CcxtGateway(CcxtClients(base_url=base, budgets=ExchangeBudgets(ip_limits=raised)))


async def one_round(trades: int, idle: float, sample: int, *, streams: bool) -> dict[str, Any]:
    sample = min(sample, trades, MAX_SAMPLE) if streams else 0
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        engine = make_engine(url)
        await upgrade(engine)
        await engine.dispose()
        async with simulator(trades) as (base, http):
            settings = load_settings(
                database_url=url,
                data_dir=tmp,
                exchange="binance",
                binance_urls=base,
                exchange_streams=streams,
            )
            gateway = ccxt_gateway(base)
            runtime = build_runtime(settings, clock=SystemClock(), exchange=gateway)
            keeper = runtime.services.protection
            try:
                await seed_public_data(make_session_factory(runtime.engine))
                await seed_keys(runtime, trades)
                started = time.monotonic()
                await place_trades(runtime, gateway, trades, sample)
                placing_s = time.monotonic() - started
                before_start = await usage(http)
                memory_before = rss_mb()
                async with keeping(keeper):
                    started = time.monotonic()
                    if streams:
                        await until(
                            lambda: all(keeper.streams.live(key_id(n)) for n in range(trades)),
                            600,
                            "every stream live",
                        )
                    await asyncio.sleep(1)
                    await until(keeper.settled, 600, "the first passes")
                    start_s = time.monotonic() - started
                    memory_after = rss_mb()
                    after_start = await usage(http)
                    await asyncio.sleep(idle)
                    after_idle = await usage(http)
                    took = await reactions(http, gateway, keeper, sample) if sample else []
            finally:
                await runtime.aclose()
    start_weight = weight_spent(after_start) - weight_spent(before_start)
    return {
        "trades": trades,
        "streams": streams,
        "placing_s": placing_s,
        "start_s": start_s,
        "start_weight": start_weight,
        "idle_weight_per_trade_minute": (weight_spent(after_idle) - weight_spent(after_start))
        / trades
        / (idle / 60),
        "connections": after_idle["streams"]["connections"],
        "listen_keys": after_idle["streams"]["listenKeys"],
        "kb_per_key": (memory_after - memory_before) * 1024 / trades,
        "reaction_ms": took,
    }


def report(result: dict[str, Any]) -> None:
    trades = result["trades"]
    way = "streams" if result["streams"] else "polling"
    print(
        f"{trades:>6} trades ({way}): placed in {result['placing_s']:.1f} s; keeper started in"
        f" {result['start_s']:.1f} s spending {result['start_weight']} weight"
        f" ({result['start_weight'] / BINANCE_IP_WEIGHT:.1f} IP-minutes at Binance's 2,400);"
        f" idle: {result['idle_weight_per_trade_minute']:.3f} weight per trade per minute"
    )
    if result["streams"]:
        took = result["reaction_ms"]
        print(
            f"        {result['connections']} stream connections for"
            f" {result['listen_keys']} listen keys; {result['kb_per_key']:.1f} KB per watched"
            " key"
        )
        if took:
            print(
                f"        stop fill to leftovers cancelled ({len(took)} stops, venue clock):"
                f" p50 {statistics.median(took):.0f} ms, p99"
                f" {took[max(0, int(len(took) * 0.99) - 1)]:.0f} ms, max {took[-1]} ms"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trades", type=int, nargs="*", default=[100, 1000, 10000])
    parser.add_argument("--idle", type=float, default=60, help="seconds of the idle window")
    parser.add_argument("--sample", type=int, default=100, help="stops fired one at a time")
    parser.add_argument("--baseline", type=int, default=100, help="trades kept by polling")
    parser.add_argument("--fanout", type=int, default=1000, help="followers of one signal")
    parser.add_argument("--redis", default=fanout_budget.REDIS, help="flushed for the fan-out")
    args = parser.parse_args()
    if args.baseline:
        report(asyncio.run(one_round(args.baseline, args.idle, 0, streams=False)))
    for trades in args.trades:
        report(asyncio.run(one_round(trades, args.idle, args.sample, streams=True)))
    if args.fanout:
        fanout_budget.measure(args.fanout, workers=2, redis_url=args.redis, delay=0.05)


if __name__ == "__main__":
    main()
