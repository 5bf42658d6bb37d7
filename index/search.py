"""Answering questions from the index.

For each language index the question is analyzed with that language's
analyzer and scored with BM25 over three fields (``bm25.Bm25Index``: stems,
exact forms, form bigrams).  Two numbers come out for each passage, both
relative to the question's *ideal weight* (the sum of its words' IDFs, words
the index has never seen weighing as much as its rarest):

* **relevance**, the combined BM25 score over that ideal: it orders passages,
  and merges the indexes of an ambiguous question ("Social Media");
* **coverage**, the share of that ideal the passage holds (matched words and
  word pairs, whatever their frequency): it decides the floor (``answers``:
  below it a passage is noise, and a question whose best passage is below it
  gets no passages at all) and the cross-lingual rule: a passage in another
  language than the question's enters only when its coverage beats every
  passage in the question's own language.  Such passages are found through
  shared words (names, numbers, loanwords) and close cognates ("microblogs" ~
  "Mikroblogs"), and are flagged.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import store
from .analysis import analyze_spans, fold_accents, is_stopword, stem, surface_forms, words
from .bm25 import Bm25Index, FloatArray
from .compounds import vocabulary_decompounder
from .errors import EmptyQuestion, QuestionTooLong
from .langs import LanguageGuess, detect_question_language, match_available, primary
from .quoting import choose_quote
from .records import Answer, DocumentInfo, Hit, Passage

K1 = 0.9
B = 0.4
COVERAGE_FLOOR = 0.2  # with at least two query terms matched ...
SINGLE_TERM_FLOOR = 0.5  # ... or this much of the question matched
RARE_MATCH_WEIGHT = 4.0  # ... or words this rare (IDF sum), with ...
RARE_MATCH_FLOOR = 0.15  # ... at least this much of the question
CROSS_LINGUAL_MARGIN = 0.05
FORMS_WEIGHT = 0.3
PAIRS_WEIGHT = 0.3
MAX_QUESTION_CHARS = 1000
CANDIDATES = 50
FUZZY_MIN_SIMILARITY = 0.7
FUZZY_MIN_LENGTH = 5
PREFIX_MIN_LENGTH = 5
PREFIX_MIN_SHARE = 0.75

_DOUBLED = re.compile(r"(.)\1+")
_WORD_TOKEN = re.compile(r"[^\W\d_][^\W_]*")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffd]")

# Words that frame a question about a text without naming its topic.
_FRAME_WORDS = {
    "en": frozenset(
        "mention mentioned mentions say says said tell tells describe described describes "
        "explain explained explains article text author according written wrote writes "
        "list listed named".split()
    ),
    "de": frozenset(
        "erwähnt erwähnen erwähnte genannt nennt nennen sagt sagen gesagt beschreibt "
        "beschrieben erklärt erklären artikel text autor aufgeführt aufgelistet gemäß "
        "zufolge steht".split()
    ),
    "es": frozenset(
        "menciona mencionan mencionado mencionados mencionadas dice dicen dicho describe "
        "describen explica explican artículo texto autor según enumera nombra nombran".split()
    ),
}


def clean_question(question: str) -> str:
    """Tags and control characters out, white space collapsed; errors for bad input.

    >>> clean_question("  <b>ROI</b>\\x00 networking?  ")
    'ROI networking?'
    """
    text = _HTML_TAG.sub(" ", question)
    text = _CONTROL.sub(" ", text)
    text = " ".join(text.split())
    if not any(ch.isalnum() for ch in text):
        raise EmptyQuestion()
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionTooLong(len(text), MAX_QUESTION_CHARS)
    return text


def _is_frame_word(word: str, lang: str) -> bool:
    frame = _FRAME_WORDS.get(lang, frozenset())
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


def cognate_key(term: str) -> str:
    """A spelling key under which cognates across en/de/es often coincide.

    >>> cognate_key("mikroblog"), cognate_key("microblog"), cognate_key("kommunikation")
    ('microblog', 'microblog', 'comunication')
    """
    key = fold_accents(term).casefold()
    for old, new in (("ph", "f"), ("th", "t"), ("k", "c"), ("y", "i"), ("z", "c")):
        key = key.replace(old, new)
    return _DOUBLED.sub(r"\1", key)


def _trigrams(key: str) -> frozenset[str]:
    padded = f"^{key}$"
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def similarity(a: str, b: str) -> float:
    """Dice similarity of the padded character trigrams of two cognate keys.

    >>> similarity("microblog", "microblog"), round(similarity("microblogs", "microbloging"), 2)
    (1.0, 0.73)
    """
    ta, tb = _trigrams(a), _trigrams(b)
    return 2 * len(ta & tb) / (len(ta) + len(tb)) if ta and tb else 0.0


def bigrams(terms: Sequence[str]) -> list[str]:
    """Adjacent word pairs: phrase evidence ("social networking" vs "social media networking").

    >>> bigrams(["social", "networking", "roi"])
    ['social_networking', 'networking_roi']
    """
    return [f"{a}_{b}" for a, b in itertools.pairwise(terms)]


@dataclass(frozen=True)
class Query:
    """A question analyzed for one language index."""

    words: tuple[tuple[str, ...], ...]  # per word: its stem, then its parts if any
    forms: tuple[str, ...]  # surface forms, each once
    pairs: tuple[str, ...]  # bigrams of surface forms


@dataclass(frozen=True)
class Scored:
    passage_id: int
    relevance: float  # combined BM25 score / the query's ideal weight
    coverage: float  # share of the query's weight this passage matches
    matched: int  # distinct query terms matched
    weight: float  # their summed IDF
    lang: str
    terms: dict[str, float]


@dataclass
class LanguageIndex:
    """One language's passages, indexed three ways: stems, exact forms, form bigrams."""

    lang: str
    passage_ids: list[int]
    stems: Bm25Index
    forms: Bm25Index
    pairs: Bm25Index
    decompound: Callable[[str], list[str]] | None = None
    _trigram_map: dict[str, list[str]] | None = field(default=None, repr=False)

    @classmethod
    def build(
        cls, lang: str, ids: list[int], terms: list[list[str]], forms: list[list[str]]
    ) -> LanguageIndex:
        stems = Bm25Index(terms, k1=K1, b=B)
        decompound = None
        if lang == "de":
            vocabulary = frozenset(stems.vocabulary())
            decompound = vocabulary_decompounder(vocabulary, lambda w: stem(w, "de"))
        pairs = Bm25Index([bigrams(f) for f in forms], k1=K1, b=B)
        return cls(lang, ids, stems, Bm25Index(forms, k1=K1, b=B), pairs, decompound)

    def analyze(self, text: str) -> Query:
        groups: dict[tuple[int, int], list[str]] = {}
        for term, start, end in analyze_spans(text, self.lang, self.decompound):
            group = groups.setdefault((start, end), [])
            if term not in group:
                group.append(term)
        unique = {tuple(g): None for g in groups.values()}
        forms = surface_forms(text, self.lang)
        return Query(
            tuple(unique),
            tuple(dict.fromkeys(forms)),
            tuple(dict.fromkeys(bigrams(forms))),
        )

    def similar_terms(self, term: str) -> list[tuple[str, float]]:
        """Vocabulary terms that look like ``term`` (cognates, spelling variants)."""
        if len(term) < FUZZY_MIN_LENGTH:
            return []
        if self._trigram_map is None:
            mapping: dict[str, list[str]] = {}
            for known in self.stems.vocabulary():
                if len(known) >= FUZZY_MIN_LENGTH - 1:
                    for gram in _trigrams(cognate_key(known)):
                        mapping.setdefault(gram, []).append(known)
            self._trigram_map = mapping
        key = cognate_key(term)
        counts: dict[str, int] = {}
        for gram in _trigrams(key):
            for known in self._trigram_map.get(gram, ()):
                counts[known] = counts.get(known, 0) + 1
        scored = [(k, similarity(key, cognate_key(k))) for k, c in counts.items() if c >= 3]
        good = sorted((s for s in scored if s[1] >= FUZZY_MIN_SIMILARITY), key=lambda s: -s[1])
        return good[:2]

    def stem_relatives(self, term: str) -> list[tuple[str, float]]:
        """Known stems that are a long prefix of ``term`` (derivations the
        stemmer leaves apart: "automatiz" ~ "automat"), weighed by how much of
        ``term`` they cover."""
        best: list[tuple[str, float]] = []
        for cut in range(len(term) - 1, PREFIX_MIN_LENGTH - 1, -1):
            share = cut / len(term)
            if share < PREFIX_MIN_SHARE:
                break
            if self.stems.knows(term[:cut]):
                best.append((term[:cut], share))
                break
        return best

    def term_weights(self, query: Query, fuzzy: bool) -> tuple[dict[str, float], float]:
        """Weight of each matchable stem, and the query's ideal (total) weight.

        Each word of the question has one slot in the ideal.  A word the index
        knows whole ("Facebook", "Internetnutzer") is matched whole; otherwise
        its parts share its slot ("Musikplattformen" -> "musik", "plattform").
        A word matched by nothing weighs ``unseen_idf``.  In another language's
        index (``fuzzy``) its closest cognates stand in, weighed by their
        similarity; in its own, a known stem that is most of it does.
        """
        weights: dict[str, float] = {}
        ideal = 0.0
        for group in query.words:
            whole, parts = group[0], group[1:]
            if self.stems.knows(whole):
                choice: tuple[str, ...] = (whole,)
            else:
                choice = tuple(p for p in parts if self.stems.knows(p))
            if choice:
                for term in choice:
                    weight = self.stems.term_idf(term) / len(choice)
                    weights[term] = weights.get(term, 0.0) + weight
                    ideal += weight
                continue
            similar = self.similar_terms(whole) if fuzzy else self.stem_relatives(whole)
            if not similar:
                ideal += self.stems.unseen_idf()
                continue
            ideal += self.stems.term_idf(similar[0][0])
            for other, sim in similar:
                weights[other] = max(weights.get(other, 0.0), self.stems.term_idf(other) * sim)
        return weights, ideal

    def score(self, query: Query, fuzzy: bool) -> list[Scored]:
        """The best passages for ``query`` with their relevance and coverage.

        Relevance adds BM25 over exact forms and over form bigrams (phrase
        evidence) to BM25 over stems.  Coverage credits matched bigrams too,
        so a passage holding "video sharing" covers more of "video sharing
        sites" than one holding "share" and "sites" apart.
        """
        weights, ideal = self.term_weights(query, fuzzy)
        if not weights or ideal <= 0:
            return []
        pair_weights = {p: self.pairs.term_idf(p) for p in query.pairs if self.pairs.knows(p)}
        pair_ideal = sum(self.pairs.term_idf(p) for p in query.pairs)
        total = self.stems.score_terms(weights)
        total += FORMS_WEIGHT * self.forms.score_terms(
            {f: self.forms.term_idf(f) for f in query.forms if self.forms.knows(f)}
        )
        total += PAIRS_WEIGHT * self.pairs.score_terms(pair_weights)
        stem_weight = self.stems.coverage(weights)
        covered = stem_weight + PAIRS_WEIGHT * self.pairs.coverage(pair_weights)
        full = ideal + PAIRS_WEIGHT * pair_ideal
        matched = self.stems.coverage(dict.fromkeys(weights, 1.0))
        return [
            Scored(
                self.passage_ids[doc],
                value / ideal,
                float(covered[doc]) / full,
                int(matched[doc]),
                float(stem_weight[doc]),
                self.lang,
                weights,
            )
            for doc, value in _top(total, CANDIDATES)
        ]


def answers(scored: Scored) -> bool:
    """The relevance floor: enough of the question is in the passage.

    A passage answers when it holds at least ``SINGLE_TERM_FLOOR`` of the
    question's weight; or at least ``COVERAGE_FLOOR`` of it spread over two or
    more distinct terms; or, in a corpus large enough for words to be rare,
    words rare enough (IDF sum ``RARE_MATCH_WEIGHT``, about one passage in
    80) to be no accident.  Words the corpus has never seen weigh as much as
    its rarest, so "What is the capital of Australia?" matches nothing, while
    a paraphrase that shares two topic words with a passage still finds it.
    """
    if scored.coverage >= SINGLE_TERM_FLOOR:
        return True
    if scored.coverage >= COVERAGE_FLOOR and scored.matched >= 2:
        return True
    return scored.weight >= RARE_MATCH_WEIGHT and scored.coverage >= RARE_MATCH_FLOOR


class Searcher:
    """A loaded index, ready to answer questions.  Cheap to query, built once."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        conn = store.open_reader(db_path)
        try:
            self._load(conn)
        finally:
            conn.close()

    def _load(self, db: sqlite3.Connection) -> None:
        self.generation = store.generation_of(db)
        self.passages: dict[int, Passage] = {}
        by_lang: dict[str, tuple[list[int], list[list[str]], list[list[str]]]] = {}
        self.documents = tuple(
            DocumentInfo(*row)
            for row in db.execute(
                "SELECT path, title, lang, passages, date, author, url FROM documents "
                "ORDER BY lang, path"
            )
        )
        docs = {d.path: d for d in self.documents}
        rows = db.execute(
            "SELECT id, doc, ordinal, section, lang, prim, text, terms, forms, page "
            "FROM passages ORDER BY doc, ordinal"
        )
        for pid, doc, ordinal, section, lang, prim, text, terms, forms, page in rows:
            info = docs[doc]
            self.passages[pid] = Passage(
                doc=doc,
                ordinal=ordinal,
                title=info.title,
                section=section,
                lang=lang,
                text=text,
                url=info.url,
                page=page,
            )
            ids, analyzed, surface = by_lang.setdefault(prim, ([], [], []))
            ids.append(pid)
            analyzed.append(terms.split())
            surface.append(forms.split())
        self.indexes = {
            lang: LanguageIndex.build(lang, *columns) for lang, columns in sorted(by_lang.items())
        }
        self.language_names = {
            (tag, ui): name for tag, ui, name in db.execute("SELECT tag, ui, name FROM lang_names")
        }

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.indexes)

    def language_name(self, tag: str, ui: str = "en") -> str:
        return self.language_names.get((primary(tag), ui)) or tag

    def resolve_language(self, tag: str) -> str:
        """A user's language choice ("German", "de-AT") as one of the index languages."""
        return match_available(tag, self.languages)

    def guess_language(self, question: str, lang: str | None) -> LanguageGuess:
        if lang and lang.strip().lower() != "auto":
            chosen = self.resolve_language(lang)
            others = tuple(c for c in self.languages if c != chosen)
            return LanguageGuess(chosen, "explicit", (chosen, *others))
        return detect_question_language(question, self.languages, self.vocabulary_votes(question))

    def vocabulary_votes(self, question: str) -> dict[str, int]:
        """Per language, the question's lower-case words that only that
        language's documents contain ("bedeutet" is German evidence; "Social
        Media", used by every document, is none, and neither is a name such as
        "LinkedIn", which says nothing about the language it is asked in)."""
        votes: dict[str, int] = {}
        lower = [m.group() for m in _WORD_TOKEN.finditer(question) if m.group().islower()]
        for word in dict.fromkeys(fold_accents(w) for w in words(" ".join(lower))):
            holders = [lang for lang, index in self.indexes.items() if index.forms.knows(word)]
            if len(holders) == 1:
                votes[holders[0]] = votes.get(holders[0], 0) + 1
        return votes

    def _search_language(self, question: str, question_lang: str, index_lang: str) -> list[Scored]:
        index = self.indexes[index_lang]
        query = index.analyze(question_text_for(question, question_lang, index_lang))
        return index.score(query, fuzzy=index_lang != question_lang)

    def rank(
        self, text: str, lang: str | None = None
    ) -> tuple[LanguageGuess, list[Scored], set[int]]:
        """Every passage above the floor for a cleaned question, best first, and
        which of them are cross-lingual."""
        guess = self.guess_language(text, lang)
        if guess.reason == "ambiguous":
            pooled = [
                s
                for index_lang in guess.candidates
                for s in self._search_language(text, index_lang, index_lang)
                if answers(s)
            ]
            return guess, sorted(pooled, key=lambda s: -s.relevance), set()
        home = guess.tag
        own = [
            s
            for s in (self._search_language(text, home, home) if home in self.indexes else [])
            if answers(s)
        ]
        best_own = max((s.coverage for s in own), default=0.0)
        foreign = [
            s
            for index_lang in self.indexes
            if index_lang != home
            for s in self._search_language(text, home, index_lang)
            if answers(s) and s.coverage > best_own + CROSS_LINGUAL_MARGIN
        ]
        foreign.sort(key=lambda s: (-s.coverage, -s.relevance))
        return guess, foreign + own, {s.passage_id for s in foreign}

    def ask(self, question: str, lang: str | None = None, top: int = 3, offset: int = 0) -> Answer:
        """Answer ``question``: the best passages above the floor, best first."""
        text = clean_question(question)
        guess, ranked, cross = self.rank(text, lang)
        hits = tuple(
            self._hit(offset + i + 1, s, s.passage_id in cross)
            for i, s in enumerate(ranked[offset : offset + top])
        )
        return Answer(
            question=text,
            lang=guess.tag,
            lang_reason=guess.reason,
            hits=hits,
            searched=tuple(guess.candidates),
            total=len(ranked),
        )

    def _hit(self, rank: int, scored: Scored, cross: bool) -> Hit:
        passage = self.passages[scored.passage_id]
        index = self.indexes[scored.lang]
        quote, marks = choose_quote(passage.text, scored.lang, scored.terms, index.decompound)
        return Hit(rank, round(scored.relevance, 4), passage, quote, marks, cross)

    def section_passages(self, passage: Passage) -> list[Passage]:
        """Every passage of ``passage``'s section, in order."""
        return [
            p
            for p in self.passages.values()
            if p.doc == passage.doc and p.section == passage.section
        ]

    def find_passage(self, doc: str, ordinal: int) -> Passage | None:
        return next(
            (p for p in self.passages.values() if p.doc == doc and p.ordinal == ordinal), None
        )


def _top(scores: FloatArray, k: int) -> list[tuple[int, float]]:
    """The ``k`` largest positive entries as ``(index, value)``, best first."""
    nonzero = np.flatnonzero(scores > 0)
    if nonzero.size == 0:
        return []
    values = scores[nonzero]
    if nonzero.size > k:
        part = np.argpartition(-values, k - 1)[:k]
        nonzero, values = nonzero[part], values[part]
    order = np.lexsort((nonzero, -values))
    return [(int(nonzero[i]), float(values[i])) for i in order]
