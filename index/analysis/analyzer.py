"""Text analysis: words in, index terms out, one pure function per step.

``tokenize(text, lang)`` is the whole pipeline: Unicode words (hyphenated
words give their parts and the joined word, apostrophe clitics are dropped,
numbers and percentages are kept), case folding, stopwords, Snowball stemming
(PyStemmer) and accent folding.  German compounds are split by a
``decompound`` callable passed in by the caller, so that this module does no
I/O and keeps no state of its own.  A language without a Snowball stemmer gets
the language-neutral path: folding only.

``analyze_spans`` is the same pipeline keeping where each term came from, so
that quotes can mark the matched words.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator
from itertools import chain
from operator import itemgetter
from typing import cast

import Stemmer

from ..languages import all_languages, stemmer_name, stopwords_for
from .keys import term_key

Decompounder = Callable[[str], list[str]]

# A word: letters/digits joined by hyphens or apostrophes ("Video-Sharing",
# "networking's"), or a number with separators ("1,000", "3.5"), optionally
# followed by a percent sign ("53 %").
_NUMBER = r"\d+(?:[.,]\d+)*"
_PERCENT = r"\s?%"
_WORD_RUN = r"[^\W\d_][^\W_]*(?:[-‐'’][^\W_]+)*"
_WORD = re.compile(rf"(?P<num>{_NUMBER})(?P<pct>{_PERCENT})?|(?P<word>{_WORD_RUN})")
# The same tokens as whole strings (no groups): the key of the analyser's cache.
_TOKEN = re.compile(rf"{_NUMBER}(?:{_PERCENT})?|{_WORD_RUN}")
_STEMS, _FORMS = itemgetter(0), itemgetter(1)
_APOSTROPHE = re.compile(r"['’]")
_HYPHEN = re.compile(r"[-‐]")
# Words that mean "%" in any language ("percent", "Prozent"): one token.
_PERCENT_WORDS = frozenset().union(*(language.percent_words for language in all_languages()))
_MIN_COMPOUND = 8
# Combining marks (NFKD leaves accents as these): one regex pass instead of a
# Python loop over characters.
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def has_stemmer(lang: str) -> bool:
    """Whether a Snowball stemmer exists for the primary subtag ``lang``."""
    return stemmer_name(lang) is not None


@functools.cache
def _stemmer(lang: str) -> Stemmer._Stemmer | None:
    name = stemmer_name(lang)
    return Stemmer.Stemmer(name) if name else None


@functools.cache
def _folded_stopwords(lang: str) -> frozenset[str]:
    words = stopwords_for(lang)
    return words | frozenset(fold_accents(w) for w in words)


def fold_accents(word: str) -> str:
    """Strip combining marks: "comunicación" -> "comunicacion".

    >>> fold_accents("Käsekuchen größer")
    'Kasekuchen grosser'
    """
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return _COMBINING.sub("", decomposed).replace("ß", "ss")


def is_stopword(word: str, lang: str) -> bool:
    """``word`` is case-folded already."""
    return word in _folded_stopwords(lang)


def stem(word: str, lang: str) -> str:
    """Stem one case-folded word and fold its accents.

    >>> stem("networking", "en"), stem("Netzwerken".casefold(), "de")
    ('network', 'netzwerk')
    >>> stem("comunicación", "es"), stem("comunicacion", "es")
    ('comun', 'comun')
    """
    stemmer = _stemmer(lang)
    stemmed = stemmer.stemWord(word) if stemmer else word
    return fold_accents(stemmed).casefold()


def _pieces(word: str) -> list[str]:
    """Apostrophe clitics dropped: "networking's" -> ["networking"]."""
    parts = _APOSTROPHE.split(word)
    kept = [parts[0]] + [p for p in parts[1:] if len(p) > 2]
    return [p for p in kept if p]


def _terms_of_word(word: str, lang: str, decompound: Decompounder | None) -> list[str]:
    """Index terms for one word: stem, hyphen parts plus joined form, compound parts.

    >>> _terms_of_word("Video-Sharing", "en", None), _terms_of_word("peut-on", "fr", None)
    (['videoshar', 'video', 'share'], [])
    """
    folded = word.casefold()
    if folded in _PERCENT_WORDS:
        return ["%"]
    terms: list[str] = []
    for piece in _pieces(folded):
        parts = [p for p in _HYPHEN.split(piece) if p]
        if len(parts) > 1 and not all(is_stopword(p, lang) for p in parts):
            terms.append(stem("".join(parts), lang))  # not "est-il", "peut-on": no topic
        for part in parts:
            if is_stopword(part, lang):
                continue
            terms.append(stem(part, lang))
            if decompound is not None and len(part) >= _MIN_COMPOUND:
                terms.extend(stem(p.casefold(), lang) for p in decompound(part))
    return terms


def analyze_spans(
    text: str, lang: str, decompound: Decompounder | None = None
) -> Iterator[tuple[str, int, int]]:
    """Yield ``(term, start, end)`` for every index term and its source span.

    >>> [t for t, _, _ in analyze_spans("Video-Sharing in 2011: 53 %", "de")]
    ['videosharing', 'video', 'sharing', '2011', '53', '%']
    """
    for match in _WORD.finditer(text):
        start, end = match.span()
        if match.group("num") is not None:
            yield match.group("num").replace(",", "."), start, match.end("num")
            if match.group("pct"):
                yield "%", start, end
            continue
        for term in _terms_of_word(match.group("word"), lang, decompound):
            if term:
                yield term, start, end


def tokenize(text: str, lang: str, decompound: Decompounder | None = None) -> list[str]:
    """Analyze ``text`` as language ``lang`` (a primary subtag) into index terms.

    >>> tokenize("How do I measure the ROI of networking's efforts?", "en")
    ['measur', 'roi', 'network', 'effort']
    >>> tokenize("¿Cómo se predice un resultado positivo?", "es")
    ['predic', 'result', 'posit']
    >>> tokenize("Ünïcödé WORDS", "xx")
    ['unicode', 'words']
    """
    return [term for term, _, _ in analyze_spans(text, lang, decompound)]


def words(text: str) -> list[str]:
    """The raw words and numbers of ``text``, case-folded.

    >>> words("Was ist Social-Networking? 53 % in 2011")
    ['was', 'ist', 'social', 'networking', '53', '%', 'in', '2011']
    """
    out: list[str] = []
    for match in _WORD.finditer(text):
        word = match.group("word")
        if word:
            out.extend(p for piece in _pieces(word.casefold()) for p in _HYPHEN.split(piece) if p)
        else:
            out.append(match.group("num").replace(",", "."))
            if match.group("pct"):
                out.append("%")
    return out


def surface_forms(text: str, lang: str) -> list[str]:
    """Unstemmed, accent-folded words that are not stopwords: exact-form evidence.

    >>> surface_forms("Warum ist der Dialog persönlicher?", "de")
    ['dialog', 'personlicher']
    >>> surface_forms("53 Prozent", "de")
    ['53', '%']
    """
    forms = []
    for word in words(text):
        if word in _PERCENT_WORDS:
            forms.append("%")
        elif not is_stopword(word, lang):
            forms.append(fold_accents(word))
    return forms


KeyEntry = tuple[tuple[int, ...], tuple[int, ...]]


class Analyzer:
    """One language's analysis in one pass per text, each distinct word analysed once.

    ``tokenize`` and ``surface_forms`` analyse a text from scratch; an index
    build sees the same words again and again, so it keeps one ``Analyzer``
    per language, whose cache maps a word to its terms and surface forms.  The
    cache is the only state, and it changes no result.

    >>> terms, forms = Analyzer("en").analyze("Networking's ROI: 53 % of marketers measure it.")
    >>> terms
    ['network', 'roi', '53', '%', 'market', 'measur']
    >>> forms
    ['networking', 'roi', '53', '%', 'marketers', 'measure']
    """

    def __init__(self, lang: str, decompound: Decompounder | None = None) -> None:
        self.lang = lang
        self.decompound = decompound
        self._words: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        self._keys: dict[str, KeyEntry] = {}
        self.new_stems: dict[int, str] = {}  # stems met since the caller last took them

    def _key_entry(self, number: str, percent: str, word: str) -> KeyEntry:
        if word:
            terms, forms = self._word(word)
        else:
            value = number.replace(",", ".")
            terms = forms = (value, "%") if percent else (value,)
        stem_keys = tuple(term_key(t) for t in terms)
        for key, term in zip(stem_keys, terms, strict=True):
            self.new_stems[key] = term
        return stem_keys, tuple(term_key(f) for f in forms)

    def _remember(self, token: str) -> KeyEntry:
        match = _WORD.fullmatch(token)
        if match is None:  # pragma: no cover - _TOKEN and _WORD match the same strings
            raise ValueError(token)
        number, percent, word = match.group("num", "pct", "word")
        entry = self._key_entry(number or "", percent or "", word or "")
        self._keys[token] = entry
        return entry

    def spans(self, text: str) -> Iterator[tuple[str, int, int]]:
        """``analyze_spans`` with this analyser's word cache (what quotes use)."""
        for match in _WORD.finditer(text):
            start, end = match.span()
            number = match.group("num")
            if number is not None:
                yield number.replace(",", "."), start, match.end("num")
                if match.group("pct"):
                    yield "%", start, end
                continue
            for term in self._word(match.group("word"))[0]:
                yield term, start, end

    def analyze_keys(self, text: str) -> tuple[list[int], list[int]]:
        """``analyze`` as term keys (``keys.term_key``): what an index stores.

        >>> a = Analyzer("en")
        >>> a.analyze_keys("ROI") == ([term_key("roi")], [term_key("roi")])
        True
        """
        tokens = _TOKEN.findall(text)
        found = list(map(self._keys.get, tokens))
        if None in found:  # words this analyser has not met yet
            remember = self._remember
            found = [e or remember(t) for e, t in zip(found, tokens, strict=True)]
        entries = cast(list[KeyEntry], found)
        stems = list(chain.from_iterable(map(_STEMS, entries)))
        forms = list(chain.from_iterable(map(_FORMS, entries)))
        return stems, forms

    def _word(self, word: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        cached = self._words.get(word)
        if cached is None:
            terms = tuple(t for t in _terms_of_word(word, self.lang, self.decompound) if t)
            folded = word.casefold()
            parts = [p for piece in _pieces(folded) for p in _HYPHEN.split(piece) if p]
            forms = tuple(
                "%" if p in _PERCENT_WORDS else fold_accents(p)
                for p in parts
                if p in _PERCENT_WORDS or not is_stopword(p, self.lang)
            )
            cached = self._words[word] = (terms, forms)
        return cached

    def analyze(self, text: str) -> tuple[list[str], list[str]]:
        """``(terms, surface forms)`` of ``text``: ``tokenize`` and
        ``surface_forms`` in one pass."""
        terms: list[str] = []
        forms: list[str] = []
        for match in _WORD.finditer(text):
            number = match.group("num")
            if number is not None:
                value = number.replace(",", ".")
                terms.append(value)
                forms.append(value)
                if match.group("pct"):
                    terms.append("%")
                    forms.append("%")
                continue
            word_terms, word_forms = self._word(match.group("word"))
            terms.extend(word_terms)
            forms.extend(word_forms)
        return terms, forms
