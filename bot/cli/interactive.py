"""The interactive ``docbot ask`` session: line editing, history, commands."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from docbot.index import Answer, DocbotError, Searcher

from ..app.conversation import answer_in_context, misread
from . import render

if TYPE_CHECKING:
    from prompt_toolkit.history import History

HELP = """Type a question and press Enter; a short follow-up ("and for social media?")
is asked in the context of the question before it. Commands:
  :more          show the next results for the last question
  :lang TAG      the language you write in (e.g. :lang de), :lang auto to detect
  :in TAG        answer only with passages in a language, :in all for every one
  :sources       list the documents
  :help          this help
  :quit          leave (or Ctrl-D)"""


def history_path() -> Path:
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "docbot" / "history"


class Session:
    """The state of one interactive session; ``handle`` turns a line into output."""

    def __init__(
        self, searcher: Searcher, lang: str | None, top: int, color: bool, width: int = render.WIDTH
    ) -> None:
        self.searcher, self.lang, self.top, self.color = searcher, lang, top, color
        self.width = width
        self.within: str | None = None
        self.last_question: str | None = None
        self.shown = 0

    def handle(self, line: str) -> str | None:
        """The text to print for one input line; ``None`` ends the session."""
        text = line.strip()
        if not text:
            return ""
        if text.startswith(":"):
            return self._command(text[1:].strip())
        self.shown = 0  # a new question starts at its first page
        try:
            reading = answer_in_context(self._ask, text, self.last_question, self.lang)
        except DocbotError as error:
            return str(error)
        self.last_question = reading.followed.question
        output = self._show(reading.answer)
        wrong = misread(self.searcher, text, self.lang)
        if wrong is not None:
            note = render.misread_note(wrong, self._name_of, ":", self.within)
            output = f"{note}\n\n{output}"
        if reading.followed.leans_on is None:
            return output
        return f"↪ following up on: {reading.followed.leans_on}\n\n{output}"

    def _ask(self, question: str) -> Answer:
        return self.searcher.ask(
            question, lang=self.lang, top=self.top, offset=self.shown, within=self.within
        )

    def _name_of(self, tag: str) -> str:
        return self.searcher.language_name(tag, "en")

    def _answer(self) -> str:
        """The next page of the last question's answer (``:more``)."""
        if self.last_question is None:
            return "Ask a question first."
        try:
            return self._show(self._ask(self.last_question))
        except DocbotError as error:
            return str(error)

    def _show(self, answer: Answer) -> str:
        if not answer.hits:
            return "No more results." if self.shown else render.NO_ANSWER
        self.shown += len(answer.hits)
        return render.format_answer(
            answer, self._name_of, self.color, self.width, more_with=":more"
        )

    def _command(self, command: str) -> str | None:
        name, _, arg = command.partition(" ")
        if name in {"q", "quit", "exit"}:
            return None
        actions: dict[str, Callable[[], str]] = {
            "more": self._answer,
            "lang": lambda: self._set_lang(arg.strip()),
            "in": lambda: self._set_within(arg.strip()),
            "sources": lambda: render.format_sources(self.searcher.documents, self._name_of),
        }
        if name in actions:
            return actions[name]()
        if name in {"help", "h", "?"}:
            return HELP
        return f"Unknown command :{name}. {HELP}"

    def _set_lang(self, tag: str) -> str:
        if not tag or tag.casefold() == "auto":
            self.lang = None
            return "Language: detected from each question."
        try:
            self.lang = self.searcher.question_language(tag)
        except DocbotError as error:
            return str(error)
        return f"Language: {self._name_of(self.lang)}."

    def _set_within(self, tag: str) -> str:
        if not tag or tag.casefold() in {"all", "auto"}:
            self.within = None
            return "Passages: in every language."
        try:
            self.within = self.searcher.resolve_language(tag)
        except DocbotError as error:
            return str(error)
        return f"Passages: in {self._name_of(self.within)} only."


def _history(path: Path) -> tuple[History, str | None]:
    """Line history kept in ``path``; in memory only (and why) when that
    file cannot be written, so a read-only home never stops a session."""
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        return InMemoryHistory(), f"History is off this session: cannot write {path} ({reason})."
    return FileHistory(str(path)), None


def run_session(
    searcher: Searcher, lang: str | None, top: int, color: bool, width: int = render.WIDTH
) -> int:
    from prompt_toolkit import PromptSession

    history, problem = _history(history_path())
    prompt: PromptSession[str] = PromptSession(history=history)
    session = Session(searcher, lang, top, color, width)
    languages = ", ".join(searcher.language_name(t) for t in searcher.languages)
    print(f"docbot: {len(searcher.documents)} documents ({languages}). :help for commands.")
    if problem:
        print(problem)
    while True:
        try:
            line = prompt.prompt("? ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            return 0
        output = session.handle(line)
        if output is None:
            return 0
        if output:
            print(output + "\n")
