"""A TCP proxy on loopback in front of a real server (PostgreSQL), which a test can cut: the
database becomes unreachable for the app while the server itself runs on for everyone else."""

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

    def resume(self) -> None:
        self._refusing = False
        self._cut_on = None

    async def close(self) -> None:
        self.cut()
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
        await asyncio.gather(
            self._pipe(client_reader, server_writer, watch=True),
            self._pipe(server_reader, client_writer, watch=False),
            return_exceptions=True,
        )
        for writer in (client_writer, server_writer):
            self._open.discard(writer)
            with contextlib.suppress(Exception):
                writer.transport.abort()

    async def _pipe(self, reader, writer, *, watch: bool) -> None:
        while data := await reader.read(65536):
            if watch and self._cut_on is not None and self._cut_on in data:
                self.cut()
                return
            writer.write(data)
            await writer.drain()
        writer.transport.abort()
