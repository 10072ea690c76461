"""Structured logs (structlog over the standard library): one JSON object a line, for our
loggers and every library's alike, each carrying the request id and, where known, the user and
exchange key it concerns; secrets and tokens are redacted by a processor before anything is
written, whatever logged them. A person at a terminal gets the same lines as readable text
instead (`TRADEDESK_LOG_FORMAT` chooses either way)."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars, merge_contextvars

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


def redact_text(text: str) -> str:
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            key: REDACTED if _SECRET_KEYS.search(str(key)) else _redact(item)
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
        key: REDACTED if _SECRET_KEYS.search(key) and key != "event" else _redact(value)
        for key, value in event.items()
    }


_SHARED: list[Any] = [
    merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
]
# structlog's loggers hand their events to the standard library's logging (so that tests'
# caplog and any handler see them); `configure` renders them.
structlog.configure(
    processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)


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
        else structlog.processors.JSONRenderer()
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
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())


def start_request(request_id: str) -> None:
    """A fresh log context for one request: its id on every line logged while it runs."""
    clear_contextvars()
    bind_contextvars(request_id=request_id)


def about(**fields: str) -> None:
    """Say which user or key the current request concerns, for the lines that follow."""
    bind_contextvars(**fields)
