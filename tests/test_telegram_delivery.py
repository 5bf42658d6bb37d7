"""Delivery under a failing Bot API server: 5xx, 429 and outages are waited
out, a reply that may have arrived is never sent twice, and one chat's 429
holds up no other chat; and every message fits whatever the corpus metadata
(the real bot against the emulator's faults and checks)."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .botapi import Emulator, running_bot
from .conftest import CORPUS

TOKEN = "246801357:AADeliveryTestTokenNotReal_k2j3h4"
ROI = "How do I measure ROI for networking?"
LONG_TITLE = ("Zebra onboarding handbook " * 173).strip()  # 4,497 characters
LONG_URL = "https://example.org/" + "segment/" * 525  # 4,220 characters
LONG_DOC = (
    f"---\ntitle: {LONG_TITLE}\nurl: {LONG_URL}\n---\n\nZebra Onboarding\n\n"
    "Every new zebra gets a striped mentor who explains how the herd crosses rivers "
    "safely during the first migration season.\n"
)


def user(uid: int) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": f"U{uid}", "language_code": "en"}


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, Path]]:
    work = tmp_path_factory.mktemp("delivery")
    shutil.copytree(CORPUS, work / "corpus")
    (work / "corpus" / "long.txt").write_text(LONG_DOC)
    log_path = work / "bot.log"
    settings = {
        "DOCBOT_CORPUS": str(work / "corpus"),
        "DOCBOT_DB": str(work / "index.db"),
        "DOCBOT_WATCH": "0",
        "TELEGRAM_TIMEOUT": "3",  # the hang below outlasts it in seconds, not tens
    }
    with open(log_path, "wb") as log, running_bot(TOKEN, settings, log) as emulator:
        yield emulator, log_path


def answers(emulator: Emulator, uid: int, before: int) -> list[dict[str, Any]]:
    return [m for m in emulator.messages_to(uid, before) if "<blockquote>" in m["html"]]


def test_502_three_times_in_a_row_still_delivers(bot: tuple[Emulator, Path]) -> None:
    emulator, _ = bot
    emulator.fail("sendMessage", 502, count=3, chat_id=3001)
    reply = emulator.ask(user(3001), ROI, timeout=30)
    assert "Return on Investment" in reply[0]["text"]
    assert emulator.faults_left() == 0


def test_429_six_times_in_a_row_still_delivers(bot: tuple[Emulator, Path]) -> None:
    emulator, _ = bot
    emulator.fail("sendMessage", 429, count=6, retry_after=1, chat_id=3002)
    reply = emulator.ask(user(3002), ROI, timeout=40)
    assert "Return on Investment" in reply[0]["text"]


def test_an_outage_of_seconds_loses_no_answer(bot: tuple[Emulator, Path]) -> None:
    emulator, log_path = bot
    emulator.fail_for("sendMessage", 502, seconds=4)  # longer than the old retries lasted
    reply = emulator.ask(user(3003), ROI, timeout=60)
    assert "Return on Investment" in reply[0]["text"]
    assert "went through at attempt" in log_path.read_text()  # the log says what happened


def test_a_hang_that_delivers_is_not_sent_again(bot: tuple[Emulator, Path]) -> None:
    emulator, log_path = bot
    emulator.hang("sendMessage", 5)  # longer than the bot's read timeout (TELEGRAM_TIMEOUT)
    hangs = emulator.hangs_done
    before = len(emulator.sent)
    emulator.send_text(user(3004), ROI)
    emulator.wait_for(lambda: emulator.hangs_done > hangs, timeout=40)
    # the same chat's next answer comes after the first one is settled
    emulator.ask(user(3004), "/help", timeout=30)
    assert len(answers(emulator, 3004, before)) == 1
    assert not [m for m in emulator.messages_to(3004, before) if "went wrong" in m["text"]]
    assert "not sending it again, as it may have arrived" in log_path.read_text()


def test_one_chats_429_holds_up_no_other_chat(bot: tuple[Emulator, Path]) -> None:
    emulator, _ = bot
    emulator.fail("sendMessage", 429, count=1, retry_after=6, chat_id=3005)
    before = len(emulator.sent)
    emulator.send_text(user(3005), ROI)
    emulator.wait_for(lambda: emulator.faults_left() == 0)  # chat 3005 now waits 6 s
    time.sleep(1)  # let the bot take in the 429 before the other chat asks
    reply = emulator.ask(user(3006), ROI)  # answered long before that
    assert "Return on Investment" in reply[0]["text"]
    assert answers(emulator, 3005, before) == []
    # and chat 3005 gets its answer once its wait is over
    emulator.wait_for(lambda: answers(emulator, 3005, before), timeout=30)


def test_a_4500_character_title_and_url_still_give_valid_messages(
    bot: tuple[Emulator, Path],
) -> None:
    emulator, _ = bot
    rejected = len(emulator.rejected)
    who = user(3007)
    reply = emulator.ask(who, "How does the herd cross rivers?")[0]
    assert "striped mentor" in reply["text"] and "Zebra onboarding handbook" in reply["text"]
    assert "…" in reply["text"] and len(reply["text"]) <= 4096
    before = len(emulator.sent)
    rows = (reply.get("reply_markup") or {}).get("inline_keyboard", [])
    section = next(b["callback_data"] for row in rows for b in row if b["text"] == "Full section")
    emulator.press(who, reply, section)
    emulator.wait_for(lambda: emulator.messages_to(3007, before))
    query = emulator.inline(user(3008), "How does the herd cross rivers?")
    (answer,) = emulator.wait_for(
        lambda: [a for a in emulator.inline_answers if a.get("inline_query_id") == query]
    )
    assert answer["results"]
    for result in answer["results"]:
        assert len(result["title"]) <= 100 and len(result["description"]) <= 200
        assert len(result["input_message_content"]["message_text"]) <= 4096
    assert len(emulator.rejected) == rejected  # the emulator refused nothing
    assert not [m for m in emulator.sent[before:] if "went wrong" in m["text"]]
