"""A conversation's turn, for every front end: a question read in the light of
the one before it, searched, and searched again as asked when the context
found nothing.

>>> asked = []
>>> def ask(question: str) -> Answer:
...     asked.append(question)
...     return Answer(question, "en", "detected", ())
>>> turn = answer_in_context(ask, "and for networking?", "How do I measure ROI for social media?")
>>> asked
['How do I measure ROI for networking?', 'and for networking?']
>>> turn.followed.follows, turn.answer.question
(True, 'How do I measure ROI for networking?')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from docbot.index import MAX_QUESTION_CHARS, Answer, FollowUp, Searcher, follow_up


@dataclass(frozen=True)
class Turn:
    """The answer shown, and how its question was read (``followed.leans_on``:
    the previous question it was read with, ``None`` when read as asked)."""

    answer: Answer
    followed: FollowUp


def answer_in_context(
    ask: Callable[[str], Answer],
    question: str,
    previous: str | None,
    lang: str | None = None,
) -> Turn:
    """``question`` asked right after ``previous`` (``None``: the first), in the
    conversation's language ``lang`` when known.

    A follow-up ("and for networking?") is searched with its context; when that
    finds nothing and the question as asked does, the answer as asked is shown,
    so a context never hides an answer.  A built question too long to ask is
    asked as it came.  ``ask`` is the engine (blocking: a front end with an
    event loop runs this whole function in a worker thread).
    """
    built = follow_up(question, previous, lang)
    if len(built.question) > MAX_QUESTION_CHARS:
        built = FollowUp(question)
    answer = ask(built.question)
    if built.follows and not answer.hits:
        alone = ask(question)
        if alone.hits:
            return Turn(alone, FollowUp(question))
    return Turn(answer, built)


@dataclass(frozen=True)
class Misread:
    """A question that reads as one language (``read``) while the user set
    another (``told``) as the language questions are written in: both tags."""

    told: str
    read: str


def misread(searcher: Searcher, question: str, lang: str | None) -> Misread | None:
    """Whether the language the user set for questions (``lang``, one of the
    corpus's) is not the one ``question`` reads as: "How do I measure ROI?"
    with German set; front ends say so, since a question read in the wrong
    language finds little."""
    if not lang or lang.strip().lower() == "auto":
        return None
    told = searcher.question_language(lang)
    read = searcher.guess_language(question, None)
    if read.reason == "detected" and read.tag != told and told in searcher.languages:
        return Misread(told, read.tag)
    return None
