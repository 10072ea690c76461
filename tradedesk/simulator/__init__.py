"""The paper exchange: a deterministic Binance-like engine (spot and USDT-M futures).

It stands for Binance wherever no real exchange may be reached: the embedded default, the
reference account strategies trade on, and the tests, which later drive it through a
Binance-compatible HTTP facade with the real ccxt client. It knows nothing of Tradedesk.
"""
