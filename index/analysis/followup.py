"""Follow-up questions: a short question that leans on the one before it.

In a conversation people ask "How do I measure ROI for social media?" and then
"and for networking?", "und wie misst man das?", "¿y en networking?" or "more
about that".  Alone, the second question finds nothing useful; with the first
one it is clear.  ``follow_up`` decides, with pure rules per language (English,
German, Spanish), whether a question leans on the previous one, and builds the
question to search:

- **a new topic** ("and for networking?", "und bei Social Media?", "¿y las
  relaciones en networking?"): the previous question with that part swapped,
  "How do I measure ROI for networking?".  The part swapped is found by a word
  both share ("social networking" for "social media"), else by the same
  preposition ("for …", "bei …", "en …"), else it is the previous question's
  last run of content words;
- **a pronoun or a new angle** ("is it worth it?", "und was passiert, wenn das
  rauskommt?", "¿y cuándo?"): the follow-up with the previous question's
  content words after it;
- **nothing new** ("more about that", "und?"): the previous question.

A question leans on the previous one when it is short (at most 6 words) and
starts with a connective ("and", "what about", "und", "¿y", "more about", …)
with at most 3 content words of its own, or when it is at most 8 words long,
refers back with a pronoun or a deictic ("it", "that", "das", "dazu", "eso")
and has at most 2 content words.  Anything else stands on its own and is
returned unchanged, and so is every question when there is no previous one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..languages import FollowUpCues, all_languages, get, stopwords_for
from .analyzer import fold_accents, stem

MAX_CONNECTIVE_WORDS = 6  # "and for social networking?"
MAX_DEICTIC_WORDS = 8  # "what could happen if I do it anyway?"
MAX_CONNECTIVE_CONTENT = 3
MAX_DEICTIC_CONTENT = 2


@functools.cache
def _langs() -> tuple[str, ...]:
    """The languages with follow-up cues, English first (ties go to it)."""
    return tuple(lang.code for lang in all_languages() if lang.followup.connectives)


def _cues(lang: str) -> FollowUpCues:
    language = get(lang)
    return language.followup if language else FollowUpCues()


_TOKEN = re.compile(r"[^\W\d_][^\W_]*(?:[-‐'’][^\W_]+)*|\d+(?:[.,]\d+)*")
_CLITIC = re.compile(r"['’]")
_JOINER = re.compile(r"[\s\-‐]*")  # what may separate two words of one run


@dataclass(frozen=True)
class FollowUp:
    """What to search for a question asked after ``previous``.

    ``question`` is the question unchanged when it stands on its own
    (``leans_on`` is then ``None``); otherwise it is the question built from
    both, and ``leans_on`` is the previous question.  ``how`` is
    ``"standalone"``, ``"swapped"`` (a new topic in the previous question),
    ``"combined"`` (the follow-up with the previous question's content words)
    or ``"repeated"`` (the previous question: nothing new was asked).
    """

    question: str
    leans_on: str | None = None
    how: str = "standalone"

    @property
    def follows(self) -> bool:
        return self.leans_on is not None


@dataclass(frozen=True)
class _Token:
    text: str  # as written
    word: str  # case-folded
    start: int
    end: int


def _tokens(text: str) -> list[_Token]:
    """Words with their places; a clitic is dropped from the compared form
    ("what's" is "what", "it's" is "it")."""
    return [
        _Token(m.group(), _CLITIC.split(m.group().casefold())[0], m.start(), m.end())
        for m in _TOKEN.finditer(text)
    ]


def _known(word: str, words: frozenset[str]) -> bool:
    return word in words or fold_accents(word) in {fold_accents(w) for w in words}


def guess_language(question: str, previous: str = "") -> str:
    """The conversation's language among English, German and Spanish, by
    function words (the follow-up's own count double).

    >>> guess_language("und bei Social Media?", "Ist die Kapitalrendite leicht zu messen?")
    'de'
    >>> guess_language("¿y en networking?"), guess_language("and for networking?")
    ('es', 'en')
    """
    langs = _langs()
    scores = dict.fromkeys(langs, 0)
    for text, weight in ((question, 2), (previous, 1)):
        for token in _tokens(text):
            for lang in langs:
                if token.word in stopwords_for(lang) or token.word in _cues(lang).deictics:
                    scores[lang] += weight
    for lang in langs:  # "¿", "¡": only Spanish opens a question with a mark
        if any(mark in question for mark in _cues(lang).opening_marks):
            scores[lang] += 3
    return max(langs, key=lambda lang: (scores[lang], -langs.index(lang)))


def _connective(tokens: Sequence[_Token], lang: str) -> int:
    """How many of the first tokens are a connective (0: none)."""
    for phrase in _cues(lang).connectives:
        parts = phrase.split()
        if len(parts) <= len(tokens) and [t.word for t in tokens[: len(parts)]] == parts:
            return len(parts)
    return 0


def _is_content(word: str, lang: str) -> bool:
    return not (
        word in stopwords_for(lang)
        or _known(word, _cues(lang).deictics)
        or _known(word, _cues(lang).fillers)
        or word in {p for phrase in _cues(lang).connectives for p in phrase.split()}
    )


def _runs(text: str, tokens: Sequence[_Token], lang: str) -> list[list[int]]:
    """Maximal runs of consecutive content words (indexes into ``tokens``),
    broken by function words and punctuation."""
    runs: list[list[int]] = []
    for i, token in enumerate(tokens):
        if not _is_content(token.word, lang):
            continue
        joined = i > 0 and bool(runs) and runs[-1][-1] == i - 1
        if joined and _JOINER.fullmatch(text[tokens[i - 1].end : token.start]):
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _same(a: str, b: str, lang: str) -> bool:
    return a == b or stem(a, lang) == stem(b, lang)


@dataclass(frozen=True)
class _Segment:
    link: str | None  # the linking word before the topic words ("for"), if any
    words: list[_Token]


def _segments(rest: Sequence[_Token], lang: str) -> list[_Segment] | None:
    """The new topic as segments (a linking word, then content words), or
    ``None`` when the follow-up holds more than links and content words (a
    question word, a verb form, a pronoun: a new angle, not a new topic)."""
    segments: list[_Segment] = []
    link: str | None = None
    after_content = False
    for token in rest:
        if token.word in _cues(lang).links:
            link = link or token.word  # "en el …": the preposition, not the article
            after_content = False
        elif not _is_content(token.word, lang):
            return None
        elif after_content:
            segments[-1].words.append(token)
        else:
            segments.append(_Segment(link, [token]))
            link, after_content = None, True
    return segments


def _window(run: Sequence[int], start: int, size: int) -> tuple[int, int]:
    """Token indexes [a, b] of ``size`` words of ``run`` from its ``start``-th."""
    start = max(0, min(start, len(run) - 1))
    end = min(len(run), start + size)
    return run[start], run[end - 1]


def _place(
    segment: _Segment, tokens: Sequence[_Token], runs: Sequence[list[int]], lang: str
) -> tuple[int, int] | None:
    """Where in the previous question a topic segment goes: (first, last token)."""
    size = len(segment.words)
    # 1. a word both share: the segment lies over it ("social media" -> "social networking")
    for i, word in enumerate(segment.words):
        for run in runs:
            for pos, index in enumerate(run):
                if _same(word.word, tokens[index].word, lang):
                    return _window(run, pos - i, size)
    # 2. the same linking word: what follows it ("for networking" -> "for social media")
    if segment.link is not None:
        for run in runs:
            before = run[0] - 1
            if before >= 0 and tokens[before].word == segment.link:
                return _window(run, 0, size + 1)
    # 3. the last run of content words (its first words: a term is often two)
    if runs:
        return _window(runs[-1], 0, size + 1)
    return None


def _swap(
    previous: str, prev_tokens: Sequence[_Token], segments: Sequence[_Segment], lang: str
) -> str | None:
    runs = _runs(previous, prev_tokens, lang)
    spans: list[tuple[int, int, str]] = []
    for segment in segments:
        place = _place(segment, prev_tokens, runs, lang)
        if place is None:
            return None
        first, last = place
        start, end = prev_tokens[first].start, prev_tokens[last].end
        if any(start < e and s < end for s, e, _ in spans):
            return None  # two topics for one place: not a simple swap
        words = segment.words
        spans.append((start, end, " ".join(w.text for w in words)))
    text = previous
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _content_words(text: str, lang: str) -> list[str]:
    return [t.text for t in _tokens(text) if _is_content(t.word, lang)]


def leans_on_previous(question: str, lang: str) -> bool:
    """Whether ``question`` reads as a follow-up (it needs a question before it).

    >>> leans_on_previous("and for social media?", "en"), leans_on_previous("is it worth it?", "en")
    (True, True)
    >>> leans_on_previous("Can I automate individual conversations?", "en")
    False
    """
    tokens = _tokens(question)
    if not tokens or len(tokens) > MAX_DEICTIC_WORDS:
        return False
    lead = _connective(tokens, lang)
    content = [t for t in tokens if _is_content(t.word, lang)]
    if lead and len(tokens) <= MAX_CONNECTIVE_WORDS and len(content) <= MAX_CONNECTIVE_CONTENT:
        return True
    deictic = any(t.word in _cues(lang).deictics for t in tokens[lead:])
    return deictic and len(content) <= MAX_DEICTIC_CONTENT


def follow_up(question: str, previous: str | None, lang: str | None = None) -> FollowUp:
    """The question to search for ``question`` asked right after ``previous``.

    ``lang`` (en, de, es; a tag such as ``de-AT`` works) is the conversation's
    language when known; otherwise it is guessed from both questions.

    >>> follow_up("and for social networking?", "How do I measure ROI for social media?").question
    'How do I measure ROI for social networking?'
    >>> follow_up("¿y en networking?", "¿Qué formatos recomiendan para social media?").question
    '¿Qué formatos recomiendan para networking?'
    >>> follow_up("und wie misst man das?", "Was ist die Kapitalrendite?").question
    'und wie misst man das? Kapitalrendite'
    >>> follow_up("more about that", "What is social networking?").question
    'What is social networking?'
    >>> follow_up("Who painted the Mona Lisa?", "What is social networking?")
    FollowUp(question='Who painted the Mona Lisa?', leans_on=None, how='standalone')
    """
    alone = FollowUp(question)
    if not previous or not previous.strip():
        return alone
    code = (lang or "").split("-")[0].lower()
    code = code if code in _langs() else guess_language(question, previous)
    if not leans_on_previous(question, code):
        return alone
    tokens = _tokens(question)
    rest = tokens[_connective(tokens, code) :]
    if not any(_is_content(t.word, code) for t in rest) and all(
        _is_content(t.word, code)
        or t.word in _cues(code).deictics
        or _known(t.word, _cues(code).fillers)
        or t.word in _cues(code).links
        for t in rest
    ):
        return FollowUp(previous, previous, "repeated")
    segments = _segments(rest, code)
    if segments:
        swapped = _swap(previous, _tokens(previous), segments, code)
        if swapped is not None:
            return FollowUp(swapped, previous, "swapped")
    context = " ".join(_content_words(previous, code))
    if not context:
        return alone
    return FollowUp(f"{question.strip()} {context}", previous, "combined")
