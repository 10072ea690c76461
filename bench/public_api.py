"""Requests per second of the public API, each as a share of a bare Starlette JSON endpoint.

Run: `python bench/public_api.py [--seconds 10] [--connections 32]` (needs `wrk`: apt-get
install wrk). The app runs under uvicorn in its own process on loopback with a seeded SQLite
file; wrk drives each endpoint in turn. The bare endpoint lives in the same app, behind the same
middleware, and returns the same strategy list through Starlette's stock JSONResponse, so the
ratio shows what the REST shim and the GraphQL view add on top of the framework itself.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.serving import start_app  # noqa: E402

GRAPHQL_QUERY = (
    "{ strategies { id active name description exchangeId symbol createdAt updatedAt } }"
)
# Executed on every request (never cached): shows the cost of the uncached GraphQL path.
TICKER_QUERY = "{ ticker { symbol timestamp last high low baseVolume quoteVolume } }"


def bench_app():  # type: ignore[no-untyped-def]
    """The uvicorn factory: the real app plus the bare endpoint to compare against."""
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from tradedesk.app import create_app
    from tradedesk.rest import representations

    app = create_app()
    body: dict = {}

    async def bare(_request):  # type: ignore[no-untyped-def]
        if not body:  # the same items the REST route lists, built once
            strategies = await app.state.services.catalog.strategies()
            body["items"] = [representations.strategy(item) for item in strategies]
        return JSONResponse(body)

    app.router.routes.insert(0, Route("/bench/bare", bare))
    return app


def wrk(url: str, seconds: int, connections: int, script: Path | None = None) -> float:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"non-2xx answers from {url}:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="runs per endpoint; the median")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")

    workdir = Path(tempfile.mkdtemp(prefix="tradedesk-bench-"))
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.db'}"}
    tradedesk = [sys.executable, "-m", "tradedesk"]
    subprocess.run([*tradedesk, "seed"], env=env, check=True, capture_output=True)
    server, port = start_app("bench.public_api:bench_app", env)
    base = f"http://127.0.0.1:{port}"
    try:
        lua = _post_script(workdir / "graphql.lua", GRAPHQL_QUERY)
        ticker_lua = _post_script(workdir / "ticker.lua", TICKER_QUERY)
        for _ in range(2):  # warm the catalog and document caches
            httpx.get(f"{base}/v1/pub/strategy/list")
            httpx.post(f"{base}/graphql", json={"query": GRAPHQL_QUERY})
        targets = {
            "bare Starlette JSON": (f"{base}/bench/bare", None),
            "REST /v1/pub/strategy/list": (f"{base}/v1/pub/strategy/list", None),
            "GraphQL { strategies }": (f"{base}/graphql", lua),
            "REST /v1/pub/exchange/ticker": (f"{base}/v1/pub/exchange/ticker", None),
            "GraphQL { ticker }": (f"{base}/graphql", ticker_lua),
        }
        runs: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(args.rounds):  # interleaved, so drift on the machine hits all alike
            for name, (url, script) in targets.items():
                runs[name].append(wrk(url, args.seconds, args.connections, script))
        results = {name: statistics.median(values) for name, values in runs.items()}
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    bare = results["bare Starlette JSON"]
    print(
        f"wrk -t1 -c{args.connections} -d{args.seconds}s, "
        f"median of {args.rounds} interleaved rounds, "
        f"uvicorn 1 worker, {os.cpu_count()} cores"
    )
    for name, rps in results.items():
        spread = ", ".join(f"{value:.0f}" for value in runs[name])
        print(f"{name:28} {rps:7.0f} req/s  {rps / bare:6.1%} of bare  (runs: {spread})")


def _post_script(path: Path, query: str) -> Path:
    """A wrk Lua script that POSTs one GraphQL document."""
    path.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.body = [[{{"query": "{query}"}}]]\n'
    )
    return path


if __name__ == "__main__":
    main()
