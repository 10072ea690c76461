"""The OpenAPI 3.1 document of the v1 shim, generated from its route table: every `Endpoint`'s
contract (the parameters its handler parses, its body model and its response type), and the
documented error bodies. Served at `/v1/openapi.json`, with Swagger UI at `/v1/docs` from
assets the app serves itself (the `swagger-ui-py` package's copy of Swagger UI 5)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import orjson
import swagger_ui
from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from tradedesk.domain.identity.authentication import RECAPTCHA_HEADER
from tradedesk.rest.contract import Contract, Endpoint

REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{(\w+)}")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_MESSAGE = {
    "type": "object",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
}
ERROR_SCHEMAS: dict[str, dict[str, Any]] = {
    "Message": _MESSAGE,
    "ValidationErrors": {
        "type": "object",
        "properties": {
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "value": {},
                        "msg": {"type": "string"},
                        "param": {"type": "string"},
                        "location": {
                            "type": "string",
                            "enum": ["query", "params", "body", "headers"],
                        },
                    },
                    "required": ["value", "msg", "param", "location"],
                },
            }
        },
        "required": ["errors"],
    },
    "BusinessError": {
        "type": "object",
        "description": 'The refused rule and its code, e.g. "invalid exchange symbol (1300)"; '
        "a failed leg of an order adds `leg`.",
        "properties": {"error": {"type": "string", "pattern": r"\(\w+\)$"}},
        "required": ["error"],
    },
}


def _error(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=schema)}}},
    }


class _Schemas:
    """Collects pydantic's schemas, moving their definitions into `components.schemas`."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = dict(ERROR_SCHEMAS)

    def of(self, kind: Any) -> dict[str, Any]:
        schema = TypeAdapter(kind).json_schema(ref_template=REF)
        self.components.update(schema.pop("$defs", {}))
        return schema

    def model(self, model: type) -> dict[str, Any]:
        """A named body model: referenced, so Swagger UI shows its name."""
        self.components[model.__name__] = self.of(model)
        return {"$ref": REF.format(model=model.__name__)}


def _operation(prefix: str, route: Endpoint, schemas: _Schemas) -> dict[str, Any]:
    contract: Contract = route.contract
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": "a UUID",
            "schema": {"type": "string", "format": "uuid"},
        }
        for name in _PATH_PARAM.findall(route.path)
    ]
    for location, params in (("query", contract.query), ("header", contract.headers)):
        parameters += [
            {
                "name": param.name,
                "in": location,
                "required": param.required,
                "description": param.description,
                "schema": dict(param.schema),
            }
            for param in params
        ]
    ok: dict[str, Any] = {"description": "OK" if contract.response is not None else "No Content"}
    if contract.response is not None:
        ok["content"] = {"application/json": {"schema": schemas.of(contract.response)}}
    responses: dict[str, Any] = {str(contract.status): ok}
    if contract.private:
        responses["401"] = _error("No valid bearer token", "Message")
    if route.method in WRITES:
        responses["403"] = _error("reCAPTCHA refused the caller", "Message")
        parameters.append(
            {
                "name": RECAPTCHA_HEADER,
                "in": "header",
                "required": False,
                "description": "reCAPTCHA v3 token (required when the service checks them)",
                "schema": {"type": "string"},
            }
        )
    responses["404"] = _error("No such route, or no such resource of the caller's", "Message")
    responses["422"] = _error("Invalid input: every invalid field at once", "ValidationErrors")
    responses["429"] = {
        **_error("Too many requests", "Message"),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    }
    responses["433"] = _error("A business rule or the exchange refused", "BusinessError")
    responses["503"] = _error("A dependency is unavailable; retry later", "Message")
    operation: dict[str, Any] = {
        "operationId": _operation_id(route.method, prefix + route.path),
        "summary": contract.summary,
        "tags": ["private" if contract.private else "public"],
        "parameters": parameters,
        "responses": responses,
    }
    if contract.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas.model(contract.body)}},
        }
    if contract.private:
        operation["security"] = [{"bearer": []}]
    return operation


def _operation_id(method: str, path: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", path.replace("{", "by_"))
    return method.lower() + "".join(word[:1].upper() + word[1:] for word in words)


PREFIX = "/v1"


def build_document(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The document of the routes mounted at /v1 (its `Endpoint`s; other routes are not v1)."""
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if isinstance(route, Endpoint):
            operations = paths.setdefault(PREFIX + route.path, {})
            operations[route.method.lower()] = _operation(PREFIX, route, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tradedesk v1",
            "version": version("tradedesk"),
            "description": "The v1 REST compatibility routes. Private routes need a Cognito JWT "
            "as a bearer token; writes need a reCAPTCHA v3 token when the service checks them.",
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }


DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Tradedesk v1</title>
  <link rel="stylesheet" href="/v1/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/v1/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/v1/docs/init.js"></script>
</body>
</html>
"""
# A script file of its own, not inline, so the page works under a script-src 'self' policy.
DOCS_INIT = 'window.ui = SwaggerUIBundle({url: "/v1/openapi.json", dom_id: "#swagger-ui"});\n'
ASSETS = Path(swagger_ui.__file__).parent / "static"


def docs_routes(routes: Iterable[BaseRoute]) -> list[BaseRoute]:
    """`/openapi.json`, `/docs` and its assets, to mount under /v1 beside `routes` (no token
    needed)."""
    document = orjson.dumps(build_document(routes), option=orjson.OPT_INDENT_2)

    async def openapi(_request: Request) -> Response:
        return Response(document, media_type="application/json")

    async def docs(_request: Request) -> Response:
        return HTMLResponse(DOCS_PAGE)

    async def init(_request: Request) -> Response:
        return Response(DOCS_INIT, media_type="text/javascript")

    return [
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
        Route("/docs/init.js", init, methods=["GET"]),
        Mount("/docs/assets", app=StaticFiles(directory=ASSETS)),
    ]
