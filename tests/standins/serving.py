"""Local stand-ins for outside HTTP services, served by a real uvicorn on loopback."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from urllib.parse import parse_qs

import httpx
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
def serving(app: Starlette, *, lifespan: str = "off") -> Iterator[str]:
    """Run `app` on a free loopback port in a thread (its own event loop); yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan)
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


@asynccontextmanager
async def forward_proxy() -> AsyncIterator[tuple[str, list[str]]]:
    """(URL, the absolute URLs it forwarded) of an HTTP forward proxy on loopback, for plain
    http targets: what an operator's egress proxy does, minus the different source IP."""
    forwarded: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with httpx.AsyncClient() as upstream:
            try:
                while True:  # one client connection carries request after request
                    await relay(await reader.readuntil(b"\r\n\r\n"), reader, writer, upstream)
            except asyncio.IncompleteReadError:  # the client hung up
                pass
        writer.close()

    async def relay(
        head: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream: httpx.AsyncClient,
    ) -> None:
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers = dict(line.split(": ", 1) for line in header_lines if line)
        headers = {k: v for k, v in headers.items() if not k.lower().startswith("proxy-")}
        size = int(next((v for k, v in headers.items() if k.lower() == "content-length"), 0))
        body = await reader.readexactly(size)
        forwarded.append(target)
        answer = await upstream.request(method, target, headers=headers, content=body)
        hop_by_hop = ("content-length", "transfer-encoding", "connection", "content-encoding")
        lines = [
            f"HTTP/1.1 {answer.status_code} {answer.reason_phrase}",
            *(f"{k}: {v}" for k, v in answer.headers.items() if k.lower() not in hop_by_hop),
            f"Content-Length: {len(answer.content)}",
        ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + answer.content)
        await writer.drain()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", forwarded
    finally:
        server.close()


class Mailbox:
    """An SMTP server on loopback (aiosmtpd) that keeps what it receives; `refusing` makes it
    answer every message with a temporary failure, as a busy server does."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.refusing = False

    async def handle_DATA(self, _server, _session, envelope) -> str:
        if self.refusing:
            return "451 Requested action aborted: try again later"
        self.received.append(BytesParser(policy=policy.default).parsebytes(envelope.content))
        return "250 OK"


@contextmanager
def mail_server() -> Iterator[tuple[Mailbox, str]]:
    """(mailbox, `smtp://` URL) of an SMTP server running in its own thread."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()
