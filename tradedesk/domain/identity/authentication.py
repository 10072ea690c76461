"""Who is calling: verified token claims become a Principal backed by a user row."""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

from tradedesk.domain.errors import Unauthenticated, Unavailable
from tradedesk.domain.identity.ports import IdentityUnitOfWorkFactory
from tradedesk.domain.ports import Clock, Ids
from tradedesk.domain.principal import Claims, Principal

RECAPTCHA_HEADER = "recaptcha-token-v3"  # carries the reCAPTCHA v3 token on every write


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Claims:
        """The token's claims; `Unauthenticated` for any token that is not genuine and current."""
        ...


class UserDirectory(Protocol):
    async def email(self, access_token: str) -> str | None:
        """The address the identity provider holds for the token's user (Cognito's
        `GetUser`); None when it has none or cannot say now."""
        ...


class Identity:
    """Authenticates bearer tokens and provisions a user on the first sight of a subject.

    An access token carries no e-mail: the user's address is then asked of the directory
    once, the first time this process sees a user without one, and kept on the user row
    (alerts and reports are mailed to it)."""

    def __init__(
        self,
        *,
        verifier: TokenVerifier,
        uow_factory: IdentityUnitOfWorkFactory,
        clock: Clock,
        ids: Ids,
        directory: UserDirectory | None = None,
        cache_size: int = 10_000,
    ) -> None:
        self._verifier = verifier
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._directory = directory
        self._user_ids: OrderedDict[str, str] = OrderedDict()  # subject -> user id, immutable
        self._verified: OrderedDict[str, Claims] = OrderedDict()  # token -> its claims
        self._cache_size = cache_size

    async def authenticate(self, authorization: str | None) -> Principal:
        """From an `Authorization` header value, with or without the `Bearer ` prefix."""
        token = _bearer(authorization)
        claims = await self.claims(token)
        user_id = await self._user_id(claims, token)
        return Principal(user_id=user_id, subject=claims.subject, roles=claims.groups)

    async def subject_of(self, authorization: str | None) -> str | None:
        """The verified subject of a header value; None for no token, one that does not
        verify, or one that cannot be checked now (the request's own guard then answers)."""
        try:
            return (await self.claims(_bearer(authorization))).subject
        except (Unauthenticated, Unavailable):
            return None

    async def claims(self, token: str) -> Claims:
        """The token's verified claims. A token verified before is not verified again until
        it expires: the rate limiter and the request's guard both ask for every request."""
        known = self._verified.get(token)
        if known is not None and self._clock.now().timestamp() < known.expires_at:
            self._verified.move_to_end(token)
            return known
        claims = await self._verifier.verify(token)
        self._verified[token] = claims
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return claims

    async def _user_id(self, claims: Claims, token: str) -> str:
        user_id = self._user_ids.get(claims.subject)
        if user_id is None:
            async with self._uow_factory() as uow:
                user_id = await uow.users.ensure(
                    user_id=self._ids.new_id(),
                    subject=claims.subject,
                    email=claims.email,
                    name=claims.name,
                    now=self._clock.now(),
                )
                missing = await uow.users.email(user_id) is None
                await uow.commit()
            if missing and self._directory is not None:
                await self._keep_email(user_id, token)
            self._user_ids[claims.subject] = user_id
            if len(self._user_ids) > self._cache_size:
                self._user_ids.popitem(last=False)
        return user_id

    async def _keep_email(self, user_id: str, token: str) -> None:
        assert self._directory is not None
        address = await self._directory.email(token)
        if address is None:
            return
        async with self._uow_factory() as uow:
            await uow.users.set_email(user_id, address, now=self._clock.now())
            await uow.commit()


def _bearer(authorization: str | None) -> str:
    """The token of an `Authorization` value, with or without the `Bearer ` prefix."""
    token = (authorization or "").strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if not token:
        raise Unauthenticated("no token")
    return token
