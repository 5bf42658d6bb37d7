"""The bot's state file: unguessable answer ids, one vote per user, retention,
the inbox, and a damaged file moved aside (real SQLite files, a settable clock)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from docbot.bot.app.state import (
    BUTTON_LIFETIME,
    DONE,
    NOTE,
    PENDING,
    BotState,
)

DAY = 86400.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def save(state: BotState, user: int = 1, question: str = "ROI?") -> str:
    return state.save_answer(
        chat_id=user, user_id=user, question=question, lang=None, shown=3, passages=[["a", 1]]
    )


def test_answer_ids_are_random_and_bound_to_chat_and_user(tmp_path: Path) -> None:
    state = BotState(tmp_path / "s.sqlite", log_questions=True)
    ids = [save(state, user=7) for _ in range(50)]
    assert len(set(ids)) == 50
    assert all(len(i) == 12 and i.replace("-", "").replace("_", "").isalnum() for i in ids)
    assert not any(i.isdigit() for i in ids)
    stored = state.answer(ids[0])
    assert stored is not None and (stored.chat_id, stored.user_id) == (7, 7)
    assert state.answer("1") is None and state.answer("AAAAAAAAAAAA") is None


def test_ids_made_after_the_file_is_lost_never_meet_old_buttons(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    old = BotState(path, log_questions=True)
    old_ids = {save(old) for _ in range(200)}
    old.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    fresh = BotState(path, log_questions=True)
    new_ids = {save(fresh, user=2) for _ in range(200)}
    assert not old_ids & new_ids
    assert all(fresh.answer(i) is None for i in old_ids)


def test_one_vote_per_user_and_answer_which_can_change(tmp_path: Path) -> None:
    state = BotState(tmp_path / "s.sqlite", log_questions=True)
    answer = save(state, user=5)
    state.vote(answer, 5, 1)
    state.vote(answer, 5, -1)
    state.vote(answer, 6, 1)
    votes = {(a, u): v for a, u, v, _q, _p in state.feedback()}
    assert votes == {(answer, 5): -1, (answer, 6): 1}


def test_retention_applies_to_answers_and_feedback(tmp_path: Path) -> None:
    clock = Clock()
    state = BotState(tmp_path / "s.sqlite", log_questions=True, retention=7 * DAY, clock=clock)
    answer = save(state)
    state.vote(answer, 1, 1)
    clock.now += 6 * DAY
    assert state.answer(answer) is not None  # buttons work while the answer is kept
    assert state.prune() == {"answers": 0, "feedback": 0, "inbox": 0, "examples": 0}
    clock.now += 2 * DAY
    assert state.answer(answer) is None
    assert state.prune()["answers"] == 1 and state.prune()["feedback"] == 0
    assert state.feedback() == []


def test_without_question_logging_answers_last_a_day_and_votes_carry_no_question(
    tmp_path: Path,
) -> None:
    clock = Clock()
    state = BotState(tmp_path / "s.sqlite", log_questions=False, retention=30 * DAY, clock=clock)
    answer = save(state, question="secret question")
    state.vote(answer, 1, -1)
    assert state.feedback()[0][3] is None
    clock.now += BUTTON_LIFETIME + 1
    assert state.answer(answer) is None
    assert state.prune()["answers"] == 1
    rows = sqlite3.connect(tmp_path / "s.sqlite").execute("SELECT question FROM answers")
    assert "secret question" not in str(rows.fetchall())


def test_the_inbox_keeps_updates_until_done(tmp_path: Path) -> None:
    state = BotState(tmp_path / "s.sqlite", log_questions=True)
    added = state.inbox_add([(10, PENDING, "{}"), (11, NOTE, "{}"), (12, DONE, "{}")])
    assert added == {10, 11, 12}
    assert state.inbox_add([(10, PENDING, "{}")]) == set()  # the same update again
    assert state.inbox_known([10, 12, 13]) == {10, 12}
    assert [e.update_id for e in state.inbox_unfinished()] == [10, 11]
    assert state.inbox_started(10) == 1
    state.inbox_retry_later(10)  # Telegram unreachable: not a crash
    assert state.inbox_started(10) == 1
    state.inbox_done(10)
    assert [e.update_id for e in state.inbox_unfinished()] == [11]
    state.close()
    again = BotState(tmp_path / "s.sqlite", log_questions=True)
    assert [(e.update_id, e.status) for e in again.inbox_unfinished()] == [(11, NOTE)]


def test_random_bytes_are_moved_aside_with_a_one_line_warning(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    path.write_bytes(os.urandom(50_000))
    state = BotState(path, log_questions=True)
    assert state.warning and "\n" not in state.warning and "moved it to" in state.warning
    assert len(list(tmp_path.glob("s.sqlite.damaged-*"))) == 1
    save(state)


def test_damaged_pages_are_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    state = BotState(path, log_questions=True)
    for i in range(400):
        save(state, user=i, question="How do I measure ROI for networking? " * 5)
    state.close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(2 * page, len(data) - page, 3 * page):  # spare page 1, the header
        data[start : start + 200] = os.urandom(200)
    path.write_bytes(bytes(data))
    fresh = BotState(path, log_questions=True)
    assert fresh.warning and "damaged" in fresh.warning
    save(fresh)


def test_a_version_1_file_keeps_its_votes_and_expires_its_guessable_buttons(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            """
            CREATE TABLE prefs (user_id INTEGER PRIMARY KEY, lang TEXT);
            CREATE TABLE answers (id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL,
                chat_id INTEGER, user_id INTEGER, question TEXT, lang TEXT, shown INTEGER,
                passages TEXT);
            CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL,
                answer_id INTEGER, user_id INTEGER, vote INTEGER, question TEXT, passages TEXT);
            CREATE TABLE examples (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT UNIQUE);
            INSERT INTO prefs VALUES (1, 'de');
            INSERT INTO answers VALUES (1, 1.0, 1, 1, 'q', NULL, 3, '[]');
            INSERT INTO feedback VALUES (1, 2e9, 1, 1, 1, 'q', '[]');
            INSERT INTO feedback VALUES (2, 2e9, 1, 1, -1, 'q', '[]');
            """
        )
    state = BotState(path, log_questions=True)
    assert state.language(1) == "de"
    assert state.answer("1") is None
    assert [(v, q) for _a, _u, v, q, _p in state.feedback()] == [(-1, "q")]


def test_an_unusable_location_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    from docbot.bot.app.state import StateError

    with pytest.raises(StateError, match="cannot use the bot state file"):
        BotState(blocker / "s.sqlite", log_questions=True)
