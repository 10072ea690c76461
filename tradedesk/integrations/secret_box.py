"""Exchange secrets sealed at rest with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`).

`TRADEDESK_SECRET_KEY` holds one or more Fernet keys, newest first: the newest seals, any of
them opens (MultiFernet), and each sealed secret records the id of the key that sealed it, so
`tradedesk rotate-secrets` can find and re-seal what an older key still guards before that key
is retired. Without the variable, the embedded default makes a key in the data directory.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from tradedesk.domain.errors import SecretUnreadable
from tradedesk.domain.keys.model import SealedSecret
from tradedesk.integrations.local_secrets import read_or_create

KEY_FILE = "secret-box.key"


def key_id(key: str) -> str:
    """A short public name of a key: its digest, never the key."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


class FernetSecretBox:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one Fernet key is needed")
        self._fernets = [Fernet(key) for key in keys]  # ValueError on a malformed key
        self._all = MultiFernet(self._fernets)
        self._newest_key = keys[0].encode()
        self.newest_key_id = key_id(keys[0])

    @classmethod
    def local(cls, data_dir: Path) -> FernetSecretBox:
        """The embedded default's box: one key, made once in the data directory."""
        return cls([read_or_create(data_dir / KEY_FILE, Fernet.generate_key).decode()])

    def derive(self, purpose: str) -> bytes:
        """Key material for another purpose (signing page tokens), bound to the newest key."""
        return hmac.new(self._newest_key, purpose.encode(), hashlib.sha256).digest()

    def seal(self, plaintext: str) -> SealedSecret:
        token = self._fernets[0].encrypt(plaintext.encode()).decode()
        return SealedSecret(key_id=self.newest_key_id, token=token)

    def open(self, sealed: SealedSecret) -> str:
        try:
            return self._all.decrypt(sealed.token.encode()).decode()
        except InvalidToken:
            raise SecretUnreadable(
                f"a secret sealed with key {sealed.key_id} cannot be opened: is that key still "
                "in TRADEDESK_SECRET_KEY?"
            ) from None
