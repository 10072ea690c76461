"""The public GraphQL fields over HTTP: the same services, so the same values as REST."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime

import pytest

from tests.builders import documented
from tests.builders.trades import add_trades
from tradedesk.schema import graphiql

pytestmark = pytest.mark.asyncio


async def graphql(client, query: str, variables: dict | None = None):
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    return response


@pytest.mark.parametrize(
    ("field", "selection", "rest_path"),
    [
        (
            "plans",
            "id name monthlyPriceUSD maxBalanceUSD maxApiKey strategyAutomated",
            "/v1/pub/subscription/list",
        ),
        ("riskProfiles", "id name percentage createdAt updatedAt", "/v1/pub/strategy/profile/list"),
        (
            "strategies",
            "id active name description exchangeId symbol createdAt updatedAt",
            "/v1/pub/strategy/list",
        ),
    ],
)
async def test_lists_carry_every_rest_field_under_the_same_name_and_value(
    client, field, selection, rest_path
):
    response = await graphql(client, f"{{ {field} {{ {selection} }} }}")
    rest = (await client.get(rest_path)).json()["items"]

    assert response.status_code == 200
    assert "errors" not in response.json()
    assert response.json()["data"][field] == rest


async def test_ticker_takes_the_rest_parameters_with_the_same_defaults(client):
    fields = (
        "symbol timestamp datetime high low vwap open close last change percentage average "
        "baseVolume quoteVolume"
    )
    default = await graphql(client, f"{{ ticker {{ {fields} }} }}")
    explicit = await graphql(
        client,
        f'{{ ticker(exchangeId: BINANCE, symbol: "ETH/USDT", type: SPOT) {{ {fields} }} }}',
    )
    rest_default = (await client.get("/v1/pub/exchange/ticker")).json()
    rest_explicit = (
        await client.get("/v1/pub/exchange/ticker", params={"symbol": "ETH/USDT", "type": "SPOT"})
    ).json()

    assert default.json()["data"]["ticker"] == rest_default
    assert explicit.json()["data"]["ticker"] == rest_explicit


async def test_ticker_errors_carry_the_documented_codes(client):
    malformed = await graphql(client, '{ ticker(symbol: "BTCUSDT") { last } }')
    unlisted = await graphql(client, '{ ticker(symbol: "DOGE/USDT") { last } }')

    assert (malformed.status_code, unlisted.status_code) == (200, 200)
    [error] = malformed.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"] == [
        {"field": "symbol", "message": "must be valid exchange symbol", "value": "BTCUSDT"}
    ]
    [error] = unlisted.json()["errors"]
    assert error["message"] == "invalid exchange symbol (1300)"
    assert error["extensions"]["code"] == "1300"


async def test_enum_arguments_reject_undocumented_values(client):
    response = await graphql(client, "{ ticker(type: MARGIN) { last } }")

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_strategy_history_and_performance_equal_rest(client, runtime):
    await add_trades(
        runtime,
        documented.STRATEGY_1,
        ("LONG", datetime(2022, 10, 18, 2, tzinfo=UTC), 0.03),
        ("SHORT", datetime(2022, 10, 19, 2, tzinfo=UTC), -0.01),
    )
    query = """
      query($id: ID!, $limit: Int!) {
        strategy(id: $id) {
          name
          history(interval: DAY, limit: $limit) {
            start endAt netProfitPercent winRate maxDrawDown trades long short
          }
          performance(interval: DAY, limit: $limit) {
            netProfitPercent winRate maxDrawDown trades long short
          }
        }
      }"""
    response = await graphql(client, query, {"id": documented.STRATEGY_1, "limit": 5})
    base = f"/v1/pub/strategy/{documented.STRATEGY_1}"
    rest_history = (await client.get(f"{base}/history", params={"limit": 5})).json()["items"]
    rest_performance = (await client.get(f"{base}/performance", params={"limit": 5})).json()

    strategy = response.json()["data"]["strategy"]
    assert strategy["history"] == rest_history
    assert strategy["performance"] == rest_performance
    assert strategy["performance"]["trades"] == 2


async def test_monthly_interval_is_the_month_enum(client):
    response = await graphql(
        client,
        "query($id: ID!) { strategy(id: $id) {"
        " history(interval: MONTH, limit: 2) { start endAt } } }",
        {"id": documented.STRATEGY_1},
    )

    assert response.json()["data"]["strategy"]["history"] == [
        {"start": "2022-10-01", "endAt": "2022-11-01"},
        {"start": "2022-09-01", "endAt": "2022-10-01"},
    ]


async def test_unknown_strategy_is_null_and_malformed_id_is_bad_input(client):
    unknown = await graphql(
        client, '{ strategy(id: "00000000-0000-4000-8000-000000000000") { id } }'
    )
    malformed = await graphql(client, '{ strategy(id: "invaliduuid") { id } }')

    assert unknown.json() == {"data": {"strategy": None}}
    [error] = malformed.json()["errors"]
    assert error["extensions"]["fields"][0]["message"] == "must be UUID"


@pytest.mark.parametrize("limit", [0, 1001])
async def test_limit_beyond_bounds_is_bad_input(client, limit):
    response = await graphql(
        client,
        "query($id: ID!, $limit: Int!) { strategy(id: $id) { history(limit: $limit) { start } } }",
        {"id": documented.STRATEGY_1, "limit": limit},
    )

    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["fields"][0]["field"] == "limit"


async def test_listing_every_strategy_with_results_does_not_query_per_strategy(
    client, runtime, count_statements
):
    query = """{ strategies { id
        history(limit: 7) { trades }
        performance(limit: 7) { trades }
        monthly: history(interval: MONTH, limit: 2) { trades } } }"""
    await graphql(client, "{ strategies { id } }")  # warm the catalog snapshot
    with count_statements as counter:
        response = await graphql(client, query)

    assert len(response.json()["data"]["strategies"]) == 4
    trade_reads = [s for s in counter.statements if "strategy_trades" in s]
    assert len(trade_reads) == 3  # one per distinct (field, interval, limit), not per strategy


async def test_graphiql_is_served_to_browsers_whole_by_the_app(client):
    """Every script and stylesheet of the page is the app's own, with the integrity the
    manifest pins, and that is the hash of what the app serves: no other host is asked."""
    page = await client.get("/graphql", headers={"accept": "text/html"})
    linked = re.findall(r'<(?:script|link)[^>]*(?:src|href)="([^"]*)"', page.text)
    integrities = dict(re.findall(r'(?:src|href)="([^"]*)" integrity="([^"]*)"', page.text))
    served = {url: await client.get(url) for url in linked}

    assert page.status_code == 200 and "Tradedesk GraphiQL" in page.text
    assert "http" not in page.text and "//" not in page.text.replace("<!doctype", "")
    assert linked and all(url.startswith("/graphql/assets/") for url in linked)
    assert {answer.status_code for answer in served.values()} == {200}
    pinned = {f"/graphql/assets/{a['file']}": a["integrity"] for a in graphiql.manifest()}
    assert integrities == pinned  # every vendored file is checked by the browser
    for url, expected in pinned.items():
        digest = base64.b64encode(hashlib.sha384(served[url].content).digest()).decode()
        assert expected == f"sha384-{digest}", url


async def test_the_root_page_links_the_apis_docs_and_health(client):
    page = await client.get("/")
    links = re.findall(r'href="([^"]*)"', page.text)
    answers = {link: (await client.get(link, headers={"accept": "text/html"})) for link in links}

    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert links == ["/graphql", "/v1/docs", "/v1/openapi.json", "/healthz", "/readyz"]
    assert {link: a.status_code for link, a in answers.items()} == dict.fromkeys(links, 200)


async def test_queries_can_be_sent_with_get(client):
    query = await client.get("/graphql", params={"query": "{ plans { name } }"})

    assert query.json()["data"]["plans"][0]["name"] == "BASIC"


async def test_introspection_is_open_to_anonymous_callers(client):
    response = await graphql(client, "{ __schema { queryType { name } } }")

    assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400),
        ({"json": {"query": 5}}, 400),
        ({"json": {"query": "{ plans { name } }", "variables": [1]}}, 400),
        ({"content": b"query=1", "headers": {"content-type": "text/plain"}}, 415),
        ({"json": {"query": "{ plans { "}}, 400),
    ],
)
async def test_malformed_requests_are_client_errors(client, kwargs, status):
    response = await client.post("/graphql", **kwargs)

    assert response.status_code == status
    assert response.json()["errors"]


async def test_mutations_cannot_be_sent_with_get(client):
    response = await client.get(
        "/graphql",
        params={
            "query": 'mutation { updateProfile(input: {firstName: "X"}) { errors { field } } }'
        },
    )

    assert response.status_code == 405
    assert response.json()["errors"][0]["message"] == "only queries may be sent with GET"


async def test_an_unknown_operation_name_is_a_client_error(client):
    response = await client.post(
        "/graphql", json={"query": "query A { plans { name } }", "operationName": "B"}
    )

    assert response.status_code == 400
