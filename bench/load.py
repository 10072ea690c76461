"""A bounded load test: the served app under a mix of public reads, private reads, GraphQL
lists and order placement, at increasing concurrency, on SQLite and on PostgreSQL.

Run: `python bench/load.py [--seconds 10] [--concurrency 4 16 64] [--users 64]
[--postgres URL|none] [--workers N] [--kinds]`. For each database the app runs as `tradedesk serve`
runs it in production (uvicorn, its own process or `--workers` processes, logs at info, on
loopback) on a fresh database with the documented catalog and one MANUAL futures key per
user, on `tradedesk simulator` in a process of its own: tickers, open orders and every order
go through ccxt over HTTP, as they would to Binance. With `--workers` the budgets, events and
persisted queries are in Redis. Virtual users then send, for `--seconds` per step, a seeded
random mix:

- 35 % public reads: the strategy list (REST), the ticker (REST);
- 25 % private reads: the user's keys, profile, open orders on the exchange (REST);
- 25 % GraphQL lists: strategies with 30 days of results; the viewer's keys and manual trades;
- 15 % order placement: a LIMIT buy far under the market (each clears the symbol first).

Per step it reports requests, throughput, p50/p99 latency and errors (any non-2xx or
transport failure), and the cores that the app (with its workers), the simulator and the load
generator each kept busy, and the whole machine (the database and Redis too): on a machine
this size they share the cores, and a generator or a simulator at its limit would be
measured instead of the app. `--kinds` adds each kind of
request's count, p50 and p99. After all steps it checks that no write was lost: every order the API
accepted is in its user's manual trade history, and each key's one open order on the
exchange is its last. Rate limits are lifted: this measures the app, not its budgets.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.serving import (  # noqa: E402
    add_postgres_option,
    cpu_seconds,
    dev_token,
    machine_busy_seconds,
    on_each_database,
    serve,
    shared_redis,
    start_simulator,
)

ORDER = {"symbol": "BTC/USDT", "type": "LIMIT", "side": "BUY", "amount": 0.011, "price": 10000}
KEY = {"exchangeId": "BINANCE", "tradeType": "FUTURES", "strategyType": "MANUAL", "name": "Load"}
STRATEGIES = "{ strategies { id name history(limit: 30) { start trades winRate } } }"
VIEWER = (
    "{ viewer { exchangeKeys { id name apiKeyStatus } manualTradeHistory(first: 30) "
    "{ edges { node { orderId price amount createdAt } } } } }"
)


@dataclass
class User:
    token: str
    key_id: str = ""
    accepted: list[str] = field(default_factory=list)  # entry order ids the API placed


def percentiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99, in milliseconds."""
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


@dataclass
class Step:
    concurrency: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)  # cores each process kept busy
    elapsed: float = 0.0  # from the first request to the last answer, past the deadline

    def line(self) -> str:
        p50, p99 = percentiles(self.latencies)
        errors = sum(self.errors.values())
        busy = " ".join(f"{name} {cores:.2f}" for name, cores in self.cpu.items())
        return (
            f"{self.concurrency:>11} {len(self.latencies):>9} "
            f"{len(self.latencies) / self.elapsed:>8.0f}/s {p50:>7.1f} ms {p99:>7.1f} ms "
            f"{errors:>7}   {busy}" + (f"  {dict(self.errors)}" if errors else "")
        )

    def kinds(self) -> str:
        """Each kind of request's count and latency, to tell which one sets the pace."""
        lines = []
        for kind, latencies in sorted(self.by_kind.items()):
            p50, p99 = percentiles(latencies)
            lines.append(f"    {kind:<34} {len(latencies):>7} {p50:>8.1f} ms {p99:>8.1f} ms")
        return "\n".join(lines)


@dataclass
class Answer:
    """What a virtual user keeps of one response."""

    kind: str
    path: str
    status: int
    body: bytes

    @property
    def failure(self) -> str | None:
        """None, or why the request counts as an error: any non-2xx, a GraphQL error."""
        if not 200 <= self.status < 300:
            return str(self.status)
        if self.path == "/graphql" and "errors" in orjson.loads(self.body):
            return "graphql error"
        return None


class Mix:
    """One virtual user's requests, drawn from the mix."""

    def __init__(
        self, http: aiohttp.ClientSession, base: str, user: User, rng: random.Random
    ) -> None:
        """One user per virtual user, as one person trades from one app."""
        self.http, self.base, self.user, self.rng = http, base, user, rng
        self.auth = {"authorization": f"Bearer {user.token}"}

    async def one(self) -> Answer:
        draw = self.rng.random()
        key = self.user.key_id
        if draw < 0.20:
            return await self._send("strategy list", "GET", "/v1/pub/strategy/list")
        if draw < 0.35:
            return await self._send("ticker", "GET", "/v1/pub/exchange/ticker")
        if draw < 0.45:
            path = "/v1/priv/account/exchange/key/list"
            return await self._send("key list", "GET", path, self.auth)
        if draw < 0.52:
            return await self._send("profile", "GET", "/v1/priv/account/profile", self.auth)
        if draw < 0.60:
            path = f"/v1/priv/exchange/order/{key}/list?symbol=BTC%2FUSDT"
            return await self._send("open orders (exchange)", "GET", path, self.auth)
        if draw < 0.72:
            body = {"query": STRATEGIES}
            return await self._send("GraphQL strategies + history", "POST", "/graphql", body=body)
        if draw < 0.85:
            body = {"query": VIEWER}
            return await self._send("GraphQL viewer", "POST", "/graphql", self.auth, body)
        path = f"/v1/priv/exchange/order/{key}"
        placed = await self._send("order (exchange)", "POST", path, self.auth, ORDER)
        if placed.status == 200:
            self.user.accepted.append(orjson.loads(placed.body)[0]["id"])
        return placed

    async def _send(
        self,
        kind: str,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: object = None,
    ) -> Answer:
        async with self.http.request(
            method, self.base + path, headers=headers, json=body
        ) as response:
            return Answer(kind, path, response.status, await response.read())


async def run_step(
    base: str,
    users: list[User],
    concurrency: int,
    seconds: float,
    seed: int,
    processes: dict[str, Callable[[], float]],
) -> Step:
    """aiohttp, not httpx, as the load's client: at 64 connections httpx spent a core of its
    own at about 300 requests a second, and the generator, not the app, set the pace."""
    step = Step(concurrency, seconds)
    connector = aiohttp.TCPConnector(limit=concurrency, ttl_dns_cache=None)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, json_serialize=lambda o: orjson.dumps(o).decode()
    ) as http:
        deadline = time.monotonic() + seconds

        async def virtual_user(n: int) -> None:
            mix = Mix(http, base, users[n % len(users)], random.Random(seed * 1000 + n))
            while time.monotonic() < deadline:
                started = time.perf_counter()
                kind = "transport failure"
                try:
                    answer = await mix.one()
                    kind, failed = answer.kind, answer.failure
                except (TimeoutError, aiohttp.ClientError) as error:
                    failed = type(error).__name__
                took = time.perf_counter() - started
                step.latencies.append(took)
                step.by_kind[kind].append(took)
                if failed:
                    step.errors[failed] += 1

        cpu_before = {name: spent() for name, spent in processes.items()}
        began = time.monotonic()
        await asyncio.gather(*(virtual_user(n) for n in range(concurrency)))
        step.elapsed = elapsed = time.monotonic() - began  # throughput and CPU over the same span
        step.cpu = {
            name: (spent() - cpu_before[name]) / elapsed for name, spent in processes.items()
        }
    return step


def sign_up(base: str, workdir: Path, count: int) -> list[User]:
    users = []
    for n in range(count):
        user = User(dev_token(workdir, f"load-{n}").removeprefix("Bearer "))
        body = {**KEY, "apiKey": f"load-key-{n}", "apiSecretKey": f"load-secret-{n}"}
        created = httpx.post(
            f"{base}/v1/priv/account/exchange/key",
            timeout=60,  # the key is checked on the exchange first
            json=body,
            headers={"authorization": f"Bearer {user.token}"},
        )
        created.raise_for_status()
        user.key_id = created.json()["id"]
        users.append(user)
    return users


def lost_writes(base: str, users: list[User]) -> int:
    """Orders the API accepted that its history or the exchange does not show."""
    lost = 0
    for user in users:
        auth = {"authorization": f"Bearer {user.token}"}
        history, token = [], None
        while True:
            params = {"limit": "1000", **({"nextToken": token} if token else {})}
            page = httpx.get(
                f"{base}/v1/priv/account/trade/manual/history", params=params, headers=auth
            ).json()
            history += page["items"]
            token = page["nextToken"]
            if not token:
                break
        lost += len(set(user.accepted) - {item["orderId"] for item in history})
        open_orders = httpx.get(
            f"{base}/v1/priv/exchange/order/{user.key_id}/list",
            params={"symbol": "BTC/USDT"},
            headers=auth,
        ).json()
        if user.accepted and [order["id"] for order in open_orders] != user.accepted[-1:]:
            lost += 1  # one user's orders go one at a time: the last one rests, alone
    return lost


def run_on(label: str, database_url: str, args: argparse.Namespace) -> None:
    if args.users < max(args.concurrency):
        raise SystemExit("--users must be at least the highest --concurrency")
    workdir = Path(tempfile.mkdtemp(prefix="tradedesk-load-"))
    accounts = [(f"load-key-{n}", f"load-secret-{n}") for n in range(args.users)]
    venue, settings = start_simulator(workdir, accounts)
    if args.workers > 1:
        settings |= shared_redis()
    server, base = serve(database_url, workdir, "--workers", str(args.workers), env=settings)
    try:
        users = sign_up(base, workdir, args.users)
        print(
            f"\n{label}: {args.users} users, {args.seconds:.0f} s per step, "
            f"{args.workers} serving process(es)"
        )
        print("concurrency  requests  throughput      p50        p99   errors   CPU (cores busy)")
        processes: dict[str, Callable[[], float]] = {
            "app": functools.partial(cpu_seconds, server.pid),
            "simulator": functools.partial(cpu_seconds, venue.pid),
            "load": time.process_time,  # this process alone, not the two it started
            "machine": machine_busy_seconds,  # all of them, the database and Redis too
        }
        for n, concurrency in enumerate(args.concurrency):
            step = asyncio.run(
                run_step(base, users, concurrency, args.seconds, n, processes=processes)
            )
            print(step.line(), flush=True)
            if args.kinds:
                print(step.kinds(), flush=True)
        accepted = sum(len(user.accepted) for user in users)
        print(f"orders accepted: {accepted}; lost writes: {lost_writes(base, users)}")
    finally:
        for process in (server, venue):
            process.terminate()
            process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4, 16, 64])
    parser.add_argument(
        "--users", type=int, default=64, help="at least the top concurrency: one user per client"
    )
    parser.add_argument("--workers", type=int, default=1, help="`serve --workers N`")
    parser.add_argument(
        "--kinds", action="store_true", help="each kind of request's count, p50 and p99 too"
    )
    add_postgres_option(parser)
    args = parser.parse_args()
    on_each_database(lambda label, url: run_on(label, url, args), args.postgres)


if __name__ == "__main__":
    main()
