"""ccxt's exception classes mapped onto the domain's taxonomy, at the edge.

Credentials refused -> 1103; an unknown symbol -> 1300; a futures account in hedge mode (-4061)
-> 1106; a full book of conditional orders (-4045) -> `ConditionalOrdersFull` (1500, but the
keeper makes room for a stop); anything else the exchange refuses -> 1500, with the
exchange's own message kept in the log only. Network failures, timeouts, rate limiting,
answers that are not JSON (a proxy's page, a cut-off body) and Binance's "please try again"
are `ExchangeUnreachable`, which idempotent reads retry before giving up as
`ExchangeUnavailable` (1500 to a caller; a copy trade tries again later).
"""

from __future__ import annotations

import logging
import re

import ccxt

from tradedesk.domain.errors import (
    BusinessRuleViolation,
    ConditionalOrdersFull,
    ErrorCode,
    InsufficientMargin,
)

log = logging.getLogger("tradedesk.exchange")

_BINANCE_CODE = re.compile(r'"code"\s*:\s*(-?\d+)')
HEDGE_MODE = -4061
ACCOUNT_ORDER_LIMIT = -1015  # "Too many new orders": one account's count, not its IP's
CONDITIONALS_FULL = -4045  # "Reach max stop order limit.": per symbol or per account
MARGIN_TYPE_UNCHANGED = -4046  # "No need to change margin type."
# "Balance is insufficient.", "Margin is insufficient.": ccxt files -2019 under
# OperationFailed for USDT-M, so the code decides
SHORT_OF_MARGIN = frozenset({-2018, -2019})
# Binance's "send status unknown; execution status unknown" (-1006, -1007): the order may exist.
EXECUTION_UNKNOWN = frozenset({-1006, -1007})
# Binance's "Internal error; unable to process your request. Please try again." (-1001, with a
# 503): nothing was done and the request may be sent again; ccxt files it as a refusal.
TRY_AGAIN = -1001


class ExchangeUnreachable(Exception):
    """The exchange did not answer (network, timeout, maintenance); a read may retry."""


def binance_code(error: Exception) -> int | None:
    """Binance's own error code, which ccxt keeps only inside the message."""
    found = _BINANCE_CODE.search(str(error))
    return int(found.group(1)) if found else None


def outcome_unknown(error: Exception) -> bool:
    """Whether a write may have been executed although it failed: its answer was lost."""
    if isinstance(error, ccxt.DDoSProtection):  # refused before execution
        return False
    code = binance_code(error)
    transient = isinstance(error, ccxt.NetworkError | ccxt.BadResponse)
    return transient or code in EXECUTION_UNKNOWN or code == TRY_AGAIN


def to_domain(error: Exception, *, action: str) -> Exception:
    """The domain error for a ccxt exception (or `ExchangeUnreachable` for transient ones)."""
    if isinstance(error, ccxt.AuthenticationError | ccxt.PermissionDenied | ccxt.AccountSuspended):
        log.warning("%s: credentials refused: %s", action, error)
        return BusinessRuleViolation(ErrorCode.EXCHANGE_AUTHORIZATION_FAILED)
    if isinstance(error, ccxt.BadSymbol):
        return BusinessRuleViolation(ErrorCode.INVALID_EXCHANGE_SYMBOL)
    # timeouts, DDoS protection, unavailability, an answer garbled on the way
    if isinstance(error, ccxt.NetworkError | ccxt.BadResponse) or binance_code(error) == TRY_AGAIN:
        log.warning("%s: exchange unreachable: %s", action, error)
        return ExchangeUnreachable(str(error))
    if binance_code(error) == CONDITIONALS_FULL:
        log.warning("%s: the account's open conditional orders are at their cap", action)
        return ConditionalOrdersFull()
    if isinstance(error, ccxt.InsufficientFunds) or binance_code(error) in SHORT_OF_MARGIN:
        log.warning("%s: the account's margin is insufficient: %s", action, error)
        return InsufficientMargin()
    if binance_code(error) == HEDGE_MODE:
        log.warning("%s: the account is in hedge mode; the platform trades one-way", action)
        return BusinessRuleViolation(ErrorCode.EXCHANGE_KEY_TYPE_INVALID)
    log.warning("%s: exchange refused: %s", action, error)
    return BusinessRuleViolation(ErrorCode.EXCHANGE_BAD_REQUEST)
