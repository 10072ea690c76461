"""Binance's USDⓈ-M user-data stream over the engine: listen keys, and the WebSocket routes that
push an account's events as they happen.

Routes, as Binance lays them out since its 2026 WebSocket change:
- `/private/ws?listenKey=K[&events=A/B]` (what ccxt.pro's `binanceusdm` opens), `/private/ws/K`
  and the legacy `/ws/K`: each event bare, as Binance pushes it.
- `/private/stream?listenKey=K1&events=A/B&listenKey=K2…`: many accounts on one connection,
  each event wrapped as `{"stream": "<item>", "data": {…}}`, where the item is `K` (every event
  of K) or `K@EVENT` (one kind of K's events).
Either kind of connection takes `SUBSCRIBE`, `UNSUBSCRIBE` and `LIST_SUBSCRIPTIONS` requests
with such items. An expired listen key gets `listenKeyExpired` and leaves its connections; a
connection left with no key closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import string
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import orjson
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tradedesk.simulator import stream_json
from tradedesk.simulator.engine import PaperExchange
from tradedesk.simulator.errors import ExchangeError
from tradedesk.simulator.events import Event

LISTEN_KEY_SECONDS = 60 * 60
KEYS_PER_CONNECTION = 200  # Binance documents none for /private; its market streams allow 200
BACKLOG = 10_000  # frames a connection may fall behind by before it is dropped, as Binance does
EVENT_KINDS = frozenset(
    {
        stream_json.ORDER_TRADE_UPDATE,
        stream_json.TRADE_LITE,
        stream_json.ALGO_UPDATE,
        stream_json.ACCOUNT_UPDATE,
        stream_json.LISTEN_KEY_EXPIRED,
        # Binance's, which the simulator never sends but a client may ask for
        "MARGIN_CALL",
        "ACCOUNT_CONFIG_UPDATE",
        "STRATEGY_UPDATE",
        "GRID_UPDATE",
    }
)
_ALPHABET = string.ascii_letters + string.digits
_INVALID_STREAM = {"code": 2, "msg": "Invalid request: invalid stream"}


def _key_of(item: str) -> str:
    """The listen key an item names: `K` or `K@EVENT`."""
    return item.split("@", 1)[0]


class _Connection:
    """One WebSocket and the items it listens to; what it is sent waits in its outbox. A
    client too slow to take its frames is cut off rather than held in memory."""

    def __init__(self, websocket: WebSocket, *, wrapped: bool) -> None:
        self.websocket = websocket
        self.wrapped = wrapped
        self.items: set[str] = set()
        self._outbox: asyncio.Queue[bytes | None] = asyncio.Queue(BACKLOG)
        self._loop = asyncio.get_running_loop()
        self.closing = False
        self.overflowed = False

    def listen_keys(self) -> set[str]:
        return {_key_of(item) for item in self.items}

    def offer(self, listen_key: str, kind: str, raw: bytes) -> None:
        """Queue the message if this connection listens to its key and kind."""
        for item in (listen_key, f"{listen_key}@{kind}"):
            if item in self.items:
                if self.wrapped:
                    raw = b'{"stream":' + orjson.dumps(item) + b',"data":' + raw + b"}"
                self._put(raw)
                return

    def send(self, body: dict[str, Any]) -> None:
        self._put(orjson.dumps(body))

    def close(self) -> None:
        if not self.closing:
            self.closing = True
            self._put(None)

    def _put(self, message: bytes | None) -> None:
        """Safe from any thread: the engine may move in another than the server's."""
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is self._loop:
            self._enqueue(message)
        else:
            self._loop.call_soon_threadsafe(self._enqueue, message)

    def _enqueue(self, message: bytes | None) -> None:
        try:
            self._outbox.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed = True  # the pump closes the socket at the next frame it takes

    async def pump(self) -> None:
        """Send what is queued until told to close."""
        while (message := await self._outbox.get()) is not None and not self.overflowed:
            await self.websocket.send_text(message.decode())
        await self.websocket.close()


class UserStreams:
    def __init__(
        self, engine: PaperExchange, *, listen_key_seconds: float = LISTEN_KEY_SECONDS
    ) -> None:
        self._engine = engine
        self._seconds = listen_key_seconds
        self._key_of: dict[str, str] = {}  # api key -> its listen key
        self._account_of: dict[str, str] = {}  # listen key -> api key
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._listeners: defaultdict[str, set[_Connection]] = defaultdict(set)
        engine.observers.append(self._publish)

    # the REST side ------------------------------------------------------------------------

    def open(self, api_key: str) -> str:
        """The account's listen key, made if it has none, good for another hour either way."""
        listen_key = self._key_of.get(api_key)
        if listen_key is None:
            listen_key = "".join(secrets.choice(_ALPHABET) for _ in range(64))
            self._key_of[api_key], self._account_of[listen_key] = listen_key, api_key
        self._extend(listen_key)
        return listen_key

    def keep_alive(self, api_key: str) -> str:
        listen_key = self._key_of.get(api_key)
        if listen_key is None:
            raise ExchangeError(-1125, "This listenKey does not exist.")
        self._extend(listen_key)
        return listen_key

    def close(self, api_key: str) -> None:
        """Invalidate the account's key; its connections are closed."""
        listen_key = self._key_of.get(api_key)
        if listen_key is not None:
            self._end(listen_key, expired=False)

    def is_valid(self, listen_key: str) -> bool:
        return listen_key in self._account_of

    def connections(self) -> int:
        return len({c for listening in self._listeners.values() for c in listening})

    def disconnect_all(self) -> None:
        """Close every stream connection, keys left valid: a network blip, for tests."""
        for connection in {c for listening in self._listeners.values() for c in listening}:
            connection.close()

    def listeners_of(self, api_key: str) -> int:
        """How many connections carry the account's listen key (one: its events are heard
        once)."""
        listen_key = self._key_of.get(api_key)
        return len(self._listeners.get(listen_key, ())) if listen_key else 0

    def listened_keys(self) -> set[str]:
        """The listen keys some connection listens to."""
        return set(self._listeners)

    # the WebSocket side -------------------------------------------------------------------

    def routes(self) -> list[WebSocketRoute]:
        return [
            WebSocketRoute("/private/ws", self._bare),
            WebSocketRoute("/private/ws/{listen_key}", self._bare),
            WebSocketRoute("/ws/{listen_key}", self._bare),
            WebSocketRoute("/private/stream", self._wrapped),
        ]

    async def _bare(self, websocket: WebSocket) -> None:
        await self._serve(websocket, wrapped=False)

    async def _wrapped(self, websocket: WebSocket) -> None:
        await self._serve(websocket, wrapped=True)

    async def _serve(self, websocket: WebSocket, *, wrapped: bool) -> None:
        items = _requested(websocket)
        if not self._acceptable(items):
            await websocket.close(code=1008)  # refused at the handshake
            return
        await websocket.accept()
        if not self._acceptable(items):  # a key ended while the handshake was answered
            await websocket.close(code=1008)
            return
        connection = _Connection(websocket, wrapped=wrapped)
        self._listen(connection, items)
        pump = asyncio.create_task(connection.pump())
        try:
            while not pump.done():
                receiving = asyncio.ensure_future(websocket.receive())
                await asyncio.wait({receiving, pump}, return_when=asyncio.FIRST_COMPLETED)
                if not receiving.done():
                    receiving.cancel()
                    break
                message = receiving.result()
                if message["type"] == "websocket.disconnect":
                    break
                text = message.get("text")
                if text is None:
                    text = (message.get("bytes") or b"").decode(errors="replace")
                self._answer(connection, text)
        except (WebSocketDisconnect, RuntimeError):
            pass  # the client went away
        finally:
            self._forget(connection, set(connection.items))
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pump

    def _answer(self, connection: _Connection, text: str) -> None:
        """A SUBSCRIBE, UNSUBSCRIBE or LIST_SUBSCRIPTIONS request, answered in Binance's form."""
        try:
            request = orjson.loads(text)
            method, request_id = request["method"], request.get("id")
        except (orjson.JSONDecodeError, KeyError, TypeError):
            connection.send({"error": {"code": 3, "msg": "Invalid JSON"}, "id": None})
            return
        params = request.get("params") or []
        named = isinstance(params, list) and all(isinstance(item, str) for item in params)
        match method:
            case "SUBSCRIBE" if named and self._acceptable(set(params) | connection.items):
                self._listen(connection, set(params))
                connection.send({"result": None, "id": request_id})
            case "UNSUBSCRIBE" if named:
                self._forget(connection, set(params))
                connection.send({"result": None, "id": request_id})
            case "LIST_SUBSCRIPTIONS":
                connection.send({"result": sorted(connection.items), "id": request_id})
            case _:
                connection.send({"error": _INVALID_STREAM, "id": request_id})

    def _acceptable(self, items: Iterable[str]) -> bool:
        keys = set()
        for item in items:
            listen_key, _, kind = item.partition("@")
            if not self.is_valid(listen_key) or (kind and kind not in EVENT_KINDS):
                return False
            keys.add(listen_key)
        return 0 < len(keys) <= KEYS_PER_CONNECTION

    def _listen(self, connection: _Connection, items: set[str]) -> None:
        connection.items |= items
        for listen_key in connection.listen_keys():
            self._listeners[listen_key].add(connection)

    def _forget(self, connection: _Connection, items: set[str]) -> None:
        connection.items -= items
        still = connection.listen_keys()
        for listen_key in {_key_of(item) for item in items} - still:
            listening = self._listeners.get(listen_key)
            if listening is not None:
                listening.discard(connection)
                if not listening:
                    del self._listeners[listen_key]

    # events -------------------------------------------------------------------------------

    def _publish(self, api_key: str, event: Event) -> None:
        listen_key = self._key_of.get(api_key)
        listening = self._listeners.get(listen_key) if listen_key else None
        if not listening:
            return
        assert listen_key is not None
        targets = tuple(listening)  # the set may change under a server in another thread
        for message in stream_json.messages(event, self._engine.now_ms()):
            raw = orjson.dumps(message)
            for connection in targets:
                connection.offer(listen_key, message["e"], raw)

    def _extend(self, listen_key: str) -> None:
        if timer := self._timers.pop(listen_key, None):
            timer.cancel()
        loop = asyncio.get_running_loop()
        self._timers[listen_key] = loop.call_later(self._seconds, self._end, listen_key)

    def _end(self, listen_key: str, *, expired: bool = True) -> None:
        """The key is no more: its connections hear of it (if it expired) and let it go; those
        with no key left close."""
        if timer := self._timers.pop(listen_key, None):
            timer.cancel()
        api_key = self._account_of.pop(listen_key)
        del self._key_of[api_key]
        raw = orjson.dumps(stream_json.listen_key_expired(listen_key, self._engine.now_ms()))
        for connection in self._listeners.pop(listen_key, set()):
            if expired:
                connection.offer(listen_key, stream_json.LISTEN_KEY_EXPIRED, raw)
            connection.items = {i for i in connection.items if _key_of(i) != listen_key}
            if not connection.items:
                connection.close()


def _requested(websocket: WebSocket) -> set[str]:
    """The items a connection's URL asks for: a key in the path, or `listenKey=` parameters,
    each followed by the `events=` (slash-separated) it wants, all of them if none."""
    if path_key := websocket.path_params.get("listen_key"):
        return {path_key}
    items: set[str] = set()
    current: str | None = None
    for name, value in websocket.query_params.multi_items():
        if name == "listenKey":
            if current is not None:
                items.add(current)
            current = value
        elif name == "events" and current is not None:
            items |= {f"{current}@{kind}" for kind in value.split("/") if kind}
            current = None
    if current is not None:
        items.add(current)
    return items
