"""Binance USDⓈ-M user-data streams for every watched key, over as few WebSocket connections as
Binance allows: one `/private/stream` connection carries up to 200 listen keys, added and
dropped with SUBSCRIBE and UNSUBSCRIBE as keys come and go.

Each key's listen key is made by a POST and renewed by a PUT every 30 minutes (it lives 60); a
renewal that fails, a `listenKeyExpired`, or a connection refused for a stale key makes a new
one. A connection that drops is opened again after a backoff. Whenever a key's stream starts to
carry it (first heard, reconnected, new listen key) the sink gets a StreamGap for the key, so
that what the stream could not tell is read instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

from tradedesk.domain.market.account_events import AccountEventSink, StreamGap
from tradedesk.domain.market.exchange import ApiCredentials
from tradedesk.integrations.exchange.binance_stream_events import (
    LISTEN_KEY_EXPIRED,
    MalformedEvent,
    account_events,
)
from tradedesk.integrations.exchange.ccxt_gateway import CcxtGateway

log = logging.getLogger("tradedesk.exchange.streams")

LIVE = "wss://fstream.binance.com"
TESTNET = "wss://fstream.binancefuture.com"
KEYS_PER_CONNECTION = 200
# A connection opens with this many keys in its URL (200 would make a URL of 15 KB, past
# what servers take) and asks for the rest by SUBSCRIBE, this many to a request.
KEYS_IN_URL = 10
KEYS_PER_SUBSCRIBE = 50
KEEPALIVE_SECONDS = 30 * 60  # a listen key lives 60 minutes without a PUT
RECONNECT_SECONDS = (0.5, 30.0)  # the first wait after a drop, and the longest
STABLE_SECONDS = 10.0  # a connection up this long starts its next backoff from the first wait


def stream_base(binance_urls: str | None, *, sandbox: bool) -> str:
    """Where the streams are: Binance's (or its testnet's), or the host every Binance API is
    moved onto (`TRADEDESK_BINANCE_URLS`, the simulator), as ws:// or wss://."""
    if not binance_urls:
        return TESTNET if sandbox else LIVE
    moved = urlsplit(binance_urls)
    return f"{'wss' if moved.scheme == 'https' else 'ws'}://{moved.netloc}"


@dataclass(eq=False)
class _Watched:
    key_id: str
    credentials: ApiCredentials
    listen_key: str
    connection: _Connection | None = None


class BinanceAccountStreams:
    def __init__(
        self,
        gateway: CcxtGateway,
        sink: AccountEventSink,
        *,
        base: str,
        keepalive_seconds: float = KEEPALIVE_SECONDS,
        keys_per_connection: int = KEYS_PER_CONNECTION,
        reconnect_seconds: tuple[float, float] = RECONNECT_SECONDS,
    ) -> None:
        self._gateway = gateway
        self._sink = sink
        self._base = base
        self._keepalive_seconds = keepalive_seconds
        self._capacity = keys_per_connection
        self._reconnect = reconnect_seconds
        self._watched: dict[str, _Watched] = {}  # key id -> its stream
        self._key_of: dict[str, str] = {}  # listen key -> key id
        self._connections: list[_Connection] = []
        self._symbols: dict[str, str] = {}
        self._keepalive: asyncio.Task[None] | None = None
        self._renewing: dict[str, asyncio.Task[None]] = {}  # key id -> its new listen key
        self._lock = asyncio.Lock()  # one change of the keys at a time

    # the port ---------------------------------------------------------------------------

    async def watch(self, key_id: str, credentials: ApiCredentials) -> None:
        """Many keys may be watched at once: only the carrying is one change at a time, not
        the round trip that makes each key's listen key."""
        async with self._lock:
            if key_id in self._watched:
                return
            if not self._symbols:
                self._symbols = await self._gateway.futures_symbols()
        listen_key = await self._gateway.listen_key(credentials)
        async with self._lock:
            if key_id in self._watched:  # another call was quicker (Binance gave the same key)
                return
            watched = _Watched(key_id, credentials, listen_key)
            self._watched[key_id], self._key_of[listen_key] = watched, key_id
            await self._carry(watched)
            if self._keepalive is None:
                self._keepalive = asyncio.create_task(self._keep_alive())

    async def unwatch(self, key_id: str) -> None:
        async with self._lock:
            watched = self._watched.pop(key_id, None)
            if watched is None:
                return
            self._key_of.pop(watched.listen_key, None)
            await self._drop(watched)

    def live(self, key_id: str) -> bool:
        watched = self._watched.get(key_id)
        return bool(
            watched and watched.connection and watched.connection.carries(watched.listen_key)
        )

    def watched(self) -> set[str]:
        return set(self._watched)

    def connections(self) -> int:
        return len(self._connections)

    async def aclose(self) -> None:
        for task in [self._keepalive, *self._renewing.values()]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await asyncio.gather(*(connection.close() for connection in self._connections))
        self._connections.clear()
        self._watched.clear()
        self._key_of.clear()

    # what the connections report ----------------------------------------------------------

    async def carried(self, listen_key: str) -> None:
        """A connection now carries the listen key: what happened before is unknown."""
        if (key_id := self._key_of.get(listen_key)) is not None:
            await self._sink(key_id, StreamGap())

    def refused(self, listen_keys: set[str]) -> None:
        """The stream refused these listen keys (they expired while nobody listened): each
        key gets a new one, in the background, off the stream it was on."""
        for listen_key in listen_keys:
            if (key_id := self._key_of.get(listen_key)) is not None:
                self._rekey(key_id)

    async def frame(self, listen_key: str, data: dict[str, Any]) -> None:
        key_id = self._key_of.get(listen_key)
        if key_id is None:
            return  # a key just dropped: its last frames are no one's
        if data.get("e") == LISTEN_KEY_EXPIRED:
            log.info("key %s: its listen key expired; making a new one", key_id)
            self._rekey(key_id)
            return
        try:
            events = account_events(data, self._symbols.get)
        except MalformedEvent as problem:
            log.warning("key %s: an event not as Binance documents it: %s", key_id, problem)
            await self._sink(key_id, StreamGap())
            return
        for event in events:
            await self._sink(key_id, event)

    # internals --------------------------------------------------------------------------

    async def _carry(self, watched: _Watched) -> None:
        connection = next((c for c in self._connections if c.has_room()), None)
        if connection is None:
            connection = _Connection(self, self._base, self._capacity, self._reconnect)
            self._connections.append(connection)
        watched.connection = connection
        await connection.add(watched.listen_key)

    async def _drop(self, watched: _Watched) -> None:
        connection, watched.connection = watched.connection, None
        if connection is None:
            return
        await connection.remove(watched.listen_key)
        if connection.empty():
            self._connections.remove(connection)
            await connection.close()

    def _rekey(self, key_id: str) -> None:
        """The key's listen key is dead: off its stream at once (not live: its trades are
        polled), and a new one made in the background, never twice at a time."""
        watched = self._watched.get(key_id)
        if watched is None or key_id in self._renewing:
            return
        if watched.connection is not None:
            watched.connection.forget(watched.listen_key)
        task = asyncio.create_task(self._replace(watched))
        self._renewing[key_id] = task
        task.add_done_callback(lambda _done: self._renewing.pop(key_id, None))

    async def _replace(self, watched: _Watched) -> None:
        """A new listen key for the key, carried instead of the old one; without one, the key
        is left off every stream until the keepalive round tries again."""
        try:
            listen_key = await self._gateway.listen_key(watched.credentials)
        except Exception as problem:
            log.warning("key %s: no listen key to be had (%s)", watched.key_id, problem)
            listen_key = None
        async with self._lock:
            if self._watched.get(watched.key_id) is not watched:
                return
            await self._drop(watched)
            if listen_key is None:
                return
            self._key_of.pop(watched.listen_key, None)
            watched.listen_key = listen_key
            self._key_of[listen_key] = watched.key_id
            await self._carry(watched)

    async def _keep_alive(self) -> None:
        """Every round: renew each carried key's listen key (a new one where that fails),
        and try again for keys left off every stream."""
        while True:
            await asyncio.sleep(self._keepalive_seconds)
            for watched in list(self._watched.values()):
                if watched.connection is None:
                    self._rekey(watched.key_id)
                    continue
                try:
                    await self._gateway.listen_key(watched.credentials, renew=True)
                except Exception as problem:
                    log.info("key %s: the listen key was not kept (%s)", watched.key_id, problem)
                    self._rekey(watched.key_id)


class _Connection:
    """One WebSocket carrying up to `capacity` listen keys, opened again whenever it drops."""

    def __init__(
        self,
        streams: BinanceAccountStreams,
        base: str,
        capacity: int,
        reconnect: tuple[float, float],
    ) -> None:
        self._streams = streams
        self._base = base
        self._capacity = capacity
        self._reconnect = reconnect
        self._wanted: set[str] = set()  # the listen keys it should carry
        self._carried: set[str] = set()  # those the open socket carries
        self._pending: dict[int, tuple[str, set[str]]] = {}  # request id -> (method, keys)
        self._ids = itertools.count(1)
        self._socket: ClientConnection | None = None
        self._task = asyncio.create_task(self._run())

    def has_room(self) -> bool:
        """Whether it can carry one more key (one whose keys were all refused has ended)."""
        return not self._task.done() and len(self._wanted) < self._capacity

    def empty(self) -> bool:
        return not self._wanted

    def carries(self, listen_key: str) -> bool:
        return listen_key in self._carried

    async def add(self, listen_key: str) -> None:
        self._wanted.add(listen_key)
        await self._request("SUBSCRIBE", {listen_key})

    async def remove(self, listen_key: str) -> None:
        self._wanted.discard(listen_key)
        self._carried.discard(listen_key)
        await self._request("UNSUBSCRIBE", {listen_key})

    def forget(self, listen_key: str) -> None:
        """The key is dead: no longer counted as carried, nor asked for on a reconnect."""
        self._wanted.discard(listen_key)
        self._carried.discard(listen_key)

    async def close(self) -> None:
        self._wanted.clear()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _request(self, method: str, listen_keys: set[str]) -> None:
        """Asks the open socket to carry (or drop) the keys; without one, the next connection
        is opened with what is wanted then."""
        if self._socket is None:
            return
        request_id = next(self._ids)
        self._pending[request_id] = (method, listen_keys)
        body = {"method": method, "params": sorted(listen_keys), "id": request_id}
        with contextlib.suppress(WebSocketException):
            await self._socket.send(orjson.dumps(body).decode())

    async def _run(self) -> None:
        wait, longest = self._reconnect
        loop = asyncio.get_running_loop()
        while self._wanted:
            asked = sorted(self._wanted)[:KEYS_IN_URL]
            url = f"{self._base}/private/stream?" + "&".join(f"listenKey={k}" for k in asked)
            opened_at = loop.time()
            try:
                # a close waits for Binance's answer only briefly: shutdowns have a deadline
                async with connect(url, max_size=2**22, close_timeout=1) as socket:
                    await self._opened(socket, set(asked))
                    async for message in socket:
                        await self._received(message)
            except InvalidStatus as refused:
                if refused.response.status_code in (400, 401, 403, 404, 410):  # a stale key
                    log.warning("a user-data stream refused its keys (%s)", refused)
                    self._streams.refused(set(asked))
                else:  # busy or failing: tried again as it is
                    log.warning("a user-data stream could not open (%s)", refused)
            except (OSError, WebSocketException) as dropped:
                log.warning("a user-data stream dropped (%s); opening it again", dropped)
            except Exception:  # never leave the keys unheard for a bug in one frame
                log.exception("a user-data stream failed; opening it again")
            finally:
                self._socket, self._carried = None, set()
                self._pending.clear()
            if loop.time() - opened_at >= STABLE_SECONDS:
                wait = self._reconnect[0]
            if self._wanted:
                await asyncio.sleep(wait)
                wait = min(wait * 2, longest)

    async def _opened(self, socket: ClientConnection, asked: set[str]) -> None:
        self._socket = socket
        self._carried = asked & self._wanted
        for listen_key in self._carried:
            await self._streams.carried(listen_key)
        missing = sorted(self._wanted - asked)  # past the URL's share, or wanted meanwhile
        for start in range(0, len(missing), KEYS_PER_SUBSCRIBE):
            await self._request("SUBSCRIBE", set(missing[start : start + KEYS_PER_SUBSCRIBE]))

    async def _received(self, message: str | bytes) -> None:
        try:
            frame = orjson.loads(message)
        except orjson.JSONDecodeError:
            log.warning("a user-data stream sent what is not JSON")
            return
        if not isinstance(frame, dict):
            return
        if "id" in frame and "stream" not in frame:
            await self._answered(frame)
        elif isinstance(data := frame.get("data"), dict):
            await self._streams.frame(str(frame.get("stream", "")).split("@", 1)[0], data)

    async def _answered(self, frame: dict[str, Any]) -> None:
        request_id = frame.get("id")
        asked = self._pending.pop(request_id, None) if isinstance(request_id, int) else None
        method, listen_keys = asked or ("", set())
        if "error" in frame:
            # listen keys read the account's stream: never in a log
            log.warning(
                "the stream refused %s of %d key(s): %s", method, len(listen_keys), frame["error"]
            )
            if method == "SUBSCRIBE":
                self._streams.refused(listen_keys & self._wanted)
            return
        if method == "SUBSCRIBE":
            for listen_key in listen_keys & self._wanted:
                self._carried.add(listen_key)
                await self._streams.carried(listen_key)
