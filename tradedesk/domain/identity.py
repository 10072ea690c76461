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


class Identity:
    """Authenticates bearer tokens and provisions a user on the first sight of a subject."""

    def __init__(
        self,
        verifier: TokenVerifier,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        ids: Ids,
        *,
        cache_size: int = 10_000,
    ) -> None:
        self._verifier = verifier
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
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
        user_id = await self._user_id(claims)
        return Principal(user_id=user_id, subject=claims.subject, roles=claims.groups)

    async def _user_id(self, claims: Claims) -> str:
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
                await uow.commit()
            self._user_ids[claims.subject] = user_id
            if len(self._user_ids) > self._cache_size:
                self._user_ids.popitem(last=False)
        return user_id
