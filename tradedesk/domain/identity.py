"""Who is calling: verified token claims become a Principal backed by a user row."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tradedesk.domain.errors import Unauthenticated

if TYPE_CHECKING:
    from tradedesk.domain.ports import Clock, Ids, UnitOfWorkFactory

OPERATOR_ROLE = "admin"  # the Cognito group of operators
RECAPTCHA_HEADER = "recaptcha-token-v3"  # carries the reCAPTCHA v3 token on every write


@dataclass(frozen=True, slots=True)
class Claims:
    """What a verified identity token says about its bearer."""

    subject: str
    email: str | None
    name: str | None
    groups: frozenset[str]


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: every private read and write is scoped to `user_id`."""

    user_id: str
    subject: str
    roles: frozenset[str]

    @property
    def is_operator(self) -> bool:
        return OPERATOR_ROLE in self.roles


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
        verifier: TokenVerifier,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        ids: Ids,
        *,
        directory: UserDirectory | None = None,
        cache_size: int = 10_000,
    ) -> None:
        self._verifier = verifier
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._directory = directory
        self._user_ids: OrderedDict[str, str] = OrderedDict()  # subject -> user id, immutable
        self._cache_size = cache_size

    async def authenticate(self, authorization: str | None) -> Principal:
        """From an `Authorization` header value, with or without the `Bearer ` prefix."""
        token = (authorization or "").strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise Unauthenticated("no token")
        claims = await self._verifier.verify(token)
        user_id = await self._user_id(claims, token)
        return Principal(user_id=user_id, subject=claims.subject, roles=claims.groups)

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
