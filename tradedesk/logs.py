"""Structured logs (structlog over the standard library): one JSON object a line, for our
loggers and every library's alike, each carrying the request id and, where known, the user and
exchange key it concerns; secrets and tokens are redacted by a processor before anything is
written, whatever logged them. A person at a terminal gets the same lines as readable text
instead (`TRADEDESK_LOG_FORMAT` chooses either way).

Every request writes a line, so a line must cost microseconds: lines are rendered by orjson;
a field is blanked by its name (a cached check); the fields this code sets itself are
passed; other text is searched once for the words every secret pattern needs before any
pattern runs; the standard library's caller lookup is off (no line carries it); and a thread
writes the lines, so the event loop never waits on a slow stream."""

from __future__ import annotations

import functools
import json
import logging
import os
import queue
import re
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping, MutableMapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson
import structlog

REDACTED = "[REDACTED]"
# Field names whose values are secrets wherever they appear.
_SECRET_KEYS = re.compile(
    r"secret|password|passwd|token|authorization|api_?key|signature|cookie|credential",
    re.IGNORECASE,
)
# Secrets recognisable inside free text: bearer credentials, JWTs, Stripe keys and webhook
# secrets, Telegram bot tokens, and signatures or keys in query strings.
_SECRET_TEXT = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1" + REDACTED),
    (re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),
    (re.compile(r"\b(sk|rk)_(live|test)_[A-Za-z0-9]+"), REDACTED),
    (re.compile(r"\bwhsec_[A-Za-z0-9+/=]+"), REDACTED),
    (re.compile(r"(?<![0-9])\d{6,}:[A-Za-z0-9_-]{30,}"), REDACTED),
    (re.compile(r"(?i)([?&](signature|apikey|api_key|token|key)=)[^&\s\"']+"), r"\1" + REDACTED),
    (
        re.compile(r"(?i)\b(\w*(?:secret|password|token|api_?key)\w*\s*[=:]\s*)[^\s,;&\"']+"),
        r"\1" + REDACTED,
    ),
]


# A word every pattern above needs, case aside: text without one holds no secret, and most
# text (paths, ids, messages) is passed by these substring checks (a regular expression of
# the same words takes five times as long) instead of seven searches.
_SECRET_WORDS = (
    "bearer", "eyj", "sk_", "rk_", "whsec_", "secret", "passw", "token", "apikey", "api_key",
    "signature", "key=",
)  # fmt: skip
_BOT_TOKEN_START = re.compile(r"\d{6}:")
# Fields this code sets itself, never from a caller's or a library's text: not searched. (The
# method and route are the caller's when no route matched, so they are searched.)
_OWN_FIELDS = frozenset(
    {
        "timestamp",
        "level",
        "logger",
        "pid",
        "request_id",
        "user_id",
        "key_id",
        "status",
        "duration_ms",
    }
)
MAX_QUEUED_LINES = 100_000  # past this many unwritten lines, logging waits for the stream
WRITE_EVERY = 0.02  # seconds between the log writer's turns
ATOMIC_WRITE = 4096  # PIPE_BUF on Linux: a write up to this size reaches a pipe whole
FLUSH_BEFORE_DYING = 2.0  # seconds a dying process waits for its last lines to be written


def redact_text(text: str) -> str:
    if not _may_hold_secret(text):
        return text
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


_redact_text_cached = functools.lru_cache(maxsize=1024)(redact_text)


def _may_hold_secret(text: str) -> bool:
    lowered = text.lower()
    for word in _SECRET_WORDS:
        if word in lowered:
            return True
    return ":" in text and _BOT_TOKEN_START.search(text) is not None


@functools.lru_cache(maxsize=4096)
def _secret_name(name: str) -> bool:
    return _SECRET_KEYS.search(name) is not None


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            key: REDACTED if _secret_name(str(key)) else _redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact(item) for item in value]
    return value


def redact_secrets(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """The structlog processor: secret-named fields blanked, secrets in text masked."""
    return {
        key: value
        if key in _OWN_FIELDS
        else _redact(value)
        if key == "event"
        else _redacted_field(key, value)
        for key, value in event.items()
    }


def _redacted_field(name: str, value: Any) -> Any:
    return REDACTED if _secret_name(name) else _redact(value)


def _json(event: Any, **options: Any) -> str:
    """structlog's JSON serializer, by orjson. A value orjson does not know, dataclasses
    included (so that a field kept out of their `repr`, such as a secret, stays out), is
    written by structlog's fallback, its `repr`; what orjson refuses outright (an integer past
    64 bits, a lone surrogate) is written by the standard library instead."""
    try:
        return orjson.dumps(
            event,
            default=options.get("default"),
            option=orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS,
        ).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        text = json.dumps(event, default=repr, ensure_ascii=False)
        return text.encode("utf-8", "replace").decode()  # a lone surrogate becomes "?"


class QueuedStream(logging.Handler):
    """Formats each record where it is logged, then hands the line to a thread that writes
    it: an event loop never waits on a stream whose reader lags (a pipe, a container's log
    driver). The writer takes a turn every `WRITE_EVERY` seconds and writes what it finds at
    once, rather than being woken for each line, so a busy event loop does not hand the
    interpreter lock to it on every request. Lines keep their order; `flush` waits until
    every line handed over is written."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self._stream = stream
        self._lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._handed = 0  # lines handed over; emit runs under the handler's lock
        self._written = 0  # lines written (or lost to a broken stream); the writer's alone
        self._turn = threading.Event()  # a turn now: a flush, or the close
        self._closing = False
        self._writer = threading.Thread(target=self._write, name="log-writer", daemon=True)
        self._writer.start()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self._hand(line)

    def hand(self, line: str) -> None:
        """A line formatted elsewhere (a request's own line), written in its turn."""
        with self.lock:  # type: ignore[union-attr]  # created by the Handler's constructor
            self._hand(line)

    def _hand(self, line: str) -> None:  # under the handler's lock
        while self._handed - self._written >= MAX_QUEUED_LINES and self._writer.is_alive():
            time.sleep(WRITE_EVERY)  # the stream is that far behind: wait, do not grow
        self._lines.put(line)
        self._handed += 1

    def handleError(self, record: logging.LogRecord) -> None:
        """A record that could not be formatted is reported by its logger and the error's
        type alone: the standard library would print the record itself, unredacted."""
        error = sys.exc_info()[1]
        self._lines.put(
            orjson.dumps(
                {
                    "event": "a log record could not be written",
                    "logger": record.name,
                    "level": "error",
                    "error": type(error).__name__,
                }
            ).decode()
        )
        self._handed += 1

    def flush(self, timeout: float | None = None) -> None:
        handed = self._handed
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._written < handed and self._writer.is_alive():
            if deadline is not None and time.monotonic() > deadline:
                return  # the stream is stuck; the caller cannot wait on it
            self._turn.set()
            time.sleep(0.001)

    def close(self) -> None:
        self._closing = True
        self._turn.set()
        self._writer.join()
        super().close()

    def _write(self) -> None:
        while True:
            self._turn.wait(WRITE_EVERY)
            self._turn.clear()
            closing = self._closing
            lines = []
            while True:
                try:
                    lines.append(self._lines.get_nowait())
                except queue.Empty:
                    break
            try:
                for chunk in _chunks(lines):
                    self._stream.write(chunk)
                    self._stream.flush()
            except Exception:  # a closed or broken stream: the lines are lost, not the app
                pass
            self._written += len(lines)
            if closing:
                return


# The fields of the request being served (its id, and the user and key it concerns once
# known): one dict per request, so that what a handler learns reaches the request's own line.
_REQUEST: ContextVar[dict[str, str] | None] = ContextVar("tradedesk_request", default=None)


def add_request_fields(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Every line logged while a request is served carries its id, user and key."""
    fields = _REQUEST.get()
    if fields:
        for name, value in fields.items():
            event.setdefault(name, value)
    return event


def add_process_id(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Which process wrote the line: `serve --workers N` runs several."""
    event["pid"] = os.getpid()
    return event


def _chunks(lines: list[str]) -> Iterator[str]:
    """Whole lines in writes of at most `ATOMIC_WRITE` bytes: a pipe takes a write that size
    in one piece, so lines of several processes sharing it (`serve --workers N`) never
    interleave mid-line. A longer line goes alone."""
    chunk: list[str] = []
    size = 0
    for line in lines:
        length = len(line) + 1
        if chunk and size + length > ATOMIC_WRITE:
            yield "".join(chunk)
            chunk, size = [], 0
        chunk.append(line + "\n")
        size += length
    if chunk:
        yield "".join(chunk)


_SHARED: list[Any] = [
    add_request_fields,
    add_process_id,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
]
# No line carries the caller's file and line, so the standard library need not walk the stack
# for them: the logging HOWTO's "Optimization" section says to set `_srcfile` to None.
logging._srcfile = None
# structlog's loggers hand their events to the standard library's logging (so that tests'
# caplog and any handler see them); `configure` renders them.
structlog.configure(
    processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)


# The handler `configure` set up for JSON lines, which a request's line is handed to directly.
_json_lines: QueuedStream | None = None


def configure(
    level: str = "info", stream: TextIO | None = None, log_format: str | None = None
) -> None:
    """Route every log record (ours, uvicorn's, SQLAlchemy's, httpx's...) through structlog on
    stderr (or `stream`): readable lines when that is a terminal, JSON otherwise, unless
    `log_format` ("json" or "console") says which."""
    stream = stream or sys.stderr
    terminal = stream.isatty()
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=terminal)
        if (log_format or ("console" if terminal else "json")) == "console"
        else structlog.processors.JSONRenderer(serializer=_json)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,  # to text first, so it is redacted too
            redact_secrets,
            renderer,
        ],
    )
    handler = QueuedStream(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for replaced in root.handlers:
        if isinstance(replaced, QueuedStream):  # its thread writes what it holds, then ends
            replaced.close()
    root.handlers = [handler]
    root.setLevel(level.upper())
    global _json_lines
    _json_lines = handler if isinstance(renderer, structlog.processors.JSONRenderer) else None


def flush(timeout: float | None = None) -> None:
    """Waits until every line logged so far is written, or `timeout` seconds."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, QueuedStream):
            handler.flush(timeout)
        else:
            handler.flush()


def flush_before_dying_of(*signals: signal.Signals) -> None:
    """uvicorn, once it has shut down on SIGTERM or SIGINT, restores the handlers it found
    and raises the signal again, and the default handler ends the process at once: no exit
    handler runs, so the writer thread's last lines would be lost. These handlers write them,
    then die of the signal as the default would (the exit status still names it)."""

    def flush_then_die(signum: int, _frame: object) -> None:
        flush(FLUSH_BEFORE_DYING)
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)

    for each in signals:
        signal.signal(each, flush_then_die)


def start_request(request_id: str) -> None:
    """A fresh log context for one request: its id on every line logged while it runs."""
    _REQUEST.set({"request_id": request_id})


def about(**fields: str) -> None:
    """Say which user or key the current request concerns, for the lines that follow and the
    request's own line."""
    current = _REQUEST.get()
    if current is None:
        _REQUEST.set(dict(fields))
    else:
        current.update(fields)


_HTTP = logging.getLogger("tradedesk.http")
_http_log = structlog.get_logger("tradedesk.http")


def request_served(method: str, path: str, route: str, status: int, duration_ms: float) -> None:
    """The one line every request writes (`event: request`). The line a JSON logger would
    write through structlog, with the same fields, order and redaction, built directly when
    the JSON handler is the only one: at a line a request, the processor chain and the
    standard library's record would cost more than serving a cached answer."""
    handler = _json_lines
    if (
        handler is None
        or len(logging.root.handlers) != 1
        or logging.root.handlers[0] is not handler
        or _HTTP.handlers
        or not _HTTP.isEnabledFor(logging.INFO)
    ):  # console lines, or another handler (a test's capture) to see the record
        _http_log.info(
            "request",
            method=method,
            path=path,
            route=route,
            status=status,
            duration_ms=duration_ms,
        )
        return
    # as `redact_secrets` would: the caller's text searched, this code's own fields passed
    redacted_route = _redact_text_cached(route)  # a template, or "unmatched": few of them
    event: dict[str, Any] = {
        "method": _redact_text_cached(method),
        "path": redacted_route if path == route else redact_text(path),
        "route": redacted_route,
        "status": status,
        "duration_ms": duration_ms,
        "event": "request",
    }
    fields = _REQUEST.get()
    if fields:
        for name, value in fields.items():
            if name not in event:
                event[name] = value if name in _OWN_FIELDS else _redacted_field(name, value)
    event["pid"] = os.getpid()
    event["level"] = "info"
    event["logger"] = "tradedesk.http"
    event["timestamp"] = datetime.now(tz=UTC).isoformat().replace("+00:00", "Z")
    handler.hand(_json(event))
