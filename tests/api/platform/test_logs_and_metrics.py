"""Operators' view: one JSON log line per request with its id, user and key; secrets and tokens
redacted whoever logged them; Prometheus metrics per route, GraphQL operation, exchange
endpoint and copy job, and the backlogs."""

from __future__ import annotations

import io
import logging

import orjson
import pytest
import structlog

from tests.support.prometheus import samples
from tradedesk import logs
from tradedesk.domain.market.exchange import ApiCredentials
from tradedesk.domain.market.model import ExchangeId, TradeType

pytestmark = pytest.mark.asyncio
KEY = {
    "exchangeId": "BINANCE",
    "tradeType": "FUTURES",
    "strategyType": "MANUAL",
    "name": "Main",
    "apiKey": "logged-key",
    "apiSecretKey": "s3cr3t-never-logged",
}


@pytest.fixture
def log_lines():
    """The JSON lines written so far while the test runs, as `serve` writes them."""
    root = logging.getLogger()
    saved = root.handlers, root.level
    stream = io.StringIO()
    logs.configure("debug", stream)
    [handler] = [h for h in root.handlers if isinstance(h, logs.QueuedStream)]

    def written() -> list[dict]:
        logs.flush()  # a thread writes the lines
        return [orjson.loads(line) for line in stream.getvalue().splitlines()]

    yield written
    root.handlers, root.level = saved
    handler.close()


async def test_each_request_logs_one_json_line_with_its_id_user_and_key(alice, log_lines):
    key = (await alice.post("/v1/priv/account/exchange/key", KEY)).json()
    await alice.client.get(
        f"/v1/priv/account/exchange/key/{key['id']}/balance",
        headers={**alice.headers, "x-request-id": "trace-7"},
    )
    await alice.graphql("query Mine { viewer { exchangeKeys { id } } }")

    requests = [line for line in log_lines() if line["event"] == "request"]
    balance = next(line for line in requests if line.get("request_id") == "trace-7")
    graphql = requests[-1]

    assert balance["route"] == "/v1/priv/account/exchange/key/{key_id}/balance"
    assert balance["key_id"] == key["id"] and balance["user_id"]
    assert balance["status"] == 200 and balance["level"] == "info" and "timestamp" in balance
    assert graphql["route"] == "/graphql" and graphql["user_id"] == balance["user_id"]
    assert len({line["request_id"] for line in requests}) == len(requests)


async def test_secrets_and_tokens_never_reach_the_log(alice, log_lines, cognito):
    token = alice.headers["authorization"].removeprefix("Bearer ")
    await alice.post("/v1/priv/account/exchange/key", KEY)
    logging.getLogger("tradedesk.test").warning(
        "calling with %s and api_secret=%s", alice.headers["authorization"], "hunter2"
    )
    structlog.get_logger("tradedesk.test").info(
        "headers", headers={"Authorization": "Bearer abc", "Accept": "json"}, apiSecretKey="x1"
    )
    logging.getLogger("httpx").info(
        "GET https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq/getMe"
    )

    written = orjson.dumps(log_lines()).decode()

    assert token not in written and "s3cr3t-never-logged" not in written
    assert "hunter2" not in written and "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq" not in written
    headers = next(line for line in log_lines() if line["event"] == "headers")
    assert headers["headers"] == {"Authorization": "[REDACTED]", "Accept": "json"}
    assert headers["apiSecretKey"] == "[REDACTED]"


async def test_what_the_json_writer_cannot_take_is_still_written_and_still_redacted(
    client, log_lines, capsys
):
    """A dataclass is written by its repr (which leaves a secret out), values orjson refuses
    fall back to the standard library, and a path no route matched is searched in every
    field it reaches, the route included."""
    credentials = ApiCredentials(ExchangeId.BINANCE, TradeType.FUTURES, "k", "TOPSECRETVALUE")
    structlog.get_logger("tradedesk.test").warning("opened", client=credentials)
    structlog.get_logger("tradedesk.test").info("odd", amount=10**20, text="\udc80", token="t1")
    await client.post("/webhooks/telegram/123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq")

    written = orjson.dumps(log_lines()).decode()

    assert "TOPSECRETVALUE" not in written and "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq" not in written
    odd = next(line for line in log_lines() if line["event"] == "odd")
    assert odd["amount"] == 10**20 and odd["token"] == "[REDACTED]"
    assert "t1" not in capsys.readouterr().err  # nothing fell out of the logger unredacted


async def test_a_request_line_written_directly_is_the_line_structlog_would_write(log_lines):
    """Each request's line skips structlog's chain when only the JSON handler listens: it
    must carry the same fields, in the same order, redacted the same way."""
    path = "/webhooks/telegram/123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"
    logs.start_request("req-1")
    logs.about(user_id="u-1", key_id="k-1")
    root = logging.getLogger()
    pytests = [h for h in root.handlers if not isinstance(h, logs.QueuedStream)]
    for handler in pytests:  # the JSON handler alone: the direct way
        root.removeHandler(handler)
    try:
        logs.request_served("POST", path, "unmatched", 404, 0.3)
    finally:
        for handler in pytests:
            root.addHandler(handler)
    logs.request_served("POST", path, "unmatched", 404, 0.3)  # pytest listens: through structlog

    direct, chained = [line for line in log_lines() if line["event"] == "request"][-2:]

    assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq" not in orjson.dumps([direct, chained]).decode()
    assert direct.pop("timestamp") and chained.pop("timestamp")
    assert list(direct.items()) == list(chained.items())
    assert direct["request_id"] == "req-1" and direct["key_id"] == "k-1"


async def test_a_record_that_cannot_be_written_leaves_no_secret_anywhere(log_lines, capsys):
    class Unprintable:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    root = logging.getLogger()
    pytests = [h for h in root.handlers if not isinstance(h, logs.QueuedStream)]
    for handler in pytests:  # pytest's own capture would raise on the record first
        root.removeHandler(handler)
    try:
        log = structlog.get_logger("tradedesk.test")
        log.info("broken", thing=Unprintable(), password="hunter2")
        log.info("after")
    finally:
        for handler in pytests:
            root.addHandler(handler)

    lines = log_lines()
    assert "hunter2" not in orjson.dumps(lines).decode() + capsys.readouterr().err
    failed = next(line for line in lines if line["event"] == "a log record could not be written")
    assert failed["logger"] == "tradedesk.test" and failed["error"] == "RuntimeError"
    assert lines[-1]["event"] == "after"  # the logger goes on


async def test_metrics_count_routes_operations_and_backlogs(client, alice):
    before = (await client.get("/metrics")).text
    key = (await alice.post("/v1/priv/account/exchange/key", KEY)).json()
    for _ in range(3):
        await alice.get(f"/v1/priv/exchange/order/{key['id']}/list?symbol=BTC%2FUSDT")
    order = {"symbol": "BTC/USDT", "type": "LIMIT", "side": "BUY", "amount": 0.01, "price": 10000}
    placed = await alice.post(f"/v1/priv/exchange/order/{key['id']}", order)
    assert placed.status_code == 200
    await alice.graphql("query Plans { plans { id } }")
    await client.get("/no/such/route")
    scrape = await client.get("/metrics", headers={"authorization": "Bearer nonsense"})
    after = scrape.text

    route = (
        ("method", "GET"),
        ("route", "/v1/priv/exchange/order/{key_id}/list"),
        ("status", "200"),
    )
    counted = samples(after, "tradedesk_http_requests_total")
    assert counted[route] - samples(before, "tradedesk_http_requests_total").get(route, 0) == 3
    timed = route[:2]  # the latency histogram: per method and route
    latency = "tradedesk_http_request_duration_seconds_count"
    assert samples(after, latency)[timed] - samples(before, latency).get(timed, 0) == 3
    assert (("method", "GET"), ("route", "unmatched"), ("status", "404")) in counted
    operation = (("operation", "Plans"), ("outcome", "ok"), ("type", "query"))
    assert samples(after, "tradedesk_graphql_operations_total")[operation] >= 1
    assert samples(after, "tradedesk_copy_queue_depth") == {(): 0}
    assert samples(after, "tradedesk_alert_outbox_backlog")[()] >= 1  # the new order's alert
    assert scrape.status_code == 200 and scrape.headers["content-type"].startswith("text/plain")


class TestExchangeRequests:
    @pytest.fixture
    def settings_overrides(self, venue):
        _engine, base = venue
        return {"exchange": "binance", "binance_urls": base}

    async def test_each_exchange_endpoint_is_counted_with_its_outcome(self, client, faults):
        before = samples((await client.get("/metrics")).text, "tradedesk_exchange_requests_total")
        await client.get("/v1/pub/exchange/ticker")
        faults.failure("/fapi/v1/ticker/24hr", status=502, times=1)
        await client.get("/v1/pub/exchange/ticker?symbol=ETH%2FUSDT")
        after = samples((await client.get("/metrics")).text, "tradedesk_exchange_requests_total")

        def more(endpoint: str, outcome: str) -> float:
            labels = (("endpoint", endpoint), ("outcome", outcome))
            return after.get(labels, 0) - before.get(labels, 0)

        assert more("fapiPublic GET ticker/24hr", "ok") == 2  # BTC, and ETH's retry
        assert more("fapiPublic GET ticker/24hr", "ExchangeNotAvailable") == 1  # the 502
