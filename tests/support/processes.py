"""The installed `tradedesk` script run as an operator runs it: a clean environment, a
working directory, a server on loopback waited for until it answers."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

TRADEDESK = shutil.which("tradedesk", path=str(Path(sys.executable).parent)) or "tradedesk"


def clean_environment(**env: str) -> dict[str, str]:
    """This process's environment without any Tradedesk setting, plus `env`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRADEDESK_")}
    environment.pop("DATABASE_URL", None)
    return {**environment, **env}


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TRADEDESK, *args],
        cwd=cwd,
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def start_server(cwd: Path, host: str, port: int, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [TRADEDESK, "serve", "--host", host, "--port", str(port)],
        cwd=cwd,
        env=clean_environment(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until_serving(server: subprocess.Popen[str], port: int) -> str:
    """The base URL once `/healthz` answers."""
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return base
        except httpx.TransportError:
            pass
        assert server.poll() is None, server.stdout.read()
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.1)


def beside_workers(venue, redis_url: str) -> dict[str, object]:
    """The test's own runtime settings where `tradedesk worker`s run beside it: the venue
    over HTTP, the copy queue on Redis."""
    _engine, base = venue
    return {
        "exchange": "binance",
        "binance_urls": base,
        "default_plan": "PROFESSIONAL",
        "redis_url": redis_url,
    }


class Worker:
    """A `tradedesk worker` process, its output in a file (a pipe nobody reads would fill
    up and block it)."""

    def __init__(self, runtime, base: str, redis_url: str, tmp_path, **env: str) -> None:
        settings = runtime.settings
        self.log = tmp_path / f"worker-{uuid.uuid4().hex[:8]}.log"
        with self.log.open("w") as output:
            self.process = subprocess.Popen(
                [TRADEDESK, "worker"],
                cwd=tmp_path,
                env=clean_environment(
                    DATABASE_URL=settings.database_url,
                    TRADEDESK_DATA_DIR=str(settings.data_dir),  # the same key opens the secrets
                    TRADEDESK_EXCHANGE="binance",
                    TRADEDESK_BINANCE_URLS=base,
                    TRADEDESK_REDIS_URL=redis_url,
                    TRADEDESK_PROTECTION_POLL_SECONDS="1",
                    **env,
                ),
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def running(self) -> bool:
        return self.process.poll() is None

    async def stop(self, how: signal.Signals = signal.SIGTERM, within: float = 30) -> int:
        """Sends `how` and waits for the exit (the venue answers meanwhile); the exit code."""
        self.process.send_signal(how)
        return await asyncio.to_thread(self.process.wait, within)

    def output(self) -> str:
        return self.log.read_text()
