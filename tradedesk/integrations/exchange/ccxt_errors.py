"""ccxt's exception classes mapped onto the domain's taxonomy, at the edge.

Credentials refused -> 1103; an unknown symbol -> 1300; anything else the exchange refuses ->
1500, with the exchange's own message kept in the log only. Network failures and timeouts are
`ExchangeUnreachable`, which idempotent reads retry before giving up as 1500.
"""

from __future__ import annotations

import logging

import ccxt

from tradedesk.domain.errors import BusinessRuleViolation, ErrorCode

log = logging.getLogger("tradedesk.exchange")


class ExchangeUnreachable(Exception):
    """The exchange did not answer (network, timeout, maintenance); a read may retry."""


def to_domain(error: Exception, *, action: str) -> Exception:
    """The domain error for a ccxt exception (or `ExchangeUnreachable` for transient ones)."""
    if isinstance(error, ccxt.AuthenticationError | ccxt.PermissionDenied | ccxt.AccountSuspended):
        log.warning("%s: credentials refused: %s", action, error)
        return BusinessRuleViolation(ErrorCode.EXCHANGE_AUTHORIZATION_FAILED)
    if isinstance(error, ccxt.BadSymbol):
        return BusinessRuleViolation(ErrorCode.INVALID_EXCHANGE_SYMBOL)
    if isinstance(error, ccxt.NetworkError):  # timeouts, DDoS protection, unavailability
        log.warning("%s: exchange unreachable: %s", action, error)
        return ExchangeUnreachable(str(error))
    log.warning("%s: exchange refused: %s", action, error)
    return BusinessRuleViolation(ErrorCode.EXCHANGE_BAD_REQUEST)
