"""The bot's machinery in-process: a supervised task survives any exception,
per-chat queues keep each chat in order without one chat holding up another,
and flood control decides per user, per group and for outsiders."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram import Update

from docbot.bot.app.serving import supervise
from docbot.bot.app.state import DONE, NOTE, PENDING, REFUSE
from docbot.bot.telegram.intake import Dispatcher, FloodControl, Job, Route


def test_a_supervised_task_survives_any_exception_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runs: list[int] = []

    async def main() -> None:
        stop = asyncio.Event()

        async def watcher() -> None:
            runs.append(len(runs))
            if len(runs) == 1:
                raise RuntimeError("the watcher tripped")
            if len(runs) == 2:
                return  # ended by itself: also noticed and restarted
            stop.set()

        await asyncio.wait_for(supervise("corpus watcher", watcher, stop, first_delay=0.01), 10)

    with caplog.at_level(logging.INFO, logger="docbot.bot"):
        asyncio.run(main())
    assert runs == [0, 1, 2]
    assert "The corpus watcher failed; starting it again" in caplog.text
    assert "RuntimeError: the watcher tripped" in caplog.text  # with its traceback
    assert "The corpus watcher stopped by itself" in caplog.text


def job(update_id: int, chat: int) -> Job:
    return Job(
        update_id, Update(update_id), "pending", Route(f"c{chat}", chat, chat, False, "message")
    )


def test_chats_are_served_side_by_side_each_in_order() -> None:
    done: list[tuple[int, int]] = []

    async def main() -> None:
        release = asyncio.Event()

        async def run(j: Job) -> None:
            if j.where.chat_id == 1:
                await release.wait()  # chat 1 is stuck (a long 429, say)
            done.append((j.where.chat_id or 0, j.update_id))
            if j.where.chat_id == 2 and j.update_id == 12:
                release.set()

        dispatcher = Dispatcher(run)
        for j in (job(1, 1), job(2, 1), job(11, 2), job(12, 2)):
            dispatcher.submit(j)
        assert await dispatcher.drain(10) == 0

    asyncio.run(main())
    assert done == [(2, 11), (2, 12), (1, 1), (1, 2)]


def route(uid: int, chat: int | None = None, kind: str = "message") -> Route:
    chat_id = uid if chat is None else chat
    return Route(f"c{chat_id}", uid, chat_id, chat_id < 0, kind)


def test_flood_control_per_user_per_group_and_for_outsiders() -> None:
    flood = FloodControl()
    user = [flood.decide(route(1), True, now=100.0) for _ in range(8)]
    assert user == [PENDING] * 5 + [NOTE, DONE, DONE]
    assert flood.decide(route(1), True, now=103.1) == PENDING  # one more every 3 s
    assert flood.decide(route(1), True, now=103.2) == DONE  # the note was given already
    group = [flood.decide(route(100 + i, chat=-5), True, now=100.0) for i in range(13)]
    assert group == [PENDING] * 10 + [NOTE, DONE, DONE]  # one note for the whole group
    inline = [flood.decide(route(2, kind="inline"), True, now=100.0) for _ in range(12)]
    assert inline == [PENDING] * 10 + [DONE, DONE]
    outsider = [flood.decide(route(3), False, now=100.0 + i) for i in range(5)]
    assert outsider == [REFUSE, DONE, DONE, DONE, DONE]
    assert flood.decide(route(3), False, now=701.0) == REFUSE  # again after 10 minutes
