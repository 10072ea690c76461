"""Prometheus metrics (prometheus-client): HTTP requests and GraphQL operations, exchange
requests by endpoint and request weight by egress and purpose, copy jobs and fan-outs, the
keeper's event passes and streams, and the backlogs of the copy queue and the alert outbox.
Served at `/metrics` by `serve`, and by `worker` on `TRADEDESK_WORKER_METRICS_PORT`."""

from __future__ import annotations

import re
import time
from typing import Any

import ccxt
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from tradedesk.domain.backlog import Backlog

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

HTTP_REQUESTS = Counter(
    "tradedesk_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "tradedesk_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
GRAPHQL_OPERATIONS = Counter(
    "tradedesk_graphql_operations_total",
    "GraphQL operations run, and whether any field failed",
    ["operation", "type", "outcome"],
)
GRAPHQL_LATENCY = Histogram(
    "tradedesk_graphql_operation_duration_seconds",
    "Time to run a GraphQL operation",
    ["operation", "type"],
    buckets=LATENCY_BUCKETS,
)
EXCHANGE_REQUESTS = Counter(
    "tradedesk_exchange_requests_total",
    "Requests sent to the exchange, by endpoint and outcome (ok or ccxt's error class)",
    ["endpoint", "outcome"],
)
EXCHANGE_LATENCY = Histogram(
    "tradedesk_exchange_request_duration_seconds",
    "Time the exchange took to answer (rate-limit waits included)",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
)
EXCHANGE_WEIGHT = Counter(
    "tradedesk_exchange_weight_total",
    "Binance request weight spent, by egress IP (proxy host or direct) and purpose",
    ["egress", "purpose"],
)
COPY_JOBS = Counter("tradedesk_copy_jobs_total", "Signal copies run, by outcome", ["status"])
COPY_LATENCY = Histogram(
    "tradedesk_copy_job_duration_seconds", "Time to run one copy", buckets=LATENCY_BUCKETS
)
FANOUT_LATENCY = Histogram(
    "tradedesk_fanout_duration_seconds",
    "Time to run one batch of copies, lease to last outcome",
    buckets=LATENCY_BUCKETS,
)
FANOUT_COPIES = Counter("tradedesk_fanout_copies_total", "Copies run in fan-out batches")
COPY_QUEUE_DEPTH = Gauge(
    "tradedesk_copy_queue_depth", "Copies not yet run (due now or waiting for a retry)"
)
ALERT_BACKLOG = Gauge("tradedesk_alert_outbox_backlog", "Alerts not yet delivered")
EVENT_PASS_LATENCY = Histogram(
    "tradedesk_keeper_event_pass_duration_seconds",
    "From an account event heard to the keeper's pass over the trade it touched, done",
    buckets=LATENCY_BUCKETS,
)
STREAM_KEYS = Gauge(
    "tradedesk_account_stream_keys",
    "Keys whose user-data stream the keeper listens to (live: its events arrive now)",
    ["state"],
)

_OPERATION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


_REQUEST_SERIES: dict[tuple[str, str, int], tuple[Any, Any]] = {}
MAX_REQUEST_SERIES = 10_000  # past this many, a new series is looked up each time instead


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Counts one answered request. Each series' children are kept once looked up: the
    library's label lookup costs more than the count itself on every request."""
    series = _REQUEST_SERIES.get((method, route, status))
    if series is None:
        series = (
            HTTP_REQUESTS.labels(method, route, str(status)),
            HTTP_LATENCY.labels(method, route),
        )
        if len(_REQUEST_SERIES) < MAX_REQUEST_SERIES:
            _REQUEST_SERIES[method, route, status] = series
    requests, latency = series
    requests.inc()
    latency.observe(seconds)


def observe_operation(name: str | None, kind: str, failed: bool, seconds: float) -> None:
    """Operation names come from clients: an odd one is counted as `other`."""
    label = name if name and _OPERATION_NAME.match(name) else ("anonymous" if not name else "other")
    GRAPHQL_OPERATIONS.labels(label, kind, "error" if failed else "ok").inc()
    GRAPHQL_LATENCY.labels(label, kind).observe(seconds)


class PrometheusJobMetrics:
    """The domain's JobMetrics port."""

    def copy_finished(self, status: str, seconds: float) -> None:
        COPY_JOBS.labels(status).inc()
        COPY_LATENCY.observe(seconds)

    def fanout_finished(self, copies: int, seconds: float) -> None:
        FANOUT_COPIES.inc(copies)
        FANOUT_LATENCY.observe(seconds)

    def event_pass_finished(self, seconds: float) -> None:
        EVENT_PASS_LATENCY.observe(seconds)

    def streams_watched(self, keys: int, live: int) -> None:
        STREAM_KEYS.labels("live").set(live)
        STREAM_KEYS.labels("down").set(keys - live)


def count_exchange_requests(client: Any) -> None:
    """Wraps a ccxt client's `fetch2` (one call per endpoint request, throttling included) to
    count each request by endpoint, e.g. `fapiPrivate POST order`, and its outcome."""
    send = client.fetch2

    async def counted(
        path: str, api: Any = "public", method: str = "GET", params: Any = None, config: Any = None
    ) -> Any:
        family = api[0] if isinstance(api, list) else api
        endpoint = f"{family} {method} {path}"
        started = time.perf_counter()
        outcome = "ok"
        try:
            return await send(path, api, method, params or {}, config or {})
        except ccxt.BaseError as error:
            outcome = type(error).__name__
            raise
        finally:
            EXCHANGE_REQUESTS.labels(endpoint, outcome).inc()
            EXCHANGE_LATENCY.labels(endpoint).observe(time.perf_counter() - started)

    client.fetch2 = counted


def count_exchange_weight(egress: str, purpose: str, weight: int) -> None:
    EXCHANGE_WEIGHT.labels(egress, purpose).inc(weight)


def exposition(backlog: Backlog) -> tuple[bytes, str]:
    """The text exposition of every metric, with the backlogs as they are now."""
    COPY_QUEUE_DEPTH.set(backlog.copies)
    ALERT_BACKLOG.set(backlog.alerts)
    return generate_latest(), CONTENT_TYPE_LATEST
