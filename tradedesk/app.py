"""Builds the Starlette application: /graphql, the /v1 shim, the webhooks, /healthz, /readyz
and /metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as redis
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute

from tradedesk import logs
from tradedesk.bootstrap import Runtime, build_runtime
from tradedesk.config import Settings, load_settings
from tradedesk.domain.services import Services
from tradedesk.integrations.persisted_queries import PersistedQueries
from tradedesk.integrations.prometheus_metrics import exposition
from tradedesk.integrations.rate_limits import RequestLimits
from tradedesk.jobs.election import ElectedJobs, JobsLock
from tradedesk.jobs.schedule import market_jobs, serve_jobs
from tradedesk.middleware import EdgeMiddleware
from tradedesk.rate_limiting import ExchangeRoutes, RequestGate
from tradedesk.rest import (
    account,
    exchange_keys,
    follows,
    histories,
    manual_trading,
    public,
    webhooks,
)
from tradedesk.rest.catalog_lists import CatalogBodies
from tradedesk.rest.contract import Endpoint
from tradedesk.rest.errors import EXCEPTION_HANDLERS
from tradedesk.rest.key_list_bodies import KeyListBodies
from tradedesk.rest.openapi import docs_routes
from tradedesk.rest.responses import JSON
from tradedesk.route_index import RouteIndex
from tradedesk.schema import build_schema, graphiql
from tradedesk.schema.limits import QueryLimits
from tradedesk.schema.view import GraphQLView
from tradedesk.schema.websocket import GraphQLWebSocket, websocket_extensions

V1_ROUTES = [
    *public.ROUTES,
    *account.ROUTES,
    *exchange_keys.ROUTES,
    *manual_trading.ROUTES,
    *follows.ROUTES,
    *histories.ROUTES,
]
READY_TIMEOUT = 2.0  # seconds a readiness probe waits for Redis


HOME_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Tradedesk API</title></head>
<body>
  <h1>Tradedesk API</h1>
  <ul>
    <li><a href="/graphql">GraphiQL</a>: explore and run the GraphQL API</li>
    <li><a href="/v1/docs">v1 REST documentation</a></li>
    <li><a href="/v1/openapi.json">v1 OpenAPI document</a></li>
    <li><a href="/healthz">/healthz</a>: the process is up</li>
    <li><a href="/readyz">/readyz</a>: its database (and Redis) answer</li>
  </ul>
</body>
</html>
"""


async def home(_request: Request) -> Response:
    """Where a browser pointed at the server finds its way."""
    return HTMLResponse(HOME_PAGE)


async def healthz(_request: Request) -> Response:
    """The process is up and serving."""
    return JSON({"status": "ok"})


async def readyz(request: Request) -> Response:
    """The database answers, and so does the Redis when one is configured (queue, events,
    shared rate limits); a load balancer should route here only then."""
    runtime: Runtime = request.app.state.runtime
    try:
        async with runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        if runtime.settings.redis_url is not None:
            client = redis.from_url(runtime.settings.redis_url, socket_timeout=READY_TIMEOUT)
            try:
                await client.ping()
            finally:
                await client.aclose()
    except Exception:  # any failure to reach the database or Redis means "not ready"
        return JSON({"status": "unavailable"}, status_code=503)
    return JSON({"status": "ready"})


def _exchange_routes() -> ExchangeRoutes:
    """The v1 routes whose contract reaches the exchange: they spend the exchange budget."""
    reaching = [
        (route.method, route.path_regex)
        for route in V1_ROUTES
        if isinstance(route, Endpoint) and route.contract.reaches_exchange
    ]
    return ExchangeRoutes(reaching, "/v1")


async def metrics(request: Request) -> Response:
    """Prometheus's scrape: every metric of this process, and the job backlogs as they are
    in the database now."""
    services: Services = request.app.state.services
    body, content_type = exposition(await services.backlogs.now())
    return Response(body, headers={"content-type": content_type})


def served_app() -> Starlette:
    """uvicorn's factory for each process of `tradedesk serve --workers N`: the app on the
    environment's settings, logging as `serve` does."""
    settings = load_settings()
    logs.configure(settings.log_level, log_format=settings.log_format)
    return create_app(settings)


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None) -> Starlette:
    """The ASGI app. Pass a runtime to share adapters (tests, benchmarks); it is then not closed."""
    owned = runtime is None
    runtime = runtime or build_runtime(settings or load_settings())
    settings = runtime.settings
    query_limits = QueryLimits(
        max_depth=settings.graphql_max_depth, introspection=settings.graphql_introspection
    )
    persisted_queries = PersistedQueries(
        settings.redis_url, max_entries=settings.graphql_document_cache_size
    )
    graphql = GraphQLView(
        build_schema(),
        document_cache_size=settings.graphql_document_cache_size,
        limits=query_limits,
        persisted=persisted_queries,
    )

    limits = RequestLimits(
        settings.rate_limit_read,
        settings.rate_limit_write,
        exchange=settings.rate_limit_exchange,
        per_ip=settings.rate_limit_ip,
        redis_url=settings.redis_url,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        market = market_jobs(runtime)
        background = None
        if owned:  # an app on a runtime it does not own (tests, benchmarks) runs none
            lock = JobsLock(settings.data_dir, settings.database_url)
            background = ElectedJobs(lock, lambda: serve_jobs(runtime))
            background.begin()
        yield
        grace = settings.shutdown_grace_seconds  # requests in flight have finished
        if background is not None:
            await background.stop(grace)
        await market.stop(grace)
        await persisted_queries.aclose()
        await limits.aclose()
        if owned:
            await runtime.aclose()
        logs.flush()  # uvicorn may end the process by the signal, before any exit handler

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        graphiql.assets_route(),
        WebSocketRoute(
            "/graphql",
            GraphQLWebSocket(build_schema(websocket_extensions(query_limits)), runtime.services),
        ),
        Mount("/v1", routes=[*V1_ROUTES, *docs_routes(V1_ROUTES)]),
        Mount("/webhooks", routes=webhooks.ROUTES),
        Route("/", home, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    app = Starlette(
        routes=[RouteIndex(routes), *routes],
        middleware=[
            Middleware(
                EdgeMiddleware,
                gate=RequestGate(limits, _exchange_routes(), runtime.services.identity),
                max_body_bytes=settings.max_body_bytes,
            )
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.services = runtime.services
    app.state.request_limits = limits
    app.state.rest_catalog_bodies = CatalogBodies()
    app.state.rest_key_list_bodies = KeyListBodies()
    return app
