"""The platform's Telegram bot through python-telegram-bot's `Bot`, pointed at
`TRADEDESK_TELEGRAM_API_URL` (the Bot API, or the tests' stand-in): `<url>/bot<token>/<method>`.

The bot starts (one `getMe`) on first use and is reused for the life of the process. Calls
time out after a few seconds. A chat that blocked the bot (403) is `ChatBlocked`, a 429 is
`SendLater` with Telegram's `retry_after`, and anything else the Bot API does not take is
`Unavailable`, with Telegram's reason in the log only. The token is never logged: httpx logs
each request's URL, which carries it, so the adapter masks it there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import telegram
from telegram.request import HTTPXRequest

from tradedesk.domain.alerts.delivery import ChatBlocked, SendLater
from tradedesk.domain.alerts.model import TelegramMessage
from tradedesk.domain.errors import Unavailable

TIMEOUT_SECONDS = 5.0

log = logging.getLogger("tradedesk.telegram")


class _TokenMask(logging.Filter):
    """httpx logs every request's URL at INFO, and a Bot API URL carries the bot's token:
    this filter writes the URL with the token masked instead."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._token in message:
            record.msg, record.args = message.replace(self._token, "<bot token>"), None
        return True


class PtbTelegramBot:
    def __init__(self, token: str, api_url: str) -> None:
        _mask_in_http_logs(token)
        self._bot = telegram.Bot(
            token,
            base_url=f"{api_url.rstrip('/')}/bot",
            request=HTTPXRequest(connect_timeout=TIMEOUT_SECONDS, read_timeout=TIMEOUT_SECONDS),
        )
        self._started = asyncio.Lock()
        self._ready = False

    async def send_message(self, chat_id: str, text: str) -> None:
        await self._call("sendMessage", lambda: self._bot.send_message(chat_id=chat_id, text=text))

    async def set_webhook(self, url: str, *, secret: str | None) -> None:
        await self._call("setWebhook", lambda: self._bot.set_webhook(url=url, secret_token=secret))

    async def updates(
        self, offset: int | None, *, wait_seconds: int
    ) -> list[tuple[int, TelegramMessage | None]]:
        found: list[telegram.Update] = []

        async def fetch() -> None:
            found.extend(
                await self._bot.get_updates(
                    offset=offset,
                    timeout=wait_seconds,
                    allowed_updates=["message"],
                    read_timeout=wait_seconds + TIMEOUT_SECONDS,
                )
            )

        await self._call("getUpdates", fetch)
        return [(update.update_id, _message(update)) for update in found]

    async def aclose(self) -> None:
        if self._ready:
            await self._bot.shutdown()

    async def _call(self, method: str, call: Callable[[], Awaitable[object]]) -> None:
        try:
            async with self._started:
                if not self._ready:
                    await self._bot.initialize()
                    self._ready = True
            await call()
        except telegram.error.Forbidden as blocked:
            log.info("telegram %s: %s", method, blocked)
            raise ChatBlocked from None
        except telegram.error.RetryAfter as flood:
            raise SendLater(_seconds(flood.retry_after)) from None
        except telegram.error.TelegramError as error:
            log.warning("telegram %s failed: %s", method, error)
            raise Unavailable("telegram") from None


def _seconds(retry_after: float | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after


def _message(update: telegram.Update) -> TelegramMessage | None:
    message = update.message
    if message is None or message.text is None:
        return None
    sender = message.from_user
    return TelegramMessage(
        chat_id=str(message.chat.id),
        text=message.text,
        language=sender.language_code if sender else None,
    )


def _mask_in_http_logs(token: str) -> None:
    http_log = logging.getLogger("httpx")
    masks = [f for f in http_log.filters if isinstance(f, _TokenMask) and f._token == token]
    if not masks:
        http_log.addFilter(_TokenMask(token))
