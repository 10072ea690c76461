"""The JSON bodies of the v1 writes, as OpenAPI shows them. The domain parser each route calls
checks a body field by field (with the documented 422 messages); `tests/api/test_openapi.py`
holds each model to it: the model lists exactly the fields that code reads (recorded by
running it on the route), an empty body is refused on exactly the model's required fields,
and the model's example passes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradedesk.domain.keys.exchange_keys import MAX_API_KEY_LENGTH, MAX_NAME_LENGTH
from tradedesk.domain.trading.manual_orders import MAX_TAKE_PROFITS
from tradedesk.domain.trading.manual_trading import MAX_LEVERAGE, MIN_LEVERAGE

Symbol = Annotated[str, Field(pattern=r"^[A-Z0-9]{2,12}/[A-Z0-9]{2,12}$", examples=["BTC/USDT"])]
Positive = Annotated[float, Field(gt=0, le=1e15)]
Switch = bool | None


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow")


class NewExchangeKey(_Body):
    exchangeId: Literal["BINANCE"]
    tradeType: Literal["SPOT", "FUTURES"]
    strategyType: Literal["AUTOMATED", "MANUAL"] = Field(
        description="AUTOMATED takes FUTURES keys only"
    )
    name: str = Field(max_length=MAX_NAME_LENGTH, min_length=1)
    apiKey: str = Field(min_length=1, max_length=MAX_API_KEY_LENGTH)
    apiSecretKey: str = Field(min_length=1, max_length=MAX_API_KEY_LENGTH)
    active: bool = True

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "exchangeId": "BINANCE",
                "tradeType": "FUTURES",
                "strategyType": "MANUAL",
                "name": "main",
                "apiKey": "paper-key",
                "apiSecretKey": "paper-secret",
            }
        }
    )


class ExchangeKeyChanges(_Body):
    name: str | None = Field(default=None, max_length=MAX_NAME_LENGTH, min_length=1)


class ProfileChanges(_Body):
    firstName: str | None = Field(default=None, description="letters only")
    lastName: str | None = Field(default=None, description="letters only")
    country: str | None = Field(default=None, description="ISO 3166 alpha-2")
    language: str | None = None
    timezone: str | None = Field(default=None, description="IANA zone, e.g. America/Toronto")


class NotificationChanges(_Body):
    weeklyReport: Switch = None
    monthlyReport: Switch = None
    emailNewOrder: Switch = None
    emailTakeProfit: Switch = None
    emailStopLoss: Switch = None
    telegramNewOrder: Switch = None
    telegramTakeProfit: Switch = None
    telegramStopLoss: Switch = None


class Checkout(_Body):
    subscriptionId: str = Field(description="a public plan's id")


class SubscriptionChanges(_Body):
    cancelAtPeriodEnd: bool | None = None
    subscriptionId: str | None = Field(default=None, description="a public plan to move to")


class ManualOrder(_Body):
    symbol: Symbol
    type: Literal["LIMIT", "MARKET", "TRAILING_STOP"]
    side: Literal["BUY", "SELL"]
    amount: Positive | str = Field(description="base currency; a number or a numeric string")
    price: Positive | None = Field(default=None, description="LIMIT and TRAILING_STOP need it")
    takeProfitPrices: list[Positive] | None = Field(default=None, max_length=MAX_TAKE_PROFITS)
    stopTriggerPrice: Positive | None = None
    stopTriggerType: Literal["LIMIT", "MARKET"] | None = None
    stopPrice: Positive | None = Field(default=None, description="stopTriggerType LIMIT needs it")
    callbackRate: float | None = Field(default=None, ge=0.1, le=5)
    riskProfilePercent: Positive | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "example": {"symbol": "BTC/USDT", "type": "MARKET", "side": "BUY", "amount": 0.001}
        }
    )


class ClosePosition(_Body):
    symbol: Symbol

    model_config = ConfigDict(json_schema_extra={"example": {"symbol": "BTC/USDT"}})


class LeverageChange(_Body):
    symbol: Symbol
    leverage: int = Field(ge=MIN_LEVERAGE, le=MAX_LEVERAGE)

    model_config = ConfigDict(json_schema_extra={"example": {"symbol": "BTC/USDT", "leverage": 5}})


class MarginChange(_Body):
    symbol: Symbol
    type: Literal["ISOLATED", "CROSSED"]

    model_config = ConfigDict(
        json_schema_extra={"example": {"symbol": "BTC/USDT", "type": "ISOLATED"}}
    )


class NewFollow(_Body):
    strategyAutomatedId: str = Field(description="an active strategy's id")
    strategyRiskProfileId: str = Field(description="a risk profile's id")
    active: bool = True


class FollowChanges(_Body):
    strategyAutomatedId: str | None = None
    strategyRiskProfileId: str | None = None
    active: bool | None = None
