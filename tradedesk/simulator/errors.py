"""Binance's error codes and messages, as its API answers them."""

from __future__ import annotations


class ExchangeError(Exception):
    """A request Binance would refuse, with Binance's code and message."""

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg


def unknown_key() -> ExchangeError:
    return ExchangeError(-2015, "Invalid API-key, IP, or permissions for action.")


def bad_symbol() -> ExchangeError:
    return ExchangeError(-1121, "Invalid symbol.")


def unknown_order() -> ExchangeError:
    return ExchangeError(-2011, "Unknown order sent.")


def order_does_not_exist() -> ExchangeError:
    """What a query for an order the account never placed answers (a cancel answers -2011)."""
    return ExchangeError(-2013, "Order does not exist.")


def insufficient_balance() -> ExchangeError:
    return ExchangeError(-2010, "Account has insufficient balance for requested action.")


def margin_insufficient() -> ExchangeError:
    return ExchangeError(-2019, "Margin is insufficient.")


def invalid_leverage(leverage: int) -> ExchangeError:
    return ExchangeError(-4028, f"Leverage {leverage} is not valid")


def position_over_bracket() -> ExchangeError:
    return ExchangeError(-2027, "Exceeded the maximum allowable position at current leverage.")


def filter_failure(name: str) -> ExchangeError:
    return ExchangeError(-1013, f"Filter failure: {name}")


def reduce_only_rejected() -> ExchangeError:
    return ExchangeError(-2022, "ReduceOnly Order is rejected.")


def margin_type_unchanged() -> ExchangeError:
    return ExchangeError(-4046, "No need to change margin type.")


def margin_type_locked() -> ExchangeError:
    return ExchangeError(
        -4048, "Margin type cannot be changed if there exists position or open orders."
    )


def bad_parameter(text: str) -> ExchangeError:
    return ExchangeError(-1102, text)


def duplicated_client_id() -> ExchangeError:
    """An open order of the account already has this client id (a closed one's may be reused)."""
    return ExchangeError(-4116, "ClientOrderId is duplicated.")
