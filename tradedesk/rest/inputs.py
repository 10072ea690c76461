"""Request inputs parsed by the domain's value objects; every failure is reported together,
each with the part of the request it was in (the domain's field errors do not know)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import orjson
from starlette.requests import Request

from tradedesk.domain.errors import FieldError, InvalidValue, ValidationFailed
from tradedesk.domain.ids import parse_uuid
from tradedesk.logs import about
from tradedesk.rest.contract import Param

T = TypeVar("T")
D = TypeVar("D")  # what a failed input stands in as until `valid()` raises


@dataclass(frozen=True, slots=True)
class LocatedError:
    location: str  # body, query, params or headers
    error: FieldError


class InvalidRequest(Exception):
    """A request whose inputs failed: 422 with every error and where it was."""

    def __init__(self, errors: list[LocatedError]) -> None:
        super().__init__(errors)
        self.errors = errors


class Inputs:
    """Use `query`/`path_id` for each input, then `valid()` before calling the service."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self._errors: list[LocatedError] = []

    def query(self, param: Param[T], default: D) -> T | D:
        raw = self._request.query_params.get(param.name)
        if raw is None:
            return default
        return self._parse(param.name, raw, param.parse, "query", default)

    def required_query(self, param: Param[T]) -> T | None:
        """A query parameter that must be there: missing is the parser's own refusal (None
        until `valid()` raises it)."""
        raw = self._request.query_params.get(param.name)
        return self._parse(param.name, raw if raw is not None else "", param.parse, "query", None)

    def header(self, param: Param[T], default: D) -> T | D:
        raw = self._request.headers.get(param.name)
        if raw is None:
            return default
        return self._parse(param.name, raw, param.parse, "headers", default)

    def path_id(self, name: str) -> str:
        """A UUID path parameter; the contract names every one of them `id` in errors. The
        request's log lines name it (`key_id=...`)."""
        value = self._parse("id", self._request.path_params[name], parse_uuid, "params", "")
        about(**{name: value})
        return value

    async def json_object(self) -> dict[str, object]:
        """The JSON object body; anything else is one error on `body`."""
        try:
            body = orjson.loads(await self._request.body())
        except orjson.JSONDecodeError:
            body = None
        if isinstance(body, dict):
            return body
        self._errors.append(
            LocatedError("body", FieldError(param="body", value=None, msg="must be JSON object"))
        )
        return {}

    def fields(self, parse: Callable[[], T], fallback: D) -> T | D:
        """A body parsed by a domain parser that checks every field; its errors join these."""
        try:
            return parse()
        except ValidationFailed as failed:
            self._errors += [LocatedError("body", error) for error in failed.errors]
            return fallback

    def valid(self) -> None:
        if self._errors:
            raise InvalidRequest(self._errors)

    def _parse(
        self, param: str, raw: str, parse: Callable[[str], T], location: str, fallback: D
    ) -> T | D:
        try:
            return parse(raw)
        except InvalidValue as exc:
            self._errors.append(
                LocatedError(location, FieldError(param=param, value=raw, msg=exc.msg))
            )
            return fallback
