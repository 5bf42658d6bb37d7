"""docbot report: questions and a 👎 sent through the real bot (one run of
``docbot bot`` against the Bot API emulator for the whole module), then the
report read in-process from the bot's state file; the question log and the
daily counts in the state file; the pure grouping and formatting."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from docbot.bot.app.report import (
    Group,
    SinceError,
    fill_days,
    format_html,
    group_questions,
    normalise,
    parse_since,
    plain,
)
from docbot.bot.app.report import build as build_report
from docbot.bot.app.state import (
    BotState,
    DayCounts,
    LoggedQuestion,
    StateReader,
    state_path,
    utc_day,
)
from docbot.bot.cli.commands import Streams, main

from .botapi import Emulator, running_bot
from .conftest import CORPUS
from .test_telegram_e2e import TOKEN, buttons, user

DAY = 86400.0
ANSWERED = "How do I measure ROI for networking?"
UNANSWERED = "Wie backe ich Käsekuchen?"
UNANSWERED_AGAIN = "wie backe ich  KASEKUCHEN"  # the same once case, accents, space fold
AGAIN = "wie backe ich KASEKUCHEN"  # as the engine searched (and logged) it
# Markup in a question: the engine drops whole tags before the question is
# answered and logged, so the report shows what was searched; the unclosed tag
# and the rest stay, and must come out escaped.
SCRIPT_ASKED = (
    '<script>alert(1)</script> Käsekuchen backen? 1 < 2 & "x" <img src=x onerror=alert(1)'
)
SCRIPT = 'alert(1) Käsekuchen backen? 1 < 2 & "x" <img src=x onerror=alert(1)'
NOTHING = "Nothing in my documents answers this"
GROUP = {"id": -700, "type": "group", "title": "Team"}
MENTION = "@docbot_test_bot"


@dataclass(frozen=True)
class Asked:
    db: Path
    voted_down: str  # the answer id of the 👎


def _group_question(emulator: Emulator, text: str) -> dict[str, Any]:
    before = len(emulator.sent)
    emulator.send_text(
        user(3004),
        f"{MENTION} {text}",
        chat=GROUP,
        entities=[{"type": "mention", "offset": 0, "length": len(MENTION)}],
    )
    reply: dict[str, Any] = emulator.wait_for(lambda: emulator.messages_to(GROUP["id"], before))[0]
    return reply


@pytest.fixture(scope="module")
def asked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Asked]:
    """One bot run: an answered question voted down, a question nothing
    answers asked twice in other words, one with HTML in it (in a group)."""
    work = tmp_path_factory.mktemp("report")
    corpus = work / "corpus"
    shutil.copytree(CORPUS, corpus)
    db = work / "db" / "index.db"
    settings = {"DOCBOT_CORPUS": str(corpus), "DOCBOT_DB": str(db), "DOCBOT_WATCH": "0"}
    with running_bot(TOKEN, settings) as emulator:
        ana = user(3001, name="Ana")
        reply = emulator.ask(ana, ANSWERED)[0]
        assert "Return on Investment" in reply["text"]
        vote = buttons(reply)["👎"]
        query = emulator.press(ana, reply, vote)
        emulator.wait_for(lambda: emulator.callback_answers_for(query))
        for who, text in ((user(3002), UNANSWERED), (user(3003), UNANSWERED_AGAIN)):
            assert NOTHING in emulator.ask(who, text)[0]["text"]
        assert NOTHING in _group_question(emulator, SCRIPT_ASKED)["text"]
        yield Asked(db, vote.split(":")[1])


@dataclass
class Run:
    code: int
    out: str
    err: str


def report(db: Path, *args: str, **settings: str) -> Run:
    """``docbot report ARGS`` in this process, on the state file next to ``db``."""
    out, err = io.StringIO(), io.StringIO()
    env = {"DOCBOT_DB": str(db), **settings}
    code = main(["report", *args], env=env, streams=Streams(io.BytesIO(), out, err))
    return Run(code, out.getvalue(), err.getvalue())


def report_json(db: Path, *args: str, **settings: str) -> dict[str, Any]:
    run = report(db, "--json", *args, **settings)
    assert run.code == 0, run.err
    result: dict[str, Any] = json.loads(run.out)
    return result


# --- what the bot recorded, as the report shows it --------------------------------------


def test_report_json_lists_the_unanswered_question_and_the_voted_down_answer(
    asked: Asked,
) -> None:
    result = report_json(asked.db)
    assert result["questions_logged"] is True
    assert result["totals"] == {"questions": 4, "answered": 1, "unanswered": 3, "up": 0, "down": 1}
    assert result["days"][-1]["day"] == utc_day(time.time())

    (kuchen,) = [g for g in result["unanswered"] if "backe ich" in g["question"].lower()]
    assert kuchen["question"] == AGAIN  # of two wordings asked once each, the latest
    assert kuchen["count"] == 2 and kuchen["unanswered"] == 2
    assert kuchen["variants"] == [AGAIN, UNANSWERED]
    assert [g["question"] for g in result["unanswered"]].count(SCRIPT) == 1

    (down,) = result["voted_down"]
    assert down["question"] == ANSWERED
    assert down["lang"] == "en" and down["chat_type"] == "private"
    docs = {p["doc"] for p in down["passages"]}
    assert "002_38366ab575c2df6f.txt" in docs
    assert all(isinstance(p["ordinal"], int) for p in down["passages"])

    (quoted,) = [d for d in result["documents"] if d["doc"] == "002_38366ab575c2df6f.txt"]
    assert quoted["title"] and "Social Networking" in quoted["title"]  # from the index
    top = result["frequent"][0]
    assert (top["question"], top["count"]) == (AGAIN, 2)
    assert {g["question"] for g in result["frequent"]} == {AGAIN, SCRIPT, ANSWERED}


def test_every_question_is_logged_with_chat_type_language_and_passages(asked: Asked) -> None:
    with StateReader(state_path(asked.db)) as reader:
        logged = {q.question: q for q in reader.questions(0)}
        votes = reader.votes(0)
    assert set(logged) == {ANSWERED, UNANSWERED, AGAIN, SCRIPT}
    assert logged[ANSWERED].answered and logged[ANSWERED].passages
    assert logged[ANSWERED].answer_id == asked.voted_down
    assert not logged[UNANSWERED].answered and logged[UNANSWERED].passages == []
    assert logged[UNANSWERED].lang == "de" and logged[ANSWERED].lang == "en"
    assert logged[SCRIPT].chat_type == "group" and logged[UNANSWERED].chat_type == "private"
    assert [(v.answer_id, v.vote, v.question) for v in votes] == [(asked.voted_down, -1, ANSWERED)]


def test_the_text_report_is_for_people(asked: Asked) -> None:
    run = report(asked.db)
    assert run.code == 0 and run.err == ""
    assert "Questions: 4 (1 answered, 3 not answered); votes: 0 👍, 1 👎" in run.out
    for heading in ("Not answered (2):", "Voted down (1):", "Documents most quoted"):
        assert heading in run.out
    assert SCRIPT in run.out and "002_38366ab575c2df6f.txt #" in run.out


class PageCheck(HTMLParser):
    """Well-formedness (every element closed in order), bar groups, external
    references and scripts of an HTML page."""

    VOID = frozenset({"meta", "link", "br", "hr", "img", "input", "col", "wbr", "source"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))  # <rect …/>: nothing left open

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def count(self, tag: str, cls: str | None = None) -> int:
        return sum(t == tag and (cls is None or a.get("class") == cls) for t, a in self.tags)


def test_the_html_report_is_one_self_contained_page_with_a_chart(
    asked: Asked, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    run = report(asked.db, "--html", str(page))
    assert run.code == 0 and run.out == "" and str(page) in run.err
    raw = page.read_text(encoding="utf-8")
    check = PageCheck()
    check.feed(raw)
    check.close()
    assert raw.startswith("<!DOCTYPE html>")
    assert check.problems == [] and check.open == []
    days = report_json(asked.db)["days"]
    assert check.count("svg") == 1 and check.count("g", "day") == len(days) >= 1
    assert check.count("rect", "answered") == check.count("rect", "unanswered") == len(days)
    assert check.count("script") == 0 and check.count("link") == 0 and check.count("img") == 0
    for _tag, attrs in check.tags:
        assert "src" not in attrs
        for name, value in attrs.items():
            assert not (value or "").lower().startswith(("http:", "https:", "//")), name
    assert "url(" not in raw and "@import" not in raw
    assert "1 &lt; 2 &amp; &quot;x&quot; &lt;img src=x onerror=alert(1)" in raw
    assert "<img" not in raw
    text = "".join(check.text)
    assert SCRIPT in text and ANSWERED in text and "Voted down (1)" in text


def test_without_question_logging_the_report_has_counts_only(asked: Asked, tmp_path: Path) -> None:
    result = report_json(asked.db, DOCBOT_LOG_QUESTIONS="0")
    assert result["questions_logged"] is False
    assert result["totals"]["questions"] == 4 and result["totals"]["down"] == 1
    assert [result[k] for k in ("unanswered", "voted_down", "frequent", "documents")] == [None] * 4
    page = tmp_path / "counts.html"
    text = report(asked.db, "--html", str(page), DOCBOT_LOG_QUESTIONS="0")
    assert text.code == 0
    outputs = [json.dumps(result), report(asked.db, DOCBOT_LOG_QUESTIONS="0").out]
    for output in [*outputs, page.read_text()]:
        for words in ("ROI", "backe", "alert", "002_38366ab575c2df6f"):
            assert words.lower() not in output.lower()
    assert "counts only" in page.read_text()


# --- --since and retention, on a copy with older questions -----------------------------


@pytest.fixture(scope="module")
def history(asked: Asked, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bot's state with questions from 10 and 40 days ago; the
    index path it belongs to (there is no index: titles are left out)."""
    db = tmp_path_factory.mktemp("history") / "index.db"
    source = sqlite3.connect(f"{state_path(asked.db).as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(state_path(db))
    source.backup(target)
    source.close()
    target.close()
    now = time.time()
    clock = [now - 10 * DAY]
    state = BotState(state_path(db), log_questions=True, clock=lambda: clock[0])
    state.record_unanswered(chat_id=5, user_id=5, question="What about llamas?", lang=None)
    old = state.save_answer(
        chat_id=5, user_id=5, question="ROI?", lang=None, shown=1, passages=[["old.txt", 0]]
    )
    state.vote(old, 5, -1)
    clock[0] = now - 40 * DAY  # past the 30 days questions are kept
    state.record_unanswered(chat_id=6, user_id=6, question="Alpacas, anyone?", lang=None)
    state.close()
    return db


def _unanswered(result: dict[str, Any]) -> set[str]:
    return {g["question"] for g in result["unanswered"]}


def test_since_filters_days_questions_and_votes(history: Path) -> None:
    everything = report_json(history)
    assert "What about llamas?" in _unanswered(everything)
    assert len(everything["voted_down"]) == 2
    assert everything["days"][0]["day"] == utc_day(time.time() - 40 * DAY)
    assert len(everything["days"]) >= 41  # quiet days are there, as zeros

    recent = report_json(history, "--since", "3d")
    assert recent["since"] == str(dt.date.fromisoformat(utc_day(time.time())) - dt.timedelta(2))
    assert "What about llamas?" not in _unanswered(recent)
    assert [v["question"] for v in recent["voted_down"]] == [ANSWERED]
    assert recent["totals"]["unanswered"] == 3 and recent["totals"]["down"] == 1
    assert all(d["day"] >= recent["since"] for d in recent["days"])

    ten_days_ago = utc_day(time.time() - 10 * DAY)
    since_day = report_json(history, "--since", ten_days_ago)
    assert "What about llamas?" in _unanswered(since_day)
    assert since_day["days"][0]["day"] == ten_days_ago
    assert {d["doc"] for d in since_day["documents"]} >= {"old.txt", "002_38366ab575c2df6f.txt"}
    assert all(d["title"] is None for d in since_day["documents"])  # no index next to the copy
    assert "old.txt" not in {d["doc"] for d in recent["documents"]}


def test_questions_past_retention_are_counted_but_never_shown(history: Path) -> None:
    result = report_json(history)
    assert "Alpacas, anyone?" not in json.dumps(result)
    forty = [d for d in result["days"] if d["day"] == utc_day(time.time() - 40 * DAY)]
    assert forty[0]["unanswered"] == 1
    longer = report_json(history, DOCBOT_RETENTION_DAYS="60")
    assert "Alpacas, anyone?" in _unanswered(longer)


def test_a_bad_since_is_a_usage_error(asked: Asked) -> None:
    for value in ("yesterday", "0d", "2024-13-01", "2024-5-1"):
        run = report(asked.db, "--since", value)
        assert run.code == 2 and run.out == "" and run.err.count("\n") == 1, value
        assert "--since" in run.err


# --- the state file --------------------------------------------------------------------


def test_no_state_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    run = report(tmp_path / "index.db")
    assert run.code == 1 and run.out == ""
    assert (
        run.err == f"docbot: no bot state yet ({tmp_path / 'index.bot.sqlite'}): run docbot bot\n"
    )


def test_a_damaged_or_older_state_file_is_one_line_and_left_as_it_is(tmp_path: Path) -> None:
    state = state_path(tmp_path / "index.db")
    state.write_bytes(b"not a database at all" * 100)
    run = report(tmp_path / "index.db", "--json")
    assert run.code == 1 and run.out == "" and run.err.count("\n") == 1
    assert "cannot read the bot state file" in run.err
    assert state.read_bytes() == b"not a database at all" * 100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.bot.sqlite"]

    state.unlink()
    with sqlite3.connect(state) as db:
        db.executescript(VERSION_2)
    run = report(tmp_path / "index.db")
    assert run.code == 1 and "from an earlier docbot" in run.err and run.err.count("\n") == 1
    with sqlite3.connect(state) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2  # read only


VERSION_2 = """
CREATE TABLE prefs (user_id INTEGER PRIMARY KEY, lang TEXT);
CREATE TABLE answers (id TEXT PRIMARY KEY, created REAL NOT NULL, chat_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL, question TEXT, lang TEXT, shown INTEGER, passages TEXT);
CREATE TABLE feedback (answer_id TEXT NOT NULL, user_id INTEGER NOT NULL, created REAL NOT NULL,
    vote INTEGER NOT NULL, question TEXT, passages TEXT, PRIMARY KEY (answer_id, user_id));
CREATE TABLE examples (id TEXT PRIMARY KEY, text TEXT NOT NULL, created REAL);
CREATE TABLE inbox (update_id INTEGER PRIMARY KEY, received REAL NOT NULL, status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, payload TEXT);
INSERT INTO answers VALUES ('AAAAAAAAAAAA', 1800000000, 1, 1, 'ROI?', NULL, 3, '[["a", 1]]');
INSERT INTO answers VALUES ('BBBBBBBBBBBB', 1800000000, 1, 1, 'Social?', NULL, 3, '[["b", 1]]');
INSERT INTO feedback VALUES ('AAAAAAAAAAAA', 1, 1800086400, -1, 'ROI?', '[["a", 1]]');
PRAGMA user_version = 2;
"""


def test_a_version_2_file_is_migrated_with_its_counts_and_keeps_its_buttons(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(VERSION_2)
    state = BotState(path, log_questions=True, clock=lambda: 1_800_000_100.0)
    assert state.answer("AAAAAAAAAAAA") is not None  # its buttons still work
    state.close()
    with StateReader(path) as reader:
        assert reader.days() == [
            DayCounts(utc_day(1_800_000_000), 2, 0, 0, 0),
            DayCounts(utc_day(1_800_086_400), 0, 0, 0, 1),
        ]
        assert reader.questions(0) == []  # not known to have been logged: never shown
        assert [v.question for v in reader.votes(0)] == ["ROI?"]


def test_without_question_logging_only_counts_are_stored(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    state = BotState(path, log_questions=False)
    state.record_unanswered(chat_id=1, user_id=1, question="secret plans?", lang=None)
    answer = state.save_answer(
        chat_id=1, user_id=1, question="ROI?", lang=None, shown=1, passages=[["a", 1]]
    )
    state.vote(answer, 1, 1)
    assert state.answer(answer) is not None  # kept for its buttons
    state.close()
    with sqlite3.connect(path) as db:
        assert "secret" not in str(db.execute("SELECT * FROM answers").fetchall())
    with StateReader(path) as reader:
        assert reader.questions(0) == []
        ((_, answered, unanswered, up, down),) = [
            (d.day, d.answered, d.unanswered, d.up, d.down) for d in reader.days()
        ]
        assert (answered, unanswered, up, down) == (1, 1, 1, 0)
        assert [v.question for v in reader.votes(0)] == [None]


def test_a_changed_vote_is_counted_once_on_the_day_it_was_last_cast(tmp_path: Path) -> None:
    clock = [1_800_000_000.0]
    state = BotState(tmp_path / "s.sqlite", log_questions=True, clock=lambda: clock[0])
    answer = state.save_answer(
        chat_id=1, user_id=1, question="ROI?", lang=None, shown=1, passages=[["a", 1]]
    )
    state.vote(answer, 1, 1)
    state.vote(answer, 1, 1)
    clock[0] += DAY
    state.vote(answer, 1, -1)
    state.close()
    with StateReader(tmp_path / "s.sqlite") as reader:
        assert [(d.up, d.down) for d in reader.days()] == [(0, 0), (0, 1)]


def test_prune_keeps_the_daily_counts(tmp_path: Path) -> None:
    clock = [1_800_000_000.0]
    state = BotState(tmp_path / "s.sqlite", log_questions=True, clock=lambda: clock[0])
    state.record_unanswered(chat_id=1, user_id=1, question="llamas?", lang=None)
    clock[0] += 31 * DAY
    assert state.prune()["answers"] == 1
    state.close()
    with StateReader(tmp_path / "s.sqlite") as reader:
        assert reader.questions(0) == []
        assert [d.unanswered for d in reader.days()] == [1]


# --- grouping and formatting ---------------------------------------------------------------


def logged(text: str, answered: bool = False, asked: float = 0.0) -> LoggedQuestion:
    return LoggedQuestion("id", asked, text, "private", "en", answered, [])


def test_near_identical_questions_are_grouped_and_others_are_not() -> None:
    assert (
        normalise("  ¿Cómo  MIDO el ROI?! ") == normalise("como mido el roi") == "como mido el roi"
    )
    groups = group_questions(
        [
            logged("How do I reset my password?", asked=1),
            logged("how do i reset my password", asked=2),
            logged("How do I reset password?", asked=3),  # 5 of 6 words: similar
            logged("How do I reset my password?", asked=4),
            logged("How do I change my e-mail address?", asked=5),
            logged("Password?", asked=6),
        ]
    )
    assert [(g.question, g.count) for g in groups] == [
        ("How do I reset my password?", 4),
        ("Password?", 1),
        ("How do I change my e-mail address?", 1),
    ]
    assert groups[0].variants == (
        "How do I reset my password?",
        "How do I reset password?",
        "how do i reset my password",
    )
    assert groups[0].last == 4
    assert group_questions([]) == []


def test_since_accepts_a_day_or_a_number_of_days() -> None:
    today = dt.date(2024, 5, 10)
    assert parse_since("2024-05-01", today) == dt.date(2024, 5, 1)
    assert parse_since(" 30d ", today) == dt.date(2024, 4, 11)
    for bad in ("0d", "-1d", "d", "2024-02-30", "20240501", "last week"):
        with pytest.raises(SinceError):
            parse_since(bad, today)


def test_quiet_days_are_filled_in() -> None:
    days = [DayCounts("2024-05-01", 1, 2, 0, 0), DayCounts("2024-05-04", 0, 1, 1, 0)]
    filled = fill_days(days, dt.date(2024, 5, 5))
    assert [d.day for d in filled] == [f"2024-05-0{i}" for i in range(1, 6)]
    assert [d.answered + d.unanswered for d in filled] == [3, 0, 0, 1, 0]
    assert fill_days([], dt.date(2024, 5, 5)) == []


def test_user_text_cannot_reach_the_terminal_or_the_page_as_markup() -> None:
    assert plain("hi\x1b]0;owned\x07 \u202etxt.exe\r\nthere") == "hi ]0;owned txt.exe there"
    assert plain("x" * 300).endswith("…") and len(plain("x" * 300)) == 200
    evil = '"><svg onload=alert(1)> & </td>'
    page = format_html(
        build_report(
            state="<b>state</b>",
            days=[DayCounts("2024-05-01", 0, 1, 0, 0)],
            questions=[logged(evil), logged("<script>alert(1)</script>")],
            votes=[],
            since=None,
            now=dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC).timestamp(),
            retention_days=30,
            titles={"<doc>": "<title>"},
        )
    )
    assert evil not in page and "&quot;&gt;&lt;svg onload=alert(1)&gt; &amp; &lt;/td&gt;" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;state&lt;/b&gt;" in page
    check = PageCheck()
    check.feed(page)
    assert check.problems == [] and check.count("svg") == 1 and check.count("g", "day") == 1
    assert check.count("script") == 0 and "<script>alert(1)</script>" in "".join(check.text)
    mixed = group_questions([logged("ROI?", True, asked=1), logged("roi", False, asked=2)])
    assert mixed == [Group("roi", 2, ("roi", "ROI?"), 1, 2.0)]
