"""JSON responses as the v1 clients expect them: orjson-fast, numbers written as JavaScript does."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


class JSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def js_number(value: float) -> float | int:
    """`20`, not `20.0`: the v1 service was JavaScript, whose numbers print integral floats bare."""
    return int(value) if value.is_integer() else value


def js_number_or_none(value: float | None) -> float | int | None:
    return None if value is None else js_number(value)
