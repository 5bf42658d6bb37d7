"""What survives a restart of the bot, a kill, a lost or damaged state file,
a revoked token, and an index rebuilt by another process."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from docbot.bot.app.state import BotState
from docbot.index import build_index

from .botapi import BotProcess, emulator_running, running_bot
from .conftest import CORPUS
from .test_telegram_e2e import NEW_DOC

TOKEN = "555000111:AARestartTokenForTestsOnly_z7"


def buttons(message: dict[str, Any]) -> dict[str, str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def test_language_and_buttons_survive_a_restart(tmp_path: Path) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    settings = {"DOCBOT_CORPUS": str(tmp_path / "corpus"), "DOCBOT_DB": str(tmp_path / "i.db")}
    user = {"id": 31, "is_bot": False, "first_name": "Rita", "language_code": "en"}
    with running_bot(TOKEN, settings) as emulator:
        menu = emulator.ask(user, "/lang")[0]
        emulator.press(user, menu, buttons(menu)["German"])
        emulator.wait_for(lambda: any(m.get("method") == "editMessageText" for m in emulator.sent))
        answer = emulator.ask(user, "Social Networking Kommunikation")[0]
    with running_bot(TOKEN, settings) as emulator:
        menu = emulator.ask(user, "/lang")[0]
        assert "(now: German)" in menu["text"]
        before = len(emulator.sent)
        emulator.press(user, answer, buttons(answer)["More"])
        more = emulator.wait_for(lambda: emulator.messages_to(31, before))[0]
        assert "<blockquote>" in more["html"]
        emulator.press(user, answer, buttons(answer)["👎"])
        emulator.wait_for(
            lambda: any(
                a.get("text") == "Thanks for the feedback!" for a in emulator.callback_answers
            )
        )
    rows = (
        sqlite3.connect(tmp_path / "i.bot.sqlite")
        .execute("SELECT vote, question, passages FROM feedback")
        .fetchall()
    )
    assert rows == [(-1, "Social Networking Kommunikation", rows[0][2])]
    assert "003_b874282588a5190a.txt" in rows[0][2] or "000_0aa6e62ea50a720a.txt" in rows[0][2]


def test_question_logging_can_be_turned_off(tmp_path: Path) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    settings = {
        "DOCBOT_CORPUS": str(tmp_path / "corpus"),
        "DOCBOT_DB": str(tmp_path / "i.db"),
        "DOCBOT_LOG_QUESTIONS": "0",
    }
    user = {"id": 32, "is_bot": False, "first_name": "Otto", "language_code": "de"}
    with running_bot(TOKEN, settings) as emulator:
        answer = emulator.ask(user, "Wie misst man die Kapitalrendite bei Social Media?")[0]
        emulator.press(user, answer, buttons(answer)["👍"])
        emulator.wait_for(
            lambda: any("Danke" in str(a.get("text")) for a in emulator.callback_answers)
        )
    rows = (
        sqlite3.connect(tmp_path / "i.bot.sqlite")
        .execute("SELECT vote, question FROM feedback")
        .fetchall()
    )
    assert rows == [(1, None)]


ROI = "How do I measure ROI for networking?"


def person(uid: int, name: str = "Sam") -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": name, "language_code": "en"}


def corpus_settings(tmp_path: Path, **more: str) -> dict[str, str]:
    if not (tmp_path / "corpus").exists():
        shutil.copytree(CORPUS, tmp_path / "corpus")
    return {
        "DOCBOT_CORPUS": str(tmp_path / "corpus"),
        "DOCBOT_DB": str(tmp_path / "i.db"),
        "DOCBOT_WATCH": "0",
        **more,
    }


def test_sigkill_mid_burst_then_restart_loses_no_question(tmp_path: Path) -> None:
    settings = corpus_settings(tmp_path)
    people = [person(6000 + i) for i in range(60)]
    with emulator_running(TOKEN) as (emulator, url):
        first = BotProcess(emulator, url, settings)
        first.wait_ready()
        for who in people:
            emulator.send_text(who, ROI)

        def answered() -> set[int]:
            return {m["chat"]["id"] for m in emulator.sent if m.get("method") == "sendMessage"}

        emulator.wait_for(lambda: len(answered()) >= 10, timeout=60)
        first.kill()  # SIGKILL: no clean-up at all
        in_flight = answered()  # sent, but the bot may not have seen Telegram's answer
        second = BotProcess(emulator, url, settings)
        emulator.wait_for(lambda: len(answered()) == len(people), timeout=90)
        second.terminate()
    replies = Counter(m["chat"]["id"] for m in emulator.sent if m.get("method") == "sendMessage")
    assert len(in_flight) < len(people)  # the kill did come mid-burst
    assert set(replies) == {p["id"] for p in people}  # nobody lost
    twice = {chat for chat, count in replies.items() if count > 1}
    assert twice <= in_flight and max(replies.values()) <= 2  # only in-flight answers repeat


def test_old_buttons_show_nothing_after_the_state_file_is_lost(tmp_path: Path) -> None:
    settings = corpus_settings(tmp_path)
    ana, bob = person(41, "Ana"), person(42, "Bob")
    with emulator_running(TOKEN) as (emulator, url):
        bot = BotProcess(emulator, url, settings)
        bot.wait_ready()
        old = emulator.ask(ana, "Social Networking Kommunikation")[0]
        bot.terminate()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{tmp_path / 'i.bot.sqlite'}{suffix}").unlink(missing_ok=True)
        bot = BotProcess(emulator, url, settings)
        bot.wait_ready()
        emulator.ask(bob, "Social Networking Kommunikation")
        before = len(emulator.sent)
        query = emulator.press(ana, old, buttons(old)["More"])
        (reply,) = emulator.wait_for(lambda: emulator.callback_answers_for(query))
        emulator.ask(ana, "/help")
        bot.terminate()
    assert "no longer have" in reply["text"]
    assert [m["text"][:20] for m in emulator.messages_to(41, before)] == ["Send me a question a"]


def damage_pages(path: Path) -> None:
    state = BotState(path, log_questions=True)
    for i in range(300):
        state.save_answer(
            chat_id=i, user_id=i, question=ROI * 4, lang=None, shown=3, passages=[["a.txt", 1]]
        )
    state.close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    for start in range(8192, len(data) - 4096, 3 * 4096):
        data[start : start + 300] = os.urandom(300)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["random bytes", "damaged pages"])
def test_a_damaged_state_file_is_moved_aside_and_the_bot_answers(
    tmp_path: Path, damage: str
) -> None:
    settings = corpus_settings(tmp_path)
    state_path = tmp_path / "i.bot.sqlite"
    if damage == "random bytes":
        state_path.write_bytes(os.urandom(100_000))
    else:
        damage_pages(state_path)
    log_path = tmp_path / "bot.log"
    with open(log_path, "wb") as log, running_bot(TOKEN, settings, log) as emulator:
        reply = emulator.ask(person(43), ROI)[0]
        assert "Return on Investment" in reply["text"]
        assert buttons(reply)
    output = log_path.read_text()
    assert "Traceback" not in output
    assert sum("was damaged" in line for line in output.splitlines()) == 1
    assert list(tmp_path.glob("i.bot.sqlite.damaged-*"))


def test_a_revoked_token_ends_the_process_with_one_line(tmp_path: Path) -> None:
    settings = corpus_settings(tmp_path)
    log_path = tmp_path / "bot.log"
    with emulator_running(TOKEN) as (emulator, url), open(log_path, "wb") as log:
        bot = BotProcess(emulator, url, settings, log)
        bot.wait_ready()
        emulator.ask(person(44), "/help")
        emulator.revoke()
        code = bot.wait_exit(30)
        if code is None:
            bot.kill()
    output = log_path.read_text()
    assert code == 1
    assert output.splitlines()[-1].startswith("docbot: Telegram no longer accepts")
    assert "Traceback" not in output and TOKEN not in output


def test_an_index_built_by_another_process_is_swapped_in(tmp_path: Path) -> None:
    settings = corpus_settings(tmp_path)  # no watcher: only the generation tells
    with running_bot(TOKEN, settings) as emulator:
        (tmp_path / "corpus" / "quokka.txt").write_text(NEW_DOC)
        report = build_index(tmp_path / "corpus", tmp_path / "i.db")  # another process's build
        assert report.added
        deadline = time.monotonic() + 30
        found = False
        while not found and time.monotonic() < deadline:
            reply = emulator.ask(person(45), "Who explains how the team shares notes?")[0]
            found = "quokka" in reply["text"].lower()
            if not found:
                time.sleep(1)
        assert found, "the bot never swapped in the index built by another process"
