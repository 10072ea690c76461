"""What one GraphQL document may ask: depth, aliases, tokens and rows are bounded before anything
runs; introspection can be switched off; Apollo's persisted queries; oversized bodies are
refused before they are read."""

from __future__ import annotations

import hashlib

import httpx
import orjson
import pytest

from tradedesk.app import create_app
from tradedesk.bootstrap import build_runtime
from tradedesk.schema.limits import MAX_COST

pytestmark = pytest.mark.asyncio
HISTORY = "{ strategies { history(limit: 1000) { start } } }"


@pytest.fixture
def settings_overrides():
    return {"graphql_max_depth": 3, "max_body_bytes": 30_000}


async def post(client, query: str, variables: dict | None = None, **extra) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables, **extra})


def refused(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    assert response.json().get("data") is None
    return " ".join(error["message"] for error in response.json()["errors"])


async def test_depth_is_bounded(client):
    fine = await post(client, "{ viewer { exchangeKeys { follows { id } } } }")  # depth 3
    deep = await post(client, "{ viewer { exchangeKeys { follows { strategy { id } } } } }")

    assert fine.status_code == 200  # it ran (and asked who the caller is)
    assert fine.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "exceeds maximum operation depth of 3" in refused(deep)


async def test_aliases_are_bounded(client):
    thirty = " ".join(f"a{n}: plans {{ id }}" for n in range(30))
    many = " ".join(f"a{n}: plans {{ id }}" for n in range(31))

    assert "errors" not in (await post(client, f"{{ {thirty} }}")).json()
    assert "31 aliases found. Allowed: 30" in refused(await post(client, f"{{ {many} }}"))


async def test_tokens_are_bounded(client):
    fields = " ".join(["id"] * 6000)
    assert "more than 5000 tokens" in refused(await post(client, f"{{ plans {{ {fields} }} }}"))


async def test_the_rows_a_document_asks_for_are_bounded_also_through_variables(client):
    ten = " ".join(f"h{n}: history(limit: 1000) {{ start }}" for n in range(10))
    eleven = " ".join(f"h{n}: history(limit: $n) {{ start }}" for n in range(11))

    fine = await post(client, f"{{ strategies {{ {ten} }} }}")
    costly = await post(client, f"query($n: Int!) {{ strategies {{ {eleven} }} }}", {"n": 1000})
    cheap = await post(client, f"query($n: Int!) {{ strategies {{ {eleven} }} }}", {"n": 10})

    assert fine.status_code == 200 and "errors" not in fine.json()
    assert f"at most {MAX_COST} at once" in refused(costly)
    assert costly.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    assert cheap.status_code == 200 and "errors" not in cheap.json()


async def test_persisted_queries_by_hash(client):
    query = "{ plans { id name } }"
    sha = hashlib.sha256(query.encode()).hexdigest()
    apq = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}

    unknown = await client.post("/graphql", json=apq)
    taught = await client.post("/graphql", json={"query": query, **apq})
    by_hash = await client.post("/graphql", json=apq)
    by_get = await client.get(
        "/graphql",
        params={"extensions": orjson.dumps(apq["extensions"]).decode()},
    )
    forged = await client.post("/graphql", json={"query": "{ plans { id } }", **apq})

    assert unknown.status_code == 200
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert taught.status_code == 200 and taught.json()["data"]["plans"]
    assert by_hash.json() == taught.json() == by_get.json()
    assert "provided sha does not match query" in refused(forged)


async def test_an_invalid_document_is_not_persisted(client):
    query = "{ nothingHere }"
    sha = hashlib.sha256(query.encode()).hexdigest()
    apq = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}

    assert refused(await client.post("/graphql", json={"query": query, **apq}))
    later = await client.post("/graphql", json=apq)
    assert later.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_with_redis_every_server_knows_a_persisted_query(runtime, redis_url, clock):
    settings = runtime.settings.model_copy(update={"redis_url": redis_url})
    query = "{ riskProfiles { id } }"
    sha = hashlib.sha256(query.encode()).hexdigest()
    apq = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}
    answers = []
    for body in ({"query": query, **apq}, apq):  # taught to server A, asked of server B
        server = build_runtime(settings, clock=clock)
        app = create_app(runtime=server)
        try:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://tradedesk.test"
            ) as http:
                answers.append((await http.post("/graphql", json=body)).json())
        finally:
            await server.aclose()

    assert answers[0] == answers[1] and answers[0]["data"]["riskProfiles"]


async def test_oversized_bodies_are_refused_before_they_are_read(client, alice):
    padding = "x" * 40_000
    declared = await client.post("/graphql", json={"query": "{ plans { id } }", "pad": padding})

    async def chunks():
        for _ in range(40):
            yield b" " * 1000

    streamed = await client.post(
        "/v1/priv/account/exchange/key",
        content=chunks(),
        headers={**alice.headers, "content-type": "application/json"},
    )
    keys = await alice.get("/v1/priv/account/exchange/key/list")

    assert (declared.status_code, declared.json()) == (413, {"message": "request body too large"})
    assert (streamed.status_code, streamed.json()) == (413, {"message": "request body too large"})
    assert keys.json() == {"items": []}


async def test_a_graphql_body_sent_in_chunks_is_read_whole_and_refused_past_the_limit(client):
    """The view reads the body from `receive` itself: every chunk joined, none past the limit."""
    document = b'{"query": "{ plans { id } }"}'

    async def in_pieces(body: bytes, size: int):
        for start in range(0, len(body), size):
            yield body[start : start + size]

    headers = {"content-type": "application/json"}
    read = await client.post("/graphql", content=in_pieces(document, 5), headers=headers)
    padded = document[:-1] + b', "pad": "' + b"x" * 40_000 + b'"}'
    refused = await client.post("/graphql", content=in_pieces(padded, 1000), headers=headers)

    assert read.status_code == 200 and read.json()["data"]["plans"]
    assert (refused.status_code, refused.json()) == (413, {"message": "request body too large"})


class TestWithoutIntrospection:
    @pytest.fixture
    def settings_overrides(self):
        return {"graphql_introspection": False}

    async def test_introspection_can_be_switched_off(self, client):
        schema = await post(client, "{ __schema { types { name } } }")
        named = await post(client, '{ __type(name: "Plan") { name } }')
        typename = await post(client, "{ __typename plans { id } }")

        assert "introspection" in refused(schema).lower()
        assert "introspection" in refused(named).lower()
        assert typename.status_code == 200 and typename.json()["data"]["__typename"] == "Query"
