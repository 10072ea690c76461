"""Who is acting: the verified caller every private read and write is scoped to."""

from __future__ import annotations

from dataclasses import dataclass

OPERATOR_ROLE = "admin"  # the Cognito group of operators


@dataclass(frozen=True, slots=True)
class Claims:
    """What a verified identity token says about its bearer."""

    subject: str
    email: str | None
    name: str | None
    groups: frozenset[str]
    expires_at: float  # seconds since the epoch


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: every private read and write is scoped to `user_id`."""

    user_id: str
    subject: str
    roles: frozenset[str]

    @property
    def is_operator(self) -> bool:
        return OPERATOR_ROLE in self.roles
