"""The error taxonomy rendered as GraphQL errors; anything unexpected is masked as INTERNAL."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from tradedesk.domain.errors import (
    BusinessRuleViolation,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
    ValidationFailed,
)

log = logging.getLogger("tradedesk.graphql")


def format_error(error: GraphQLError, *, request_id: str) -> dict[str, Any]:
    """A GraphQL error whose `extensions.code` a client can switch on; no internals."""
    original = error.original_error
    formatted = error.formatted
    match original:
        case None:
            extensions: dict[str, Any] = {"code": "GRAPHQL_VALIDATION_FAILED"}
        case ValidationFailed(errors=errors):
            extensions = {
                "code": "BAD_USER_INPUT",
                "fields": [{"field": e.param, "message": e.msg, "value": e.value} for e in errors],
            }
            formatted["message"] = "; ".join(f"{e.param}: {e.msg}" for e in errors)
        case BusinessRuleViolation(code=code):
            extensions = {"code": code.code.upper()}
            formatted["message"] = original.text
        case NotFound():
            extensions = {"code": "NOT_FOUND"}
            formatted["message"] = "not found"
        case Unauthenticated():  # why a token failed goes to the log, never to the caller
            extensions = {"code": "UNAUTHENTICATED"}
            formatted["message"] = "unauthorized"
        case Forbidden():
            extensions = {"code": "FORBIDDEN"}
            formatted["message"] = "forbidden"
        case RateLimited():
            extensions = {"code": "RATE_LIMITED"}
            formatted["message"] = "too many requests"
        case Unavailable():
            extensions = {"code": "UNAVAILABLE"}
            formatted["message"] = "service unavailable"
        case _:
            log.error(
                "unexpected error in GraphQL resolver (request %s)",
                request_id,
                exc_info=original,
            )
            extensions = {"code": "INTERNAL", "requestId": request_id}
            formatted["message"] = "internal server error"
    formatted["extensions"] = extensions
    return formatted
