"""The route index answers every request exactly as Starlette's own scan would, only sooner."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tradedesk.route_index import RouteIndex


def named(name: str):
    async def endpoint(request: Request) -> Response:
        params = ",".join(f"{k}={v}" for k, v in request.path_params.items())
        return PlainTextResponse(f"{name} {params} {request.scope.get('root_path', '')}")

    return endpoint


class Refusing:
    """A mount's middleware: it answers 403 to everything under the mount."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("refused", status_code=403)(scope, receive, send)


ROUTES: list[BaseRoute] = [
    Route("/items/{item_id}", named("item"), methods=["GET"]),
    Route("/items/list", named("list"), methods=["GET", "POST"]),  # the route above wins GET
    Route("/status", named("status"), methods=["GET"], name="status"),
    Route("/status", named("status-post"), methods=["POST"]),
    Mount(
        "/v1",
        routes=[
            Route("/keys/{key_id}", named("key"), methods=["DELETE"]),
            Route("/keys/list", named("keys"), methods=["GET"]),
            Route("/keys/list", named("keys-again"), methods=["GET"]),  # never reached
        ],
    ),
    Mount("/assets", app=PlainTextResponse("asset")),  # an app of its own, like StaticFiles
    Mount("/guarded", routes=[Route("/page", named("page"))], middleware=[Middleware(Refusing)]),
    Route("/assets/app.js", named("hidden")),  # the mount above takes every /assets path
]
REQUESTS = [
    ("GET", "/items/list"),
    ("POST", "/items/list"),
    ("PUT", "/items/list"),
    ("GET", "/items/7"),
    ("GET", "/status"),
    ("HEAD", "/status"),
    ("POST", "/status"),
    ("DELETE", "/status"),
    ("GET", "/v1/keys/list"),
    ("DELETE", "/v1/keys/list"),
    ("POST", "/v1/keys/list"),
    ("GET", "/v1/keys/9"),
    ("GET", "/assets/app.js"),
    ("GET", "/guarded/page"),
    ("GET", "/nowhere"),
]


async def answers(app: Starlette) -> list[tuple[int, str]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return [
            ((r := await client.request(method, path)).status_code, r.text)
            for method, path in REQUESTS
        ]


@pytest.mark.asyncio
async def test_every_request_gets_the_answer_the_scan_gives():
    indexed = await answers(Starlette(routes=[RouteIndex(ROUTES), *ROUTES]))
    scanned = await answers(Starlette(routes=ROUTES))

    assert indexed == scanned
    assert indexed[0] == (200, "item item_id=list ")  # a parameter route listed first wins
    assert indexed[8] == (200, "keys  /v1")  # through the mount, with its root path
    assert indexed[13] == (403, "refused")


def test_routes_are_still_found_by_name():
    app = Starlette(routes=[RouteIndex(ROUTES), *ROUTES])

    assert app.url_path_for("status") == "/status"


@pytest.mark.parametrize(
    ("method", "path", "indexed"),
    [
        ("GET", "/status", True),
        ("HEAD", "/status", True),
        ("POST", "/status", True),
        ("DELETE", "/status", False),  # the scan answers 405
        ("GET", "/items/list", False),  # won by the route with a parameter before it
        ("POST", "/items/list", True),
        ("GET", "/v1/keys/list", True),
        ("DELETE", "/v1/keys/list", False),  # the parameter route takes it
        ("GET", "/assets/app.js", False),  # a mount's own app is not looked into
        ("GET", "/guarded/page", False),  # nor a mount whose middleware must run
    ],
)
def test_only_what_the_scan_would_give_a_fixed_path_route_is_indexed(method, path, indexed):
    index = RouteIndex(ROUTES)
    scope = {"type": "http", "method": method, "path": path, "root_path": ""}

    match, _child = index.matches(scope)

    assert (match is Match.FULL) is indexed
