"""Linking a Telegram chat to a user, through the platform's bot.

A user sends the bot `/start <code>` (the deep link `telegramBotUrl?start=<code>` does it in
one tap) or the bare code, from `GET .../notification/method`. A code links once and only
for `CODE_LIFETIME` after it was issued; linking issues the next one. `/stop` unlinks, and
the Telegram alerts switch off with it. Wrong codes are answered politely and a chat that
keeps guessing is refused for a while. Every answer goes through the Bot API's
`sendMessage`, in the user's language (their profile's, else Telegram's), EN or AR.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections import defaultdict, deque
from datetime import timedelta

from tradedesk.domain.alerts.model import TelegramMessage
from tradedesk.domain.alerts.notifications import AUTH_CODE_ALPHABET, AUTH_CODE_LENGTH
from tradedesk.domain.alerts.ports import AlertsUnitOfWorkFactory, TelegramBot
from tradedesk.domain.errors import Unauthenticated, Unavailable
from tradedesk.domain.ports import Clock, Ids

log = logging.getLogger("tradedesk.telegram")

CODE_LIFETIME = timedelta(hours=24)
WRONG_CODES_ALLOWED = 5  # per chat in WRONG_CODE_WINDOW_SECONDS; then answered with a wait
WRONG_CODE_WINDOW_SECONDS = 600.0
POLL_RETRY_SECONDS = 5.0

REPLIES = {
    "linked": {
        "EN": "Your Tradedesk account is linked. Alerts you switch on will arrive here.",
        "AR": "تم ربط حسابك في Tradedesk. ستصلك هنا التنبيهات التي تفعّلها.",
    },
    "unlinked": {
        "EN": "Telegram alerts are off and this chat is no longer linked.",
        "AR": "تم إيقاف تنبيهات تيليجرام ولم تعد هذه المحادثة مرتبطة.",
    },
    "wrong_code": {
        "EN": "That code is not valid or has expired. Copy the code from your account page.",
        "AR": "هذا الرمز غير صالح أو منتهي الصلاحية. انسخ الرمز من صفحة حسابك.",
    },
    "wait": {
        "EN": "Too many wrong codes. Please try again in a few minutes.",
        "AR": "عدد كبير من الرموز الخاطئة. يرجى المحاولة بعد بضع دقائق.",
    },
    "ask_code": {
        "EN": "Send the code from your Tradedesk account page to link this chat.",
        "AR": "أرسل الرمز من صفحة حسابك في Tradedesk لربط هذه المحادثة.",
    },
}


class TelegramLinking:
    def __init__(
        self,
        *,
        uow_factory: AlertsUnitOfWorkFactory,
        bot: TelegramBot | None,
        clock: Clock,
        ids: Ids,
        webhook_secret: str | None,
    ) -> None:
        self._uow_factory = uow_factory
        self._bot = bot
        self._clock = clock
        self._ids = ids
        self._webhook_secret = webhook_secret
        self._wrong: defaultdict[str, deque[float]] = defaultdict(deque)

    def check_delivery(self, secret: str | None) -> None:
        """A webhook delivery is Telegram's only if it carries the secret set with the webhook
        (`Unauthenticated` otherwise, and always while no secret or bot is configured)."""
        expected = self._webhook_secret
        if self._bot is None or not expected or secret is None:
            raise Unauthenticated
        if not hmac.compare_digest(secret.encode(), expected.encode()):
            raise Unauthenticated

    async def receive(self, message: TelegramMessage) -> None:
        """Acts on a message to the bot and answers it in the chat."""
        text = message.text.strip()
        if text == "/stop":
            return await self._unlink(message)
        code = text.removeprefix("/start").strip().lower()
        if not code:
            return await self._reply(message, "ask_code", None)
        if self._guessing(message.chat_id):
            return await self._reply(message, "wait", None)
        now = self._clock.now()
        async with self._uow_factory() as uow:
            owner = await uow.notifications.user_with_code(code, issued_after=now - CODE_LIFETIME)
            if owner is None:
                self._wrong[message.chat_id].append(time.monotonic())
                return await self._reply(message, "wrong_code", None)
            fresh = self._ids.token(AUTH_CODE_ALPHABET, AUTH_CODE_LENGTH)
            await uow.notifications.link_chat(owner, message.chat_id, next_code=fresh, now=now)
            language = (await uow.profiles.get(owner)).language
            await uow.commit()
        log.info("user %s linked a Telegram chat", owner)
        await self._reply(message, "linked", language)

    async def poll(self) -> None:
        """Long polling, for a bot without a public webhook URL (`tradedesk worker` runs it
        when no webhook secret is set; one process only, as Telegram allows one poller)."""
        offset = None
        while True:  # cancelled at shutdown: an unanswered poll loses nothing
            try:
                offset = await self.poll_once(offset)
            except Unavailable:
                await asyncio.sleep(POLL_RETRY_SECONDS)

    async def poll_once(self, offset: int | None, *, wait_seconds: int = 25) -> int | None:
        """Takes the updates after `offset` and acts on their messages; the next offset."""
        if self._bot is None:
            return offset
        for update_id, message in await self._bot.updates(offset, wait_seconds=wait_seconds):
            if message is not None:
                await self.receive(message)
            offset = update_id + 1
        return offset

    async def unlink_user(self, user_id: str) -> None:
        """The user's own unlinking (GraphQL `unlinkTelegram`): alerts off, chat forgotten."""
        async with self._uow_factory() as uow:
            await uow.notifications.unlink(user_id, now=self._clock.now())
            await uow.commit()

    async def _unlink(self, message: TelegramMessage) -> None:
        async with self._uow_factory() as uow:
            owner = await uow.notifications.user_of_chat(message.chat_id)
            language = None
            if owner is not None:
                await uow.notifications.unlink(owner, now=self._clock.now())
                language = (await uow.profiles.get(owner)).language
            await uow.commit()
        await self._reply(message, "unlinked", language)

    def _guessing(self, chat_id: str) -> bool:
        """Whether the chat sent too many wrong codes lately (kept in this process)."""
        attempts = self._wrong[chat_id]
        while attempts and attempts[0] < time.monotonic() - WRONG_CODE_WINDOW_SECONDS:
            attempts.popleft()
        return len(attempts) >= WRONG_CODES_ALLOWED

    async def _reply(self, message: TelegramMessage, reply: str, language: str | None) -> None:
        """Answers in the chat; a reply the Bot API does not take is logged, not retried (what
        it answered has been done)."""
        if self._bot is None:
            return
        chosen = (language or message.language or "EN").upper()
        texts = REPLIES[reply]
        try:
            await self._bot.send_message(message.chat_id, texts.get(chosen, texts["EN"]))
        except Unavailable:
            log.warning("telegram: the %s reply to a chat was not delivered", reply)
