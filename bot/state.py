"""The bot's own state in SQLite (separate from the index, which is rebuilt):
language choices, the answers behind buttons, feedback, question logs.

Buttons carry only an answer id, so they keep working after a restart.  With
question logging off, an answer's question is kept only as long as its buttons
can be used (``BUTTON_LIFETIME``) and feedback is stored without it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

BUTTON_LIFETIME = 24 * 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS prefs (user_id INTEGER PRIMARY KEY, lang TEXT);
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL, chat_id INTEGER, user_id INTEGER,
    question TEXT, lang TEXT, shown INTEGER, passages TEXT
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL, answer_id INTEGER, user_id INTEGER,
    vote INTEGER, question TEXT, passages TEXT
);
CREATE TABLE IF NOT EXISTS examples (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT UNIQUE);
"""


@dataclass(frozen=True)
class StoredAnswer:
    id: int
    chat_id: int
    user_id: int
    question: str
    lang: str | None
    shown: int
    passages: list[list[object]]  # [doc, ordinal] of each passage shown


class BotState:
    def __init__(self, path: Path, log_questions: bool) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.log_questions = log_questions
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, params)

    def language(self, user_id: int) -> str | None:
        row = self._run("SELECT lang FROM prefs WHERE user_id = ?", (user_id,)).fetchone()
        return row[0] if row else None

    def set_language(self, user_id: int, lang: str | None) -> None:
        self._run("INSERT OR REPLACE INTO prefs (user_id, lang) VALUES (?, ?)", (user_id, lang))

    def save_answer(
        self,
        *,
        chat_id: int,
        user_id: int,
        question: str,
        lang: str | None,
        shown: int,
        passages: list[list[object]],
    ) -> int:
        if not self.log_questions:
            self._run("DELETE FROM answers WHERE created < ?", (time.time() - BUTTON_LIFETIME,))
        cursor = self._run(
            "INSERT INTO answers (created, chat_id, user_id, question, lang, shown, passages) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (time.time(), chat_id, user_id, question, lang, shown, json.dumps(passages)),
        )
        return int(cursor.lastrowid or 0)

    def answer(self, answer_id: int) -> StoredAnswer | None:
        row = self._run(
            "SELECT id, chat_id, user_id, question, lang, shown, passages FROM answers "
            "WHERE id = ?",
            (answer_id,),
        ).fetchone()
        if row is None:
            return None
        return StoredAnswer(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]))

    def add_shown(self, answer_id: int, shown: int, passages: list[list[object]]) -> None:
        current = self.answer(answer_id)
        if current is None:
            return
        self._run(
            "UPDATE answers SET shown = ?, passages = ? WHERE id = ?",
            (shown, json.dumps(current.passages + passages), answer_id),
        )

    def add_feedback(self, answer_id: int, user_id: int, vote: int) -> None:
        stored = self.answer(answer_id)
        question = stored.question if stored and self.log_questions else None
        passages = json.dumps(stored.passages) if stored else "[]"
        self._run(
            "INSERT INTO feedback (created, answer_id, user_id, vote, question, passages) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (time.time(), answer_id, user_id, vote, question, passages),
        )

    def feedback(self) -> list[tuple[int, int, str | None, str]]:
        rows = self._run("SELECT answer_id, vote, question, passages FROM feedback ORDER BY id")
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def example_id(self, text: str) -> int:
        self._run("INSERT OR IGNORE INTO examples (text) VALUES (?)", (text,))
        row = self._run("SELECT id FROM examples WHERE text = ?", (text,)).fetchone()
        return int(row[0])

    def example(self, example_id: int) -> str | None:
        row = self._run("SELECT text FROM examples WHERE id = ?", (example_id,)).fetchone()
        return row[0] if row else None
