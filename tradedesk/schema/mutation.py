"""The root Mutation type. Every mutation answers a payload: the result, or field errors."""

from __future__ import annotations

from typing import Any

import strawberry

from tradedesk.resolvers import account, copy_trading, exchange_keys, follows, manual_trading
from tradedesk.resolvers.public import GraphInfo
from tradedesk.schema.account_types import (
    NotificationMethodType,
    UpdateNotificationSettingsInput,
    UpdateNotificationSettingsPayload,
    UpdateProfileInput,
    UpdateProfilePayload,
)
from tradedesk.schema.checkout_types import (
    CheckoutSessionPayload,
    SubscriptionPayload,
    UpdateSubscriptionInput,
)
from tradedesk.schema.copy_trading_types import (
    CreateStrategyInput,
    PublishSignalInput,
    PublishSignalPayload,
    SignalType,
    StrategyPayload,
    StrategyWebhookPayload,
    UpdateStrategyInput,
)
from tradedesk.schema.exchange_key_types import (
    CreateExchangeKeyInput,
    DeleteExchangeKeyPayload,
    ExchangeKeyPayload,
    UpdateExchangeKeyInput,
)
from tradedesk.schema.follow_types import (
    FollowStrategyInput,
    StrategyFollowPayload,
    UpdateStrategyFollowInput,
)
from tradedesk.schema.trading_types import (
    PlaceOrderInput,
    PlaceOrderPayload,
    SetLeverageInput,
    SetMarginTypeInput,
    TradingPayload,
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

    @strawberry.mutation(
        description="A Stripe Checkout page subscribing the caller to a public plan (the v1 "
        "checkout: 2100 for a plan not on sale, 3109 with a subscription already)."
    )
    async def create_checkout_session(
        self, info: GraphInfo, subscription_id: strawberry.ID
    ) -> CheckoutSessionPayload:
        checkout, errors = await account.create_checkout_session(info, subscription_id)
        return CheckoutSessionPayload(
            checkout_session=checkout,  # type: ignore[arg-type]
            errors=errors,  # type: ignore[arg-type]
        )

    @strawberry.mutation(
        description="Cancel at the period's end (or not) and/or move to another public plan."
    )
    async def update_subscription(
        self, info: GraphInfo, input: UpdateSubscriptionInput
    ) -> SubscriptionPayload:
        subscription, errors = await account.update_subscription(info, given_fields(input, info))
        return SubscriptionPayload(
            subscription=subscription,  # type: ignore[arg-type]
            errors=errors,  # type: ignore[arg-type]
        )

    @strawberry.mutation(
        description="Stripe's customer portal, where the caller changes cards and sees invoices "
        "(3104 for a user who never subscribed); answers its URL."
    )
    async def create_billing_portal_session(self, info: GraphInfo) -> str:
        return await account.billing_portal(info)

    @strawberry.mutation(
        description="Forget the caller's Telegram chat and switch their Telegram alerts off."
    )
    async def unlink_telegram(self, info: GraphInfo) -> NotificationMethodType:
        return await account.unlink_telegram(info)  # type: ignore[return-value]

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

    @strawberry.mutation(
        description="Clear the symbol, then place the entry, its take-profit ladder and stop."
    )
    async def place_order(
        self,
        info: GraphInfo,
        exchange_key_id: strawberry.ID,
        input: PlaceOrderInput,
        idempotency_key: str | None = None,
    ) -> PlaceOrderPayload:
        orders, errors = await manual_trading.place_order(
            info, str(exchange_key_id), given_fields(input, info), idempotency_key
        )
        return PlaceOrderPayload(orders=orders, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Cancel the symbol's orders and close its position at market.")
    async def close_position(
        self, info: GraphInfo, exchange_key_id: strawberry.ID, symbol: str
    ) -> TradingPayload:
        done, errors = await manual_trading.close_position(info, str(exchange_key_id), symbol)
        return TradingPayload(done=done, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Set a futures symbol's leverage (1-125).")
    async def set_leverage(
        self, info: GraphInfo, exchange_key_id: strawberry.ID, input: SetLeverageInput
    ) -> TradingPayload:
        done, errors = await manual_trading.set_leverage(
            info, str(exchange_key_id), given_fields(input, info)
        )
        return TradingPayload(done=done, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Set a futures symbol's margin type: ISOLATED or CROSSED.")
    async def set_margin_type(
        self, info: GraphInfo, exchange_key_id: strawberry.ID, input: SetMarginTypeInput
    ) -> TradingPayload:
        done, errors = await manual_trading.set_margin_type(
            info, str(exchange_key_id), given_fields(input, info)
        )
        return TradingPayload(done=done, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Copy a strategy with an AUTOMATED futures key.")
    async def follow_strategy(
        self, info: GraphInfo, exchange_key_id: strawberry.ID, input: FollowStrategyInput
    ) -> StrategyFollowPayload:
        found, errors = await follows.follow_strategy(
            info, str(exchange_key_id), given_fields(input, info)
        )
        return StrategyFollowPayload(follow=found, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Pause, resume or change a follow; the symbol stays.")
    async def update_strategy_follow(
        self, info: GraphInfo, id: strawberry.ID, input: UpdateStrategyFollowInput
    ) -> StrategyFollowPayload:
        found, errors = await follows.update_strategy_follow(
            info, str(id), given_fields(input, info)
        )
        return StrategyFollowPayload(follow=found, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Operators: a new strategy followers can copy.")
    async def create_strategy(self, info: GraphInfo, input: CreateStrategyInput) -> StrategyPayload:
        found, errors = await copy_trading.create_strategy(info, given_fields(input, info))
        return StrategyPayload(strategy=found, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Operators: rename, describe, activate or deactivate.")
    async def update_strategy(
        self, info: GraphInfo, id: strawberry.ID, input: UpdateStrategyInput
    ) -> StrategyPayload:
        found, errors = await copy_trading.update_strategy(info, str(id), given_fields(input, info))
        return StrategyPayload(strategy=found, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(description="Operators: a new secret for the strategy's webhook.")
    async def rotate_strategy_webhook_secret(
        self, info: GraphInfo, id: strawberry.ID
    ) -> StrategyWebhookPayload:
        secret, errors = await copy_trading.rotate_webhook_secret(info, str(id))
        return StrategyWebhookPayload(secret=secret, errors=errors)  # type: ignore[arg-type]

    @strawberry.mutation(
        description="Operators: OPEN or CLOSE a strategy's position; every active follower's"
        " key copies it."
    )
    async def publish_signal(
        self, info: GraphInfo, input: PublishSignalInput
    ) -> PublishSignalPayload:
        published, errors = await copy_trading.publish_signal(info, given_fields(input, info))
        signal = None if published is None else SignalType(**copy_trading.signal_fields(published))
        return PublishSignalPayload(signal=signal, errors=errors)  # type: ignore[arg-type]
