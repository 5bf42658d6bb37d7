"""The record a language module fills in: what docbot knows of one language.

Everything here is data; the code that uses it (analysis, detection,
follow-ups, question rules, cleaning, the semantic layer's reference
sentences) reads it through the registry and never names a language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FollowUpCues:
    """The words that make a short question lean on the one before it.

    ``connectives`` open a follow-up ("and what about", "und", "¿y"); when two
    share a start, the longer comes first.  ``deictics`` point back at the
    previous topic ("it", "das", "eso"); ``links`` join a new topic into the
    sentence ("for", "bei", "en"); ``fillers`` are neither topic nor function
    words ("tell", "more", "bitte"); ``opening_marks`` open a question or an
    exclamation in this language alone ("¿", "¡").
    """

    connectives: tuple[str, ...] = ()
    deictics: frozenset[str] = frozenset()
    links: frozenset[str] = frozenset()
    fillers: frozenset[str] = frozenset()
    opening_marks: str = ""


@dataclass(frozen=True)
class Boilerplate:
    """Web page chrome and bylines in one language (case-insensitive regex pieces).

    ``tail_openers``: a whole line that opens a comment, share or navigation
    block at a page's end ("leave a reply"); ``widget_lines``: a whole short
    line that is page chrome anywhere ("tags: …").  ``months`` and
    ``weekdays`` read dates ("Monday, 13 April 2015"); ``published``, ``on``
    and ``by`` read bylines ("Posted on … by …"); ``author`` labels an author
    line ("Autor: …").
    """

    tail_openers: tuple[str, ...] = ()
    widget_lines: tuple[str, ...] = ()
    months: Mapping[str, int] = field(default_factory=dict)
    weekdays: tuple[str, ...] = ()
    published: tuple[str, ...] = ()
    on: tuple[str, ...] = ()
    by: tuple[str, ...] = ()
    author: tuple[str, ...] = ()


@dataclass(frozen=True)
class Language:
    """One language: its analysis, its question patterns and its reference sentences.

    - ``code``: the primary language subtag ("fr");
    - ``stemmer``: the Snowball algorithm's name (PyStemmer), ``None`` for none;
    - ``stopwords``: function words only (articles, pronouns, prepositions,
      auxiliaries, question words), never words people ask about;
    - ``compounds``: whether words join into compounds that are split on the
      index's vocabulary ("Kapitalrendite" -> "kapital" + "rendit");
    - ``capitalises_nouns``: whether every noun is capitalised (German), so a
      capital does not mark a name;
    - ``frame_words``: words that frame a question about a text without naming
      its topic ("mentioned", "laut");
    - ``number_question``: a regex (on the case-folded question) for questions
      that ask for a count, an amount or a price;
    - ``number_words``: number words a passage may answer such questions with;
    - ``percent_words``: words that mean "%" ("percent", "Prozent");
    - ``reference``: the twenty everyday sentences of ``languages.en`` in this
      language, in the same order (the semantic layer's language means);
    - ``followup`` and ``boilerplate``: see their records.
    """

    code: str
    name: str
    stemmer: str | None
    stopwords: frozenset[str]
    followup: FollowUpCues = FollowUpCues()
    boilerplate: Boilerplate = Boilerplate()
    frame_words: frozenset[str] = frozenset()
    number_question: str = ""
    number_words: frozenset[str] = frozenset()
    percent_words: frozenset[str] = frozenset()
    reference: tuple[str, ...] = ()
    compounds: bool = False
    capitalises_nouns: bool = False


def words(text: str) -> frozenset[str]:
    """A word list written as one string, split on white space.

    >>> sorted(words('''the a
    ...     an'''))
    ['a', 'an', 'the']
    """
    return frozenset(text.split())
