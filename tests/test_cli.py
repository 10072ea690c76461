"""The operator's commands, run as an operator runs them: the installed `tradedesk` script."""

from __future__ import annotations

import itertools
import os
import re
import signal
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest
import redis
from websockets.sync.client import connect

from tests.builders import documented
from tests.standins.serving import free_port, serving
from tests.support.databases import REDIS_URL
from tests.support.processes import (
    TRADEDESK,
    clean_environment,
    run,
    start_server,
    wait_until_serving,
)
from tradedesk.simulator.engine import PaperExchange
from tradedesk.simulator.faults import Faults
from tradedesk.simulator.http import facade
from tradedesk.simulator.markets import default_markets, default_prices


def test_seed_uses_a_sqlite_file_in_the_working_directory_and_is_safe_twice(tmp_path):
    first = run(["seed"], tmp_path)
    second = run(["seed"], tmp_path)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert first.stdout.startswith("seeded: 10 inserted")
    assert second.stdout.startswith("seeded: 0 inserted")
    with sqlite3.connect(tmp_path / "tradedesk.db") as db:
        assert db.execute("select count(*) from strategies").fetchone() == (4,)


def test_seed_demo_covers_the_last_thirty_days(tmp_path):
    assert run(["seed", "--demo"], tmp_path).returncode == 0
    again = run(["seed", "--demo"], tmp_path)

    assert again.returncode == 0 and again.stdout.startswith("seeded: 0 inserted")
    with sqlite3.connect(tmp_path / "tradedesk.db") as db:
        days = {row[0][:10] for row in db.execute("select closed_at from strategy_trades")}
        per_strategy = db.execute(
            "select count(distinct strategy_id) from strategy_trades"
        ).fetchone()
    today = datetime.now(UTC).date()
    month_ago = (today - timedelta(days=29)).isoformat()
    assert per_strategy == (4,)
    assert min(days) <= month_ago
    assert max(days) >= (today - timedelta(days=1)).isoformat()


def test_migrate_is_safe_twice(tmp_path):
    assert run(["migrate"], tmp_path).returncode == 0
    assert run(["migrate"], tmp_path).returncode == 0


def test_bad_configuration_fails_with_one_clear_line(tmp_path):
    result = run(["migrate"], tmp_path, DATABASE_URL="mysql://root@localhost/x")

    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_tradedesk_variables_are_ignored(tmp_path):
    result = run(["migrate"], tmp_path, TRADEDESK_SOMETHING_NEW="1")

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://nobody@127.0.0.1:1/x",  # nothing listens
        "postgresql://no_such_role@127.0.0.1:5432/test",  # the server refuses the login
    ],
)
def test_unreachable_database_is_one_line(tmp_path, url):
    result = run(["migrate"], tmp_path, DATABASE_URL=url)

    assert result.returncode == 1
    assert "cannot reach the database" in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "Traceback" not in result.stderr


def test_dev_token_is_refused_when_a_real_issuer_is_configured(tmp_path):
    result = run(
        ["dev-token", "--sub", "x"],
        tmp_path,
        TRADEDESK_AUTH_ISSUER="https://cognito-idp.us-east-1.amazonaws.com/pool",
        TRADEDESK_AUTH_CLIENT_ID="client",
    )

    assert result.returncode == 2
    assert "TRADEDESK_AUTH_ISSUER" in result.stderr


def test_serve_migrates_and_answers_on_loopback(tmp_path):
    assert run(["seed"], tmp_path).returncode == 0
    minted = run(["dev-token", "--sub", "dev-user", "--email", "dev@example.com"], tmp_path)
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip()
    port = free_port()
    server = start_server(tmp_path, "127.0.0.1", port)
    try:
        base = wait_until_serving(server, port)

        assert httpx.get(f"{base}/readyz").json() == {"status": "ready"}
        assert httpx.get(f"{base}/v1/pub/strategy/list").json() == documented.STRATEGIES
        profile = httpx.get(f"{base}/v1/priv/account/profile", headers={"authorization": token})
        assert profile.status_code == 200, profile.text
        assert httpx.get(f"{base}/v1/priv/account/profile").status_code == 401
        graphiql = httpx.get(f"{base}/graphql", headers={"accept": "text/html"})
        assert graphiql.status_code == 200 and "graphiql" in graphiql.text.lower()
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.asyncio
async def test_seed_on_postgresql_is_safe_twice(tmp_path):
    import asyncio

    from sqlalchemy import text

    from tests.support.databases import postgres_database
    from tradedesk.persistence.engine import make_engine

    async with postgres_database() as url:
        outputs = []
        for _ in range(2):
            result = await asyncio.to_thread(run, ["seed", "--demo"], tmp_path, DATABASE_URL=url)
            assert result.returncode == 0, result.stderr
            outputs.append(result.stdout)
        engine = make_engine(url)
        async with engine.connect() as connection:
            plans = (await connection.execute(text("select count(*) from plans"))).scalar()
        await engine.dispose()

    assert plans == 4  # the three documented plans and the private FREE plan
    # "350 inserted" contains "0 inserted": compare the counts, not substrings
    assert outputs[1].startswith("seeded: 0 inserted")
    assert not outputs[0].startswith("seeded: 0 inserted")


def test_serving_the_dev_issuer_beyond_loopback_warns(tmp_path):
    port = free_port()
    server = start_server(tmp_path, "0.0.0.0", port)
    try:
        first_line = server.stdout.readline()
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert "WARNING" in first_line and "dev issuer" in first_line


@contextmanager
def simulator_serving(tmp_path, *flags: str) -> Iterator[str]:
    """`tradedesk simulator` with two accounts and `flags`, in its own process; its base URL."""
    port = free_port()
    accounts = ["--account", "k1:s1:USDT=5000", "--account", "k2:s2:USDT=10"]
    server = subprocess.Popen(
        [TRADEDESK, "simulator", "--port", str(port), *accounts, *flags],
        cwd=tmp_path,
        env=clean_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/fapi/v1/ping")
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "simulator did not start"
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_simulator_serves_binances_api_on_loopback(tmp_path):
    with simulator_serving(tmp_path) as base:
        info = httpx.get(f"{base}/fapi/v1/exchangeInfo")
        spot = httpx.get(f"{base}/api/v3/ticker/24hr", params={"symbol": "BTCUSDT"})
        listen_key = httpx.post(f"{base}/fapi/v1/listenKey", headers={"X-MBX-APIKEY": "k1"})
        with connect(f"{base.replace('http', 'ws')}/ws/{listen_key.json()['listenKey']}"):
            pass  # the stream's WebSocket is served too
        control = httpx.post(f"{base}/_simulator/price", json={"symbol": "BTCUSDT", "price": "1"})

    assert {s["symbol"] for s in info.json()["symbols"]} == {"BTCUSDT", "ETHUSDT", "BNBUSDT"}
    assert float(spot.json()["lastPrice"]) == pytest.approx(19700, rel=0.005)
    assert control.status_code == 404  # no control surface unless asked for


def test_the_simulators_control_surface_moves_its_prices(tmp_path):
    with simulator_serving(tmp_path, "--control") as base:
        moved = httpx.post(
            f"{base}/_simulator/price", json={"symbol": "BTCUSDT", "price": "20500.5"}
        )
        time.sleep(1.5)  # a step of the walk: it leaves a price set on purpose alone
        futures = httpx.get(f"{base}/fapi/v1/ticker/24hr", params={"symbol": "BTCUSDT"})

    assert moved.json() == {"symbol": "BTCUSDT", "price": "20500.5", "fills": 0}
    assert futures.json()["lastPrice"] == "20500.5"


@pytest.mark.parametrize(
    "account", ["k1:s1", "k1:s1:BTC=1", "k1:s1:USDT=lots", ":s:USDT=1", "k1:s1:USDT=1:margin"]
)
def test_a_malformed_simulator_account_is_one_line(tmp_path, account):
    result = run(["simulator", "--account", account], tmp_path)

    assert result.returncode == 2
    assert "KEY:SECRET:USDT=AMOUNT" in result.stderr and "Traceback" not in result.stderr


def test_worker_once_migrates_and_takes_one_round_of_snapshots(tmp_path):
    result = run(["worker", "--once"], tmp_path)

    assert result.returncode == 0, result.stderr
    assert "recorded 0 balance snapshot(s)" in result.stdout
    assert "open trade" not in result.stdout  # paper trades are kept by serve, where they live
    with sqlite3.connect(tmp_path / "tradedesk.db") as db:
        assert db.execute("select count(*) from balance_snapshots").fetchone() == (0,)


def test_worker_once_keeps_open_trades_on_a_real_exchange(tmp_path):
    result = run(
        ["worker", "--once"],
        tmp_path,
        TRADEDESK_EXCHANGE="binance",
        TRADEDESK_BINANCE_URLS="http://127.0.0.1:9",  # never asked: there is nothing to follow
    )

    assert result.returncode == 0, result.stderr
    assert "followed 0 open trade(s)" in result.stdout


def test_serve_finishes_the_requests_in_flight_on_sigterm(tmp_path):
    """SIGTERM while a ticker is being fetched from a slow exchange: the server stops taking
    connections at once, answers the request in flight, then shuts down."""
    assert run(["seed"], tmp_path).returncode == 0
    markets = default_markets()
    exchange = PaperExchange(
        markets, prices=default_prices(markets), now_ms=lambda: int(time.time() * 1000)
    )
    faults = Faults()
    faults.latency("/fapi/v1/ticker", seconds=1.5)
    with serving(facade(exchange, faults=faults)) as venue:
        port = free_port()
        server = start_server(
            tmp_path, "127.0.0.1", port, TRADEDESK_EXCHANGE="binance", TRADEDESK_BINANCE_URLS=venue
        )
        try:
            base = wait_until_serving(server, port)
            with ThreadPoolExecutor(1) as pool:
                in_flight = pool.submit(httpx.get, f"{base}/v1/pub/exchange/ticker", timeout=15)
                while not faults.faults[0].hits:  # the request is at the exchange now
                    time.sleep(0.02)
                server.send_signal(signal.SIGTERM)
                time.sleep(0.3)
                with pytest.raises(httpx.TransportError):
                    httpx.get(f"{base}/healthz", timeout=2)  # no longer accepting
                answer = in_flight.result()
            code = server.wait(timeout=20)
        finally:
            server.kill()
            output = server.communicate()[0]

    assert answer.status_code == 200, output
    assert answer.json()["symbol"] == "BTC/USDT"
    # uvicorn re-raises the signal once it has shut down cleanly, as process managers expect
    assert code == -signal.SIGTERM and "Application shutdown complete" in output, output


@pytest.mark.parametrize("command", [["serve"], ["worker", "--once"]])
def test_a_key_file_tracked_by_git_stops_the_command_with_one_line(tmp_path, command):
    """A sealing key committed to a repository is public: nothing is served or sealed with it."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    (checkout / "secret-box.key").write_bytes(b"committed by mistake")
    subprocess.run(["git", "-C", str(checkout), "add", "secret-box.key"], check=True)

    result = run(command, tmp_path, TRADEDESK_DATA_DIR=str(checkout))

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "secret-box.key is tracked by git" in line
    assert not (tmp_path / "tradedesk.db").exists()  # stopped before anything else


def test_a_sealing_key_left_in_the_old_data_directory_stops_serve_with_one_line(tmp_path):
    """Before, the data directory defaulted to the working directory: a key found there and
    not in the new one would be replaced by a new key that opens none of the secrets."""
    (tmp_path / "secret-box.key").write_bytes(b"the key that sealed the secrets")
    data = tmp_path / "data"

    result = run(["serve"], tmp_path, TRADEDESK_DATA_DIR=str(data))

    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "secret-box.key is the key that sealed" in line and str(data) in line
    assert not (data / "secret-box.key").exists()  # no new key made


def test_no_key_or_environment_file_is_tracked():
    repository = Path(__file__).resolve().parent.parent
    tracked = subprocess.run(
        ["git", "-C", str(repository), "ls-files", "*.key", "*.pem", ".env*", "**/.env*"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()

    assert tracked == [".env.example"]


def test_only_trusted_peers_say_who_the_client_is(tmp_path):
    """Behind a trusted load balancer each client has its own budget; a peer that is not
    trusted cannot buy fresh budgets with X-Forwarded-For."""
    port = free_port()
    server = start_server(
        tmp_path, "127.0.0.1", port,
        TRADEDESK_DATA_DIR=str(tmp_path),
        TRADEDESK_FORWARDED_ALLOW_IPS="127.0.0.2",  # the load balancer's address
        TRADEDESK_RATE_LIMIT_READ="2/minute",
    )  # fmt: skip
    try:
        base = wait_until_serving(server, port)
        path = f"{base}/v1/pub/subscription/list"

        def statuses(source: str, clients: list[str]) -> list[int]:
            transport = httpx.HTTPTransport(local_address=source)
            with httpx.Client(transport=transport) as http:
                return [
                    http.get(path, headers={"X-Forwarded-For": client}).status_code
                    for client in clients
                ]

        behind_balancer = statuses("127.0.0.2", ["198.51.100.1"] * 3 + ["198.51.100.2"])
        untrusted = statuses("127.0.0.3", ["198.51.100.3", "198.51.100.4", "198.51.100.5"])
    finally:
        server.terminate()
        server.wait(30)

    assert behind_balancer == [200, 200, 429, 200]  # the second client has its own budget
    assert untrusted == [200, 200, 429]  # one peer, one budget, whatever it claims


def test_the_tradingview_allow_list_knows_senders_behind_a_trusted_balancer(tmp_path):
    """Every delivery here is refused alike (401: no strategy has this id); the log says
    why: an allowed sender gets as far as the strategy, any other, or an untrusted peer
    claiming an allowed address, is stopped at the allow-list."""
    port = free_port()
    server = start_server(
        tmp_path, "127.0.0.1", port,
        TRADEDESK_DATA_DIR=str(tmp_path),
        TRADEDESK_FORWARDED_ALLOW_IPS="127.0.0.2",
        TRADEDESK_TRADINGVIEW_ALLOW_IPS="198.51.100.7, 203.0.113.0/24",
    )  # fmt: skip
    try:
        base = wait_until_serving(server, port)

        def status(source: str, sender: str) -> int:
            transport = httpx.HTTPTransport(local_address=source)
            with httpx.Client(transport=transport) as http:
                return http.post(
                    f"{base}/webhooks/tradingview/{uuid.uuid4()}",
                    content=b'{"secret": "whsec_x"}',
                    headers={"X-Forwarded-For": sender},
                ).status_code

        answers = [
            status("127.0.0.2", "198.51.100.7"),
            status("127.0.0.2", "203.0.113.20"),
            status("127.0.0.2", "198.51.100.8"),
            status("127.0.0.3", "198.51.100.7"),
        ]
    finally:
        server.terminate()
        server.wait(30)
    logged = server.stdout.read() if server.stdout else ""

    assert answers == [401] * 4
    refusals = re.findall(r"refused: ([a-z0-9 .]+)", logged)
    assert refusals == [
        "no secret",
        "no secret",
        "sender 198.51.100.8 is not allowed",
        "sender 127.0.0.3 is not allowed",
    ], logged


def serve_output(cwd: Path, *, terminal: bool, **env: str) -> str:
    """What `serve` prints until it listens, its output a terminal (a real pty) or a pipe."""
    port = free_port()
    reader, writer = os.openpty() if terminal else os.pipe()
    server = subprocess.Popen(
        [TRADEDESK, "serve", "--port", str(port)],
        cwd=cwd,
        env=clean_environment(TRADEDESK_DATA_DIR=str(cwd), **env),
        stdin=subprocess.DEVNULL,
        stdout=writer,
        stderr=writer,
    )
    os.close(writer)
    output = b""
    try:
        deadline = time.monotonic() + 30
        while b"startup complete" not in output:
            assert time.monotonic() < deadline, output
            output += os.read(reader, 65536)
    finally:
        server.terminate()
        server.wait(30)
        os.close(reader)
    return output.decode()


def test_serve_logs_readable_lines_to_a_terminal_and_json_to_anything_else(tmp_path):
    terminal = serve_output(tmp_path, terminal=True)
    piped = serve_output(tmp_path, terminal=False)
    forced = serve_output(tmp_path, terminal=True, TRADEDESK_LOG_FORMAT="json")

    [started] = [line for line in terminal.splitlines() if "startup complete" in line]
    assert not started.lstrip().startswith("{") and "info" in started
    for output in (piped, forced):
        lines = [orjson.loads(line) for line in output.splitlines() if line.strip()]
        assert any(line["event"] == "Application startup complete." for line in lines)


def test_serve_with_workers_shares_the_budgets_and_hands_the_jobs_on(tmp_path):
    """Two processes behind one port: connections reach both, an IP's read budget is one
    budget however the connections fall, and one process alone runs the background jobs;
    when it is killed another takes them on. SIGTERM stops each process gracefully."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    assert run(["seed"], tmp_path).returncode == 0
    markets = default_markets()
    exchange = PaperExchange(
        markets, prices=default_prices(markets), now_ms=lambda: int(time.time() * 1000)
    )
    log = tmp_path / "serve.log"

    def lines() -> list[dict]:
        text = log.read_text()
        return [orjson.loads(line) for line in text.splitlines() if line.startswith("{")]

    def started() -> list[int]:
        return [line["pid"] for line in lines() if line["event"] == "Application startup complete."]

    def running_jobs() -> list[int]:
        return [line["pid"] for line in lines() if "runs the background jobs" in line["event"]]

    with serving(facade(exchange)) as venue, log.open("w") as output:
        port = free_port()
        server = subprocess.Popen(
            [TRADEDESK, "serve", "--port", str(port), "--workers", "2"],
            cwd=tmp_path,
            env=clean_environment(
                TRADEDESK_DATA_DIR=str(tmp_path),
                TRADEDESK_EXCHANGE="binance",
                TRADEDESK_BINANCE_URLS=venue,
                TRADEDESK_REDIS_URL=REDIS_URL,
                TRADEDESK_RATE_LIMIT_READ="40/hour",  # none refilled while it runs
            ),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            base = wait_until_serving(server, port)
            answers = [httpx.get(f"{base}/v1/pub/subscription/list") for _ in range(60)]
            time.sleep(0.5)  # the log writers' turns
            [first] = running_jobs()
            os.kill(first, signal.SIGKILL)
            deadline = time.monotonic() + 30
            while (len(running_jobs()) < 2 or len(started()) < 3) and time.monotonic() < deadline:
                time.sleep(0.2)  # the jobs taken on, and the killed process's heir serving
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=30)
        finally:
            server.kill()
    redis.Redis.from_url(REDIS_URL).flushdb()

    written = lines()
    answered_by = {
        line["pid"]
        for line in written
        if line["event"] == "request" and line["path"] == "/v1/pub/subscription/list"
    }
    stopped = [
        line["pid"] for line in written if line["event"] == "Waiting for application shutdown."
    ]
    assert [a.status_code for a in answers] == [200] * 40 + [429] * 20, log.read_text()
    assert len(answered_by) == 2, log.read_text()  # each process answered some of them
    assert running_jobs()[0] == first and running_jobs()[1] != first, log.read_text()
    # never two at once: each process takes the jobs only after the one before it let them go
    # (killed, or stopping); a third may take them while the heir itself shuts down
    gone = {}  # pid -> when its jobs ended: its death, or the start of its shutdown
    for line in written:
        if died := re.fullmatch(r"Child process \[(\d+)\] died", line["event"]):
            gone.setdefault(int(died[1]), line["timestamp"])
        if line["event"] == "Waiting for application shutdown.":
            gone.setdefault(line["pid"], line["timestamp"])
    took = [line for line in written if "runs the background jobs" in line["event"]]
    for before, after in itertools.pairwise(took):
        assert gone[before["pid"]] <= after["timestamp"], log.read_text()
    assert len(stopped) == 2 and first not in stopped, log.read_text()  # the live ones, gently
    assert code == 0, log.read_text()


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"TRADEDESK_EXCHANGE": "binance"}, "TRADEDESK_REDIS_URL"),
        ({"TRADEDESK_REDIS_URL": REDIS_URL}, "TRADEDESK_EXCHANGE=binance"),
    ],
)
def test_serve_refuses_workers_that_could_not_share_their_state(tmp_path, settings, named):
    result = run(["serve", "--workers", "2"], tmp_path, **settings)

    assert result.returncode == 2
    assert named in result.stderr and result.stderr.strip().count("\n") == 0
