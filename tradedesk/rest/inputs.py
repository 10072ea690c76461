"""Request inputs parsed by the domain's value objects; every failure is reported together."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import orjson
from starlette.requests import Request

from tradedesk.domain.errors import FieldError, InvalidValue, ValidationFailed
from tradedesk.domain.ids import parse_uuid
from tradedesk.logs import about
from tradedesk.rest.contract import Param

T = TypeVar("T")
D = TypeVar("D")  # what a failed input stands in as until `valid()` raises


class Inputs:
    """Use `query`/`path_id` for each input, then `valid()` before calling the service."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self._errors: list[FieldError] = []

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
            FieldError(param="body", value=None, msg="must be JSON object", location="body")
        )
        return {}

    def fields(self, parse: Callable[[], T], fallback: D) -> T | D:
        """A body parsed by a domain parser that checks every field; its errors join these."""
        try:
            return parse()
        except ValidationFailed as failed:
            self._errors += failed.errors
            return fallback

    def valid(self) -> None:
        if self._errors:
            raise ValidationFailed(self._errors)

    def _parse(
        self, param: str, raw: str, parse: Callable[[str], T], location: str, fallback: D
    ) -> T | D:
        try:
            return parse(raw)
        except InvalidValue as exc:
            self._errors.append(FieldError(param=param, value=raw, msg=exc.msg, location=location))
            return fallback
