"""A user's profile: names, country, language and timezone, as the app shows them."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from zoneinfo import available_timezones

from tradedesk.domain.errors import InvalidValue
from tradedesk.domain.identity.countries import ISO_3166_ALPHA_2
from tradedesk.domain.identity.model import Profile, ProfileChanges
from tradedesk.domain.identity.ports import IdentityUnitOfWork, IdentityUnitOfWorkFactory
from tradedesk.domain.ports import Clock
from tradedesk.domain.principal import Principal
from tradedesk.domain.transactions import in_transaction
from tradedesk.domain.validation import FieldCollector

LANGUAGES = frozenset({"EN", "AR"})
MAX_NAME_LENGTH = 50


def parse_name(raw: object) -> str:
    """Letters only (any script), as the v1 service's isAlpha check."""
    if not isinstance(raw, str) or not raw.isalpha() or len(raw) > MAX_NAME_LENGTH:
        raise InvalidValue("must be alpha character")
    return raw


def parse_country(raw: object) -> str:
    if not isinstance(raw, str) or raw not in ISO_3166_ALPHA_2:
        raise InvalidValue("must be valid country")
    return raw


def parse_language(raw: object) -> str:
    if not isinstance(raw, str) or raw not in LANGUAGES:
        raise InvalidValue("must be a valid language")
    return raw


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def parse_timezone(raw: object) -> str:
    """An IANA zone name such as `America/Toronto`."""
    if not isinstance(raw, str) or raw not in _timezones():
        raise InvalidValue("must be a valid timezone")
    return raw


# public field name -> (attribute, parser)
_FIELDS = {
    "firstName": ("first_name", parse_name),
    "lastName": ("last_name", parse_name),
    "country": ("country", parse_country),
    "language": ("language", parse_language),
    "timezone": ("timezone", parse_timezone),
}


def parse_profile_changes(fields: Mapping[str, object]) -> ProfileChanges:
    """The fields present in `fields` (public names), validated all together."""
    collector = FieldCollector()
    changes = {}
    for name, (attribute, parser) in _FIELDS.items():
        if name in fields:
            changes[attribute] = collector.parse(name, fields[name], parser)
    collector.raise_if_invalid()
    return ProfileChanges(**changes)


class Profiles:
    def __init__(self, uow_factory: IdentityUnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def get(self, caller: Principal) -> Profile:
        async with self._uow_factory().reading() as uow:
            return await uow.profiles.get(caller.user_id)

    async def update(self, caller: Principal, changes: ProfileChanges) -> Profile:
        """Apply already-validated changes; an empty change leaves `updatedAt` alone."""

        async def update(uow: IdentityUnitOfWork) -> Profile:
            if changes.given():
                await uow.profiles.update(caller.user_id, changes, now=self._clock.now())
            return await uow.profiles.get(caller.user_id)

        return await in_transaction(self._uow_factory, update)
