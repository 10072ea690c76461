"""The one error taxonomy. Transports render these; nothing else invents an error shape.

REST renders `ValidationFailed` as 422, `BusinessRuleViolation` as 433, `NotFound` as 404,
`Unauthenticated` 401, `Forbidden` 403, `RateLimited` 429. GraphQL renders the same classes as
payload errors or `extensions.code`. The codes and messages are the v1 contract's, verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class ErrorCode(Enum):
    """External and business-rule failures with their documented code and message."""

    EXCHANGE_AUTHORIZATION_FAILED = ("1103", "exchange API authorization failed")
    EXCHANGE_KEY_TYPE_INVALID = ("1106", "exchange API key type is invalid")
    EXCHANGE_KEY_ALREADY_EXISTS = ("1109", "exchange API key already exist")
    EXCHANGE_KEY_INACTIVE = ("1110", "exchange API key is inactive")
    EXCHANGE_KEY_TYPE_UNSUPPORTED = ("1115", "exchange API key type is unsupported")
    EXCHANGE_ID_MISMATCH = ("1206", "exchange id does not match")
    INVALID_EXCHANGE_SYMBOL = ("1300", "invalid exchange symbol")
    EXCHANGE_SYMBOL_MISMATCH = ("1306", "exchange symbol does not match")
    EXCHANGE_SYMBOL_ALREADY_EXISTS = ("1309", "exchange symbol already exist")
    EXCHANGE_BAD_REQUEST = ("1500", "exchange bad request")
    INVALID_SUBSCRIPTION_TYPE = ("2100", "invalid subscription type")
    UNAUTHORIZED_SUBSCRIPTION_FEATURES = ("2103", "unauthorized subscription features")
    SUBSCRIPTION_API_KEY_LIMIT = ("2129a", "exceed subscription max API key limit")
    SUBSCRIPTION_BALANCE_LIMIT = ("2129b", "exceed subscription max API balance limit")
    STRIPE_SUBSCRIPTION_MISSING = ("3104", "active stripe subscription does not exist")
    STRIPE_SUBSCRIPTION_EXISTS = ("3109", "active stripe subscription already exist")

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message


class SecretUnreadable(Exception):
    """A sealed secret that no configured key opens: the operator's configuration (a key
    dropped from TRADEDESK_SECRET_KEY, a new data directory), never the user's doing."""


class DomainError(Exception):
    """Base of every error a user may see; anything else is a bug and is masked."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid input: what was sent, why it is wrong and which parameter. Where in a request
    it was is the transport's to say."""

    param: str
    value: object
    msg: str
    code: str = "INVALID"  # for GraphQL clients to switch on; REST shows `msg` only


class InvalidValue(ValueError):
    """A value object refused a raw value; the transport knows which parameter it was."""

    def __init__(self, msg: str) -> None:
        super().__init__(msg)
        self.msg = msg


class ValidationFailed(DomainError):
    """The input breaks a documented rule; every failing field is reported at once."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.param}: {e.msg}" for e in errors))
        self.errors = errors


class BusinessRuleViolation(DomainError):
    """A rule or an external system refused the request (REST 433)."""

    def __init__(self, code: ErrorCode, **context: str) -> None:
        super().__init__(f"{code.message} ({code.code})")
        self.code = code
        self.context = context  # what else a client needs to act, e.g. which order leg failed

    @property
    def text(self) -> str:
        return f"{self.code.message} ({self.code.code})"


class ConditionalOrdersFull(BusinessRuleViolation):
    """The exchange refused a conditional order because its cap of open conditional orders
    (per symbol, or per account) is reached: room can be made, where a stop refused for its
    price cannot. A caller still gets 433 `1500`."""

    def __init__(self) -> None:
        super().__init__(ErrorCode.EXCHANGE_BAD_REQUEST)


class InsufficientMargin(BusinessRuleViolation):
    """The exchange found too little margin (or balance) for the order. A caller still gets
    433 `1500`; a copy tells its follower, who can add funds."""

    def __init__(self) -> None:
        super().__init__(ErrorCode.EXCHANGE_BAD_REQUEST)


class ExchangeUnavailable(BusinessRuleViolation):
    """The exchange did not answer, even after retries. A caller still gets 433 `1500`; work
    that can wait (a copy trade) tries again later instead of failing for good."""

    def __init__(self) -> None:
        super().__init__(ErrorCode.EXCHANGE_BAD_REQUEST)


class UnverifiedDelivery(DomainError):
    """A webhook delivery whose signature does not prove its sender; nothing is done (400)."""


class NotFound(DomainError):
    """The resource is missing or belongs to someone else; both answer the same."""


class Unauthenticated(DomainError):
    """No valid identity was presented."""


class Forbidden(DomainError):
    """The caller is known but may not do this (including a failed reCAPTCHA)."""


class RateLimited(DomainError):
    """The caller sent too many requests; `retry_after` seconds until one would fit."""

    def __init__(self, retry_after: int = 60) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A system the request depends on did not answer; nothing was written (503)."""


class TransactionConflict(Unavailable):
    """The database could not serialize a transaction with a concurrent one (or chose it as a
    deadlock's victim) and rolled it back: running it again will do. 503 if retries run out."""
