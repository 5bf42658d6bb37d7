"""A question, cleaned and reduced to the words that carry its topic: pure functions."""

from __future__ import annotations

import re

from ..errors import EmptyQuestion, QuestionTooLong
from ..languages import get
from .analyzer import fold_accents, is_stopword, words

MAX_QUESTION_CHARS = 1000

_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
# Control characters, the replacement character, and lone surrogates: the
# bytes of an argument that is not UTF-8 reach Python as surrogates
# ("\udcff"), which no encoder can encode.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd\ud800-\udfff]")


def clean_question(question: str) -> str:
    """Tags and control characters out, white space collapsed; errors for bad input.

    >>> clean_question("  <b>ROI</b>\\x00 networking?  ")
    'ROI networking?'
    >>> clean_question("ROI \\udcff\\udcfe networking")
    'ROI networking'
    """
    text = _HTML_TAG.sub(" ", question)
    text = _CONTROL.sub(" ", text)
    text = " ".join(text.split())
    if not any(ch.isalnum() for ch in text):
        raise EmptyQuestion()
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionTooLong(len(text), MAX_QUESTION_CHARS)
    return text


# Languages that capitalise nouns: a capital letter there marks no name.
_CAPITALISED = re.compile(r"(?<![\w'’-])([^\W\d_][\w'’.-]*)")
_SENTENCE_START = re.compile(r"(?:^|[.!?¿¡:;\"“„«(\[])\s*$")


def named_things(question: str, lang: str) -> list[str]:
    """The words of ``question`` that name something: capitalised where a
    sentence does not begin ("How many users does Instagram have?" names
    Instagram).  Empty for languages that capitalise every noun (German), and
    the pronoun "I" is no name.

    >>> named_things("¿Cuántos seguidores tiene Cristiano Ronaldo en Instagram?", "es")
    ['Cristiano', 'Ronaldo', 'Instagram']
    >>> named_things("Can I measure ROI? Ask LinkedIn.", "en")
    ['ROI', 'LinkedIn']
    >>> named_things("Was ist LinkedIn?", "de")
    []
    """
    language = get(lang)
    if language and language.capitalises_nouns:
        return []
    found = []
    for match in _CAPITALISED.finditer(question):
        word = match.group(1).rstrip(".")
        if not word[0].isupper() or _SENTENCE_START.search(question[: match.start()]):
            continue
        if word == "I" or word.startswith(("I'", "I’")):
            continue
        found.append(word)
    return found


def _is_frame_word(word: str, lang: str) -> bool:
    language = get(lang)
    frame = language.frame_words if language else frozenset()
    return word in frame or fold_accents(word) in frame


def question_text_for(question: str, question_lang: str, index_lang: str) -> str:
    """The question's words that carry its topic, for searching ``index_lang``.

    Frame words ("mentioned", "laut") go; in another language's index, the
    question language's function words go too (English "die" is no German
    article).
    """
    kept = []
    for word in words(question):
        if _is_frame_word(word, question_lang):
            continue
        if index_lang != question_lang and is_stopword(word, question_lang):
            continue
        kept.append(word)
    return " ".join(kept)
