"""GraphQL types and mutations of the caller's profile."""

from __future__ import annotations

from datetime import datetime

import strawberry

from tradedesk.domain.errors import FieldError
from tradedesk.domain.identity.model import Profile
from tradedesk.resolvers import account
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.field_errors import field_errors
from tradedesk.schema.inputs import given_fields


@strawberry.type(name="Profile")
class ProfileType:
    last_name: str | None
    first_name: str | None
    country: str | None = strawberry.field(description="ISO 3166-1 alpha-2 code.")
    language: str | None = strawberry.field(description="EN or AR.")
    timezone: str | None = strawberry.field(description="IANA zone, e.g. America/Toronto.")
    created_at: datetime
    updated_at: datetime


@strawberry.input(description="Only the fields given change.")
class UpdateProfileInput:
    last_name: str | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    country: str | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    timezone: str | None = strawberry.UNSET


@strawberry.type
class UpdateProfilePayload:
    profile: Profile | None = strawberry.field(graphql_type=ProfileType | None)
    errors: list[FieldError] = field_errors()


@strawberry.type
class IdentityMutation:
    """The caller's profile."""

    @strawberry.mutation(description="Change the caller's profile; only given fields change.")
    async def update_profile(
        self,
        info: GraphInfo,
        input: UpdateProfileInput,
    ) -> UpdateProfilePayload:
        profile, errors = await account.update_profile(info, given_fields(input, info))
        return UpdateProfilePayload(profile=profile, errors=errors)
