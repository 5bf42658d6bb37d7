"""What kind of answer a question wants, and whether a passage can hold it: pure functions.

A question that asks for a count or a price ("How many users does Instagram
have?", "Was kostet LinkedIn Premium?", "¿Cuántos habitantes tiene España?")
is answered only by a passage with a number in it.  A passage on the same
subject without one ("Facebook is a social network") is near the topic, not
an answer, and quoting it would be noise; the semantic layer alone cannot
tell the two apart.  Numbers are digits or number words ("five", "fünf",
"cinco"); list markers ("1. By Any Definition") are not numbers.

>>> expects_number("How many followers do I need?"), expects_number("How much time does it take?")
(True, False)
>>> holds_number("Der Anteil lag 2011 bei 53 %."), holds_number("1. Social networking is direct.")
(True, False)
"""

from __future__ import annotations

import re

from ..languages import all_languages

# Per language (``Language.number_question``): the question words and nouns
# that ask for a count, an amount or a price; number words case-folded, as the
# text is ("dreißig" folds to "dreissig").
_NUMBER_QUESTION = re.compile(
    "|".join(f"(?:{lang.number_question})" for lang in all_languages() if lang.number_question)
)
_NUMBER_WORDS = {
    lang.code: frozenset(word.casefold() for word in lang.number_words) for lang in all_languages()
}
_ANY_NUMBER_WORD = frozenset().union(*_NUMBER_WORDS.values())
_LIST_MARKER = re.compile(r"^\s*\d{1,2}[.)]\s", re.MULTILINE)
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[^\W\d_]+")


def expects_number(question: str) -> bool:
    """Whether ``question`` asks for a count, an amount or a price (English,
    German or Spanish wording).

    >>> expects_number("Was kostet LinkedIn Premium im Monat?")
    True
    >>> expects_number("¿Por qué cuesta tanto medir el ROI?")
    False
    """
    return _NUMBER_QUESTION.search(question.casefold()) is not None


def holds_number(text: str, lang: str | None = None) -> bool:
    """Whether ``text`` has a number in it: digits (not a list marker at the
    start of a line) or a number word of its language (``lang``; of any
    language when it has no module or is not given).

    >>> holds_number("Las 5 grandes diferencias"), holds_number("cinco diferencias", "es")
    (True, True)
    >>> holds_number("Anspruch auf dreißig Urlaubstage im Jahr", "de")
    True
    >>> holds_number("Das sei allen gesagt", "de"), holds_number("Das sei allen gesagt")
    (False, True)
    """
    text = _LIST_MARKER.sub(" ", text)
    if _DIGIT.search(text):
        return True
    known = _NUMBER_WORDS.get(lang or "", _ANY_NUMBER_WORD)
    return any(word in known for word in _WORD.findall(text.casefold()))
