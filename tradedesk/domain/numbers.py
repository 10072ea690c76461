"""Decimals as the transports and stores show them."""

from __future__ import annotations

from decimal import Decimal


def as_float(value: Decimal | None) -> float | None:
    """A Decimal as a JSON or GraphQL number (None stays None): money is computed in
    Decimal and only shown as a float."""
    return None if value is None else float(value)
