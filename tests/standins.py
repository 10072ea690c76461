"""Local stand-ins for outside HTTP services, served by a real uvicorn on loopback."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@asynccontextmanager
async def serving_here(app: ASGIApp) -> AsyncIterator[str]:
    """Run `app` under uvicorn in the caller's event loop (so it may share the test's database
    engine); yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextmanager
def serving(app: Starlette) -> Iterator[str]:
    """Run `app` on a free loopback port in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "stand-in did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class Siteverify:
    """Google's reCAPTCHA siteverify, answering by the token it is given."""

    SECRET = "test-secret"
    ACTION = "submit"
    HOSTNAME = "app.tradedesk.test"
    VERDICTS = {
        "human": {"success": True, "score": 0.9, "action": ACTION, "hostname": HOSTNAME},
        "borderline": {"success": True, "score": 0.5, "action": ACTION, "hostname": HOSTNAME},
        "bot": {"success": True, "score": 0.1, "action": ACTION, "hostname": HOSTNAME},
        "other-action": {"success": True, "score": 0.9, "action": "login", "hostname": HOSTNAME},
        "other-host": {"success": True, "score": 0.9, "action": ACTION, "hostname": "evil.test"},
        "replayed": {"success": False, "error-codes": ["timeout-or-duplicate"]},
    }

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.app = Starlette(routes=[Route("/siteverify", self.verify, methods=["POST"])])

    async def verify(self, request: Request) -> JSONResponse:
        form = {
            key: values[-1] for key, values in parse_qs((await request.body()).decode()).items()
        }
        self.requests.append(form)
        if form.get("secret") != self.SECRET:
            return JSONResponse({"success": False, "error-codes": ["invalid-input-secret"]})
        verdict = self.VERDICTS.get(str(form.get("response")))
        return JSONResponse(
            verdict or {"success": False, "error-codes": ["invalid-input-response"]}
        )
