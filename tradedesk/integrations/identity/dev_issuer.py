"""A local token issuer for the embedded default, so `serve` works without a Cognito pool.

Its RSA key is created once in the data directory (mode 0600) and reused, so tokens minted by
`tradedesk dev-token` stay valid across restarts. Tokens look like Cognito access tokens.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt

from tradedesk.domain.principal import OPERATOR_ROLE
from tradedesk.integrations.local_secrets import read_or_create

ISSUER = "urn:tradedesk:dev-issuer"
CLIENT_ID = "tradedesk-dev"
KEY_FILE = "dev-issuer-key.pem"


class DevIssuer:
    def __init__(self, data_dir: Path) -> None:
        self._private_pem = read_or_create(data_dir / KEY_FILE, _new_key)
        private_key = serialization.load_pem_private_key(self._private_pem, password=None)
        public_pem = private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = hashlib.sha256(public_pem).hexdigest()[:16]
        self.public_jwk: dict[str, Any] = {
            **jwk.construct(public_pem.decode(), "RS256").to_dict(),
            "kid": self.kid,
            "use": "sig",
        }

    def mint(
        self,
        *,
        subject: str,
        now: datetime,
        email: str | None = None,
        operator: bool = False,
        lifetime: timedelta = timedelta(hours=12),
    ) -> str:
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": subject,
            "client_id": CLIENT_ID,
            "token_use": "access",
            "iat": int(now.timestamp()),
            "exp": int((now + lifetime).timestamp()),
        }
        if email:
            claims["email"] = email
        if operator:
            claims["cognito:groups"] = [OPERATOR_ROLE]
        return jwt.encode(claims, self._private_pem.decode(), "RS256", headers={"kid": self.kid})


def _new_key() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
