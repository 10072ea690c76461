"""Pagination tokens signed with HMAC-SHA256: opaque to clients, and a forged or edited one,
or one issued for another listing, is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac

from tradedesk.domain.errors import InvalidValue

_SIGNATURE_BYTES = 16


class SignedPageTokens:
    def __init__(self, secret: bytes) -> None:
        self._secret = hashlib.sha256(b"tradedesk page tokens|" + secret).digest()

    def issue(self, scope: str, cursor: str) -> str:
        payload = cursor.encode()
        return _b64(self._sign(scope, payload) + payload)

    def read(self, scope: str, token: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except ValueError:
            raise InvalidValue("must be valid token") from None
        signature, payload = raw[:_SIGNATURE_BYTES], raw[_SIGNATURE_BYTES:]
        if not hmac.compare_digest(signature, self._sign(scope, payload)):
            raise InvalidValue("must be valid token")
        return payload.decode()

    def _sign(self, scope: str, payload: bytes) -> bytes:
        message = scope.encode() + b"|" + payload
        return hmac.new(self._secret, message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
