"""The v1 query parameters and headers, each with the parser that checks it and what the
OpenAPI document says of it."""

from __future__ import annotations

from tradedesk.domain import paging
from tradedesk.domain.catalog import performance
from tradedesk.domain.catalog.performance import Interval, parse_interval
from tradedesk.domain.market.model import (
    ExchangeId,
    TradeType,
    parse_exchange_id,
    parse_symbol,
    parse_trade_type,
)
from tradedesk.domain.trading.manual_orders import parse_idempotency_key
from tradedesk.rest.contract import Param

SYMBOL_SCHEMA = {"type": "string", "pattern": "^[A-Z0-9]{2,12}/[A-Z0-9]{2,12}$"}

EXCHANGE_ID = Param(
    "exchangeId",
    parse_exchange_id,
    {"type": "string", "enum": [item.value for item in ExchangeId], "default": "BINANCE"},
    "Filter by EXCHANGE_ID.",
)
TICKER_SYMBOL = Param(
    "symbol",
    parse_symbol,
    {**SYMBOL_SCHEMA, "default": "BTC/USDT"},
    "Filter by exchange symbol, e.g. BTC/USDT.",
)
TRADE_TYPE = Param(
    "type",
    parse_trade_type,
    {"type": "string", "enum": [item.value for item in TradeType], "default": "FUTURES"},
    "Filter by exchange trade type.",
)
SYMBOL = Param("symbol", parse_symbol, SYMBOL_SCHEMA, "The exchange symbol, e.g. BTC/USDT.", True)
INTERVAL = Param(
    "interval",
    parse_interval,
    {"type": "string", "enum": [item.value for item in Interval], "default": "1d"},
    "Bucket size: a day or a month.",
)
BUCKETS = Param(
    "limit",
    performance.parse_limit,
    {"type": "integer", "minimum": 1, "maximum": performance.MAX_LIMIT, "default": 30},
    "How many buckets, newest last.",
)
START = Param(
    "start",
    paging.parse_start,
    {"type": "string", "format": "date"},
    "The first day listed (YYYY-MM-DD).",
)
LIMIT = Param(
    "limit",
    paging.parse_limit,
    {"type": "integer", "minimum": 1, "maximum": paging.MAX_LIMIT, "default": 30},
    "Items per page.",
)
NEXT_TOKEN = Param(
    "nextToken",
    str,  # the history that issued it checks it (a signed, per-caller token)
    {"type": "string"},
    "The previous page's `nextToken`.",
)
IDEMPOTENCY_KEY = Param(
    "Idempotency-Key",
    parse_idempotency_key,
    {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"},
    "Makes a retry answer the first attempt's result and place nothing.",
)
