"""The error taxonomy rendered as GraphQL errors; anything unexpected is masked as INTERNAL."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError, GraphQLFormattedError

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


def format_error(error: GraphQLError, *, request_id: str) -> GraphQLFormattedError:
    """A GraphQL error whose `extensions.code` a client can switch on; no internals."""
    return client_error(error, request_id=request_id).formatted


def client_error(error: GraphQLError, *, request_id: str) -> GraphQLError:
    """The same error as the client may see it: taxonomy code and message, nothing else."""
    message, extensions = _rendering(error, request_id)
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=extensions,
    )


def _rendering(error: GraphQLError, request_id: str) -> tuple[str, dict[str, Any]]:
    original = error.original_error
    match original:
        case None | GraphQLError():  # graphql-core's parse, validation or variable coercion
            return error.message, {"code": "GRAPHQL_VALIDATION_FAILED"}
        case ValidationFailed(errors=errors):
            fields = [{"field": e.param, "message": e.msg, "value": e.value} for e in errors]
            message = "; ".join(f"{e.param}: {e.msg}" for e in errors)
            return message, {"code": "BAD_USER_INPUT", "fields": fields}
        case BusinessRuleViolation(code=code):
            return original.text, {"code": code.code.upper(), **original.context}
        case NotFound():
            return "not found", {"code": "NOT_FOUND"}
        case Unauthenticated():  # why a token failed goes to the log, never to the caller
            return "unauthorized", {"code": "UNAUTHENTICATED"}
        case Forbidden():
            return "forbidden", {"code": "FORBIDDEN"}
        case RateLimited():
            return "too many requests", {"code": "RATE_LIMITED"}
        case Unavailable():
            return "service unavailable", {"code": "UNAVAILABLE"}
    log.error("unexpected error in GraphQL resolver (request %s)", request_id, exc_info=original)
    return "internal server error", {"code": "INTERNAL", "requestId": request_id}
