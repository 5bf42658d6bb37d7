"""Answering questions from an opened index.

``Searcher`` opens an index: it reads a little metadata from SQLite and maps
the current generation's array bundles; passages are read from SQLite by id
when they are shown.  Opening costs milliseconds, and a read of the bundles
to check their checksums (``arrays.check_bundle``: about 10 ms per 64 MB).

Ranking (``ranking``) combines, per language index, BM25 relevance and
coverage (``lexical``) with the semantic layer's similarity when the index
has vectors (``semantic``); the floor decides whether anything answers.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ..analysis.analyzer import fold_accents, is_stopword, surface_forms, words
from ..analysis.answertype import expects_number, holds_number
from ..analysis.question import clean_question, named_things, question_text_for
from ..errors import EncoderUnavailable, IndexCorrupt, IndexDamaged, UnknownLanguage
from ..ingest.chunking import all_code, sentences
from ..languages import codes as language_codes
from ..languages.detect import (
    LanguageGuess,
    detect_question_language,
    detect_spoken_language,
    display_name,
    match_available,
    primary,
)
from ..records import Answer, DocumentInfo, Hit, Passage
from ..storage import store
from ..storage.arrays import Bundle, BundleError
from .encoders import Encoder, load_encoder, model_id_of
from .lexical import LanguageIndex
from .quoting import choose_quote
from .ranking import (
    CITED_SHARE,
    HEADING_RERANK,
    Candidate,
    asks_about_code,
    cited_sections_first,
    cites,
    heading_coverage,
    heading_title,
    own_translation_first,
    prose_first,
    rank_candidates,
    translations_later,
    with_headings,
)
from .semantic import SemanticIndex, covered_passages

_WORD_TOKEN = re.compile(r"[^\W\d_][^\W_]*")
_OPEN_ATTEMPTS = 5


class _Ranking(NamedTuple):
    guess: LanguageGuess
    ranked: list[Candidate]
    query: npt.NDArray[np.float32] | None  # the question's vector, with the semantic layer
    reader: str | None  # the language the question is written in, when decided

    @property
    def reason(self) -> str:
        """How the question's language was decided: told, detected (among the
        corpus's languages, or one it lacks) or not at all."""
        if self.reader is None:
            return "ambiguous"
        return "explicit" if self.guess.reason == "explicit" else "detected"


def _passage(row: store.PassageRow) -> Passage:
    _pid, doc, ordinal, title, section, lang, text, url, page, _prim = row
    return Passage(doc, ordinal, title, section, lang, text, url, page)


def _in(ranked: list[Candidate], lang: str | None) -> list[Candidate]:
    """The candidates in language ``lang`` (all of them when ``None``)."""
    return ranked if lang is None else [c for c in ranked if c.lang == primary(lang)]


class Searcher:
    """An opened index, ready to answer questions.

    ``encoder`` (``semantic.Encoder``) turns questions into vectors when the
    index has a semantic layer made by the same model; without one, answers
    are lexical.  Safe to share between threads.
    """

    def __init__(self, db_path: Path, encoder: Encoder | None = None) -> None:
        self.db_path = db_path
        self._lock = threading.Lock()
        self._conn = store.open_reader(db_path)
        self._documents: tuple[DocumentInfo, ...] | None = None
        self.semantic_problem: str | None = None
        try:
            self._open_bundles()
        except BaseException:
            self._conn.close()
            raise
        self.semantic = SemanticIndex(self._vector_bundle, self.indexes, encoder)

    @classmethod
    def open(cls, db_path: Path, semantic: str | None = None) -> Searcher:
        """Open the index at ``db_path``; with ``semantic`` (an encoder's name,
        ``encoders.load_encoder``) the encoder is loaded when the index has
        vectors made by it.  An encoder that cannot be loaded leaves answers
        lexical, and ``semantic_problem`` says why."""
        searcher = cls(db_path)
        if semantic is None or searcher._vector_bundle is None:
            return searcher
        if searcher._vector_bundle.meta.get("model") != model_id_of(semantic):
            return searcher
        try:
            encoder = load_encoder(semantic)
        except EncoderUnavailable as error:
            searcher.semantic_problem = str(error)
            return searcher
        searcher.semantic = SemanticIndex(searcher._vector_bundle, searcher.indexes, encoder)
        return searcher

    @property
    def vectors_missing(self) -> int:
        """Passages the semantic layer does not cover (all of them without one)."""
        return self.passage_count - covered_passages(self._vector_bundle, self.indexes)

    def _open_bundles(self) -> None:
        """Read the metadata and map the bundles it names, in one consistent step
        (a build that replaces them meanwhile means trying again)."""
        for _ in range(_OPEN_ATTEMPTS):
            snapshot = store.read_snapshot(self._conn)
            meta = snapshot.meta
            self.generation = int(meta.get("generation", "0") or 0)
            self.language_names = snapshot.language_names
            try:
                lexical = self._lexical_bundle(meta)
                self._vector_bundle = self._vectors(meta)
            except FileNotFoundError:
                time.sleep(0.05)
                continue
            languages = lexical.meta.get("languages", []) if lexical else []
            self.indexes = {
                lang: LanguageIndex(lang, lexical) for lang in languages if lexical is not None
            }
            return
        raise IndexCorrupt(str(self.db_path), "its search structures are missing")

    def _lexical_bundle(self, meta: dict[str, str]) -> Bundle | None:
        """The search structures, checked (``store.open_current``): never an
        answer from a damaged file."""
        if not meta.get(store.LEXICAL):
            return None
        try:
            return store.open_current(self.db_path, meta, store.LEXICAL)
        except BundleError as error:
            raise IndexDamaged(str(self.db_path), str(error)) from None

    def _vectors(self, meta: dict[str, str]) -> Bundle | None:
        """The semantic layer's vectors, checked; damaged ones leave answers
        lexical, and ``semantic_problem`` says so."""
        if not meta.get(store.VECTORS):
            return None
        try:
            return store.open_current(self.db_path, meta, store.VECTORS)
        except BundleError as error:
            self.semantic_problem = (
                f"the semantic layer's vectors are damaged ({error}); answers use BM25 "
                "alone until `docbot index` writes them again from the index."
            )
            return None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # --- what the corpus holds ---------------------------------------------------

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.indexes)

    @property
    def passage_count(self) -> int:
        return sum(index.size for index in self.indexes.values())

    @property
    def documents(self) -> tuple[DocumentInfo, ...]:
        if self._documents is None:
            with self._lock:
                rows = store.document_rows(self._conn)
            self._documents = tuple(DocumentInfo(*row) for row in rows)
        return self._documents

    @property
    def passages(self) -> dict[int, Passage]:
        """Every passage by id (reads them all: for small corpora and tests)."""
        ids = [int(i) for index in self.indexes.values() for i in index.passage_ids]
        return self.passages_by_id(ids)

    def passages_by_id(self, ids: Sequence[int]) -> dict[int, Passage]:
        with self._lock:
            rows = store.passages_by_id(self._conn, ids)
        return {pid: _passage(row) for pid, row in rows.items()}

    def section_headings(self, lang: str, count: int = 3) -> list[str]:
        """Distinct section headings, those in ``lang`` first, in document order:
        topics to suggest as example questions."""
        with self._lock:
            rows = store.first_passages(self._conn, 500)
        ordered = sorted(rows, key=lambda r: r[1] != primary(lang) if lang else False)
        seen: list[str] = []
        for _doc, _prim, section in ordered:
            heading = (section or "").strip()
            heading = heading.split(". ", 1)[-1] if heading[:1].isdigit() else heading
            if 3 <= len(heading) <= 60 and heading not in seen:
                seen.append(heading)
            if len(seen) == count:
                break
        return seen

    def section_passages(self, passage: Passage) -> list[Passage]:
        """Every passage of ``passage``'s section, in order."""
        with self._lock:
            rows = store.section_rows(self._conn, passage.doc, passage.section)
        return [_passage(row) for row in rows]

    def find_passage(self, doc: str, ordinal: int) -> Passage | None:
        with self._lock:
            row = store.passage_at(self._conn, doc, ordinal)
        return _passage(row) if row else None

    # --- languages ---------------------------------------------------------------

    def language_name(self, tag: str, ui: str = "en") -> str:
        """A language's name in the ``ui`` language: stored by the build for
        the corpus's languages, looked up for others (a question's "fr")."""
        stored = self.language_names.get((primary(tag), ui))
        if stored:
            return stored
        return display_name(primary(tag), ui) if primary(tag) in language_codes() else tag

    def resolve_language(self, tag: str) -> str:
        """A user's language choice ("German", "de-AT") as one of the index languages."""
        return match_available(tag, self.languages)

    def question_language(self, tag: str) -> str:
        """The language a question is written in, as a user names it
        ("French", "fr-CA"): one of the corpus's, or another docbot knows
        (a language module), whose questions find passages in the corpus's
        languages: French questions over English documents."""
        try:
            return self.resolve_language(tag)
        except UnknownLanguage:
            known = sorted({*self.languages, *language_codes()})
            try:
                return match_available(tag, known)
            except UnknownLanguage:
                raise UnknownLanguage(tag, list(self.languages), known) from None

    def guess_language(self, question: str, lang: str | None) -> LanguageGuess:
        if lang and lang.strip().lower() != "auto":
            chosen = self.question_language(lang)
            others = tuple(c for c in self.languages if c != chosen)
            searched = (chosen, *others) if chosen in self.indexes else others
            return LanguageGuess(chosen, "explicit", searched)
        return detect_question_language(question, self.languages, self.vocabulary_votes(question))

    def vocabulary_votes(self, question: str) -> dict[str, int]:
        """Per language, the question's lower-case words that only that
        language's documents contain ("bedeutet" is German evidence; "Social
        Media", used by every document, is none, and neither is a name such as
        "LinkedIn", which says nothing about the language it is asked in)."""
        votes: dict[str, int] = {}
        lower = [m.group() for m in _WORD_TOKEN.finditer(question) if m.group().islower()]
        for word in dict.fromkeys(fold_accents(w) for w in words(" ".join(lower))):
            holders = self._languages_knowing(word)
            if len(holders) == 1:
                votes[holders[0]] = votes.get(holders[0], 0) + 1
        return votes

    # --- answering ---------------------------------------------------------------

    def rank(
        self, text: str, lang: str | None = None, within: str | None = None
    ) -> tuple[LanguageGuess, list[Candidate]]:
        """Every passage that answers a cleaned question, best first."""
        ranking = self._rank(text, lang, within)
        return ranking.guess, ranking.ranked

    def _rank(self, text: str, lang: str | None, within: str | None = None) -> _Ranking:
        guess = self.guess_language(text, lang)
        where = self.resolve_language(within) if within else None
        decided = None if guess.reason == "ambiguous" else guess.tag
        if not self.semantic.active:
            unknown = self.unknown_names(text, guess.tag)
            ranked = rank_candidates(text, guess, self.indexes, within=where, unknown_names=unknown)
            reader = decided or self._absent_language(text, language_codes())
            return _Ranking(guess, self._kept(text, ranked, where), None, reader)
        query = self.semantic.query_vector(text)
        spoken = self.spoken_language(text, guess)
        unknown = self.unknown_names(text, spoken or guess.tag)
        ranked = rank_candidates(
            text, guess, self.indexes, self.semantic, query, spoken=spoken, unknown_names=unknown
        )
        reader = spoken or decided
        ranked = self._headings_first(ranked, reader)
        ranked = self._prose_first(text, ranked)
        ranked = own_translation_first(ranked, reader, self.semantic.passage_similarity)
        # among the passages that can be shown: a translation of one filtered out is news
        kept = translations_later(
            self._kept(text, ranked, where), reader, self.semantic.passage_similarity
        )
        if decided is None and reader in self.indexes:
            reader = None  # read as one of the corpus's languages, not told apart from the others
        return _Ranking(guess, kept, query, reader)

    def _kept(self, text: str, ranked: list[Candidate], where: str | None) -> list[Candidate]:
        """What every ranking ends with: the language searched (``where``),
        the kind of answer the question wants, each text once."""
        return self._distinct(self._of_the_right_kind(text, _in(ranked, where)))

    def _distinct(self, ranked: list[Candidate]) -> list[Candidate]:
        """``ranked`` with each text once: a manual's single-page edition beside
        its chapter pages, or a paragraph a page repeats, holds passages of the
        same words, and an answer that quotes them twice wastes its places.
        The better-ranked copy stays."""
        if len(ranked) < 2:
            return ranked
        with self._lock:
            digests = store.repeated_texts(self._conn, [c.passage_id for c in ranked])
        seen: set[bytes] = set()
        kept = []
        for c in ranked:
            digest = digests.get(c.passage_id)
            if digest in seen:
                continue
            if digest is not None:
                seen.add(digest)
            kept.append(c)
        return kept

    def _absent_language(self, text: str, known: Iterable[str]) -> str | None:
        """The language a question is written in when it is none of the
        corpus's (French over English and German articles), among ``known``."""
        spoken = detect_spoken_language(text, {*self.languages, *known})
        return spoken if self._foreign(text, spoken) else None

    def _foreign(self, text: str, spoken: str | None) -> bool:
        """Whether a question detected as ``spoken`` is in a language the
        corpus lacks: ``spoken`` is none of the corpus's, and the question has
        a function word of it (and of none of the corpus's languages) or a
        word the corpus never uses, leaving aside numbers and names.  A
        question of the corpus's words alone is read in the corpus's
        languages ("wifi password", which the detector calls Italian, over
        English notes)."""
        if spoken is None or spoken in self.indexes:
            return False
        found = [w for w in words(text) if not any(c.isdigit() for c in w)]
        if any(is_stopword(w, spoken) and not self._function_word(w) for w in found):
            return True
        names = {fold_accents(n) for n in self.unknown_names(text, spoken)}
        return not all(self._word_known(w) for w in found if fold_accents(w) not in names)

    def _function_word(self, word: str) -> bool:
        """Whether ``word`` is a function word of one of the corpus's languages
        ("in" is English as it is Italian)."""
        return any(is_stopword(word, lang) for lang in self.indexes)

    def _word_known(self, word: str) -> bool:
        """Whether ``word`` is a function word of one of the corpus's languages
        or, analysed as that language, a term of its index ("wifi" is the
        joined form of the notes' "Wi-Fi")."""
        return self._function_word(word) or any(
            any(map(index.stems.knows, self._terms_of(lang, word)))
            for lang, index in self.indexes.items()
        )

    def _terms_of(self, lang: str, text: str) -> set[str]:
        return {term for word in self.indexes[lang].analyze(text).words for term in word}

    def _headings_first(self, ranked: list[Candidate], reader: str | None) -> list[Candidate]:
        """The fused ranking's best candidates, with a section heading that
        holds the question counted (``ranking.with_headings``): headings in
        the question's language, or in any when the corpus has none in it (a
        name shared with another language's heading, "ROI", is no reason to
        put that language first)."""
        top = ranked[:HEADING_RERANK]
        if not top:
            return ranked
        with self._lock:
            headings = store.opening_sections(self._conn, [c.passage_id for c in top])
        coverage = {
            c.passage_id: heading_coverage(c.terms, self._terms_of(c.lang, headings[c.passage_id]))
            for c in top
            if c.passage_id in headings
            and c.terms
            and (c.lang == reader or reader not in self.indexes)
        }
        moved = with_headings(top, coverage)
        cited = {
            pid: title
            for pid, share in coverage.items()
            if share >= CITED_SHARE and (title := heading_title(headings[pid]))
        }
        return cited_sections_first(moved, self._citing(moved, cited)) + ranked[HEADING_RERANK:]

    def _prose_first(self, text: str, ranked: list[Candidate]) -> list[Candidate]:
        """The best candidates with those that are code alone after the prose
        that answers as well, unless the question holds code (``prose_first``)."""
        top = ranked[:HEADING_RERANK]
        if not top or asks_about_code(text):
            return ranked
        found = self.passages_by_id([c.passage_id for c in top])
        code_only = {pid for pid, passage in found.items() if all_code(passage.text)}
        return prose_first(ranked, code_only)  # the whole ranking, its scores in order

    def _citing(self, top: list[Candidate], cited: dict[int, str]) -> dict[int, int]:
        """The passages of ``top`` that cite one of the ``cited`` sections
        (opener id -> heading title) by its heading: citing id -> cited id."""
        if not cited:
            return {}
        found = self.passages_by_id([c.passage_id for c in top])
        citing = {}
        for candidate in top:
            passage = found.get(candidate.passage_id)
            for pid, title in cited.items():
                if (
                    passage is not None
                    and pid != candidate.passage_id
                    and cites(passage.text, title)
                ):
                    citing[candidate.passage_id] = pid
                    break
        return citing

    def unknown_names(self, text: str, lang: str) -> tuple[str, ...]:
        """The words of the names in ``text`` that no passage mentions, in any
        of the corpus's languages ("Instagram" in a corpus that never says it)."""
        return tuple(
            word
            for name in named_things(text, lang)
            for word in words(name)
            if not self._languages_knowing(fold_accents(word))
        )

    def _languages_knowing(self, form: str) -> list[str]:
        """The index languages whose documents hold the (folded) word ``form``."""
        return [lang for lang, index in self.indexes.items() if index.forms.knows(form)]

    def _of_the_right_kind(self, text: str, ranked: list[Candidate]) -> list[Candidate]:
        """The candidates that can hold the kind of answer the question wants
        (``answertype``): for "how many" or "what does it cost", those with a
        number in their text, or in the title heading a document's opening."""
        if not ranked or not expects_number(text):
            return ranked
        found = self.passages_by_id([c.passage_id for c in ranked])
        kept = []
        for candidate in ranked:
            passage = found.get(candidate.passage_id)
            if passage is None:
                continue
            title = passage.title if passage.ordinal == 0 else ""
            if holds_number(f"{title}\n{passage.text}", primary(passage.lang)):
                kept.append(candidate)
        return kept

    def spoken_language(self, text: str, guess: LanguageGuess) -> str | None:
        """The language the question is written in, which may be one the corpus
        has no text in (the semantic layer places it by reference sentences)."""
        if guess.reason == "explicit":
            return guess.tag
        candidates = {*self.languages, *self.semantic.reference_languages}
        spoken = detect_spoken_language(text, candidates)
        if spoken not in self.indexes and not self._foreign(text, spoken):
            spoken = None  # the corpus's words only: read in the corpus's languages
        if spoken is None and guess.reason != "ambiguous":
            return guess.tag
        return spoken

    @property
    def semantic_active(self) -> bool:
        """Whether answers use the semantic layer (vectors present, encoder loaded)."""
        return self.semantic.active

    def ask(
        self,
        question: str,
        lang: str | None = None,
        top: int = 3,
        offset: int = 0,
        *,
        within: str | None = None,
    ) -> Answer:
        """Answer ``question``: the best passages above the floor, best first.

        ``lang`` is the language the question is written in (detected when
        ``None``); ``within`` keeps only passages in that language.
        """
        text = clean_question(question)
        ranking = self._rank(text, lang, within)
        guess, ranked, query, reader = ranking
        if query is not None and ranked:
            query = self._quote_query(text, guess, query)
        # "Another language than the question's" means nothing when no question
        # language was decided (every language searched): no passage is flagged.
        # A question written in a language the corpus lacks (French over
        # English and German articles) is that language's, every passage another's.
        # one hit past the page, so that "more" is never promised in vain
        hits, repeated = self._distinct_quotes(ranked, offset + top + 1, query, bool(reader))
        total = len(ranked) - repeated if len(hits) > offset + top else len(hits)
        return Answer(
            question=text,
            lang=reader or guess.tag,
            lang_reason=ranking.reason,
            hits=tuple(hits[offset : offset + top]),
            searched=tuple(guess.candidates),
            total=total,
        )

    def _distinct_quotes(
        self,
        ranked: list[Candidate],
        count: int,
        query: npt.NDArray[np.float32] | None,
        flagged: bool,
    ) -> tuple[list[Hit], int]:
        """The first ``count`` hits of ``ranked`` whose quotes say something
        new, and how many candidates were passed over for a quote whose every
        sentence an earlier one holds.  Two passages can differ and still
        answer with the same sentences (a paragraph a translation left in the
        original's language, beside the original page): the answer shows them
        once, and every page of it is counted from the first, so that paging
        neither repeats nor skips.  ``flagged``: whether passages in another
        language than the question's are flagged."""
        hits: list[Hit] = []
        quoted: set[str] = set()
        repeated = 0
        start = 0
        while len(hits) < count and start < len(ranked):
            window = ranked[start : start + count - len(hits)]
            start += len(window)
            found = self.passages_by_id([c.passage_id for c in window])
            for candidate in window:
                passage = found.get(candidate.passage_id)
                if passage is None:  # gone since this generation: a later one answers
                    continue
                shown_as = candidate if flagged else replace(candidate, cross_lingual=False)
                hit = self._hit(len(hits) + 1, shown_as, passage, query)
                said = {" ".join(one.split()).casefold() for one in sentences(hit.quote.text)}
                if said <= quoted:
                    repeated += 1
                    continue
                quoted |= said
                hits.append(hit)
        return hits, repeated

    def _quote_query(
        self, text: str, guess: LanguageGuess, query: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32]:
        """What picks the quote: the question, and its distinctive words on their
        own ("measure roi networking"), which keeps the sentence on the question's
        own subject when every sentence of a section shares its theme."""
        lang = guess.tag if guess.tag in self.indexes else next(iter(self.indexes), "en")
        keywords = " ".join(surface_forms(question_text_for(text, lang, lang), lang))
        if not keywords or keywords == text.casefold():
            return query
        both = query + self.semantic.query_vector(keywords)
        return np.asarray(both / max(float(np.linalg.norm(both)), 1e-12), dtype=np.float32)

    def _hit(
        self,
        rank: int,
        candidate: Candidate,
        passage: Passage,
        query: npt.NDArray[np.float32] | None,
    ) -> Hit:
        index = self.indexes[candidate.lang]
        sentence_scores = (
            self.semantic.sentence_scores(candidate.lang, candidate.local, query)
            if query is not None
            else None
        )
        quote, marks = choose_quote(
            passage.text,
            candidate.lang,
            candidate.terms,
            decompound=index.decompound,
            sentence_scores=sentence_scores,
            analyzer=index.analyzer,
        )
        return Hit(rank, round(candidate.score, 4), passage, quote, marks, candidate.cross_lingual)
