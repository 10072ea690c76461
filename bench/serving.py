"""Starting the app under uvicorn in its own process on loopback, for the benchmarks."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


# Every request budget lifted: the benchmarks measure the app, not its rate limits.
UNLIMITED = {
    f"TRADEDESK_RATE_LIMIT_{budget}": "1000000/second"
    for budget in ("READ", "WRITE", "EXCHANGE", "IP")
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(
    factory: str, env: dict[str, str], *uvicorn_args: str
) -> tuple[subprocess.Popen, int]:
    """Run `uvicorn --factory factory` on a free port; returns the process once it answers."""
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
    wait_until_healthy(server, port)
    return server, port


def wait_until_healthy(server: subprocess.Popen, port: int) -> None:
    """Until `/healthz` answers on `port`; the benchmark stops if it never does."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the app did not start")
