"""Delivery of every Bot API call: pacing, retries and what the log says.

``DeliveryLimiter`` is python-telegram-bot's rate-limiter hook, so every call
but ``getUpdates`` passes through it:

- **Pacing**: at most ``OVERALL_RATE`` calls a second overall and
  ``GROUP_PER_MINUTE`` messages a minute into one group (Telegram's limits).
- **429** (``RetryAfter``): only the chat it was about waits ``retry_after``,
  then the call is made again; other chats go on.  A 429 for a call without a
  chat (answering a button or an inline query) delays that call only.
- **Network errors and 5xx**: retried with back-off (0.5 s doubling to 15 s)
  for ``RETRY_WINDOW`` seconds, so an outage of a minute loses nothing.
- **Never a blind resend**: a call that sends something (``sendMessage``) and
  failed after it may have reached Telegram (a read or write timeout, a
  connection dropped mid-answer) is *not* made again, because Telegram has no
  way to tell that it already did it, and a second copy is worse than the rare
  lost one.  The log says so.  Calls that cannot duplicate anything (answering
  a button, editing, getMe…) are always retried.
- **"typing…"** is best effort: sent only when the overall budget has room to
  spare and its chat is not waiting, never retried, never waited for.
- A rejected token (401/404) is fatal: ``on_fatal`` is called and the bot stops.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import BaseRateLimiter

log = logging.getLogger("docbot.bot.delivery")
JSONDict = dict[str, Any]

OVERALL_RATE = 30.0  # calls a second, all chats together
GROUP_PER_MINUTE = 20.0  # messages a minute into one group
TYPING_RESERVE = 10.0  # "typing" only while this much of the overall budget is free
RETRY_WINDOW = 90.0  # seconds during which a failing call is retried
FIRST_BACKOFF, MAX_BACKOFF = 0.5, 15.0

# Calls that put something new in a chat: sent twice, they show twice.
SENDS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendAudio",
        "sendVideo",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendMediaGroup",
        "forwardMessage",
        "copyMessage",
    }
)
# httpx failures after which the request certainly did not reach the server.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that the int form is deprecated
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def may_have_arrived(error: NetworkError) -> bool:
    """Whether the request may have reached Telegram despite the error: a
    timeout or a broken connection after it was sent.  An HTTP error status
    (5xx) means Telegram answered, and did not do it."""
    cause = error.__cause__
    if cause is None:
        return False
    if isinstance(cause, _NEVER_SENT):
        return False
    return isinstance(cause, httpx.HTTPError)


def permanent(error: BaseException) -> bool:
    """Errors that a retry cannot fix."""
    return isinstance(error, BadRequest | Forbidden | InvalidToken | ChatMigrated | Conflict)


class TokenBucket:
    """``rate`` tokens a second up to ``capacity``."""

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate, self.capacity = rate, capacity
        self.tokens, self.stamp = capacity, time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def try_take(self, reserve: float = 0.0) -> bool:
        """Take a token now if more than ``reserve`` would be left; never waits."""
        self._refill()
        if self.tokens - 1.0 >= reserve:
            self.tokens -= 1.0
            return True
        return False

    async def take(self) -> None:
        """Take a token, waiting for one (first come, first served)."""
        while not self.try_take():
            await asyncio.sleep((1.0 - self.tokens) / self.rate)


def _chat_key(data: dict[str, Any]) -> int | str | None:
    chat = data.get("chat_id")
    if chat is None:
        return None
    if isinstance(chat, int):
        return chat
    text = str(chat)
    return int(text) if text.lstrip("-").isdigit() else text


def _is_group(chat: int | str | None) -> bool:
    return chat is not None and (isinstance(chat, str) or chat < 0)


Callback = Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]]


class DeliveryLimiter(BaseRateLimiter[None]):
    def __init__(
        self, on_fatal: Callable[[], None] | None = None, retry_window: float = RETRY_WINDOW
    ) -> None:
        self.on_fatal = on_fatal
        self.retry_window = retry_window
        self.overall = TokenBucket(OVERALL_RATE, OVERALL_RATE)
        self.groups: dict[int | str, TokenBucket] = {}
        self.paused_until: dict[int | str, float] = {}  # chat -> monotonic time

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def paused(self, chat: int | str | None) -> float:
        """Seconds until ``chat`` may be sent to again (0 when it may)."""
        if chat is None:
            return 0.0
        remaining = self.paused_until.get(chat, 0.0) - time.monotonic()
        if remaining <= 0:
            self.paused_until.pop(chat, None)
            return 0.0
        return remaining

    async def process_request(  # noqa: PLR0917 - python-telegram-bot's signature
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat = _chat_key(data)
        if endpoint == "sendChatAction":
            return await self._best_effort(callback, args, kwargs, chat)
        deadline = time.monotonic() + self.retry_window
        attempt = 0
        while True:
            attempt += 1
            await self._pace(chat)
            try:
                result = await callback(*args, **kwargs)
            except TelegramError as error:
                wait = self._next_try(error, endpoint, chat, attempt, deadline)
                if wait:
                    await asyncio.sleep(wait)
                continue
            if attempt > 1:
                log.info("%s%s went through at attempt %d", endpoint, _to(chat), attempt)
            return result

    def _next_try(
        self,
        error: TelegramError,
        endpoint: str,
        chat: int | str | None,
        attempt: int,
        deadline: float,
    ) -> float:
        """Seconds to wait before trying ``endpoint`` again after ``error``
        (a 429 for a chat waits in ``_pace``); raises ``error`` when it must not
        be tried again."""
        where = f"{endpoint}{_to(chat)}"
        if isinstance(error, RetryAfter):
            wait = retry_after_seconds(error)
            if chat is not None:
                until = time.monotonic() + wait
                self.paused_until[chat] = max(self.paused_until.get(chat, 0.0), until)
            if time.monotonic() + wait > deadline:
                log.warning(
                    "%s: Telegram asked to wait %.0f s (429); giving up after %d attempts",
                    where,
                    wait,
                    attempt,
                )
                raise error
            log.info(
                "%s: Telegram asked to wait %.0f s (429); attempt %d then", where, wait, attempt + 1
            )
            return 0.0 if chat is not None else wait
        if isinstance(error, InvalidToken) and self.on_fatal:
            self.on_fatal()
        if not isinstance(error, NetworkError) or permanent(error):
            raise error
        if endpoint in SENDS and may_have_arrived(error):
            log.warning(
                "%s failed after the request was sent (%s); not sending it again, "
                "as it may have arrived",
                where,
                _describe(error),
            )
            raise error
        backoff = min(MAX_BACKOFF, FIRST_BACKOFF * 2.0 ** (attempt - 1))
        if time.monotonic() + backoff > deadline:
            log.warning(
                "%s failed (%s); giving up after %d attempts in %.0f s",
                where,
                _describe(error),
                attempt,
                self.retry_window,
            )
            raise error
        log.warning(
            "%s failed (%s); attempt %d in %.1f s", where, _describe(error), attempt + 1, backoff
        )
        return backoff

    async def _pace(self, chat: int | str | None) -> None:
        while (wait := self.paused(chat)) > 0:
            await asyncio.sleep(wait)
        if _is_group(chat) and chat is not None:
            bucket = self.groups.setdefault(
                chat, TokenBucket(GROUP_PER_MINUTE / 60.0, GROUP_PER_MINUTE)
            )
            await bucket.take()
        await self.overall.take()

    async def _best_effort(
        self, callback: Callback, args: Any, kwargs: dict[str, Any], chat: int | str | None
    ) -> bool | JSONDict | list[JSONDict]:
        if self.paused(chat) or not self.overall.try_take(reserve=TYPING_RESERVE):
            log.debug("typing%s skipped: the budget is for answers now", _to(chat))
            return True
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as error:
            if chat is not None:
                self.paused_until[chat] = time.monotonic() + retry_after_seconds(error)
            raise
        except InvalidToken:
            if self.on_fatal:
                self.on_fatal()
            raise


def _to(chat: int | str | None) -> str:
    return "" if chat is None else f" to chat {chat}"


def _describe(error: TelegramError) -> str:
    cause = error.__cause__
    if isinstance(cause, httpx.HTTPError):
        return f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
    return str(error) or type(error).__name__
