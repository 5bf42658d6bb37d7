"""The bot's background machinery in-process: a supervised task survives any
exception, and per-chat queues keep each chat in order without one chat
holding up another."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram import Update

from docbot.bot.tg_intake import Dispatcher, Job, Route
from docbot.bot.tg_service import supervise


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
