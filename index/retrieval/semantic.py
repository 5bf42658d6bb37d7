"""The semantic layer at question time: scoring passages by meaning.

A question's vector (from the index's encoder, ``encoders``), centred by its
language's mean, is compared with the centred unit vectors of the generation's
vector bundle (``indexing.vectors`` computes and publishes them; ``units``
says what a unit is).  A passage scores as its best unit.  Small languages are
scored exactly; beyond ``ANN_MIN_UNITS`` units an approximate index (usearch,
in the bundle) proposes the units to score exactly.  A bundle may cover only
some passages (the index changed since, or a long computation published what
it had): those are searched semantically, the others lexically until their
vectors are there.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..errors import EncoderUnavailable
from ..storage.arrays import Bundle
from .encoders import Encoder, FloatArray
from .units import UNIT_KINDS, VECTOR_FORMAT

if TYPE_CHECKING:
    from .lexical import LanguageIndex


ANN_UNITS = 256  # units the approximate index returns per question and language
STATS_SAMPLE = 512  # passages whose exact similarity gives the corpus's spread
EXACT_CHUNK = 65_536  # units converted and scored at a time by exact search


@dataclass(frozen=True)
class DenseScores:
    """One language index's passages against one question (local passage order)."""

    score: FloatArray  # calibrated similarity: language-neutral, what ranks
    raw: FloatArray  # cosine of the best unit, as if in the question's language: the floor
    covered: npt.NDArray[np.bool_]  # passages with vectors (the others: -1 in both)
    sample_at: npt.NDArray[np.int64]  # passages whose scores give the corpus's spread
    population: int  # passages with vectors: what the sample stands for

    @property
    def sample(self) -> FloatArray:
        return self.score[self.sample_at]


@dataclass(frozen=True)
class _Rows:
    """Which rows of one language's unit matrix of one kind belong to passages
    of the index (``rows``; ``None``: all of them), and their passages' local
    positions (``local``)."""

    rows: npt.NDArray[np.int64] | None
    local: npt.NDArray[np.int64]

    def pick(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values if self.rows is None else values[self.rows]

    def of_passages(self, positions: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The entries (into ``local``) of the units of the passages at
        ``positions`` (sorted): ``local`` is sorted, a passage's units adjacent.

        >>> _Rows(None, np.array([0, 0, 2, 3, 3, 3])).of_passages(np.array([0, 3])).tolist()
        [0, 1, 3, 4, 5]
        """
        starts = np.searchsorted(self.local, positions, "left")
        ends = np.searchsorted(self.local, positions, "right")
        counts = ends - starts
        if not counts.sum():
            return np.zeros(0, np.int64)
        offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
        return np.asarray(np.arange(int(counts.sum())) + offsets, dtype=np.int64)

    def matrix_rows(self, entries: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return entries if self.rows is None else self.rows[entries]

    def entries_of_rows(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The entries of matrix ``rows`` (rows of passages the index no longer
        has are left out)."""
        if self.rows is None:
            return rows[rows < self.local.size]
        at = np.minimum(np.searchsorted(self.rows, rows), max(self.rows.size - 1, 0))
        return at[self.rows[at] == rows] if self.rows.size else np.zeros(0, np.int64)


@dataclass(frozen=True)
class _Units:
    """Some unit vectors of one kind (float32), with their norms and passages."""

    vectors: FloatArray
    norm: FloatArray
    local: npt.NDArray[np.int64]


def _rows_of(pids: npt.NDArray[np.int64], index: LanguageIndex) -> _Rows:
    """Join a bundle's unit passage ids to an index's passages: units of
    passages the index no longer has are left out (passage ids are never
    reused, so an id names the same text in every generation)."""
    if index.size == 0 or pids.size == 0:
        return _Rows(np.zeros(0, np.int64), np.zeros(0, np.int64))
    pos = np.minimum(np.searchsorted(index.passage_ids, pids), index.size - 1)
    found = index.passage_ids[pos] == pids
    if bool(found.all()):
        return _Rows(None, pos.astype(np.int64))
    return _Rows(np.flatnonzero(found).astype(np.int64), pos[found].astype(np.int64))


_BLAS_LIMITED = threading.Event()


def one_blas_thread() -> None:
    """Run this process's BLAS on one thread (once; a searcher asks for it).

    A question's products are small (a few thousand units by two vectors):
    on one thread they take a tenth of a millisecond; with OpenBLAS's threads
    on a busy machine they wait for one another, measured 100x slower (700 x
    384 by 2: 0.10 ms against 11.5 ms at load 5 on 2 cores).  The encoder
    runs its own threads and is not affected."""
    if _BLAS_LIMITED.is_set():
        return
    _BLAS_LIMITED.set()
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    threadpool_limits(limits=1, user_api="blas")


def _products(vectors: npt.NDArray[Any], both: FloatArray) -> FloatArray:
    """``vectors @ both`` transposed, ``EXACT_CHUNK`` rows at a time: float16
    vectors are converted a block at a time, never the whole matrix at once."""
    out = np.empty((len(vectors), both.shape[1]), np.float32)
    for start in range(0, len(vectors), EXACT_CHUNK):
        block = vectors[start : start + EXACT_CHUNK]
        out[start : start + len(block)] = block.astype(np.float32, copy=False) @ both
    return out.T


def _view_ann(buffer: npt.NDArray[np.uint8], ndim: int) -> Any:
    """Map an approximate index stored in a bundle (no copy)."""
    from usearch.index import Index

    index = Index(ndim=ndim, metric="ip", dtype="i8")
    index.view(memoryview(buffer.data))
    return index


def covered_passages(bundle: Bundle | None, indexes: Mapping[str, LanguageIndex]) -> int:
    """How many of the indexes' passages have their vectors in ``bundle``
    (whichever encoder is loaded)."""
    if bundle is None or bundle.meta.get("format") != VECTOR_FORMAT:
        return 0
    languages = bundle.meta.get("languages", [])
    return sum(
        int(_rows_of(bundle[f"{lang}/p/pid"], index).local.size)
        for lang, index in indexes.items()
        if lang in languages
    )


class SemanticIndex:
    """The mapped vectors of one generation, joined to its language indexes.

    The vectors may be older than the index: passages the index has dropped
    are left out, and passages without vectors yet (``covered`` false) are
    searched lexically until a later bundle has theirs."""

    def __init__(
        self,
        bundle: Bundle | None,
        indexes: Mapping[str, LanguageIndex],
        encoder: Encoder | None,
        *,
        approximate: bool = True,
    ) -> None:
        """``approximate`` False scores every unit exactly even in languages
        that have an approximate index (what a benchmark compares with)."""
        self.encoder = encoder
        self.active = False
        self.covered = 0
        self._bundle = bundle
        self._rows: dict[str, dict[str, _Rows]] = {}
        self._covered: dict[str, npt.NDArray[np.bool_]] = {}
        self._ann: dict[str, Any] = {}  # usearch indexes of large languages, mapped
        self._sample: dict[str, npt.NDArray[np.int64]] = {}
        self._in_sample: dict[str, npt.NDArray[np.bool_]] = {}
        self._sample_units: dict[str, dict[str, _Units]] = {}  # kept in memory, float32
        if bundle is None or encoder is None or bundle.meta.get("model") != encoder.model_id:
            return
        if bundle.meta.get("format") != VECTOR_FORMAT:
            return  # made by another docbot: lexical until docbot index makes them again
        self.languages: list[str] = list(bundle.meta.get("languages", []))
        empty = np.zeros(0, np.int64)
        for lang, index in indexes.items():
            rows = {
                kind: _rows_of(bundle[f"{lang}/{kind}/pid"], index)
                if lang in self.languages
                else _Rows(empty, empty)
                for kind in UNIT_KINDS
            }
            covered = np.zeros(index.size, bool)
            covered[rows["p"].local] = True
            self._rows[lang] = rows
            self._covered[lang] = covered
            self.covered += int(covered.sum())
            if approximate and f"{lang}/ann" in bundle:
                self._ann[lang] = _view_ann(bundle[f"{lang}/ann"], bundle[f"{lang}/p/vec"].shape[1])
                at = np.flatnonzero(covered)
                sample = at[:: max(1, -(-at.size // STATS_SAMPLE))]
                self._sample[lang] = sample
                self._in_sample[lang] = np.zeros(index.size, bool)
                self._in_sample[lang][sample] = True
                self._sample_units[lang] = {}
                for kind in UNIT_KINDS:
                    self._sample_units[lang][kind] = self._units_of(lang, kind, sample)
        if not self.covered:
            return
        self.means = bundle["means"]
        self.reference_languages: list[str] = list(bundle.meta.get("reference_languages", []))
        self._reference = bundle.get("reference/means")
        self.active = True
        one_blas_thread()

    @property
    def approximate_languages(self) -> tuple[str, ...]:
        """The languages searched through an approximate index."""
        return tuple(self._ann)

    def mean_for(self, lang: str | None) -> FloatArray:
        """Where a language sits: the corpus's own mean for its languages; for
        another language the reference sentences' offset from the corpus
        languages' (a German question over English documents); else the
        all-language mean."""
        if lang in self.languages:
            return np.asarray(self.means[self.languages.index(lang)], dtype=np.float32)
        refs = self.reference_languages
        if lang in refs and self._reference is not None:
            anchors = [a for a in self.languages if a in refs]
            if anchors:
                target = self._reference[refs.index(lang)]
                shifted = [
                    self.means[self.languages.index(a)] + target - self._reference[refs.index(a)]
                    for a in anchors
                ]
                return np.asarray(np.mean(shifted, axis=0), dtype=np.float32)
        return np.asarray(self.means.mean(axis=0), dtype=np.float32)

    def query_vector(self, text: str) -> FloatArray:
        if self.encoder is None:
            raise EncoderUnavailable("none", "no encoder loaded")
        return np.asarray(self.encoder.encode_queries([text])[0], dtype=np.float32)

    def scores(
        self,
        query: FloatArray,
        question_lang: str | None,
        lang: str,
        also: npt.NDArray[np.int64] | None = None,
    ) -> DenseScores:
        """Calibrated and raw similarity of the passages of ``lang`` to ``query``.

        A passage's calibrated similarity is 3/4 of the better of its own and
        its best sentence's or window's, plus 1/4 of the other; its raw one is
        the plain cosine of its best unit.  Every passage is scored, or in a
        language with an approximate index those near the question, ``also``
        and a fixed sample (the others: -1, as passages without vectors).
        """
        if self._bundle is None:
            raise EncoderUnavailable("none", "no vectors")
        q_mean = self.mean_for(question_lang)
        centred_q = query - q_mean
        centred_q /= max(float(np.linalg.norm(centred_q)), 1e-12)
        # The floor reads plain cosines, but a question is closer to any text in
        # its own language: a passage in another language is read as if it were
        # in the question's (its language's offset replaced by the question's),
        # when the corpus has text in the question's language.  A language
        # placed by the reference sentences alone stays plain (the floor is a
        # little lower for it instead, ``ranking.CROSS_LINGUAL_ALLOWANCE``):
        # that placement is an estimate, and moving every passage into it lifted
        # them all above the floors (54 of 60 French, Italian and Portuguese
        # questions about Debian answered over the shipped articles).
        at_home = question_lang in self.languages
        offset = float((q_mean if at_home else self.mean_for(lang)) @ query)
        both = np.stack([query, centred_q], axis=1).astype(np.float32)
        covered = self._covered[lang]
        size = int(covered.size)
        passage = np.full(size, -1.0, np.float32)
        raw = np.full(size, -1.0, np.float32)
        part = np.full(size, -1.0, np.float32)  # the best sentence or window
        ann = self._ann.get(lang)
        if ann is not None:
            positions = self._candidates(ann, lang, centred_q, also)
        for kind in UNIT_KINDS:
            rows = self._rows[lang][kind]
            if not rows.local.size:
                continue
            # (similarity to the plain and the centred question, norms, passages)
            if ann is None:  # every unit: one matrix product for both questions
                plain, centred = _products(self._bundle[f"{lang}/{kind}/vec"], both)
                norm = self._bundle[f"{lang}/{kind}/norm"]
                parts = [(rows.pick(plain), rows.pick(centred), rows.pick(norm), rows.local)]
            else:  # the units of the sample (kept in memory) and of the candidates
                parts = [
                    (*(units.vectors @ both).T, units.norm, units.local)
                    for units in (
                        self._sample_units[lang][kind],
                        self._units_of(lang, kind, positions),
                    )
                ]
            for plain, centred, norm, local in parts:
                np.maximum.at(raw, local, norm * plain + offset)
                if kind == "p":
                    passage[local] = centred
                else:
                    np.maximum.at(part, local, centred)
        has_part = part > -1.0
        better = np.where(has_part, np.maximum(passage, part), passage)
        other = np.where(has_part, np.minimum(passage, part), passage)
        scored = passage > -1.0
        score = np.where(scored, 0.75 * better + 0.25 * other, -1.0).astype(np.float32)
        sample_at = self._sample[lang] if ann is not None else np.flatnonzero(covered)
        return DenseScores(score, raw, covered, sample_at, int(covered.sum()))

    def _candidates(
        self, ann: Any, lang: str, centred_q: FloatArray, also: npt.NDArray[np.int64] | None
    ) -> npt.NDArray[np.int64]:
        """Passages to score exactly in a large language: those of the units
        nearest the question (approximate), ``also`` (the lexical candidates)
        and the sample that gives the corpus's spread."""
        assert self._bundle is not None  # a language with an index has a bundle
        keys = np.asarray(ann.search(centred_q, ANN_UNITS).keys, np.int64)
        found = [also] if also is not None else []
        start = 0
        for kind in UNIT_KINDS:
            rows = self._rows[lang][kind]
            count = int(self._bundle[f"{lang}/{kind}/pid"].size)
            mine = keys[(keys >= start) & (keys < start + count)] - start
            found.append(rows.local[rows.entries_of_rows(mine)])
            start += count
        unique = np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
        return np.asarray(unique[~self._in_sample[lang][unique]], dtype=np.int64)

    def _units_of(self, lang: str, kind: str, positions: npt.NDArray[np.int64]) -> _Units:
        """The unit vectors of one kind of the passages at ``positions``, as float32."""
        assert self._bundle is not None  # only asked of a language with vectors
        rows = self._rows[lang][kind]
        entries = rows.of_passages(positions)
        picked = rows.matrix_rows(entries)
        return _Units(
            np.asarray(self._bundle[f"{lang}/{kind}/vec"][picked], dtype=np.float32),
            np.asarray(self._bundle[f"{lang}/{kind}/norm"][picked], dtype=np.float32),
            rows.local[entries],
        )

    def passage_similarity(self, a: tuple[str, int], b: tuple[str, int]) -> float | None:
        """Cosine of two passages' own vectors, centred on their languages, by
        (language, local position): a translation of a passage is close to it
        (``None`` when either has no vector)."""
        if not self.active or self._bundle is None:
            return None
        found = []
        for lang, local in (a, b):
            rows = self._rows[lang]["p"]
            entries = rows.of_passages(np.array([local], np.int64))
            if not entries.size:
                return None
            vector = self._bundle[f"{lang}/p/vec"][int(rows.matrix_rows(entries)[0])]
            found.append(np.asarray(vector, dtype=np.float32))
        first, second = found
        norms = float(np.linalg.norm(first) * np.linalg.norm(second))
        return float(first @ second) / norms if norms else None

    def sentence_scores(
        self, lang: str, local: int, query: FloatArray
    ) -> dict[tuple[int, int], float]:
        """Plain cosine of each sentence of one passage to the question, by span
        (within one passage the language offset is the same for every sentence)."""
        if not self.active or self._bundle is None:
            return {}
        units = self._rows[lang]["s"]
        rows = units.matrix_rows(units.of_passages(np.array([local], np.int64)))
        if rows.size == 0:
            return {}
        own_mean = self.means[self.languages.index(lang)]
        vecs = self._bundle[f"{lang}/s/vec"][rows].astype(np.float32)
        raw = self._bundle[f"{lang}/s/norm"][rows] * (vecs @ query) + float(own_mean @ query)
        starts = self._bundle[f"{lang}/s/start"][rows]
        ends = self._bundle[f"{lang}/s/end"][rows]
        return {(int(a), int(b)): float(v) for a, b, v in zip(starts, ends, raw, strict=True)}
