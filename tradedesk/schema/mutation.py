"""The root Mutation type. Every mutation answers a payload: the result, or field errors."""

from __future__ import annotations

from typing import Any

import strawberry

from tradedesk.resolvers import account, exchange_keys
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.account_types import (
    UpdateNotificationSettingsInput,
    UpdateNotificationSettingsPayload,
    UpdateProfileInput,
    UpdateProfilePayload,
)
from tradedesk.schema.exchange_key_types import (
    CreateExchangeKeyInput,
    DeleteExchangeKeyPayload,
    ExchangeKeyPayload,
    UpdateExchangeKeyInput,
)


def given_fields(data: object, info: GraphInfo) -> dict[str, Any]:
    """The input fields the client sent, under their public (camelCase) names."""
    converter = info.schema.config.name_converter
    return {
        converter.apply_naming_config(name): value
        for name, value in vars(data).items()
        if value is not strawberry.UNSET
    }


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Change the caller's profile; only given fields change.")
    async def update_profile(
        self,
        info: GraphInfo,
        input: UpdateProfileInput,
    ) -> UpdateProfilePayload:
        profile, errors = await account.update_profile(info, given_fields(input, info))
        return UpdateProfilePayload(profile=profile, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Switch alerts and reports on or off.")
    async def update_notification_settings(
        self,
        info: GraphInfo,
        input: UpdateNotificationSettingsInput,
    ) -> UpdateNotificationSettingsPayload:
        settings, errors = await account.update_notification_settings(
            info, given_fields(input, info)
        )
        return UpdateNotificationSettingsPayload(
            notification_settings=settings,  # type: ignore[arg-type]
            errors=errors,  # type: ignore[arg-type]
        )

    @strawberry.mutation(description="Register an exchange key after the exchange vouches for it.")
    async def create_exchange_key(
        self, info: GraphInfo, input: CreateExchangeKeyInput
    ) -> ExchangeKeyPayload:
        key, errors = await exchange_keys.create_exchange_key(info, given_fields(input, info))
        return ExchangeKeyPayload(exchange_key=key, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Rename an exchange key.")
    async def update_exchange_key(
        self, info: GraphInfo, id: strawberry.ID, input: UpdateExchangeKeyInput
    ) -> ExchangeKeyPayload:
        key, errors = await exchange_keys.update_exchange_key(
            info, str(id), given_fields(input, info)
        )
        return ExchangeKeyPayload(exchange_key=key, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Delete an exchange key; its sealed secret goes with it.")
    async def delete_exchange_key(
        self, info: GraphInfo, id: strawberry.ID
    ) -> DeleteExchangeKeyPayload:
        deleted, errors = await exchange_keys.delete_exchange_key(info, str(id))
        return DeleteExchangeKeyPayload(
            deleted_id=deleted,  # type: ignore[arg-type]
            errors=errors,  # type: ignore[arg-type]
        )
