"""Who may call a private route: a verified JWT, and on writes a reCAPTCHA-proven person."""

from __future__ import annotations

from starlette.requests import Request

from tradedesk.domain.identity.authentication import RECAPTCHA_HEADER
from tradedesk.domain.principal import Principal
from tradedesk.domain.services import Services
from tradedesk.logs import about


async def caller(request: Request, *, write: bool = False) -> Principal:
    """The authenticated caller (401 otherwise); for writes also the reCAPTCHA check (403)."""
    services: Services = request.app.state.services
    principal = await services.identity.authenticate(request.headers.get("authorization"))
    about(user_id=principal.user_id)
    if write:
        await services.human_check.verify(
            request.headers.get(RECAPTCHA_HEADER),
            remote_ip=request.client.host if request.client else None,
        )
    return principal
