"""The bot's own state in SQLite (separate from the index, which is rebuilt).

This module owns the file and all of its SQL:

- ``prefs``: each user's search language;
- ``answers``: what is behind an answer's buttons.  Ids are random
  (``secrets.token_urlsafe``), never sequential, so a button cannot be guessed
  and an id made after the file was lost cannot meet an old button; each
  answer belongs to one chat and one user.  It is also the question log: with
  questions logged, a question nothing answered is a row too (``shown`` 0, no
  buttons), and ``logged`` marks the rows ``docbot report`` may show (an
  answer kept only for its buttons is not one);
- ``daily``: questions answered and not answered and votes per UTC day,
  counts only (no text, so kept for good, whatever the settings);
- ``feedback``: one vote per user per answer (a second press changes it);
- ``examples``: the /start example questions behind their buttons;
- ``inbox``: every update as received, written (and synced to disk) before it
  is confirmed to Telegram and marked done once handled, so a crash loses none.

Retention: answers (and with them their buttons) are kept ``retention`` seconds
when questions are logged, at most ``BUTTON_LIFETIME`` when not; feedback
``retention`` seconds; the inbox ``INBOX_KEEP`` (to recognise an update
Telegram sends twice).  ``prune`` applies it; the bot calls it at start-up and
every hour.

A file that is not a database or whose pages are damaged is moved aside (with
its WAL) and a fresh one started: ``BotState.warning`` then says so in one line.

``StateReader`` reads the file without changing it (``docbot report``), and
``state_path`` is where the bot keeps it for an index.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUTTON_LIFETIME = 24 * 3600.0  # answers kept when questions are not logged
DEFAULT_RETENTION = 30 * 24 * 3600.0
INBOX_KEEP = 24 * 3600.0  # Telegram keeps an unconfirmed update for 24 hours
MAX_ATTEMPTS = 3  # an update that was started this often is not tried again
ANSWER_ID_BYTES = 9  # 12 URL-safe characters, 72 random bits
SCHEMA_VERSION = 3

_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
_DAY_SQL = "strftime('%Y-%m-%d', created, 'unixepoch')"  # a row's UTC day, as ``utc_day``

# Version 3 added the question log's columns (answers: chat_type, question_lang,
# logged) and the daily counts.
_LOG_COLUMNS = ("chat_type TEXT", "question_lang TEXT", "logged INTEGER NOT NULL DEFAULT 0")
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS prefs (user_id INTEGER PRIMARY KEY, lang TEXT);
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY, created REAL NOT NULL, chat_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL, question TEXT, lang TEXT, shown INTEGER, passages TEXT,
    {", ".join(_LOG_COLUMNS)}
);
CREATE INDEX IF NOT EXISTS answers_created ON answers (created);
CREATE TABLE IF NOT EXISTS daily (
    day TEXT PRIMARY KEY, answered INTEGER NOT NULL DEFAULT 0,
    unanswered INTEGER NOT NULL DEFAULT 0, up INTEGER NOT NULL DEFAULT 0,
    down INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT NOT NULL, user_id INTEGER NOT NULL, created REAL NOT NULL,
    vote INTEGER NOT NULL, question TEXT, passages TEXT,
    PRIMARY KEY (answer_id, user_id)
);
CREATE INDEX IF NOT EXISTS feedback_created ON feedback (created);
CREATE TABLE IF NOT EXISTS examples (id TEXT PRIMARY KEY, text TEXT NOT NULL, created REAL);
CREATE TABLE IF NOT EXISTS inbox (
    update_id INTEGER PRIMARY KEY, received REAL NOT NULL, status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, payload TEXT
);
CREATE INDEX IF NOT EXISTS inbox_status ON inbox (status);
"""

# inbox statuses: what is still to do for an update
PENDING = "pending"  # handle it
NOTE = "note"  # tell its sender to slow down
REFUSE = "refuse"  # tell its sender the bot is private
DONE = "done"
TO_DO = (PENDING, NOTE, REFUSE)


class StateError(Exception):
    """The state file cannot be used (one line, for the user)."""


@dataclass(frozen=True)
class StoredAnswer:
    id: str
    chat_id: int
    user_id: int
    question: str
    lang: str | None
    shown: int
    passages: list[list[object]]  # [doc, ordinal] of each passage shown


@dataclass(frozen=True)
class InboxEntry:
    update_id: int
    status: str
    attempts: int
    payload: str
    received: float


def new_answer_id() -> str:
    """A random, URL-safe answer id (12 characters).

    >>> len(new_answer_id()), new_answer_id() != new_answer_id()
    (12, True)
    """
    return secrets.token_urlsafe(ANSWER_ID_BYTES)


def state_path(db: Path) -> Path:
    """The bot's state file for the index ``db`` (next to it).

    >>> state_path(Path(".docbot/index.db")).as_posix()
    '.docbot/index.bot.sqlite'
    """
    return db.with_name(db.stem + ".bot.sqlite")


def utc_day(timestamp: float) -> str:
    """The UTC day of a time, as the daily counts key it.

    >>> utc_day(86400 * 365)
    '1971-01-01'
    """
    return time.strftime("%Y-%m-%d", time.gmtime(timestamp))


def example_key(text: str) -> str:
    """A stable id for an example question (the same text always gets the same id).

    >>> example_key("Return on Investment") == example_key("Return on Investment")
    True
    """
    return hashlib.blake2b(text.encode(), digest_size=9).hexdigest()


def _damaged(error: sqlite3.DatabaseError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return True
    text = str(error).lower()
    return "not a database" in text or "malformed" in text


class BotState:
    """One bot's state file.  Thread-safe: every statement runs under a lock."""

    def __init__(
        self,
        path: Path,
        log_questions: bool,
        retention: float = DEFAULT_RETENTION,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.log_questions = log_questions
        self.retention = retention
        self.clock = clock
        self.warning: str | None = None
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._db, self._inbox = self._open()
            except sqlite3.DatabaseError as error:
                if not _damaged(error):
                    raise
                moved = self._move_aside()
                self.warning = (
                    f"The bot state file {path} was damaged ({error}); moved it to {moved.name} "
                    "and started a fresh one (language choices and older buttons are lost)."
                )
                self._db, self._inbox = self._open()
        except (OSError, sqlite3.Error) as error:
            raise StateError(f"cannot use the bot state file {path}: {error}") from None

    # --- opening -----------------------------------------------------------------------

    def _open(self) -> tuple[sqlite3.Connection, sqlite3.Connection]:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            problems = [row[0] for row in db.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError(f"database disk image is malformed: {problems[0]}")
            self._migrate(db)
        except BaseException:
            db.close()
            raise
        # The inbox has its own connection: its commits are synced to disk before
        # an update is confirmed to Telegram, so a host crash loses none either.
        inbox = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=10
        )
        inbox.execute("PRAGMA synchronous = FULL")
        return db, inbox

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            db.executescript(_SCHEMA)
            return
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        db.execute("BEGIN IMMEDIATE")
        try:
            from_v1 = version < 2  # version 1, or a new, empty file
            if not from_v1 and "answers" in tables:
                # Version 2's answers keep their buttons; not marked logged, their
                # questions are counted below but never shown by docbot report.
                for column in _LOG_COLUMNS:
                    db.execute(f"ALTER TABLE answers ADD COLUMN {column}")
            # Version 1 numbered answers 1, 2, 3…: their buttons expire (the ids
            # were guessable); votes are kept, one per user and answer.
            if from_v1 and "feedback" in tables:
                db.execute("ALTER TABLE feedback RENAME TO feedback_v1")
            for old in ("answers", "examples"):
                if from_v1 and old in tables:
                    db.execute(f"DROP TABLE {old}")
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            if from_v1 and "feedback" in tables:
                db.execute(
                    "INSERT OR REPLACE INTO feedback "
                    "(answer_id, user_id, created, vote, question, passages) "
                    "SELECT 'v1-' || answer_id, user_id, created, vote, question, passages "
                    "FROM feedback_v1 ORDER BY id"
                )
                db.execute("DROP TABLE feedback_v1")
            # The daily counts start with what the file still holds.
            db.execute(
                f"INSERT INTO daily (day, answered) SELECT {_DAY_SQL}, COUNT(*) FROM answers "
                "WHERE shown > 0 GROUP BY 1"
            )
            db.execute(
                f"INSERT INTO daily (day, up, down) SELECT {_DAY_SQL}, SUM(vote > 0), "
                "SUM(vote < 0) FROM feedback WHERE true GROUP BY 1 "
                "ON CONFLICT (day) DO UPDATE SET up = excluded.up, down = excluded.down"
            )
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        self.path.rename(target)
        for suffix in ("-wal", "-shm", "-journal"):
            companion = self.path.with_name(self.path.name + suffix)
            if companion.exists():
                companion.rename(target.with_name(target.name + suffix))
        return target

    def close(self) -> None:
        with self._lock:
            self._db.close()
            self._inbox.close()

    def _run(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # --- language choices ----------------------------------------------------------------

    def language(self, user_id: int) -> str | None:
        rows = self._run("SELECT lang FROM prefs WHERE user_id = ?", (user_id,))
        return str(rows[0][0]) if rows and rows[0][0] is not None else None

    def set_language(self, user_id: int, lang: str | None) -> None:
        self._run("INSERT OR REPLACE INTO prefs (user_id, lang) VALUES (?, ?)", (user_id, lang))

    # --- daily counts ---------------------------------------------------------------------

    def days(self, since: str | None = None) -> list[DayCounts]:
        """The daily counts from the UTC day ``since`` (YYYY-MM-DD) on, oldest first."""
        rows = self._run(
            "SELECT day, answered, unanswered, up, down FROM daily WHERE day >= ? ORDER BY day",
            (since or "",),
        )
        return [DayCounts(str(r[0]), *(int(str(v)) for v in r[1:])) for r in rows]

    # --- answers and their buttons ---------------------------------------------------------

    @property
    def answer_lifetime(self) -> float:
        return self.retention if self.log_questions else min(self.retention, BUTTON_LIFETIME)

    def save_answer(
        self,
        *,
        chat_id: int,
        user_id: int,
        question: str,
        lang: str | None,
        shown: int,
        passages: list[list[object]],
        chat_type: str | None = None,
        question_lang: str | None = None,
    ) -> str:
        """Store an answer for its buttons (with questions logged, for ``docbot
        report`` too) and count it; returns its new random id.  ``lang`` is the
        user's choice (``None``: automatic), ``question_lang`` the language the
        question was taken to be in."""
        row = {
            "chat_id": chat_id,
            "user_id": user_id,
            "question": question,
            "lang": lang,
            "shown": shown,
            "passages": json.dumps(passages),
            "chat_type": chat_type,
            "question_lang": question_lang,
        }
        return self._record(row, keep=True, counter="answered")

    def record_unanswered(
        self,
        *,
        chat_id: int,
        user_id: int,
        question: str,
        lang: str | None,
        chat_type: str | None = None,
        question_lang: str | None = None,
    ) -> None:
        """Count a question nothing answered; with questions logged, keep it
        (with no passages shown) for ``docbot report``."""
        row = {
            "chat_id": chat_id,
            "user_id": user_id,
            "question": question,
            "lang": lang,
            "shown": 0,
            "passages": "[]",
            "chat_type": chat_type,
            "question_lang": question_lang,
        }
        self._record(row, keep=self.log_questions, counter="unanswered")

    def _record(self, row: dict[str, object], keep: bool, counter: str) -> str:
        """Count a question on today's row of ``daily``; with ``keep``, store
        ``row`` in ``answers`` under a new random id (returned)."""
        now = self.clock()
        columns = ["id", "created", *row, "logged"]
        sql = f"INSERT INTO answers ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        answer_id = ""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                while keep:
                    answer_id = new_answer_id()
                    try:
                        self._db.execute(
                            sql, (answer_id, now, *row.values(), int(self.log_questions))
                        )
                    except sqlite3.IntegrityError:  # 1 in 2**72: draw again
                        continue
                    break
                self._count(now, counter, 1)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return answer_id

    def _count(self, when: float, counter: str, delta: int) -> None:
        """Add ``delta`` to a daily counter (under the lock, in a transaction)."""
        self._db.execute(
            f"INSERT INTO daily (day, {counter}) VALUES (?, MAX(0, ?)) ON CONFLICT (day) "
            f"DO UPDATE SET {counter} = MAX(0, {counter} + ?)",
            (utc_day(when), delta, delta),
        )

    def answer(self, answer_id: str) -> StoredAnswer | None:
        """The answer behind a button, unless unknown or past its lifetime."""
        rows = self._run(
            "SELECT id, chat_id, user_id, question, lang, shown, passages FROM answers "
            "WHERE id = ? AND created >= ?",
            (answer_id, self.clock() - self.answer_lifetime),
        )
        if not rows:
            return None
        row = rows[0]
        return StoredAnswer(
            str(row[0]),
            int(str(row[1])),
            int(str(row[2])),
            str(row[3]),
            None if row[4] is None else str(row[4]),
            int(str(row[5])),
            json.loads(str(row[6])),
        )

    def add_shown(self, answer_id: str, shown: int, passages: list[list[object]]) -> None:
        """Record that the passages up to ``shown`` have now been shown."""
        with self._lock:
            row = self._db.execute(
                "SELECT passages FROM answers WHERE id = ?", (answer_id,)
            ).fetchone()
            if row is None:
                return
            self._db.execute(
                "UPDATE answers SET shown = ?, passages = ? WHERE id = ?",
                (shown, json.dumps(json.loads(row[0]) + passages), answer_id),
            )

    def vote(self, answer_id: str, user_id: int, vote: int) -> None:
        """One vote per user and answer: a second one replaces the first."""
        stored = self.answer(answer_id)
        question = stored.question if stored and self.log_questions else None
        passages = json.dumps(stored.passages) if stored else "[]"
        now = self.clock()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                before = self._db.execute(
                    "SELECT created, vote FROM feedback WHERE answer_id = ? AND user_id = ?",
                    (answer_id, user_id),
                ).fetchone()
                if before is not None:  # the daily counts hold each current vote once
                    self._count(before[0], "up" if before[1] > 0 else "down", -1)
                self._count(now, "up" if vote > 0 else "down", 1)
                self._db.execute(
                    "INSERT OR REPLACE INTO feedback (answer_id, user_id, created, vote, "
                    "question, passages) VALUES (?, ?, ?, ?, ?, ?)",
                    (answer_id, user_id, now, vote, question, passages),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def feedback(self) -> list[tuple[str, int, int, str | None, str]]:
        """Every vote: (answer id, user id, vote, question, passages)."""
        rows = self._run(
            "SELECT answer_id, user_id, vote, question, passages FROM feedback ORDER BY created"
        )
        return [
            (
                str(r[0]),
                int(str(r[1])),
                int(str(r[2])),
                None if r[3] is None else str(r[3]),
                str(r[4]),
            )
            for r in rows
        ]

    # --- example questions -----------------------------------------------------------------

    def remember_examples(self, texts: Iterable[str]) -> dict[str, str]:
        """Ids for example questions' buttons, ``{text: id}``."""
        now = self.clock()
        ids = {text: example_key(text) for text in texts}
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO examples (id, text, created) VALUES (?, ?, ?)",
                [(key, text, now) for text, key in ids.items()],
            )
        return ids

    def example(self, example_id: str) -> str | None:
        rows = self._run("SELECT text FROM examples WHERE id = ?", (example_id,))
        return str(rows[0][0]) if rows else None

    # --- the inbox -----------------------------------------------------------------------------

    def inbox_known(self, update_ids: Sequence[int]) -> set[int]:
        """Which of these updates were received before."""
        if not update_ids:
            return set()
        marks = ",".join("?" * len(update_ids))
        with self._lock:
            rows = self._inbox.execute(
                f"SELECT update_id FROM inbox WHERE update_id IN ({marks})", list(update_ids)
            ).fetchall()
        return {int(r[0]) for r in rows}

    def inbox_add(self, entries: Sequence[tuple[int, str, str | None]]) -> set[int]:
        """Store received updates ``(update_id, status, payload)`` in one synced
        transaction; returns the ids that were new (a repeated id is ignored)."""
        now = self.clock()
        added: set[int] = set()
        with self._lock:
            self._inbox.execute("BEGIN IMMEDIATE")
            try:
                for update_id, status, payload in entries:
                    cursor = self._inbox.execute(
                        "INSERT OR IGNORE INTO inbox (update_id, received, status, payload) "
                        "VALUES (?, ?, ?, ?)",
                        (update_id, now, status, payload if status in TO_DO else None),
                    )
                    if cursor.rowcount:
                        added.add(update_id)
                self._inbox.execute("COMMIT")
            except BaseException:
                self._inbox.execute("ROLLBACK")
                raise
        return added

    def inbox_started(self, update_id: int) -> int:
        """Count one more attempt at an update; returns the count."""
        with self._lock:
            self._db.execute(
                "UPDATE inbox SET attempts = attempts + 1 WHERE update_id = ?", (update_id,)
            )
            row = self._db.execute(
                "SELECT attempts FROM inbox WHERE update_id = ?", (update_id,)
            ).fetchone()
        return int(row[0]) if row else 0

    def inbox_retry_later(self, update_id: int) -> None:
        """The attempt ended because Telegram was unreachable: it does not count
        towards ``MAX_ATTEMPTS`` (which is for updates that crash the bot)."""
        self._run(
            "UPDATE inbox SET attempts = MAX(0, attempts - 1) WHERE update_id = ?", (update_id,)
        )

    def inbox_done(self, update_id: int) -> None:
        """The update is handled: keep only its id (to recognise it if sent again)."""
        self._run(
            "UPDATE inbox SET status = ?, payload = NULL WHERE update_id = ?", (DONE, update_id)
        )

    def inbox_unfinished(self) -> list[InboxEntry]:
        """Updates received but not yet handled, oldest first."""
        marks = ",".join("?" * len(TO_DO))
        rows = self._run(
            "SELECT update_id, status, attempts, payload, received FROM inbox "
            f"WHERE status IN ({marks}) ORDER BY update_id",
            TO_DO,
        )
        return [
            InboxEntry(int(str(r[0])), str(r[1]), int(str(r[2])), str(r[3]), float(str(r[4])))
            for r in rows
        ]

    # --- retention ------------------------------------------------------------------------------

    def prune(self) -> dict[str, int]:
        """Delete what is past its keeping time; returns the counts deleted."""
        now = self.clock()
        deleted = {}
        with self._lock:
            for table, keep in (
                ("answers", self.answer_lifetime),
                ("feedback", self.retention),
                ("inbox", INBOX_KEEP),
                ("examples", self.retention),
            ):
                cursor = self._db.execute(
                    f"DELETE FROM {table} WHERE {_TIME[table]} < ?", (now - keep,)
                )
                deleted[table] = cursor.rowcount
        return deleted


_TIME = {"answers": "created", "feedback": "created", "inbox": "received", "examples": "created"}


# --- reading, for docbot report -----------------------------------------------------------------


@dataclass(frozen=True)
class DayCounts:
    day: str  # YYYY-MM-DD, UTC
    answered: int
    unanswered: int
    up: int
    down: int


@dataclass(frozen=True)
class LoggedQuestion:
    answer_id: str
    asked: float
    question: str
    chat_type: str | None
    lang: str | None  # the language the question was taken to be in
    answered: bool
    passages: list[list[object]]  # [doc, ordinal] of each passage shown


@dataclass(frozen=True)
class LoggedVote:
    answer_id: str
    voted: float
    vote: int  # 1 or -1
    question: str | None  # None when it was not logged
    passages: list[list[object]]  # shown when the vote was cast
    asked: float | None  # None once the answer is no longer kept
    chat_type: str | None
    lang: str | None


class StateReader:
    """A state file opened read-only: never created, migrated or changed (the
    bot may be running meanwhile).  Problems are ``StateError``, one line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
        except sqlite3.Error as error:
            raise StateError(f"cannot read the bot state file {path}: {error}") from None
        version = int(str(self._rows("PRAGMA user_version")[0][0]))
        if version < SCHEMA_VERSION:
            self._db.close()
            raise StateError(
                f"the bot state file {path} is from an earlier docbot; start `docbot bot` "
                "once to bring it up to date"
            )

    def __enter__(self) -> StateReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as error:
            self._db.close()
            raise StateError(f"cannot read the bot state file {self.path}: {error}") from None

    def days(self, since: str | None = None) -> list[DayCounts]:
        """The daily counts from the UTC day ``since`` (YYYY-MM-DD) on, oldest first."""
        rows = self._rows(
            "SELECT day, answered, unanswered, up, down FROM daily WHERE day >= ? ORDER BY day",
            (since or "",),
        )
        return [DayCounts(str(r[0]), *(int(v) for v in r[1:])) for r in rows]

    def questions(self, since: float) -> list[LoggedQuestion]:
        """Questions logged from ``since`` on, answered or not, oldest first."""
        rows = self._rows(
            "SELECT id, created, question, chat_type, question_lang, shown, passages "
            "FROM answers WHERE logged = 1 AND created >= ? ORDER BY created",
            (since,),
        )
        return [
            LoggedQuestion(
                str(r[0]), float(r[1]), str(r[2]), r[3], r[4], int(r[5] or 0) > 0, _refs(r[6])
            )
            for r in rows
        ]

    def votes(self, since: float) -> list[LoggedVote]:
        """Votes cast from ``since`` on, oldest first, with the answer's details
        while it is kept."""
        rows = self._rows(
            "SELECT f.answer_id, f.created, f.vote, f.question, f.passages, a.created, "
            "a.chat_type, a.question_lang FROM feedback f LEFT JOIN answers a "
            "ON a.id = f.answer_id WHERE f.created >= ? ORDER BY f.created",
            (since,),
        )
        return [
            LoggedVote(
                str(r[0]),
                float(r[1]),
                1 if int(r[2]) > 0 else -1,
                r[3],
                _refs(r[4]),
                None if r[5] is None else float(r[5]),
                r[6],
                r[7],
            )
            for r in rows
        ]


def _refs(text: object) -> list[list[object]]:
    """Stored passage references, ``[]`` for anything else."""
    try:
        value = json.loads(str(text))
    except ValueError:
        return []
    if not isinstance(value, list):
        return []
    return [list(v) for v in value if isinstance(v, list) and len(v) == 2]
