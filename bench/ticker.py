"""Concurrent ticker readers against the served app: upstream calls and latency.

Run: `python bench/ticker.py [--readers 1000] [--waves 3]`. The app runs under uvicorn in
its own process on loopback (SQLite, paper exchange behind the ticker cache); its upstream
exchange is wrapped in a counter read through /bench/upstream-calls. Each wave fires
`--readers` concurrent `GET /v1/pub/exchange/ticker` requests, then waits out the TTL
(`TRADEDESK_TICKER_TTL`, 2 s by default), so each wave should cost exactly one upstream call.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.serving import start_app  # noqa: E402


def bench_app():  # type: ignore[no-untyped-def]
    """The uvicorn factory: the real app, its exchange wrapped in a call counter."""
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from tradedesk.app import create_app
    from tradedesk.bootstrap import build_runtime
    from tradedesk.config import load_settings
    from tradedesk.integrations.clock import SystemClock
    from tradedesk.integrations.exchange.paper_feed import PaperMarketFeed

    settings = load_settings()
    clock = SystemClock()
    feed = PaperMarketFeed(clock, prices=settings.paper_prices, seed=settings.paper_seed)
    calls = {"count": 0}

    class CountedFeed:
        async def fetch_ticker(self, **market):  # type: ignore[no-untyped-def]
            calls["count"] += 1
            return await feed.fetch_ticker(**market)

    app = create_app(runtime=build_runtime(settings, clock=clock, exchange=CountedFeed()))

    async def upstream_calls(_request):  # type: ignore[no-untyped-def]
        return JSONResponse(calls)

    app.router.routes.insert(0, Route("/bench/upstream-calls", upstream_calls))
    return app


REQUEST = b"GET /v1/pub/exchange/ticker HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"


async def one_reader(port: int) -> float:
    """One request on its own connection; a bare asyncio client, so the client is not what
    is measured (httpx needs seconds to open a thousand connections)."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(REQUEST)
    response = await reader.read()
    writer.close()
    if not response.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"unexpected answer: {response[:200]!r}")
    return time.perf_counter() - started


async def upstream_calls(port: int) -> int:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"http://127.0.0.1:{port}/bench/upstream-calls")
        return response.json()["count"]


async def run(port: int, readers: int, waves: int, ttl: float) -> None:
    print(f"{readers} concurrent readers per wave, ticker TTL {ttl} s, {os.cpu_count()} cores")
    for number in range(1, waves + 1):
        before = await upstream_calls(port)
        latencies = sorted(await asyncio.gather(*(one_reader(port) for _ in range(readers))))
        after = await upstream_calls(port)
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
        print(
            f"wave {number}: upstream calls {after - before}, "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
        )
        await asyncio.sleep(ttl + 0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readers", type=int, default=1000)
    parser.add_argument("--waves", type=int, default=3)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # a socket per reader
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * args.readers)), hard))

    workdir = Path(tempfile.mkdtemp(prefix="tradedesk-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
        "TRADEDESK_DATA_DIR": str(workdir),
    }
    subprocess.run(
        [sys.executable, "-m", "tradedesk", "migrate"], env=env, check=True, capture_output=True
    )
    server, port = start_app("bench.ticker:bench_app", env, "--backlog", "4096")
    try:
        ttl = float(env.get("TRADEDESK_TICKER_TTL", "2"))
        asyncio.run(run(port, args.readers, args.waves, ttl))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
