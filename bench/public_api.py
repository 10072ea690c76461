"""Requests per second of the API's reads, each as a share of a bare Starlette app in its own
process returning the same bytes.

Run: `python bench/public_api.py [--seconds 5] [--rounds 3] [--connections 32]
[--postgres URL|none] [--workers N ...]` (needs `wrk`: apt-get install wrk).

The API runs as `tradedesk serve` runs it in production (uvicorn, one process, logs at info
with one JSON line a request into a file, metrics, request ids and rate limits on, with budgets
raised out of wrk's way) on a seeded SQLite file, then on a fresh PostgreSQL database. The
reference is `bench/bare_app.py` under the same uvicorn in a process of its own, answering the
REST strategy list's exact bytes; for the GraphQL reads also a POST route that reads the body
and answers the GraphQL query's exact bytes; and, as the ceiling of a database read, the same
bytes after running the key list's query through plain SQLAlchemy Core. It shares no code
with the API. wrk (1
thread) drives each target in turn, interleaved over rounds so drift hits all alike; a Lua
hook compares every answer with the body read before the run, and any answer that is not that
200 stops the benchmark. The authenticated reads use a dev-issuer token of a user with three
keys, and are also run at 1, 4 and 32 connections to show whether throughput grows with
concurrency; `--workers` runs `serve --workers N` instead, with the budgets in Redis and the
accounts on `tradedesk simulator`.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.serving import (  # noqa: E402
    add_postgres_option,
    dev_token,
    on_each_database,
    serve,
    shared_redis,
    start_app,
    start_simulator,
)

STRATEGIES = "{ strategies { id active name description exchangeId symbol createdAt updatedAt } }"
VIEWER_KEYS = "{ viewer { exchangeKeys { id name apiKeyStatus } } }"
KEY = {"exchangeId": "BINANCE", "tradeType": "FUTURES", "strategyType": "MANUAL"}
SCALING = (1, 4, 32)  # connections for the authenticated reads' scaling line


@dataclass(frozen=True)
class Target:
    """One request wrk repeats, and the exact answer each repetition must get."""

    name: str
    url: str
    body: bytes  # the expected answer
    method: str = "GET"
    payload: str | None = None
    authorization: str | None = None

    def lua(self, path: Path) -> Path:
        """A wrk script that sends this request and counts every answer that is not the 200
        with the expected body; `done` prints the count."""
        lines = [f'wrk.method = "{self.method}"']
        if self.payload is not None:
            lines += [
                'wrk.headers["Content-Type"] = "application/json"',
                _lua_string("wrk.body", self.payload),
            ]
        if self.authorization is not None:
            lines.append(f'wrk.headers["Authorization"] = "{self.authorization}"')
        lines += [
            _lua_string("local expected", self.body.decode()),
            "local threads = {}",
            "function setup(thread) table.insert(threads, thread) end",
            "function init(args) wrong = 0 end",
            "function response(status, headers, body)",
            "  if status ~= 200 or body ~= expected then wrong = wrong + 1 end",
            "end",
            "function done(summary, latency, requests)",
            "  local total = 0",
            '  for _, thread in ipairs(threads) do total = total + thread:get("wrong") end',
            '  io.write(string.format("wrong answers: %d\\n", total))',
            "end",
        ]
        path.write_text("\n".join(lines) + "\n")
        return path


def _lua_string(assignment: str, text: str) -> str:
    """`assignment = [==[text]==]`, a Lua long string that needs no escaping."""
    level = "=" * 4
    assert f"]{level}]" not in text
    return f"{assignment} = [{level}[{text}]{level}]"


def wrk(target: Target, script: Path, seconds: int, connections: int) -> float:
    """Requests per second of one wrk run; stops the benchmark on any wrong answer."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), target.url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    wrong = re.search(r"wrong answers: (\d+)", output)
    errors = re.search(r"Socket errors: .*", output)
    if wrong is None or int(wrong.group(1)) or "Non-2xx" in output or errors:
        raise SystemExit(f"{target.name}: wrong answers from {target.url}:\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert rate is not None
    return float(rate.group(1))


def targets(base: str, bare: str, token: str) -> list[Target]:
    """Each target with the answer it gets now, which every answer of the run must repeat."""
    auth = f"Bearer {token}"
    wanted = [
        Target("REST /v1/pub/strategy/list", f"{base}/v1/pub/strategy/list", b""),
        Target("GraphQL { strategies }", f"{base}/graphql", b"", "POST", _graphql(STRATEGIES)),
        Target("GET /healthz", f"{base}/healthz", b""),
        Target(
            "REST key list (3 keys)",
            f"{base}/v1/priv/account/exchange/key/list",
            b"",
            authorization=auth,
        ),
        Target(
            "GraphQL viewer.exchangeKeys",
            f"{base}/graphql",
            b"",
            "POST",
            _graphql(VIEWER_KEYS),
            auth,
        ),
    ]
    answered = []
    for target in wanted:
        headers = {"authorization": auth} if target.authorization else {}
        answer = httpx.request(
            target.method,
            target.url,
            content=target.payload,
            headers={**headers, "content-type": "application/json"},
        )
        if answer.status_code != 200 or b'"errors"' in answer.content:
            raise SystemExit(f"{target.name}: {answer.status_code} {answer.text}")
        answered.append(Target(**{**target.__dict__, "body": answer.content}))
    reference = Target("bare Starlette (own process)", f"{bare}/bare", answered[0].body)
    posted = Target(
        "bare Starlette POST", f"{bare}/bare-graphql", answered[1].body, "POST", answered[1].payload
    )
    with_query = Target("bare + the key list's SELECT", f"{bare}/bare-db", answered[0].body)
    return [reference, posted, with_query, *answered]


def _graphql(query: str) -> str:
    return '{"query": "' + query + '"}'


def user_with_keys(base: str, workdir: Path, count: int) -> str:
    """A dev-issuer token of a new user who holds `count` exchange keys."""
    token = dev_token(workdir, "bench-reader").removeprefix("Bearer ")
    for n in range(count):
        created = httpx.post(
            f"{base}/v1/priv/account/exchange/key",
            json={**KEY, "name": f"Key {n}", "apiKey": f"bench-{n}", "apiSecretKey": f"s-{n}"},
            headers={"authorization": f"Bearer {token}"},
        )
        created.raise_for_status()
    return token


def run_on(label: str, database_url: str, args: argparse.Namespace, workers: int = 0) -> None:
    """The table on one database; with `workers`, `serve --workers N` as several processes
    run it: budgets in Redis and the accounts on `tradedesk simulator` in its own process."""
    workdir = Path(tempfile.mkdtemp(prefix="tradedesk-bench-"))
    venue = shared = None
    if workers:  # what several processes share: budgets in Redis, accounts on the simulator
        accounts = [(f"bench-{n}", f"s-{n}") for n in range(3)]
        venue, on_simulator = start_simulator(workdir, accounts)
        shared = {**on_simulator, **shared_redis()}
    server, base = serve(
        database_url, workdir, *(["--workers", str(workers)] if workers else []), env=shared
    )
    bare_server = None
    try:
        token = user_with_keys(base, workdir, 3)
        body_file = workdir / "bare-body.json"
        body_file.write_bytes(httpx.get(f"{base}/v1/pub/strategy/list").content)
        graphql_file = workdir / "bare-graphql.json"
        graphql_file.write_bytes(
            httpx.post(f"{base}/graphql", json={"query": STRATEGIES}).raise_for_status().content
        )
        bare_server, bare_port = start_app(
            "bench.bare_app:bare_app",
            {
                **os.environ,
                "TRADEDESK_BENCH_BARE_BODY": str(body_file),
                "TRADEDESK_BENCH_BARE_GRAPHQL_BODY": str(graphql_file),
                "TRADEDESK_BENCH_BARE_DATABASE_URL": database_url,
            },
            "--no-server-header",
            ready_path="/bare",
        )
        measured = targets(base, f"http://127.0.0.1:{bare_port}", token)
        scripts = {t.name: t.lua(workdir / f"{n}.lua") for n, t in enumerate(measured)}
        runs: dict[str, list[float]] = {t.name: [] for t in measured}
        for _ in range(args.rounds):  # interleaved, so drift on the machine hits all alike
            for target in measured:
                rate = wrk(target, scripts[target.name], args.seconds, args.connections)
                runs[target.name].append(rate)
        scaling = {
            (target.name, connections): wrk(target, scripts[target.name], args.seconds, connections)
            for target in measured
            if target.authorization
            for connections in SCALING
        }
    finally:
        for process in (server, bare_server, venue):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
    logged = sum(
        orjson.loads(line).get("event") == "request"
        for line in (workdir / "serve.log").read_bytes().splitlines()
        if line.startswith(b"{")
    )
    shutil.rmtree(workdir, ignore_errors=True)

    print(
        f"\n{label}: wrk -t1 -c{args.connections} -d{args.seconds}s, median of {args.rounds} "
        f"interleaved rounds, uvicorn {workers or 1} process(es), {os.cpu_count()} cores; "
        f"{logged} request lines logged"
    )
    bare, bare_post, bare_db = (statistics.median(runs[t.name]) for t in measured[:3])
    for target in measured:
        rate = statistics.median(runs[target.name])
        spread = ", ".join(f"{value:.0f}" for value in runs[target.name])
        of_post = f", {rate / bare_post:4.2f} of bare POST" if target.method == "POST" else ""
        of_db = f", {rate / bare_db:4.2f} of bare + SELECT" if target.authorization else ""
        print(
            f"{target.name:32} {rate:7.0f} req/s  {rate / bare:5.2f} of bare{of_post}{of_db}  "
            f"(runs: {spread})"
        )
    for (name, connections), rate in scaling.items():
        print(f"{name:32} {rate:7.0f} req/s at {connections} connection(s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="runs per target; the median")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        help="run `serve --workers N` for each N given, with Redis and the simulator (for all "
        "N alike, so the figures compare); without it, one process on the paper exchange",
    )
    add_postgres_option(parser)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    if not args.workers:
        on_each_database(lambda label, url: run_on(label, url, args), args.postgres)
    for workers in args.workers or []:
        on_each_database(functools.partial(run_on, args=args, workers=workers), args.postgres)


if __name__ == "__main__":
    main()
