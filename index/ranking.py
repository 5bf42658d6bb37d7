"""Ranking: from per-language scores to the passages that answer, best first.

Lexical evidence (``lexical.LexicalScores``) gives each passage a relevance
(BM25 over the question's ideal weight) and a coverage (the share of the
question's weight it holds).  The floor (``answers``) keeps noise out, and
the language policy decides where passages in other languages than the
question's enter.  When the index has a semantic layer, ``semantic`` adds a
calibrated similarity, fused with the lexical relevance (``fuse``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .langs import LanguageGuess
from .lexical import LanguageIndex, LexicalScores
from .question import question_text_for

if TYPE_CHECKING:
    from .semantic import SemanticIndex

COVERAGE_FLOOR = 0.2  # with at least two query terms matched ...
SINGLE_TERM_FLOOR = 0.5  # ... or this much of the question matched
RARE_MATCH_WEIGHT = 4.0  # ... or words this rare (IDF sum), with ...
RARE_MATCH_FLOOR = 0.15  # ... at least this much of the question
CROSS_LINGUAL_MARGIN = 0.05
CANDIDATES = 50


@dataclass(frozen=True)
class Candidate:
    """One passage's evidence for one question."""

    passage_id: int
    lang: str  # the language index it is in (primary subtag)
    local: int  # its number within that index
    relevance: float
    coverage: float
    matched: int
    weight: float
    terms: dict[str, float] = field(repr=False)
    dense: float | None = None  # calibrated semantic similarity, when there is a layer
    score: float = 0.0  # what orders the answer
    cross_lingual: bool = False


def answers(candidate: Candidate) -> bool:
    """The lexical floor: enough of the question is in the passage.

    A passage answers when it holds at least ``SINGLE_TERM_FLOOR`` of the
    question's weight; or at least ``COVERAGE_FLOOR`` of it spread over two or
    more distinct terms; or, in a corpus large enough for words to be rare,
    words rare enough (IDF sum ``RARE_MATCH_WEIGHT``, about one passage in
    80) to be no accident.  Words the corpus has never seen weigh as much as
    its rarest, so "What is the capital of Australia?" matches nothing, while
    a paraphrase that shares two topic words with a passage still finds it.
    """
    if candidate.coverage >= SINGLE_TERM_FLOOR:
        return True
    if candidate.coverage >= COVERAGE_FLOOR and candidate.matched >= 2:
        return True
    return candidate.weight >= RARE_MATCH_WEIGHT and candidate.coverage >= RARE_MATCH_FLOOR


def top_positive(scores: npt.NDArray[np.float64], k: int) -> list[int]:
    """Positions of the ``k`` largest positive entries, best first (ties by position).

    >>> top_positive(np.array([0.0, 2.0, 1.0, 2.0]), 2)
    [1, 3]
    """
    nonzero = np.flatnonzero(scores > 0)
    if nonzero.size == 0:
        return []
    values = scores[nonzero]
    if nonzero.size > k:
        part = np.argpartition(-values, k - 1)[:k]
        nonzero, values = nonzero[part], values[part]
    order = np.lexsort((nonzero, -values))
    return [int(nonzero[i]) for i in order]


def lexical_scores(text: str, question_lang: str, index: LanguageIndex) -> LexicalScores | None:
    query = index.analyze(question_text_for(text, question_lang, index.lang))
    return index.score(query, fuzzy=index.lang != question_lang)


def candidates_of(
    index: LanguageIndex, scores: LexicalScores, positions: list[int]
) -> list[Candidate]:
    return [
        Candidate(
            passage_id=int(index.passage_ids[i]),
            lang=index.lang,
            local=i,
            relevance=float(scores.relevance[i]),
            coverage=float(scores.coverage[i]),
            matched=int(scores.matched[i]),
            weight=float(scores.weight[i]),
            terms=scores.terms,
            score=float(scores.relevance[i]),
        )
        for i in positions
    ]


def _lexical_candidates(text: str, question_lang: str, index: LanguageIndex) -> list[Candidate]:
    scores = lexical_scores(text, question_lang, index)
    if scores is None:
        return []
    found = candidates_of(index, scores, top_positive(scores.relevance, CANDIDATES))
    return [c for c in found if answers(c)]


def rank_candidates(
    text: str,
    guess: LanguageGuess,
    indexes: dict[str, LanguageIndex],
    semantic: SemanticIndex | None = None,
) -> list[Candidate]:
    """Every passage that answers ``text``, best first."""
    return lexical_ranking(text, guess, indexes)


def lexical_ranking(
    text: str, guess: LanguageGuess, indexes: dict[str, LanguageIndex]
) -> list[Candidate]:
    """BM25 alone.  An ambiguous question ("Social Media") searches every index
    and merges them by relevance; otherwise a passage in another language
    enters only when its coverage beats every passage in the question's own
    language (it is found through shared words and cognates), and is flagged."""
    if guess.reason == "ambiguous":
        pooled = [
            c
            for lang in guess.candidates
            if lang in indexes
            for c in _lexical_candidates(text, lang, indexes[lang])
        ]
        return sorted(pooled, key=lambda c: -c.relevance)
    home = guess.tag
    own = _lexical_candidates(text, home, indexes[home]) if home in indexes else []
    best_own = max((c.coverage for c in own), default=0.0)
    foreign = [
        replace(c, cross_lingual=True)
        for lang, index in indexes.items()
        if lang != home
        for c in _lexical_candidates(text, home, index)
        if c.coverage > best_own + CROSS_LINGUAL_MARGIN
    ]
    foreign.sort(key=lambda c: (-c.coverage, -c.relevance))
    return foreign + own
