"""The bot's state, behind two interfaces: what every front end keeps
(``StateStore``: each user's search language, the answers behind buttons
and the question log, votes, example questions, keeping times) and what a
front end that receives updates keeps to lose none (``UpdateInbox``:
Telegram's updates, written before they are confirmed).

``BotState`` (``sqlite``) implements both in one SQLite file beside the
index; ``StateReader`` reads that file for ``docbot report``.  Another store
(PostgreSQL, say) is one module implementing these protocols, chosen where
the front end opens its state (``telegram.application.run_bot``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from .sqlite import (
    BUTTON_LIFETIME,
    DONE,
    MAX_ATTEMPTS,
    NOTE,
    PENDING,
    REFUSE,
    BotState,
    DayCounts,
    InboxEntry,
    LoggedQuestion,
    LoggedVote,
    StateError,
    StateReader,
    StoredAnswer,
    new_answer_id,
    state_path,
    utc_day,
)

__all__ = [
    "BUTTON_LIFETIME",
    "DONE",
    "MAX_ATTEMPTS",
    "NOTE",
    "PENDING",
    "REFUSE",
    "BotState",
    "DayCounts",
    "InboxEntry",
    "LoggedQuestion",
    "LoggedVote",
    "StateError",
    "StateReader",
    "StateStore",
    "StoredAnswer",
    "UpdateInbox",
    "new_answer_id",
    "state_path",
    "utc_day",
]


class StateStore(Protocol):
    """What a front end keeps between questions (every method is blocking and
    thread-safe: a front end with an event loop calls it from its threads)."""

    warning: str | None  # said once at start-up: e.g. a damaged file was moved aside

    def close(self) -> None: ...

    def language(self, user_id: int) -> str | None:
        """The search language a user chose, ``None`` for automatic."""
        ...

    def set_language(self, user_id: int, lang: str | None) -> None: ...

    @property
    def answer_lifetime(self) -> float:
        """Seconds an answer's buttons keep working."""
        ...

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
        """Store an answer for its buttons (and the question log); its random id."""
        ...

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
        """Count a question nothing answered (with questions logged, keep it)."""
        ...

    def answer(self, answer_id: str) -> StoredAnswer | None:
        """The answer behind a button, unless unknown or past its lifetime."""
        ...

    def add_shown(self, answer_id: str, shown: int, passages: list[list[object]]) -> None:
        """Record that the passages up to ``shown`` have now been shown."""
        ...

    def vote(self, answer_id: str, user_id: int, vote: int) -> None:
        """One vote per user and answer: a second one replaces the first."""
        ...

    def feedback(self) -> list[tuple[str, int, int, str | None, str]]:
        """Every vote: (answer id, user id, vote, question, passages)."""
        ...

    def remember_examples(self, texts: Iterable[str]) -> dict[str, str]:
        """Ids for example questions' buttons, ``{text: id}``."""
        ...

    def example(self, example_id: str) -> str | None: ...

    def days(self, since: str | None = None) -> list[DayCounts]:
        """Questions answered and not, and votes, per UTC day from ``since`` on."""
        ...

    def prune(self) -> dict[str, int]:
        """Delete what is past its keeping time; the counts deleted."""
        ...


class UpdateInbox(Protocol):
    """Updates as received, so a crash or a restart loses none."""

    def inbox_known(self, update_ids: Sequence[int]) -> set[int]:
        """Which of these updates were received before."""
        ...

    def inbox_add(self, entries: Sequence[tuple[int, str, str | None]]) -> set[int]:
        """Store received updates ``(update_id, status, payload)`` durably, at once."""
        ...

    def inbox_started(self, update_id: int) -> int:
        """Count one more attempt at an update; the count."""
        ...

    def inbox_retry_later(self, update_id: int) -> None:
        """The attempt ended because the service was unreachable: it does not count."""
        ...

    def inbox_done(self, update_id: int) -> None:
        """The update is handled: keep only its id (to know it if sent again)."""
        ...

    def inbox_unfinished(self) -> list[InboxEntry]:
        """Updates received but not yet handled, oldest first."""
        ...
