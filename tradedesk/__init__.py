"""Tradedesk: the backend of a crypto trading platform."""
