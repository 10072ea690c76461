"""E-mail through SMTP with aiosmtplib: `TRADEDESK_SMTP_URL` is `smtp://[user:pass@]host:port`
(STARTTLS when the server offers it) or `smtps://...` (TLS from the first byte).

Each message has a plain-text part and an HTML alternative. A server that refuses or cannot
be reached is `Unavailable`, so the alert is tried again later; the password is never logged.
"""

from __future__ import annotations

import logging
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib

from tradedesk.domain.errors import Unavailable

TIMEOUT_SECONDS = 10.0

log = logging.getLogger("tradedesk.mail")


class SmtpMailer:
    def __init__(self, url: str, sender: str) -> None:
        parts = urlsplit(url)
        self._implicit_tls = parts.scheme == "smtps"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (465 if self._implicit_tls else 25)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._sender = sender

    async def send(self, to: str, subject: str, text: str, html: str) -> None:
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        try:
            await aiosmtplib.send(
                message,
                hostname=self._host,
                port=self._port,
                username=self._user,
                password=self._password,
                use_tls=self._implicit_tls,
                start_tls=None if not self._implicit_tls else False,
                timeout=TIMEOUT_SECONDS,
            )
        except (aiosmtplib.SMTPException, OSError) as error:
            log.warning("mail to a user was not accepted: %s", type(error).__name__)
            raise Unavailable("smtp") from None
