"""A copy fan-out's exchange weight when several workers share the fleet's budget in Redis.

Run: `python bench/fanout_budget.py [--followers 1000 10000] [--workers 2] [--redis URL]
[--delay 0.05]`.

`--workers` processes each take their share of the followers (follower n goes to worker
n mod workers, as the copy queue spreads them) and spend, for each copy, what a copy costs
on Binance: the futures account read (weight 5), the leverage (1), the entry and its three
exits (0 on the IP; one order each on the account), every call `--delay` late. Each key
leaves through one of the whitelist's five proxies (rendezvous hashing, as the ccxt clients
pick them), and every call waits for its weight in the shared `ExchangeBudgets` on Redis,
charged to `entry`, exactly as the ccxt gateway's calls do. Each worker logs when it spent
what through which proxy; the parent then counts, independently of the budget, the weight
per proxy in every fixed minute (Binance's windows) and in every 60 s sliding window, and
reports them with the time the fan-out took.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import time
from bisect import bisect_left
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fanout import PROXIES  # noqa: E402
from bench.seeding import api_key  # noqa: E402
from tradedesk.domain.market.exchange_purpose import ExchangePurpose, spending_for  # noqa: E402
from tradedesk.domain.market.model import TradeType  # noqa: E402
from tradedesk.integrations.exchange.ccxt_clients import sticky_proxy  # noqa: E402
from tradedesk.integrations.exchange.rate_budgets import ExchangeBudgets  # noqa: E402

BINANCE_IP_WEIGHT = 2400
COPY_CALLS = [5, 1, 0, 0, 0, 0]  # account, leverage, entry, two take profits, stop
AT_ONCE = 1024  # copies one worker runs at once (the dispatcher's bound)
REDIS = "redis://127.0.0.1:6379/13"


async def one_worker(worker: int, workers: int, followers: int, redis: str, delay: float):
    budgets = ExchangeBudgets(redis)
    egress = {proxy: budgets.egress(proxy, TradeType.FUTURES) for proxy in PROXIES}
    spent: list[tuple[float, str, int]] = []
    bound = asyncio.Semaphore(AT_ONCE)

    async def copy(n: int) -> None:
        account = api_key(n)
        proxy = sticky_proxy(account, PROXIES) or ""
        async with bound:
            with spending_for(ExchangePurpose.ENTRY):
                for weight in COPY_CALLS:
                    await egress[proxy].throttle(weight)
                    if weight == 0:
                        await budgets.orders.acquire(account)
                    spent.append((time.time(), proxy, weight))
                    await asyncio.sleep(delay)

    await asyncio.gather(*(copy(n) for n in range(worker, followers, workers)))
    return spent


def run_worker(args: tuple[int, int, int, str, float]) -> list[tuple[float, str, int]]:
    return asyncio.run(one_worker(*args))


def busiest_minutes(spent: list[tuple[float, str, int]]) -> dict[str, tuple[int, int, int]]:
    """Per proxy: its total weight, the most in one fixed minute, the most in any 60 s."""
    by_proxy: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for at, proxy, weight in spent:
        by_proxy[proxy].append((at, weight))
    found = {}
    for proxy, calls in by_proxy.items():
        calls.sort()
        fixed: dict[int, int] = defaultdict(int)
        for at, weight in calls:
            fixed[int(at // 60)] += weight
        times = [at for at, _ in calls]
        running = [0]
        for _, weight in calls:
            running.append(running[-1] + weight)
        sliding = max(
            running[i + 1] - running[bisect_left(times, times[i] - 60 + 1e-9)]
            for i in range(len(calls))
        )
        found[proxy] = (running[-1], max(fixed.values()), sliding)
    return found


def measure(followers: int, workers: int, redis_url: str, delay: float) -> None:
    """One fan-out on a fresh budget, and what each proxy spent, printed."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    started = time.monotonic()
    jobs = [(w, workers, followers, redis_url, delay) for w in range(workers)]
    with multiprocessing.Pool(workers) as pool:
        logs = pool.map(run_worker, jobs)
    took = time.monotonic() - started
    spent = [call for log in logs for call in log]
    print(
        f"{followers:>6} followers on {workers} workers behind {len(PROXIES)} proxies:"
        f" {took:.1f} s, {sum(w for _, _, w in spent)} weight"
    )
    for proxy, (total, fixed, sliding) in sorted(busiest_minutes(spent).items()):
        verdict = "ok" if fixed <= BINANCE_IP_WEIGHT else "OVER BINANCE'S LIMIT"
        print(
            f"        {proxy}: {total} weight; at most {fixed} in a fixed minute,"
            f" {sliding} in any 60 s ({verdict})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--followers", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis", default=REDIS, help="flushed before each round")
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()
    for followers in args.followers:
        measure(followers, args.workers, args.redis, args.delay)


if __name__ == "__main__":
    main()
