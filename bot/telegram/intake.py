"""Receiving updates: nothing lost, floods stopped at the door.

Every update, from long polling or from the webhook, goes through
``Intake.receive``:

1. an update id received before is skipped (Telegram sends one again after a
   crash, a timeout or a webhook retry);
2. each new update is routed: its queue (its chat; an inline query or a button
   on an inline message: its user) and its sender.  Updates the bot never
   answers (other bots, group chatter not addressed to it, edits) are
   recorded as done (so are files, except in private chats);
3. flood control decides, at receipt, for every kind of update, per user and
   per group chat: handle it, send its sender one friendly slow-down note,
   refuse an outsider (once), or drop it;
4. all of them are written to the inbox (``UpdateInbox``) in one transaction
   synced to disk.  Only then are they confirmed to Telegram: by the next
   ``getUpdates`` (polling) or by the 200 answer (webhook);
5. what is to be done goes to its chat's queue (``Dispatcher``): one chat's
   updates are handled in order, different chats side by side, so nobody waits
   behind another user's flood or another chat's 429.

The runner marks an update done in the inbox once it is handled; updates still
unfinished at start-up are handled then (``unfinished_jobs``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from telegram import Bot, Chat, Message, Update
from telegram.constants import ChatType, MessageEntityType
from telegram.error import EndPointNotFound, InvalidToken, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from ..app.state import DONE, MAX_ATTEMPTS, NOTE, PENDING, REFUSE, InboxEntry, UpdateInbox
from .delivery import retry_after_seconds

log = logging.getLogger("docbot.bot.intake")

USER_BURST, USER_REFILL = 5, 3.0  # a user: 5 at once, then one every 3 s
GROUP_BURST, GROUP_REFILL = 10, 3.0  # a group chat, all its members together
INLINE_BURST, INLINE_REFILL = 10, 1.0  # inline queries come as the user types
NOTE_EVERY = 60.0  # at most one slow-down note a minute per user
REFUSE_EVERY = 600.0  # at most one refusal every 10 minutes per outsider
POLL_TIMEOUT = 10  # seconds a getUpdates call waits for updates
READ_TIMEOUT = 10  # seconds more before a getUpdates call counts as lost

# fetch_updates calls getUpdates through do_api_request on purpose (see there)
warnings.filterwarnings("ignore", "Please use 'Bot.getUpdates'", PTBUserWarning)


# --- routing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # the queue: "c<chat id>", or "u<user id>" without a chat
    user_id: int
    chat_id: int | None
    group: bool
    kind: str  # "message", "button" or "inline"


def addressed_text(message: Message, bot_id: int, username: str) -> str | None:
    """In a group: the question if the bot is mentioned or replied to, else ``None``."""
    text = message.text or ""
    mention = f"@{username}".casefold()
    for entity in message.entities:
        part = text[entity.offset : entity.offset + entity.length]
        if (entity.type == MessageEntityType.MENTION and part.casefold() == mention) or (
            entity.type == MessageEntityType.TEXT_MENTION
            and entity.user
            and entity.user.id == bot_id
        ):
            return (text[: entity.offset] + text[entity.offset + entity.length :]).strip()
    reply = message.reply_to_message
    if reply and reply.from_user and reply.from_user.id == bot_id:
        return text
    return None


def _command_for_us(message: Message, username: str) -> bool:
    text = message.text or ""
    for entity in message.entities:
        if entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            command = text[1 : entity.length]
            target = command.partition("@")[2]
            return not target or target.casefold() == username.casefold()
    return False


def _chat_route(user_id: int, chat: Chat, kind: str) -> Route:
    group = chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    return Route(f"c{chat.id}", user_id, chat.id, group, kind)


def route(update: Update, bot_id: int, username: str) -> Route | None:
    """Where an update goes, or ``None`` when the bot has nothing to say to it."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    message, query = update.message, update.callback_query
    if message is not None:
        where = _chat_route(user.id, message.chat, "message")
        wanted = bool(message.text) and message.chat.type != ChatType.CHANNEL
        if message.document is not None and message.chat.type == ChatType.PRIVATE:
            wanted = True  # a file for the corpus (admins) or a polite refusal
        if where.group and wanted:
            wanted = _command_for_us(message, username) or (
                addressed_text(message, bot_id, username) is not None
            )
        return where if wanted else None
    if query is not None:
        if query.message is None:  # a button on an inline message: no chat to talk to
            return Route(f"u{user.id}", user.id, None, False, "button")
        return _chat_route(user.id, query.message.chat, "button")
    if update.inline_query is not None:
        return Route(f"u{user.id}", user.id, None, False, "inline")
    return None


# --- flood control -----------------------------------------------------------------------


@dataclass
class Bucket:
    burst: float
    refill: float  # seconds per token
    tokens: float = -1.0
    stamp: float = 0.0

    def level(self, now: float) -> float:
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) / self.refill)
        self.stamp = now
        return self.tokens


@dataclass
class FloodControl:
    """Token buckets per user and per group chat, checked when an update
    arrives.  Over the limit, a private chat or a group gets one note a minute;
    the rest is dropped.  Group chat ids are negative, user ids positive, so
    they share the ``noted`` table."""

    users: dict[int, Bucket] = field(default_factory=dict)
    groups: dict[int, Bucket] = field(default_factory=dict)
    inline: dict[int, Bucket] = field(default_factory=dict)
    noted: dict[int, float] = field(default_factory=dict)
    refused: dict[int, float] = field(default_factory=dict)
    dropped: int = 0
    _swept: float = 0.0

    def decide(self, where: Route, allowed: bool, now: float | None = None) -> str:
        """The inbox status for a new update: PENDING, NOTE, REFUSE or DONE (dropped)."""
        now = time.monotonic() if now is None else now
        self._sweep(now)
        uid = where.user_id
        if not allowed:
            return self._once(self.refused, uid, now, REFUSE_EVERY, REFUSE)
        if where.kind == "inline":
            buckets = [self.inline.setdefault(uid, Bucket(INLINE_BURST, INLINE_REFILL))]
        else:
            buckets = [self.users.setdefault(uid, Bucket(USER_BURST, USER_REFILL))]
            if where.group and where.chat_id is not None:
                group = Bucket(GROUP_BURST, GROUP_REFILL)
                buckets.append(self.groups.setdefault(where.chat_id, group))
        if all(b.level(now) >= 1 for b in buckets):
            for b in buckets:
                b.tokens -= 1
            return PENDING
        if where.kind == "inline":  # no chat to put a note in
            return self._drop()
        # one note a minute per private chat, and per group however many flood it
        noted_as = where.chat_id if where.group and where.chat_id is not None else uid
        return self._once(self.noted, noted_as, now, NOTE_EVERY, NOTE)

    def _once(
        self, stamps: dict[int, float], uid: int, now: float, every: float, status: str
    ) -> str:
        """``status`` if the last one for ``uid`` is at least ``every`` s old, else dropped."""
        if now - stamps.get(uid, -every) >= every:
            stamps[uid] = now
            return status
        return self._drop()

    def _drop(self) -> str:
        self.dropped += 1
        return DONE

    def _sweep(self, now: float) -> None:
        """Forget users idle long enough to be back at a full bucket (bounded memory)."""
        if now - self._swept < 300:
            return
        self._swept = now
        for table in (self.users, self.groups, self.inline):
            for key in [k for k, b in table.items() if now - b.stamp > 600]:
                del table[key]
        for stamps, keep in ((self.noted, NOTE_EVERY), (self.refused, REFUSE_EVERY)):
            for key in [k for k, t in stamps.items() if now - t > keep]:
                del stamps[key]


# --- the per-chat queues -----------------------------------------------------------------


@dataclass
class Job:
    update_id: int
    update: Update
    status: str  # PENDING, NOTE or REFUSE
    where: Route
    received: float = field(default_factory=time.time)
    retries: int = 0  # times Telegram was unreachable for it


class Dispatcher:
    """One queue and one worker per chat: a chat's updates in order, chats side by side."""

    def __init__(self, run: Callable[[Job], Awaitable[None]]) -> None:
        self._run = run
        self._queues: dict[str, deque[Job]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    def submit(self, job: Job) -> None:
        key = job.where.key
        self._queues.setdefault(key, deque()).append(job)
        if key not in self._workers:
            self._idle.clear()
            self._workers[key] = asyncio.create_task(self._work(key), name=f"chat {key}")

    @property
    def busy(self) -> int:
        return len(self._workers)

    async def _work(self, key: str) -> None:
        queue = self._queues[key]
        try:
            while queue:
                job = queue.popleft()
                try:
                    await self._run(job)
                except Exception:
                    log.exception("Update %d could not be handled", job.update_id)
        finally:
            if not queue:
                self._queues.pop(key, None)
            self._workers.pop(key, None)
            if not self._workers:
                self._idle.set()

    async def drain(self, timeout: float) -> int:
        """Wait up to ``timeout`` s for every queue to empty; cancel what is left
        (it stays unfinished in the inbox).  Returns how many queues were cut."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout)
        left = list(self._workers.values())
        for task in left:
            task.cancel()
        if left:
            await asyncio.gather(*left, return_exceptions=True)
        return len(left)


# --- receipt -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One update as received: its id, the update (``None`` if unreadable), its JSON."""

    update_id: int
    update: Update | None
    payload: str


def read_updates(raw: Sequence[object], bot: Bot) -> list[Received]:
    """Parse updates one by one, so one that python-telegram-bot cannot read
    is skipped (and logged) instead of blocking every update after it."""
    received = []
    for data in raw:
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            log.warning("Skipping something that is not an update: %.200r", data)
            continue
        update: Update | None
        try:
            update = Update.de_json(data, bot)
        except Exception as error:
            log.warning("Update %d cannot be read (%s); skipping it", data["update_id"], error)
            update = None
        received.append(Received(data["update_id"], update, json.dumps(data)))
    return received


class Intake:
    def __init__(
        self,
        bot: Bot,
        state: UpdateInbox,
        dispatcher: Dispatcher,
        allowed: Callable[[Update], bool],
    ) -> None:
        self.bot, self.state, self.dispatcher, self.allowed = bot, state, dispatcher, allowed
        self.flood = FloodControl()

    def _route(self, update: Update) -> Route | None:
        return route(update, self.bot.id, self.bot.username)

    async def receive(self, items: Sequence[Received]) -> int:
        """Persist received updates (synced) and queue what is to be done;
        returns how many were new.  The caller confirms them to Telegram only
        after this.  An update that could not be read is stored as done."""
        known = await asyncio.to_thread(self.state.inbox_known, [i.update_id for i in items])
        entries: list[tuple[int, str, str | None]] = []
        jobs: list[Job] = []
        seen: set[int] = set()
        for item in items:
            if item.update_id in known or item.update_id in seen:
                continue
            seen.add(item.update_id)
            update = item.update
            where = None if update is None else self._route(update)
            status = DONE
            if update is not None and where is not None:
                status = self.flood.decide(where, self.allowed(update))
                if status != DONE:
                    jobs.append(Job(item.update_id, update, status, where))
            entries.append((item.update_id, status, item.payload))
        if not entries:
            return 0
        added = await asyncio.to_thread(self.state.inbox_add, entries)
        for job in jobs:
            if job.update_id in added:
                self.dispatcher.submit(job)
        return len(added)

    def unfinished_jobs(self, entries: Sequence[InboxEntry]) -> tuple[list[Job], list[int]]:
        """Jobs for updates received before a restart and not finished; and the
        ids to mark done instead (inline queries are stale by now; an update
        that was started ``MAX_ATTEMPTS`` times is given up)."""
        jobs: list[Job] = []
        skip: list[int] = []
        for entry in entries:
            try:
                update = Update.de_json(json.loads(entry.payload), self.bot)
            except (ValueError, TypeError, KeyError) as error:
                log.error("Update %d in the inbox is unreadable (%s)", entry.update_id, error)
                skip.append(entry.update_id)
                continue
            where = self._route(update)
            if entry.attempts >= MAX_ATTEMPTS:
                log.error(
                    "Update %d was started %d times without finishing; giving it up",
                    entry.update_id,
                    entry.attempts,
                )
                skip.append(entry.update_id)
            elif where is None or where.kind == "inline":
                skip.append(entry.update_id)
            else:
                jobs.append(Job(entry.update_id, update, entry.status, where, entry.received))
        return jobs, skip


# --- long polling ------------------------------------------------------------------------


class TokenRejected(Exception):
    """Telegram no longer accepts the token (revoked or changed)."""


async def fetch_updates(bot: Bot, offset: int | None, timeout: int) -> list[object]:
    """One getUpdates call, returning the raw JSON (``Bot.get_updates`` would
    fail on the whole batch if one update could not be parsed)."""
    kwargs: dict[str, object] = {"timeout": timeout, "allowed_updates": Update.ALL_TYPES}
    if offset is not None:
        kwargs["offset"] = offset
    result = await bot.do_api_request("getUpdates", kwargs, read_timeout=READ_TIMEOUT + timeout)
    return list(result) if isinstance(result, list) else []


async def poll(bot: Bot, intake: Intake, stop: asyncio.Event) -> None:
    """Long polling until ``stop``: updates are persisted before the next
    ``getUpdates`` confirms them.  ``TokenRejected`` when the token is refused."""
    offset: int | None = None
    backoff = 0.0
    failing_since: float | None = None
    while not stop.is_set():
        fetch = asyncio.ensure_future(fetch_updates(bot, offset, POLL_TIMEOUT))
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait({fetch, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not fetch.done():
            fetch.cancel()  # what it would fetch stays unconfirmed: sent again next time
            await asyncio.gather(fetch, return_exceptions=True)
            break
        try:
            raw = fetch.result()
        except (InvalidToken, EndPointNotFound) as error:
            # (do_api_request reports a 401/404 as EndPointNotFound; getUpdates exists)
            raise TokenRejected(str(error)) from None
        except RetryAfter as error:
            await _pause(stop, retry_after_seconds(error))
            continue
        except TelegramError as error:  # network, 5xx, 409 (another poller), bad JSON
            failing_since = failing_since or time.monotonic()
            backoff = min(30.0, max(1.0, backoff * 2))
            log.warning("getUpdates failed (%s); trying again in %.0f s", error, backoff)
            await _pause(stop, backoff)
            continue
        if failing_since is not None:
            log.info("getUpdates works again after %.0f s", time.monotonic() - failing_since)
            failing_since, backoff = None, 0.0
        received = read_updates(raw, bot)
        if not received:
            continue
        try:
            await intake.receive(received)
        except Exception:
            # not stored, so not confirmed either: Telegram sends them again
            log.exception("Could not store %d received updates; fetching them again", len(received))
            await _pause(stop, 1.0)
            continue
        offset = max(r.update_id for r in received) + 1
    if offset is not None:
        # confirm the last batch (all stored); a repeat would be skipped anyway
        with contextlib.suppress(TelegramError):
            await fetch_updates(bot, offset, 0)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
