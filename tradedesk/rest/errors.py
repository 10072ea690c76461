"""The error taxonomy rendered as v1 responses. Starlette finds a handler along the MRO."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from tradedesk.domain.errors import (
    BusinessRuleViolation,
    DomainError,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthenticated,
    Unavailable,
    UnverifiedDelivery,
    ValidationFailed,
)
from tradedesk.rest.inputs import InvalidRequest, LocatedError
from tradedesk.rest.responses import JSON

ROUTE_NOT_FOUND = {"message": "route not found"}


def _unprocessable(errors: list[LocatedError]) -> Response:
    body = [
        {"value": e.error.value, "msg": e.error.msg, "param": e.error.param, "location": e.location}
        for e in errors
    ]
    return JSON({"errors": body}, status_code=422)


async def invalid_request(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidRequest)
    return _unprocessable(exc.errors)


async def domain_error(_request: Request, exc: Exception) -> Response:
    match exc:
        case ValidationFailed(errors=errors):  # a service's check of the body it was given
            return _unprocessable([LocatedError("body", error) for error in errors])
        case BusinessRuleViolation():
            return JSON({"error": exc.text, **exc.context}, status_code=433)
        case NotFound():
            return JSON(ROUTE_NOT_FOUND, status_code=404)
        case Unauthenticated():
            return JSON({"message": "unauthorized"}, status_code=401)
        case Forbidden():
            return JSON({"message": "forbidden"}, status_code=403)
        case RateLimited(retry_after=seconds):
            response = JSON({"message": "too many requests"}, status_code=429)
            response.headers["Retry-After"] = str(seconds)
            return response
        case Unavailable():
            return JSON({"message": "service unavailable"}, status_code=503)
        case UnverifiedDelivery():
            return JSON({"message": "invalid signature"}, status_code=400)
    raise exc  # an unknown DomainError subclass is a bug: let the 500 handler mask it


async def http_error(_request: Request, exc: Exception) -> Response:
    """Unknown routes and methods answer as the v1 service did: 404 route not found."""
    assert isinstance(exc, HTTPException)
    if exc.status_code in (404, 405):
        return JSON(ROUTE_NOT_FOUND, status_code=404)
    return JSON({"message": exc.detail}, status_code=exc.status_code)


EXCEPTION_HANDLERS = {
    DomainError: domain_error,
    InvalidRequest: invalid_request,
    HTTPException: http_error,
}
