"""The interactive session: its commands, and the real prompt on a terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from docbot.bot.cli.interactive import Session, _history
from docbot.index import Searcher

from .botapi import clean_env
from .conftest import CORPUS, ROOT


def test_session_commands(searcher: Searcher) -> None:
    session = Session(searcher, None, top=1, color=False)
    first = session.handle("Social Networking Kommunikation")
    assert first and first.startswith("[1]")
    assert first.rstrip().endswith("more: :more)")  # the session's own way to see them
    more = session.handle(":more")
    assert more and more.startswith("[2]")
    assert session.handle(":lang de") == "Language: German."
    assert "German" in (session.handle("Social Media") or "")
    assert "Unknown or unsupported language" in (session.handle(":lang xx") or "")
    assert session.handle(":lang auto") == "Language: detected from each question."
    assert session.handle(":lang AUTO") == "Language: detected from each question."
    assert "LANGUAGE" in (session.handle(":sources") or "")
    assert ":more" in (session.handle(":help") or "")
    unknown = session.handle(":foo") or ""
    assert unknown.startswith("Unknown command :foo.") and ":more" in unknown
    assert "Nothing in the corpus answers this" in (session.handle("capital of Australia") or "")
    assert session.handle("") == ""
    assert session.handle(":quit") is None


def test_interactive_prompt_on_a_terminal(seed_db: Path, tmp_path: Path) -> None:
    master, slave = pty.openpty()
    env = clean_env(XDG_STATE_HOME=str(tmp_path), TERM="xterm", NO_COLOR="1")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "docbot.bot.cli.commands",
            "ask",
            "--corpus",
            str(CORPUS),
            "--db",
            str(seed_db),
        ],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=env,
    )
    os.close(slave)
    screen = b""

    def read_until(text: bytes, timeout: float = 30) -> None:
        nonlocal screen
        deadline = time.monotonic() + timeout
        while text not in screen and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    screen += os.read(master, 4096)
                except OSError:
                    break
        assert text in screen, screen[-2000:]

    try:
        read_until(b"documents")
        os.write(master, b"How do I measure ROI for networking?\r")
        read_until(b"Investment")  # of "3. Return on Investment", wrapped to the terminal
        os.write(master, b":quit\r")
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    assert process.returncode == 0
    history = (tmp_path / "docbot" / "history").read_text()
    assert "How do I measure ROI for networking?" in history


def test_no_history_when_its_folder_cannot_be_created(tmp_path: Path) -> None:
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    blocker = tmp_path / "state"
    blocker.write_text("a file where the history folder should be")
    history, problem = _history(blocker / "docbot" / "history")
    assert isinstance(history, InMemoryHistory)
    assert problem and problem.startswith("History is off this session: cannot write")
    history, problem = _history(tmp_path / "ok" / "docbot" / "history")
    assert isinstance(history, FileHistory) and problem is None


def test_long_answers_wrap_to_the_sessions_width(searcher: Searcher) -> None:
    session = Session(searcher, None, top=2, color=True, width=50)
    output = session.handle("Which microblogs are mentioned?") or ""
    visible = [re.sub(r"\033\[\d+m", "", line) for line in output.splitlines()]
    assert len(visible) > 3 and all(len(line) <= 50 for line in visible), visible
    assert "\033[1m" in output


def test_session_in_keeps_the_passages_of_one_language(searcher: Searcher) -> None:
    session = Session(searcher, None, top=3, color=False)
    assert session.handle(":in es") == "Passages: in Spanish only."
    answer = session.handle("How do I measure ROI for networking?") or ""
    assert answer.startswith("[1]") and "German" not in answer and "English ·" not in answer
    assert session.handle(":in all") == "Passages: in every language."


def test_a_question_that_reads_as_another_language_than_the_one_set_says_so(
    searcher: Searcher,
) -> None:
    """As ``ask --lang`` does: the session's :lang is the questions' language,
    and a question plainly in another is told apart from an empty answer."""
    session = Session(searcher, None, top=3, color=False)
    session.handle(":lang de")
    told = session.handle("How do I measure ROI for networking?") or ""
    assert told.startswith("Note: the question reads as English, and :lang de says")
    assert ":in de" in told
    session.handle(":in es")
    both = session.handle("How do I measure ROI for networking?") or ""
    assert ":in es where to search" in both
    session.handle(":lang auto")
    assert not (session.handle("How do I measure ROI for networking?") or "").startswith("Note")
