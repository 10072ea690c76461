"""Registering exchange keys in tests: a funded account in the simulator and its request body."""

from __future__ import annotations

from decimal import Decimal

KEYS = "/v1/priv/account/exchange/key"
SECRET = "3RWimEgZb55DLNm0UKCNbpjX0rEEcGby9dgwYRnNBqH4ndT2F5jkfhN8qdVPK5H4Z"


def funded(venue, api_key: str, usdt: int = 1000, secret: str = SECRET, **flags) -> dict:
    """A Binance account in the simulator, and the body that registers its key."""
    engine, _base = venue
    engine.add_account(api_key, secret, usdt=Decimal(usdt), **flags)
    return {**funded_body(api_key), "apiSecretKey": secret}


def funded_body(api_key: str) -> dict:
    """The body that registers a futures key for copy trading."""
    return {
        "exchangeId": "BINANCE",
        "tradeType": "FUTURES",
        "strategyType": "AUTOMATED",
        "name": "Default",
        "apiKey": api_key,
        "apiSecretKey": SECRET,
    }


def on_the_simulator(venue, **more: object) -> dict[str, object]:
    """Settings that put the app on the simulator's Binance facade (ccxt over HTTP), on a
    plan with automation, with `more` beside."""
    _engine, base = venue
    return {"exchange": "binance", "binance_urls": base, "default_plan": "PROFESSIONAL", **more}
