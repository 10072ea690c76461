"""Response examples copied verbatim from ../shared/reference/v1-api.txt."""

PLANS = {
    "items": [
        {
            "id": "336e0577-784d-4482-8a37-46649118aa51",
            "name": "BASIC",
            "monthlyPriceUSD": 20,
            "maxBalanceUSD": 2500,
            "maxApiKey": 2,
            "strategyAutomated": True,
        },
        {
            "id": "eedb6709-40be-4425-bc8c-3f27b0f16606",
            "name": "ADVANCED",
            "monthlyPriceUSD": 40,
            "maxBalanceUSD": 5000,
            "maxApiKey": 3,
            "strategyAutomated": True,
        },
        {
            "id": "d6e3155b-caed-449c-b95b-857f1b765040",
            "name": "PROFESSIONAL",
            "monthlyPriceUSD": 60,
            "maxBalanceUSD": 10000,
            "maxApiKey": 5,
            "strategyAutomated": True,
        },
    ]
}

RISK_PROFILES = {
    "items": [
        {
            "id": "ab00673a-cd19-44d4-a7c4-05c63e309663",
            "name": "CONSERVATIVE",
            "percentage": 1.5,
            "createdAt": "2022-09-09T01:57:36.304Z",
            "updatedAt": "2022-09-09T01:57:36.304Z",
        },
        {
            "id": "3dc38f3d-4b4e-43b3-a102-e250b7cd3551",
            "name": "MODERATE",
            "percentage": 2,
            "createdAt": "2022-09-09T01:58:12.344Z",
            "updatedAt": "2022-09-09T01:58:12.344Z",
        },
        {
            "id": "9234a512-48d0-4fa9-8b77-fdaec0fd3e00",
            "name": "AGGRESSIVE",
            "percentage": 3,
            "createdAt": "2022-09-09T01:59:23.456Z",
            "updatedAt": "2022-09-09T01:59:23.456Z",
        },
    ]
}

# The document prints STRATEGY #4's timestamps without the trailing "Z" every other timestamp
# carries; the service writes every instant the same way, so that one is expected with "Z".
STRATEGIES = {
    "items": [
        {
            "id": "b9f67eb2-1d6e-4a47-a735-d0d9039c9b08",
            "active": True,
            "name": "STRATEGY #1",
            "description": None,
            "exchangeId": "BINANCE",
            "symbol": "BTC/USDT",
            "createdAt": "2022-09-09T01:57:36.304Z",
            "updatedAt": "2022-09-09T01:57:36.304Z",
        },
        {
            "id": "b762dad3-b720-4ddd-a515-32ae48e39f94",
            "active": True,
            "name": "STRATEGY #2",
            "description": None,
            "exchangeId": "BINANCE",
            "symbol": "BTC/USDT",
            "createdAt": "2022-09-09T01:58:45.678Z",
            "updatedAt": "2022-09-09T01:58:45.678Z",
        },
        {
            "id": "fa142ba2-9a7f-48ab-b182-4e47a1f242b6",
            "active": True,
            "name": "STRATEGY #3",
            "description": None,
            "exchangeId": "BINANCE",
            "symbol": "BTC/USDT",
            "createdAt": "2022-09-09T01:59:56.789Z",
            "updatedAt": "2022-09-09T01:59:56.789Z",
        },
        {
            "id": "f330861a-464a-436e-872a-d82d95666d80",
            "active": True,
            "name": "STRATEGY #4",
            "description": None,
            "exchangeId": "BINANCE",
            "symbol": "BTC/USDT",
            "createdAt": "2022-09-09T02:01:23.456Z",
            "updatedAt": "2022-09-09T02:01:23.456Z",
        },
    ]
}

TICKER_EXAMPLE = {
    "symbol": "BTC/USDT",
    "timestamp": 1663340989057,
    "datetime": "2022-09-16T15:09:49.057Z",
    "high": 19947.56,
    "low": 19442.76,
    "vwap": 19749.02184908,
    "open": 19693.41,
    "close": 19669.28,
    "last": 19669.28,
    "change": -24.13,
    "percentage": -0.123,
    "average": 19681.345,
    "baseVolume": 280360.89577,
    "quoteVolume": 5536853456.188337,
}

HISTORY_EMPTY_BUCKET = {
    "netProfitPercent": None,
    "winRate": None,
    "maxDrawDown": None,
    "trades": 0,
    "long": 0,
    "short": 0,
}

ROUTE_NOT_FOUND = {"message": "route not found"}
STRATEGY_1 = "b9f67eb2-1d6e-4a47-a735-d0d9039c9b08"
STRATEGY_2 = "b762dad3-b720-4ddd-a515-32ae48e39f94"


STRIPE_SUBSCRIPTION_EXAMPLE = {
    "cancelAtPeriodEnd": True,
    "cancelAt": "2022-10-24T12:20:08.000Z",
    "currentPeriodStart": "2022-09-24T12:20:08.000Z",
    "currentPeriodEnd": "2022-10-24T12:20:08.000Z",
    "trialStart": None,
    "trialEnd": None,
    "plan": {"amount": 2000, "currency": "usd", "interval": "month", "trialPeriodDays": None},
}
