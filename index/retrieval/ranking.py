"""Ranking: from per-language scores to the passages that answer, best first.

Lexical evidence (``lexical.LexicalScores``) gives each passage a relevance
(BM25 over the question's ideal weight) and a coverage (the share of the
question's weight it holds).  The floor (``lexical_floor``) keeps noise out, and
the language policy decides where passages in other languages than the
question's enter.  When the index has a semantic layer, ``semantic`` adds a
calibrated similarity, fused with the lexical coverage (``fused_ranking``),
and the floor reads the encoder's cosines, how far a passage stands out from
the rest of the corpus, and whether the question names something the corpus
never mentions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..analysis.analyzer import words
from ..analysis.question import question_text_for
from ..languages.detect import LanguageGuess
from .lexical import LanguageIndex, LexicalScores

if TYPE_CHECKING:
    from .encoders import Encoder
    from .semantic import DenseScores, SemanticIndex

COVERAGE_FLOOR = 0.2  # with at least two query terms matched ...
SINGLE_TERM_FLOOR = 0.5  # ... or this much of the question matched
RARE_MATCH_WEIGHT = 4.0  # ... or words this rare (IDF sum), with ...
RARE_MATCH_FLOOR = 0.15  # ... at least this much of the question
CROSS_LINGUAL_MARGIN = 0.05
CANDIDATES = 50
FUSION_COVERAGE = 0.1  # lexical coverage next to calibrated similarity ...
FUSION_FULL_MATCH = 0.2  # ... and its square: a passage holding the whole question
# Lexical evidence compares passages within a language, not across: an
# answer in another language shares only names and cognates with the
# question.  Half of each language index's best bonus is taken off all its
# passages, so the best-covered passage of one language does not beat a closer
# one in another by coverage alone (XQuAD's mixed-language corpus: R@1 +1-2
# points per question language, the seed sets unchanged within one question).
LEXICAL_RELATIVE = 0.5
OWN_LANGUAGE_MARGIN = 0.015  # a passage in the question's language that answers ...
OWN_FULL_MATCH_MARGIN = 0.1  # ... and more when it holds most of the question's words
FULL_MATCH = 0.7
# A question is less similar to an answer in another language than to the same
# answer in its own (multilingual-e5-small: about 0.05 lower on XQuAD).  When
# the corpus has nothing in the question's language, every answer is in another
# language and the semantic floor is lower by this much.  Measured (bench
# notes in the README): English questions over the seed corpus without its
# English article, 24 -> 42 of 47 answerable answered, 0 -> 3 of 16 near-topic
# traps; 0.05 answered 8 of 16 traps.  Where the question's language is
# present, any allowance let traps through (5 -> 12 of our 21 at 0.03).
CROSS_LINGUAL_ALLOWANCE = 0.03
# A passage whose similarity stands this many standard deviations above the
# corpus's mean for the question is about what the question is about, even
# when its cosine is modest (an answer in another language); it answers at
# the encoder's ``standout_floor``.  In a corpus on one topic, where every
# passage is near every question, no passage stands out so far.  A passage
# in another language than the question's is less similar to it by nature,
# and stands out at 3.25 (XQuAD's mixed-language corpus: R@1 +0.3-0.9 points
# per question language; one more of our 60 off-topic questions answered).
STANDOUT = 3.5
STANDOUT_ACROSS = 3.25
# Among few passages (an English handbook beside a one-page German note: nine
# in all) no passage can stand 3.25 deviations out; there a passage stands out
# at three quarters of the farthest one passage can (2.0 among nine).  From 24
# passages on (the shipped corpus has 27) the fixed distances above hold.
STANDOUT_SHARE = 0.75
# The distances above were set on corpora of up to about 300 passages (the
# shipped one, XQuAD's); in a larger one a question about something else finds
# some passage that far out by chance (the Debian FAQ, 495 passages: "Wie fülle
# ich die Einkommensteuererklärung aus?" at 3.27), so they grow with the corpus.
STANDOUT_CORPUS = 300
# A question that names something the corpus never mentions ("the best time
# to post on TikTok", "Cristiano Ronaldo's followers") is about something
# else unless a passage is clearly close: every floor is this much higher.
# Its other words vouch for a passage only when it holds at least
# ``UNKNOWN_NAME_SUPPORT`` of them by weight, two or more: a few of them are
# everything but the question's subject ("Como instalo aplicações snap pela
# Loja de Software do Ubuntu?" met "software" and "instalar" in the
# installation guide's licence, 0.31 of the rest), most of them are the
# question asked of another product ("automate the installation with a
# Kickstart file" holds 0.79 of the rest in the guide's preseeding passage).
UNKNOWN_NAME_MARGIN = 0.02
UNKNOWN_NAME_SUPPORT = 0.5


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
    question_lang: str | None = None  # the language the question was read in


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


def _lexical_candidates(
    text: str, question_lang: str, index: LanguageIndex, unknown_names: Sequence[str] = ()
) -> list[Candidate]:
    scores = lexical_scores(text, question_lang, index)
    if scores is None:
        return []
    found = candidates_of(index, scores, top_positive(scores.relevance, CANDIDATES))
    floor = lexical_floor(scores, rare_alone=not unknown_names)
    return [c for c in found if floor[c.local]]


def rank_candidates(
    text: str,
    guess: LanguageGuess,
    indexes: dict[str, LanguageIndex],
    semantic: SemanticIndex | None = None,
    query: npt.NDArray[np.float32] | None = None,
    *,
    spoken: str | None = None,
    unknown_names: Sequence[str] = (),
    within: str | None = None,
) -> list[Candidate]:
    """Every passage that answers ``text``, best first: fused when the index has
    a semantic layer and ``query`` is the question's vector, lexical otherwise
    (``within``: a language to search alone; the fused ranking scores every
    language on its own floor, and its caller keeps that language's).
    ``spoken`` is the language the question is written in, when known;
    ``unknown_names``: the words of its names that no passage mentions."""
    if semantic is not None and semantic.active and query is not None:
        return fused_ranking(
            text, guess, indexes, semantic, query, spoken=spoken, unknown_names=unknown_names
        )
    return lexical_ranking(text, guess, indexes, within, unknown_names=unknown_names)


def lexical_floor(scores: LexicalScores, rare_alone: bool = False) -> npt.NDArray[np.bool_]:
    """The lexical floor, for every passage of an index: enough of the
    question is in the passage.

    A passage answers when it holds at least ``SINGLE_TERM_FLOOR`` of the
    question's weight; or at least ``COVERAGE_FLOOR`` of it spread over two or
    more distinct terms; or, in a corpus large enough for words to be rare,
    words rare enough (IDF sum ``RARE_MATCH_WEIGHT``, about one passage in
    80) to be no accident (often a name: XQuAD's questions), two of them, or
    one when ``rare_alone``.  Words the corpus has never seen weigh as much as
    its rarest, so "What is the capital of Australia?" matches nothing, while
    a paraphrase that shares two topic words with a passage still finds it.

    BM25 alone counts one rare word (``rare_alone``; XQuAD, German: R@1 .918
    with it, .894 without), as for passages without vectors, unless the
    question names something the corpus never mentions: it is about that, and
    one rare word it shares with a passage ("capital" in Python's
    documentation) is an accident.  As support for the semantic layer one rare
    word alone does not count: it only lowers the cosine floor, and one rare
    word is an accident in a large corpus ("fülle" in "Wie fülle ich die
    Einkommensteuererklärung aus?" met "full" in the Debian FAQ)."""
    coverage, matched = scores.coverage, scores.matched
    rare = (scores.weight >= RARE_MATCH_WEIGHT) & (coverage >= RARE_MATCH_FLOOR)
    return np.asarray(
        (coverage >= SINGLE_TERM_FLOOR)
        | ((coverage >= COVERAGE_FLOOR) & (matched >= 2))
        | (rare if rare_alone else rare & (matched >= 2))
    )


@dataclass(frozen=True)
class _Evidence:
    """One language index's lexical and semantic scores for one question."""

    lang: str
    index: LanguageIndex
    lexical: LexicalScores | None
    dense: DenseScores


def _answering(
    e: _Evidence,
    encoder: Encoder,
    shift: float,
    standout: npt.NDArray[np.bool_],
    supported: npt.NDArray[np.bool_],
) -> npt.NDArray[np.bool_]:
    """The floor: which of an index's passages answer (``fused_ranking``);
    ``supported``: those the lexical evidence vouches for (``_supported``)."""
    raw = e.dense.raw
    return np.asarray(
        (raw >= encoder.answer_floor + shift)
        | (supported & (raw >= encoder.support_floor + shift))
        | (standout & (raw >= encoder.standout_floor + shift))
    )


def _supported(
    e: _Evidence, text: str, question_lang: str, unknown_names: Sequence[str]
) -> npt.NDArray[np.bool_]:
    """The passages of an index that lexical evidence vouches for: the lexical
    floor, or, when the question names something unknown, at least
    ``UNKNOWN_NAME_SUPPORT`` of the rest of the question, two words or more."""
    if e.lexical is None:
        return np.zeros(e.index.size, bool)
    if not unknown_names:
        return lexical_floor(e.lexical)
    named = {name.casefold() for name in unknown_names}
    rest = lexical_scores(
        " ".join(w for w in words(text) if w.casefold() not in named), question_lang, e.index
    )
    if rest is None:
        return np.zeros(e.index.size, bool)
    return np.asarray((rest.coverage >= UNKNOWN_NAME_SUPPORT) & (rest.matched >= 2))


def standout_distance(deviations: float, passages: int) -> float:
    """How many standard deviations above the mean a passage must be to stand
    out among ``passages``.

    ``deviations`` up to ``STANDOUT_CORPUS`` passages.  Beyond, the farthest
    of n passages lies further out by chance alone (the largest of n normal
    values grows as sqrt(2 ln n)), so the distance grows with it.  In a corpus
    too small for ``deviations`` (no passage of n can be more than
    (n - 1) / sqrt(n) out), ``STANDOUT_SHARE`` of the farthest one can be.

    >>> [round(standout_distance(3.5, n), 2) for n in (9, 27, 300, 495, 2717, 100_000)]
    [2.0, 3.5, 3.5, 3.65, 4.12, 4.97]
    """
    if passages < 2:
        return deviations
    chance = math.sqrt(2 * math.log(max(passages, STANDOUT_CORPUS)))
    grown = deviations * chance / math.sqrt(2 * math.log(STANDOUT_CORPUS))
    return min(grown, STANDOUT_SHARE * (passages - 1) / math.sqrt(passages))


def stand_in_similarity(
    coverage: npt.NDArray[np.float64],
    covered_coverage: npt.NDArray[np.float64],
    covered_similarity: npt.NDArray[np.float32],
) -> npt.NDArray[np.float32]:
    """A similarity for passages without vectors yet, from their lexical
    coverage: the mean similarity of the passages with vectors that hold at
    least as much of the question (the best similarity when none does).

    >>> similar = stand_in_similarity(np.array([0.0, 0.5, 0.9]), np.array([0.0, 0.6, 0.2]),
    ...                               np.array([0.1, 0.7, 0.4], np.float32))
    >>> [round(float(x), 2) for x in similar]
    [0.4, 0.7, 0.7]
    """
    if covered_similarity.size == 0:
        return np.zeros(coverage.size, np.float32)
    order = np.argsort(-covered_coverage, kind="stable")
    means = np.cumsum(covered_similarity[order]) / np.arange(1, order.size + 1)
    ascending = covered_coverage[order][::-1]
    holding = order.size - np.searchsorted(ascending, coverage, side="left")
    best = float(covered_similarity.max())
    picked = means[np.maximum(holding - 1, 0)]
    return np.where(holding > 0, picked, best).astype(np.float32)


def _candidate(
    e: _Evidence, i: int, score: float, reader: str | None, dense: npt.NDArray[np.float32]
) -> Candidate:
    lexical = e.lexical
    return Candidate(
        passage_id=int(e.index.passage_ids[i]),
        lang=e.lang,
        local=i,
        relevance=float(lexical.relevance[i]) if lexical is not None else 0.0,
        coverage=float(lexical.coverage[i]) if lexical is not None else 0.0,
        matched=int(lexical.matched[i]) if lexical is not None else 0,
        weight=float(lexical.weight[i]) if lexical is not None else 0.0,
        terms=lexical.terms if lexical is not None else {},
        dense=float(dense[i]),
        score=score,
        cross_lingual=reader is not None and e.lang != reader,
        question_lang=reader,
    )


def fused_ranking(
    text: str,
    guess: LanguageGuess,
    indexes: dict[str, LanguageIndex],
    semantic: SemanticIndex,
    query: npt.NDArray[np.float32],
    *,
    spoken: str | None = None,
    unknown_names: Sequence[str] = (),
) -> list[Candidate]:
    """Semantic similarity fused with BM25 coverage, over every language index.

    A passage's score is its calibrated similarity (``semantic``: language
    neutral) plus a bonus for the share of the question's weight it holds
    (``FUSION_COVERAGE`` times the share, ``FUSION_FULL_MATCH`` times its
    square, so holding the whole question counts most), less half of the best
    bonus in its language (``LEXICAL_RELATIVE``); passages in the question's
    language that answer get a small margin, and a larger one when they hold
    most of the question's words, so they come first unless another
    language's passage is clearly better.
    A passage answers when one of its units (itself, a sentence, two adjacent
    sentences) is close enough to the question on its own (``answer_floor``);
    or when the lexical floor holds and it is at least near
    (``support_floor``); or when it stands out from the rest of the corpus
    (``STANDOUT``) and is not far (``standout_floor``).  Questions that name
    something the corpus never mentions (``unknown_names``) meet higher
    floors, and lexical support only from most of the rest of the question
    (``_supported``).  An ambiguous question ("Social Media") is read in each
    index's own language.  The language the question is written in (``spoken``)
    places it for the semantic layer, and decides which passages are flagged
    as in another language.
    """
    encoder = semantic.encoder
    if encoder is None:
        return lexical_ranking(text, guess, indexes, unknown_names=unknown_names)
    home = None if guess.reason == "ambiguous" else guess.tag
    reader = spoken or home
    evidence = []
    for lang, index in indexes.items():
        if not index.size:
            continue
        lexical = lexical_scores(text, home or lang, index)
        also = (
            np.array(top_positive(lexical.relevance, CANDIDATES), np.int64)
            if lexical is not None
            else None
        )  # a large language scores these exactly beside the nearest units
        evidence.append(_Evidence(lang, index, lexical, semantic.scores(query, reader, lang, also)))
    if not evidence:
        return []
    # Passages without vectors yet (a newer file than the vectors) are ranked
    # by a similarity their lexical coverage stands in for, and answer by the
    # floor of BM25 alone; the corpus's spread is read from the others.
    similarity = np.concatenate([e.dense.sample for e in evidence])
    mean, spread = float(similarity.mean()), float(similarity.std())
    size = sum(e.dense.population for e in evidence)
    coverages = [
        e.lexical.coverage if e.lexical is not None else np.zeros(e.index.size) for e in evidence
    ]
    held = np.concatenate([c[e.dense.sample_at] for c, e in zip(coverages, evidence, strict=True)])
    shift = UNKNOWN_NAME_MARGIN if unknown_names else 0.0
    if reader is not None and reader not in indexes:
        shift -= CROSS_LINGUAL_ALLOWANCE
    found: list[Candidate] = []
    for e, coverage in zip(evidence, coverages, strict=True):
        covered = e.dense.covered
        dense = e.dense.score
        if not covered.all():
            dense = np.where(covered, dense, stand_in_similarity(coverage, held, similarity))
        bonus = FUSION_COVERAGE * coverage + FUSION_FULL_MATCH * coverage**2
        fused = dense + bonus - LEXICAL_RELATIVE * float(bonus.max())
        far = standout_distance(STANDOUT if e.lang == reader else STANDOUT_ACROSS, size) * spread
        standout = (e.dense.score - mean >= far) & (spread > 0) & covered
        supported = _supported(e, text, home or e.lang, unknown_names)
        ok = _answering(e, encoder, shift, standout, supported)
        if not covered.all():
            alone = (
                lexical_floor(e.lexical, rare_alone=not unknown_names)
                if e.lexical is not None
                else np.zeros(e.index.size, bool)
            )
            ok = np.where(covered, ok, alone)
        if e.lang == home:
            fused = (
                fused + OWN_LANGUAGE_MARGIN * ok + OWN_FULL_MATCH_MARGIN * (coverage >= FULL_MATCH)
            )
        positions = top_positive(np.where(ok, fused + 10.0, 0.0), CANDIDATES)
        found += [_candidate(e, i, float(fused[i]), reader, dense) for i in positions]
    found.sort(key=lambda c: (-c.score, c.passage_id))
    return found


HEADING_MATCH = 0.1  # times the squared share of the question a section's heading holds
HEADING_RERANK = 20  # the candidates whose headings are read


def heading_coverage(terms: dict[str, float], heading: set[str]) -> float:
    """The share of the question's weight (``terms``: analysed term -> IDF)
    that a heading's analysed terms hold.

    >>> heading_coverage({"changelog": 2.0, "file": 0.5}, {"changelog"})
    0.8
    """
    total = sum(terms.values())
    return sum(w for t, w in terms.items() if t in heading) / total if total else 0.0


def with_headings(ranked: list[Candidate], coverage: dict[int, float]) -> list[Candidate]:
    """Documentation names its topics in headings: a passage that opens a
    section whose heading holds the question (``coverage`` by passage id)
    moves up by ``HEADING_MATCH`` times that share squared ("Was ist die
    Datei changelog?" → the section "4.3. changelog", not a passage that
    mentions the file).  Only the order changes, never whether it answers."""
    moved = [
        replace(c, score=c.score + HEADING_MATCH * coverage.get(c.passage_id, 0.0) ** 2)
        for c in ranked
    ]
    return sorted(moved, key=lambda c: (-c.score, c.passage_id))


# Documentation cites its sections by heading ("please read Section 1.4,
# “Where to ask for help”"): a passage that quotes the heading of a section
# that holds most of the question (``CITED_SHARE`` of its weight) points to
# the answer and is not it, so it comes just after that section's opener.
CITED_SHARE = 0.5
_NUMBERING = re.compile(
    r"^\s*(?:(?:chapter|kapitel|cap[ií]tulo|chapitre|capitolo)\s+)?"
    r"(?:\d+(?:\.\d+)*|[A-Z](?:\.\d+)*)\.?\s+",
    re.IGNORECASE,
)
_OPEN_QUOTES, _CLOSE_QUOTES = '“«„"‘‹「『', '”»“"’›」』'


def heading_title(heading: str) -> str | None:
    """A heading without its numbering, when it is specific enough to be
    cited (two words or more).

    >>> heading_title("1.4. Where to ask for help"), heading_title("4.1. control")
    ('Where to ask for help', None)
    """
    title = _NUMBERING.sub("", heading).strip()
    return title if len(title.split()) >= 2 else None


def cites(text: str, title: str) -> bool:
    """Whether ``text`` quotes ``title`` as a cross-reference does, in quotes.

    >>> cites("If you need help, please read Section 1.4, “Where to ask for help”.",
    ...       "Where to ask for help")
    True
    >>> cites("Where to ask for help is up to you.", "Where to ask for help")
    False
    """
    pattern = (
        f"[{re.escape(_OPEN_QUOTES)}]\\s*"
        + r"\s+".join(re.escape(w) for w in title.split())
        + f"\\s*[{re.escape(_CLOSE_QUOTES)}]"
    )
    return re.search(pattern, text, re.IGNORECASE) is not None


CODE_ONLY_DISCOUNT = 0.1  # taken from a passage of code alone, for a question in prose
_CODE_SIGNS = re.compile(r"[`/\\$=_{}()<>|]|--|\w\.\w")


def asks_about_code(question: str) -> bool:
    """Whether a question holds code: a path, an option, a file name, an
    identifier, markup.

    >>> asks_about_code("What goes in /etc/apt/sources.list?")
    True
    >>> asks_about_code("How do I put a package on hold?")
    False
    """
    return bool(_CODE_SIGNS.search(question))


def prose_first(ranked: list[Candidate], code_only: set[int]) -> list[Candidate]:
    """``ranked`` with the passages that are code alone (``code_only``: a
    commented configuration example) ``CODE_ONLY_DISCOUNT`` lower: a question
    in prose is answered by prose, and an example whose comments repeat the
    question's words comes after the text that explains it, unless it is
    clearly closer."""
    if not code_only:
        return ranked
    scored = [
        replace(c, score=c.score - CODE_ONLY_DISCOUNT) if c.passage_id in code_only else c
        for c in ranked
    ]
    return sorted(scored, key=lambda c: (-c.score, c.passage_id))


def cited_sections_first(ranked: list[Candidate], citing: dict[int, int]) -> list[Candidate]:
    """Each passage of ``citing`` (citing passage id -> the opener it cites,
    ``CITED_SHARE``) moved just after the passage it cites, when it was
    before it.  Only the order changes, never whether it answers."""
    if not citing:
        return ranked
    score = {c.passage_id: c.score for c in ranked}
    moved = [
        replace(c, score=min(c.score, score[citing[c.passage_id]] - 1e-6))
        if citing.get(c.passage_id) in score
        else c
        for c in ranked
    ]
    return sorted(moved, key=lambda c: (-c.score, c.passage_id))


TRANSLATION = 0.7  # centred cosine of two passages' own vectors: one translates the other
TRANSLATION_RERANK = 5  # how far down a translation in the question's language is looked for


def own_translation_first(
    ranked: list[Candidate],
    reader: str | None,
    similarity: Callable[[tuple[str, int], tuple[str, int]], float | None],
) -> list[Candidate]:
    """Translated documentation holds the same answer in several languages:
    when the first answer is in another language than the question's and one
    of the next few is in the question's and close enough to be its
    translation (``TRANSLATION``), that one comes first."""
    if reader is None or not ranked or ranked[0].lang == reader:
        return ranked
    first = ranked[0]
    for c in ranked[1:TRANSLATION_RERANK]:
        if c.lang == reader:
            close = similarity((first.lang, first.local), (c.lang, c.local))
            if close is not None and close >= TRANSLATION:
                return [replace(c, score=first.score), *(x for x in ranked if x is not c)]
            return ranked
    return ranked


def translations_later(
    ranked: list[Candidate],
    reader: str | None,
    similarity: Callable[[tuple[str, int], tuple[str, int]], float | None],
) -> list[Candidate]:
    """The first ``TRANSLATION_RERANK`` candidates with each passage in another
    language than the question's that translates one before it in another
    language (``TRANSLATION``) moved behind them: translated documentation
    holds the same answer in several languages, and a reader is better
    served by the next answer than by the one just read, again, in another
    language.  Nothing leaves the ranking; the next page holds the
    translations.  ``reader`` ``None`` (a question that could be in any of
    the corpus's languages): every copy stays, one may be the reader's."""
    if reader is None:
        return ranked
    window = ranked[:TRANSLATION_RERANK]
    kept: list[Candidate] = []
    later: list[Candidate] = []
    for c in window:
        if c.lang != reader and any(
            o.lang != c.lang
            and (close := similarity((o.lang, o.local), (c.lang, c.local))) is not None
            and close >= TRANSLATION
            for o in kept
        ):
            later.append(c)
            continue
        kept.append(c)
    if not later:
        return ranked
    floor = kept[-1].score  # scores stay in rank order
    moved = [replace(c, score=min(c.score, floor)) for c in later]
    return [*kept, *moved, *ranked[TRANSLATION_RERANK:]]


def lexical_ranking(
    text: str,
    guess: LanguageGuess,
    indexes: dict[str, LanguageIndex],
    within: str | None = None,
    *,
    unknown_names: Sequence[str] = (),
) -> list[Candidate]:
    """BM25 alone.  An ambiguous question ("Social Media") searches every index
    and merges them by relevance; otherwise a passage in another language
    enters only when its coverage beats every passage in the question's own
    language (it is found through shared words and cognates), and is flagged.
    ``within`` (a language of the index) searches that language alone;
    ``unknown_names``: the question names something no passage mentions."""
    if within is not None and within != guess.tag and within in indexes:
        found = _lexical_candidates(text, guess.tag, indexes[within], unknown_names)
        flagged = [replace(c, cross_lingual=guess.reason != "ambiguous") for c in found]
        return sorted(flagged, key=lambda c: (-c.coverage, -c.relevance))
    if guess.reason == "ambiguous":
        pooled = [
            c
            for lang in guess.candidates
            if lang in indexes
            for c in _lexical_candidates(text, lang, indexes[lang], unknown_names)
        ]
        return sorted(pooled, key=lambda c: -c.relevance)
    home = guess.tag
    own = _lexical_candidates(text, home, indexes[home], unknown_names) if home in indexes else []
    best_own = max((c.coverage for c in own), default=0.0)
    foreign = [
        replace(c, cross_lingual=True)
        for lang, index in indexes.items()
        if lang != home
        for c in _lexical_candidates(text, home, index, unknown_names)
        if c.coverage > best_own + CROSS_LINGUAL_MARGIN
    ]
    foreign.sort(key=lambda c: (-c.coverage, -c.relevance))
    return foreign + own
