"""Starting the app in its own process on loopback, for the benchmarks: under uvicorn with a
factory, or as `tradedesk serve` runs it in production, on a fresh SQLite file or PostgreSQL
database."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx
import redis

ROOT = Path(__file__).resolve().parents[1]
TRADEDESK = str(Path(sys.executable).with_name("tradedesk"))
BENCH_REDIS_URL = "redis://127.0.0.1:6379/14"
POSTGRES_ADMIN_URL = os.environ.get(
    "TRADEDESK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


# Every request budget lifted: the benchmarks measure the app, not its rate limits.
UNLIMITED = {
    f"TRADEDESK_RATE_LIMIT_{budget}": "1000000/second"
    for budget in ("READ", "WRITE", "EXCHANGE", "IP")
}


UNLIMITED_WEIGHT = 100_000_000  # an IP's request weight a minute, on both sides of ccxt


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(
    factory: str, env: dict[str, str], *uvicorn_args: str, ready_path: str = "/healthz"
) -> tuple[subprocess.Popen, int]:
    """Run `uvicorn --factory factory` on a free port; returns the process once `ready_path`
    answers 200."""
    port = free_port()
    env = {**UNLIMITED, **env}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            factory,
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            *uvicorn_args,
        ],
        cwd=ROOT,
        env=env,
    )
    wait_until_healthy(server, port, ready_path)
    return server, port


def wait_until_healthy(server: subprocess.Popen, port: int, path: str = "/healthz") -> None:
    """Until `path` answers on `port`; the benchmark stops if it never does."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the app did not start")


def serve(
    database_url: str, workdir: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """`tradedesk serve` (after `tradedesk seed`) with production settings: logs at info, one
    JSON line a request, into `workdir`/serve.log; metrics, request ids and rate limits on,
    with budgets lifted out of the load generator's way. Returns the process and its base URL."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TRADEDESK_DATA_DIR": str(workdir),
        "TRADEDESK_DEFAULT_PLAN": "PROFESSIONAL",
        "TRADEDESK_LOG_LEVEL": "info",
        **UNLIMITED,
        **(env or {}),
    }
    subprocess.run([TRADEDESK, "seed"], env=env, cwd=workdir, check=True, capture_output=True)
    port = free_port()
    with (workdir / "serve.log").open("ab") as log:
        server = subprocess.Popen(
            [TRADEDESK, "serve", "--port", str(port), *args], env=env, cwd=workdir, stderr=log
        )
    wait_until_healthy(server, port)
    return server, f"http://127.0.0.1:{port}"


def start_simulator(
    workdir: Path, accounts: list[tuple[str, str]]
) -> tuple[subprocess.Popen, dict[str, str]]:
    """`tradedesk simulator` in its own process, holding an account of 1,000 USDT for each
    (API key, secret), with no weight limit in the way; and the settings that put `serve` on
    it through ccxt, with the client's IP weight budget lifted to match: like the request
    budgets, it would measure Binance's limits, not the app."""
    port = free_port()
    venue = subprocess.Popen(
        [
            TRADEDESK,
            "simulator",
            "--port",
            str(port),
            *(f"--account={key}:{secret}:USDT=1000" for key, secret in accounts),
            "--ip-weight-per-minute",
            str(UNLIMITED_WEIGHT),
        ],
        cwd=workdir,
        stderr=subprocess.DEVNULL,
    )
    wait_until_healthy(venue, port, "/fapi/v1/ping")
    return venue, {
        "TRADEDESK_EXCHANGE": "binance",
        "TRADEDESK_BINANCE_URLS": f"http://127.0.0.1:{port}",
        "TRADEDESK_EXCHANGE_IP_WEIGHT_PER_MINUTE": json.dumps(
            {"FUTURES": UNLIMITED_WEIGHT, "SPOT": UNLIMITED_WEIGHT}
        ),
    }


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of a process and of all its descendants, as they stand
    (Linux's /proc): `serve --workers N` does its work in children."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    spent: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        parents[int(entry.name)] = int(fields[1])
        spent[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick

    def descends(child: int) -> bool:
        while child > 1:
            if child == pid:
                return True
            child = parents.get(child, 0)
        return False

    return sum(seconds for process, seconds in spent.items() if descends(process))


def machine_busy_seconds() -> float:
    """CPU time every core of the machine has spent busy so far (Linux's /proc/stat): what
    the app, the simulator and the load leave to the database and Redis, which share them."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def shared_redis() -> dict[str, str]:
    """The setting that puts budgets, events and persisted queries in Redis (its database 14,
    emptied first), as `serve --workers N` needs."""
    redis.Redis.from_url(BENCH_REDIS_URL).flushdb()
    return {"TRADEDESK_REDIS_URL": BENCH_REDIS_URL}


def dev_token(workdir: Path, subject: str) -> str:
    """A bearer token of the dev issuer whose keys `serve` keeps in `workdir`."""
    env = {**os.environ, "TRADEDESK_DATA_DIR": str(workdir)}
    return subprocess.run(
        [TRADEDESK, "dev-token", "--sub", subject],
        env=env,
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def add_postgres_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--postgres",
        default=POSTGRES_ADMIN_URL,
        help="an admin URL where a throw-away database is created; 'none' skips PostgreSQL",
    )


def on_each_database(run: Callable[[str, str], None], postgres_admin_url: str) -> None:
    """`run(label, database_url)` on a fresh SQLite file, then on a fresh PostgreSQL database
    (dropped afterwards) unless `postgres_admin_url` is 'none'."""
    sqlite = Path(tempfile.mkdtemp(prefix="tradedesk-bench-db-")) / "bench.db"
    run("SQLite", f"sqlite+aiosqlite:///{sqlite}")
    if postgres_admin_url != "none":
        name, url = asyncio.run(fresh_postgres(postgres_admin_url))
        try:
            run("PostgreSQL", url)
        finally:
            asyncio.run(drop_postgres(postgres_admin_url, name))


async def fresh_postgres(admin_url: str) -> tuple[str, str]:
    """A new empty database: its name, and its async URL for the app."""
    name = f"tradedesk_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return name, f"{base}/{name}"


async def drop_postgres(admin_url: str, name: str) -> None:
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()
