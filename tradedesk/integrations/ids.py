"""The real source of ids and random tokens behind the domain's Ids port."""

from __future__ import annotations

import secrets
import uuid


class SystemIds:
    def new_id(self) -> str:
        return str(uuid.uuid4())

    def token(self, alphabet: str, length: int) -> str:
        return "".join(secrets.choice(alphabet) for _ in range(length))
