"""The OpenAPI document of the v1 shim: generated from the route table, so it lists every served
route with its parameters, body and documented answers; its body models agree with the parsers
that check the bodies; the docs page is served with its own assets, no token needed."""

from __future__ import annotations

import re
import uuid

import pytest
from starlette.routing import Mount, Route

from tradedesk.app import create_app
from tradedesk.rest.contract import Endpoint
from tradedesk.rest.inputs import Inputs

pytestmark = pytest.mark.asyncio
DOCS = frozenset({"/openapi.json", "/docs", "/docs/init.js", "/docs/assets"})


def served_v1_routes(app) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves under /v1, read off its route table."""
    served = set()
    for mount in app.routes:
        if isinstance(mount, Mount) and mount.path == "/v1":
            for route in mount.routes:
                if route.path in DOCS:
                    continue
                assert isinstance(route, Endpoint), f"{route.path} has no contract"
                assert isinstance(route, Route)
                served |= {(method, "/v1" + route.path) for method in route.methods - {"HEAD"}}
    return served


async def test_the_document_lists_every_served_route_with_its_answers(runtime, client):
    answer = await client.get("/v1/openapi.json")
    document = answer.json()

    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert document["openapi"] == "3.1.0"
    listed = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert listed == served_v1_routes(create_app(runtime=runtime))
    assert len(listed) == 37  # the v1 contract's routes
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"404", "422", "433"} <= codes, (method, path)
            assert codes & {"200", "204"}, (method, path)
            assert ("security" in operation) == path.startswith("/v1/priv/"), path
            assert operation["operationId"]


async def test_each_route_documents_the_parameters_and_body_it_takes(client):
    document = (await client.get("/v1/openapi.json")).json()
    paths = document["paths"]

    ticker = paths["/v1/pub/exchange/ticker"]["get"]
    assert {(p["name"], p["in"], p["required"]) for p in ticker["parameters"]} == {
        ("exchangeId", "query", False),
        ("symbol", "query", False),
        ("type", "query", False),
    }
    orders = paths["/v1/priv/exchange/order/{key_id}/list"]["get"]["parameters"]
    assert ("symbol", "query", True) in {(p["name"], p["in"], p["required"]) for p in orders}
    assert ("key_id", "path", True) in {(p["name"], p["in"], p["required"]) for p in orders}
    place = paths["/v1/priv/exchange/order/{key_id}"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in place["parameters"]}
    body = place["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    order = document["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert set(order["required"]) == {"symbol", "type", "side", "amount"}
    ok = paths["/v1/priv/exchange/position/{key_id}"]["delete"]["responses"]
    assert "204" in ok and "content" not in ok["204"]
    history = paths["/v1/priv/account/trade/manual/history"]["get"]["parameters"]
    assert {p["name"] for p in history} == {"start", "limit", "nextToken"}


def _bodies(document: dict) -> list[tuple[str, str, dict]]:
    """(method, path, body schema) of every route that takes a body."""
    schemas = document["components"]["schemas"]
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                found.append((method, path, schemas[ref.rsplit("/", 1)[1]]))
    return found


async def test_each_body_model_agrees_with_the_parser_that_checks_the_body(client, alice):
    """An empty body is refused on exactly the model's required fields, and the model's example
    passes the parser: the document cannot promise what the service refuses."""
    document = (await client.get("/v1/openapi.json")).json()
    some_id = str(uuid.uuid4())
    bodies = _bodies(document)
    assert len(bodies) == 12

    for method, path, schema in bodies:
        url = path.replace("{key_id}", some_id).replace("{follow_id}", some_id)
        empty = await alice.client.request(method, url, json={}, headers=alice.headers)
        required = set(schema.get("required", ()))
        if required:
            assert empty.status_code == 422, (path, empty.text)
            refused = {error["param"] for error in empty.json()["errors"]}
            assert refused == required, path
        else:
            assert empty.status_code != 422, (path, empty.text)
        if "example" in schema:
            tried = await alice.client.request(
                method, url, json=schema["example"], headers=alice.headers
            )
            assert tried.status_code != 422, (path, tried.text)


async def test_the_docs_page_and_its_assets_are_served_by_the_app_without_a_token(client):
    page = await client.get("/v1/docs")
    script = await client.get("/v1/docs/assets/swagger-ui-bundle.js")
    style = await client.get("/v1/docs/assets/swagger-ui.css")
    init = await client.get("/v1/docs/init.js")

    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "/v1/docs/assets/swagger-ui-bundle.js" in page.text
    linked = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert linked and all(url.startswith("/v1/docs/") for url in linked)  # no CDN: all ours
    assert "http" not in page.text and "//" not in page.text
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    assert style.status_code == 200
    assert '"/v1/openapi.json"' in init.text


class RecordingBody(dict):
    """An empty JSON body that remembers every field the code under test asked it for."""

    def __init__(self) -> None:
        super().__init__()
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


async def test_each_body_model_lists_exactly_the_fields_the_service_reads(
    client, alice, monkeypatch
):
    """Every route's body goes, empty, to the code that checks it, which records each field
    it reads: the document's model must list exactly those."""
    key = await alice.post(
        "/v1/priv/account/exchange/key",
        {
            "exchangeId": "BINANCE",
            "tradeType": "FUTURES",
            "strategyType": "MANUAL",
            "name": "Doc",
            "apiKey": "doc-key",
            "apiSecretKey": "doc-secret",
        },
    )
    ids = {"key_id": key.json()["id"], "follow_id": str(uuid.uuid4())}
    document = (await client.get("/v1/openapi.json")).json()
    bodies = {}

    async def recording(_inputs):
        bodies[-1] = RecordingBody()
        return bodies[-1]

    monkeypatch.setattr(Inputs, "json_object", recording)
    for method, path, schema in _bodies(document):
        await alice.client.request(method, path.format(**ids), content=b"{}", headers=alice.headers)
        assert set(schema["properties"]) == bodies.pop(-1).read, (method, path)
