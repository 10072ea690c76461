"""A TCP proxy on loopback in front of a real server (PostgreSQL), which a test can cut or
stall: the database becomes unreachable or silent for the app while the server itself runs on
for everyone else."""

from __future__ import annotations

import asyncio
import contextlib


class CuttableProxy:
    def __init__(self, host: str, port: int) -> None:
        self._upstream = (host, port)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._refusing = False
        self._cut_on: bytes | None = None
        self._flowing = asyncio.Event()
        self._flowing.set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def cut(self) -> None:
        """Every connection closed, and new ones refused until `resume()`."""
        self._refusing = True
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()

    def cut_when_sent(self, marker: bytes) -> None:
        """`cut()` the moment a client sends bytes containing `marker` (before they arrive)."""
        self._cut_on = marker

    def stall(self) -> None:
        """Bytes stop flowing both ways while every connection stays open, as when a network
        partition drops packets without a reset: the peer is silent, not gone."""
        self._flowing.clear()

    def resume(self) -> None:
        self._refusing = False
        self._cut_on = None
        self._flowing.set()

    async def close(self) -> None:
        self.cut()
        self._flowing.set()  # a pipe held by `stall()` ends on the aborted connection
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, client_reader, client_writer) -> None:
        if self._refusing:
            client_writer.transport.abort()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(*self._upstream)
        except OSError:  # the server is not there: the client must see its connection end
            client_writer.transport.abort()
            return
        self._open |= {client_writer, server_writer}
        pipes = {
            asyncio.ensure_future(self._pipe(client_reader, server_writer, watch=True)),
            asyncio.ensure_future(self._pipe(server_reader, client_writer, watch=False)),
        }
        # Either side ending, cleanly or by a reset, ends both: a client whose server is gone
        # must see its connection close, not wait for an answer that cannot come.
        _, waiting = await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        for pipe in waiting:
            pipe.cancel()
        await asyncio.gather(*pipes, return_exceptions=True)
        for writer in (client_writer, server_writer):
            self._open.discard(writer)
            with contextlib.suppress(Exception):
                writer.transport.abort()

    async def _pipe(self, reader, writer, *, watch: bool) -> None:
        while data := await reader.read(65536):
            if watch and self._cut_on is not None and self._cut_on in data:
                self.cut()
                return
            await self._flowing.wait()
            writer.write(data)
            await writer.drain()
