"""What users must allow on their exchange keys: the platform's outbound proxy addresses."""

from __future__ import annotations


class ExchangeAccess:
    def __init__(self, whitelist_ips: list[str]) -> None:
        self._whitelist_ips = tuple(whitelist_ips)

    def whitelist_ips(self) -> list[str]:
        """The IPs every exchange API key should whitelist, in the operator's order."""
        return list(self._whitelist_ips)
