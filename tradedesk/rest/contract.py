"""Each v1 route declared once with its contract: the handler parses its query parameters and
headers through these declarations, and the OpenAPI document (`rest/openapi.py`) is generated
from the same objects, so what is documented is what is validated."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

T = TypeVar("T")
U = TypeVar("U")

# A Starlette endpoint, or a plain ASGI app where the request and response objects cost too much
Handler = Callable[[Request], Awaitable[Response]] | ASGIApp


@dataclass(frozen=True, slots=True)
class Param(Generic[T]):
    """A query parameter or header: its parser (which raises the documented 422 messages) and
    how OpenAPI describes what it accepts."""

    name: str
    parse: Callable[[str], T]
    schema: Mapping[str, Any]
    description: str
    required: bool = False

    def parsed_by(self, parse: Callable[[str], U]) -> Param[U]:
        """The same parameter, read by another parser (one that needs the request)."""
        return Param(self.name, parse, self.schema, self.description, self.required)


@dataclass(frozen=True, slots=True)
class Contract:
    """What a route takes and answers. `body` is the pydantic model of the JSON body (the
    domain parser named beside it checks it field by field); `response` a type pydantic can
    describe (a TypedDict of `rest/representations.py`), or None for 204."""

    summary: str
    private: bool
    query: tuple[Param[Any], ...] = ()
    headers: tuple[Param[Any], ...] = ()
    body: type[BaseModel] | None = None
    response: Any = None
    reaches_exchange: bool = False

    @property
    def status(self) -> int:
        return 200 if self.response is not None else 204


class Endpoint(Route):
    """A v1 route that carries its contract (one method per endpoint, as the v1 table has)."""

    def __init__(self, method: str, path: str, handler: Handler, contract: Contract) -> None:
        super().__init__(path, handler, methods=[method])
        self.method = method
        self.contract = contract
