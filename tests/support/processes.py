"""The installed `tradedesk` script run as an operator runs it: a clean environment, a
working directory, a server on loopback waited for until it answers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
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
