"""Exchange adapters: the paper market feed now; ccxt and the paper exchange later."""
