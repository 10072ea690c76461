"""Binance's request signing: API key header, HMAC-SHA256 of the parameters, time window."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qsl

from tradedesk.simulator.engine import PaperExchange
from tradedesk.simulator.errors import ExchangeError
from tradedesk.simulator.orders import Account

API_KEY_HEADER = "x-mbx-apikey"
DEFAULT_RECV_WINDOW = 5000
MAX_RECV_WINDOW = 60000


def identify(engine: PaperExchange, api_key: str | None) -> Account:
    """The account of a request that only names its key (Binance's USER_STREAM endpoints)."""
    if not api_key:
        raise ExchangeError(-2014, "API-key format invalid.")
    return engine.account(api_key)  # -2015 for a key the exchange does not know


def verify(engine: PaperExchange, *, api_key: str | None, query: str, body: str) -> dict[str, str]:
    """The request's parameters once its key, signature and timestamp are good."""
    account = identify(engine, api_key)
    signature = None
    for part in (query, body):
        if "signature=" in part:
            signature = dict(parse_qsl(part)).get("signature")
    payload = _unsigned(query) + _unsigned(body)
    if not signature:
        raise ExchangeError(
            -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed."
        )
    expected = hmac.new(account.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise ExchangeError(-1022, "Signature for this request is not valid.")
    params = dict(parse_qsl(query)) | dict(parse_qsl(body))
    params.pop("signature", None)
    _check_time(engine.now_ms(), params)
    return params


def _unsigned(part: str) -> str:
    """The part without its `signature=...` parameter (ccxt appends it last)."""
    if part.startswith("signature="):
        return ""
    return part.split("&signature=", 1)[0]


def _check_time(now: int, params: dict[str, str]) -> None:
    try:
        timestamp = int(params["timestamp"])
        window = int(params.get("recvWindow", DEFAULT_RECV_WINDOW))
    except (KeyError, ValueError):
        raise ExchangeError(
            -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed."
        ) from None
    if not 0 < window <= MAX_RECV_WINDOW:
        raise ExchangeError(-1131, "recvWindow must be less than 60000")
    if timestamp >= now + 1000 or now - timestamp > window:
        raise ExchangeError(-1021, "Timestamp for this request is outside of the recvWindow.")
