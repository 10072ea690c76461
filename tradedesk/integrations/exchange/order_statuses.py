"""Binance's order and algo-order statuses as ccxt's binance reads them, which is how the
gateway's orders show them: open, closed, canceled, expired, rejected."""

from __future__ import annotations

UNIFIED = {
    "NEW": "open",
    "PARTIALLY_FILLED": "open",
    "TRIGGERING": "open",
    "FILLED": "closed",
    "TRIGGERED": "closed",
    "FINISHED": "closed",
    "CANCELED": "canceled",
    "REJECTED": "rejected",
    "EXPIRED": "expired",
    "EXPIRED_IN_MATCH": "expired",
}


def unified_status(venue_status: str) -> str:
    return UNIFIED.get(venue_status, venue_status.lower())
