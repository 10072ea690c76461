"""Binance's USDⓈ-M user-data events, as its docs print them, read into the domain's words
(apart from the simulator, whose encoder could share a mistake with the reader)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradedesk.domain.market.account_events import OrderUpdate, PositionUpdate
from tradedesk.integrations.exchange.binance_stream_events import MalformedEvent, account_events


def test_binances_documented_events_read_as_the_domain_needs_them():
    """The examples of Binance's USDⓈ-M user-data stream docs, as they are printed there."""
    symbols = {"BTCUSDT": "BTC/USDT", "BNBUSDT": "BNB/USDT"}.get
    order = {
        "e": "ORDER_TRADE_UPDATE", "E": 1568879465651, "T": 1568879465650,
        "o": {"s": "BTCUSDT", "c": "TEST", "S": "SELL", "o": "TRAILING_STOP_MARKET", "f": "GTC",
              "q": "0.001", "p": "0", "ap": "0", "sp": "7103.04", "x": "NEW", "X": "NEW",
              "i": 8886774, "l": "0", "z": "0", "L": "0", "N": "USDT", "n": "0",
              "T": 1568879465650, "t": 0, "b": "0", "a": "9.91", "m": False, "R": False,
              "wt": "CONTRACT_PRICE", "ot": "TRAILING_STOP_MARKET", "ps": "LONG", "cp": False,
              "AP": "7476.89", "cr": "5.0", "pP": False, "si": 0, "ss": 0, "rp": "0",
              "V": "EXPIRE_TAKER", "pm": "OPPONENT", "gtd": 0, "er": "0"},
    }  # fmt: skip
    algo = {
        "e": "ALGO_UPDATE", "T": 1750515742297, "E": 1750515742303,
        "o": {"caid": "Q5xaq5EGKgXXa0fD7fs0Ip", "aid": 2148719, "at": "CONDITIONAL",
              "o": "TAKE_PROFIT", "s": "BNBUSDT", "S": "SELL", "ps": "BOTH", "f": "GTC",
              "q": "0.01", "X": "CANCELED", "ai": "", "ap": "0.00000", "aq": "0.00000",
              "act": "0", "tp": "750", "p": "750", "V": "EXPIRE_MAKER", "wt": "CONTRACT_PRICE",
              "pm": "NONE", "cp": False, "pP": False, "R": False, "tt": 0, "gtd": 0,
              "rm": "Reduce Only reject"},
    }  # fmt: skip
    account = {
        "e": "ACCOUNT_UPDATE", "E": 1564745798939, "T": 1564745798938,
        "a": {"m": "ORDER",
              "B": [{"a": "USDT", "wb": "122624.12345678", "cw": "100.12345678",
                     "bc": "50.12345678"}],
              "P": [{"s": "BTCUSDT", "pa": "0", "ep": "0.00000", "bep": "0", "cr": "200", "up": "0",
                     "mt": "isolated", "iw": "0.00000000", "ps": "BOTH"},
                    {"s": "BTCUSDT", "pa": "20", "ep": "6563.66500", "bep": "6563.6", "cr": "0",
                     "up": "2850.21200", "mt": "isolated", "iw": "13200.70726908", "ps": "LONG"}]},
    }  # fmt: skip

    assert account_events(order, symbols) == [
        OrderUpdate("BTC/USDT", "8886774", "TEST", False, "open", "NEW", Decimal(0))
    ]
    assert account_events(algo, symbols) == [
        OrderUpdate(
            "BNB/USDT", "2148719", "Q5xaq5EGKgXXa0fD7fs0Ip", True, "canceled", "CANCELED",
            Decimal(0), "Reduce Only reject",
        )
    ]  # fmt: skip
    # a hedge-mode (LONG/SHORT) position is not the platform's: one-way only
    assert account_events(account, symbols) == [PositionUpdate("BTC/USDT", Decimal(0), Decimal(0))]
    assert account_events({"e": "TRADE_LITE", "s": "BTCUSDT"}, symbols) == []
    with pytest.raises(MalformedEvent):
        account_events({"e": "ORDER_TRADE_UPDATE", "o": {"s": "BTCUSDT"}}, symbols)
