"""The GraphQL-over-HTTP endpoint.

Strawberry's generic view re-parses and re-validates every document and runs an extension
pipeline per request; a trading SPA sends the same few documents all day. This view keeps the
schema Strawberry built, and does only what each request needs: a bounded cache of parsed and
validated documents keyed by the query text, graphql-core execution with a per-request context,
and orjson serialization. GraphiQL is served on GET to browsers.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from inspect import isawaitable
from typing import Any

import orjson
import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send

from tradedesk.domain.errors import DomainError, Forbidden, RateLimited, Unavailable
from tradedesk.domain.identity.authentication import RECAPTCHA_HEADER
from tradedesk.domain.services import Services
from tradedesk.integrations.persisted_queries import PersistedQueries
from tradedesk.integrations.prometheus_metrics import observe_operation
from tradedesk.logs import about
from tradedesk.rate_limiting import refused_write
from tradedesk.raw_responses import send_json
from tradedesk.resolvers.context import Context
from tradedesk.schema import graphiql
from tradedesk.schema.errors import format_error
from tradedesk.schema.limits import CostExceeded, QueryLimits, check_cost, fragments_of
from tradedesk.schema.result_cache import (
    ResultCache,
    reads_only_published_results,
    reads_only_the_catalog,
    reads_only_the_key_list,
)

MAX_QUERY_CHARS = 100_000
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
PERSISTED_QUERY_NOT_FOUND = orjson.dumps(
    {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
)


@dataclass(frozen=True, slots=True)
class _Prepared:
    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    reads_only_the_catalog: bool = False
    reads_only_published_results: bool = False
    reads_only_the_key_list: bool = False


class _BadRequest(Exception):
    def __init__(self, message: str, status: int = 400, code: str = "BAD_REQUEST") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class _PersistedQueryNotFound(Exception):
    """Apollo's signal to send the document's text along with its hash."""


class GraphQLView:
    def __init__(
        self,
        schema: strawberry.Schema,
        *,
        document_cache_size: int,
        limits: QueryLimits,
        persisted: PersistedQueries,
    ) -> None:
        self._schema = schema._schema  # the graphql-core schema Strawberry built
        self._limits = limits
        self._rules = [*specified_rules, *limits.rules()]
        self._persisted = persisted
        self._prepare = lru_cache(maxsize=document_cache_size)(self._parse_and_validate)
        self._results = ResultCache(max_entries=document_cache_size)
        self._ide_html = graphiql.page()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The route's ASGI app (not a Starlette endpoint, whose wrapping of every request
        costs as much as answering a cached query)."""
        answer = await self.handle(Request(scope, receive))
        if isinstance(answer, bytes):  # a cached result, sent as it is
            await send_json(send, 200, answer)
        else:
            await answer(scope, receive, send)

    async def handle(self, request: Request) -> Response | bytes:
        request_id = request.scope.get("state", {}).get("request_id", "-")
        if _wants_graphiql(request):
            return HTMLResponse(self._ide_html)
        try:
            raw_query, variables, operation_name, extensions = await _read(request)
            query, sha256 = await self._document_text(raw_query, extensions)
            prepared = self._prepare(query)
            if prepared.document is None:  # unparsable or invalid: it never runs
                invalid = ExecutionResult(data=None, errors=list(prepared.errors))
                return _result_response(invalid, request_id, status=400)
            if sha256 is not None and raw_query is not None:
                await self._persisted.put(sha256, query)  # only documents that validate
            services: Services = request.app.state.services
            caller: str | None = None
            version: object = None
            if prepared.reads_only_the_catalog:
                version = (await services.catalog.snapshot()).version
            elif prepared.reads_only_published_results:
                window = services.strategy_results.freshness_window()
                if window is not None:
                    version = ((await services.catalog.snapshot()).version, window)
            elif prepared.reads_only_the_key_list:
                caller, version = await _key_list_version(services, request)
            if version is None:  # runs every time
                result = await self._execute(request, prepared, variables, operation_name)
                return _result_response(result, request_id)
            variables_json = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
            key = (caller, query, variables_json, operation_name)
            cached = self._results.get(key, version)
            if cached is not None:
                return cached
            result = await self._execute(request, prepared, variables, operation_name)
            response = _result_response(result, request_id)
            if not result.errors:
                self._results.put(key, version, bytes(response.body))
            return response
        except _BadRequest as exc:
            error = {"message": exc.message, "extensions": {"code": exc.code}}
            return _json({"errors": [error]}, exc.status)
        except _PersistedQueryNotFound:
            return Response(PERSISTED_QUERY_NOT_FOUND, media_type="application/json")
        except Forbidden:
            error = {"message": "forbidden", "extensions": {"code": "FORBIDDEN"}}
            return _json({"errors": [error]}, 403)
        except Unavailable:
            error = {"message": "service unavailable", "extensions": {"code": "UNAVAILABLE"}}
            return _json({"errors": [error]}, 503)
        except RateLimited as limited:
            response = _json({"message": "too many requests"}, 429)
            response.headers["Retry-After"] = str(limited.retry_after)
            return response

    async def _execute(
        self,
        request: Request,
        prepared: _Prepared,
        variables: dict[str, Any] | None,
        operation_name: str | None,
    ) -> ExecutionResult:
        assert prepared.document is not None
        operation = get_operation_ast(prepared.document, operation_name)
        if operation is None:
            raise _BadRequest("operation not found; name one of the document's operations")
        if request.method == "GET" and operation.operation is not OperationType.QUERY:
            raise _BadRequest("only queries may be sent with GET", status=405)
        try:
            check_cost(operation, fragments_of(prepared.document.definitions), variables)
        except CostExceeded as exc:
            raise _BadRequest(exc.message, code="QUERY_TOO_COSTLY") from None
        services: Services = request.app.state.services
        if operation.operation is OperationType.MUTATION:
            retry_after = await refused_write(request)
            if retry_after is not None:
                raise RateLimited(retry_after)
            await _human_check(services, request)
        context = Context(
            services=services, request=request, authorization=request.headers.get("authorization")
        )
        began = time.perf_counter()
        result = execute(
            self._schema,
            prepared.document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
        )
        if isawaitable(result):
            result = await result
        assert isinstance(result, ExecutionResult)
        kind = operation.operation.value
        name = operation.name.value if operation.name else None
        observe_operation(name, kind, bool(result.errors), time.perf_counter() - began)
        if (user_id := context.known_user_id()) is not None:
            about(user_id=user_id)  # the request's log line names the caller
        return result

    async def _document_text(
        self, query: str | None, extensions: dict[str, Any] | None
    ) -> tuple[str, str | None]:
        """The document to run, and its hash when the client persists it (Apollo's APQ: the
        hash alone for a known document; the hash and the text to teach it)."""
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is None:
            if query is None:
                raise _BadRequest("a query string is required")
            return query, None
        sha256 = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        version = persisted.get("version") if isinstance(persisted, dict) else None
        if version != 1 or not isinstance(sha256, str) or not _SHA256.match(sha256):
            raise _BadRequest("persistedQuery needs version 1 and a sha256Hash")
        if query is None:
            stored = await self._persisted.get(sha256)
            if stored is None:
                raise _PersistedQueryNotFound
            return stored, sha256
        if hashlib.sha256(query.encode()).hexdigest() != sha256:
            raise _BadRequest("provided sha does not match query")
        return query, sha256

    def _parse_and_validate(self, query: str) -> _Prepared:
        try:
            document = parse(query, max_tokens=self._limits.max_tokens)
        except GraphQLError as error:
            return _Prepared(None, (error,))
        errors = validate(self._schema, document, self._rules)
        if errors:
            return _Prepared(None, tuple(errors))
        return _Prepared(
            document,
            (),
            reads_only_the_catalog(self._schema, document),
            reads_only_published_results(self._schema, document),
            reads_only_the_key_list(self._schema, document),
        )


async def _key_list_version(services: Services, request: Request) -> tuple[str | None, object]:
    """The caller's user id and their kept key list, which a result that reads only that list
    is cached under; (None, None) when lists are not kept, or when the token does not verify
    or the list cannot be read (the document then runs, and answers why as it always has)."""
    try:
        caller = await services.identity.authenticate(request.headers.get("authorization"))
        kept = await services.exchange_keys.kept_list(caller)
    except DomainError:
        return None, None
    about(user_id=caller.user_id)  # the request's log line names the caller
    return caller.user_id, kept


def _result_response(result: ExecutionResult, request_id: str, status: int = 200) -> Response:
    """200 once the document ran, errors or not (GraphQL over HTTP); 400 when it never ran."""
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [format_error(e, request_id=request_id) for e in result.errors]
    return _json(body, status)


async def _human_check(services: Services, request: Request) -> None:
    """Mutations are writes: reCAPTCHA applies as on REST POST, PUT and DELETE."""
    await services.human_check.verify(
        request.headers.get(RECAPTCHA_HEADER),
        remote_ip=request.client.host if request.client else None,
    )


def _wants_graphiql(request: Request) -> bool:
    """A browser opening /graphql gets GraphiQL; API clients always send a query."""
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


async def _read(
    request: Request,
) -> tuple[str | None, dict[str, Any] | None, str | None, dict[str, Any] | None]:
    """query, variables, operationName and extensions from a JSON body or, for GET, the
    query string."""
    if request.method == "GET":
        params = request.query_params
        variables = _json_param(params.get("variables"), "variables")
        extensions = _json_param(params.get("extensions"), "extensions")
        return _check(params.get("query"), variables, params.get("operationName"), extensions)
    if "json" not in request.headers.get("content-type", ""):
        raise _BadRequest("send the request as application/json", status=415)
    try:
        body = orjson.loads(await _body(request))
    except orjson.JSONDecodeError:
        raise _BadRequest("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _BadRequest("the body must be a JSON object")
    return _check(
        body.get("query"), body.get("variables"), body.get("operationName"), body.get("extensions")
    )


async def _body(request: Request) -> bytes:
    """The request's body read straight from `receive`: Starlette's `body()` reads it through
    an async generator, which the event loop registers and tracks, on every request."""
    chunks = []
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _json_param(raw: str | None, name: str) -> object:
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        raise _BadRequest(f"{name} must be a JSON object") from None


def _check(
    query: object, variables: object, operation_name: object, extensions: object
) -> tuple[str | None, dict[str, Any] | None, str | None, dict[str, Any] | None]:
    if query is not None and (not isinstance(query, str) or not query.strip()):
        raise _BadRequest("a query string is required")
    if query is not None and len(query) > MAX_QUERY_CHARS:
        raise _BadRequest(f"the query is longer than {MAX_QUERY_CHARS} characters", status=413)
    if variables is not None and not isinstance(variables, dict):
        raise _BadRequest("variables must be a JSON object")
    if operation_name is not None and not isinstance(operation_name, str):
        raise _BadRequest("operationName must be a string")
    if extensions is not None and not isinstance(extensions, dict):
        raise _BadRequest("extensions must be a JSON object")
    return query, variables, operation_name, extensions


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")
