"""State that must survive a restart of the bot: language choices and buttons."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

from .botapi import running_bot
from .conftest import CORPUS

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
