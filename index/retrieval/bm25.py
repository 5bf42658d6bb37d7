"""BM25 scoring: the formulas, and rank-bm25 as the reference implementation.

The index serves BM25 from persisted postings (``postings.Field``), computed
with the formulas below.  ``Bm25Index``, a subclass of rank-bm25's ``BM25``,
computes the same scores from token lists in memory: the tests hold the
persisted fields to it, and the benchmarks compare against it.

rank-bm25's ``BM25`` base class counts term frequencies, document lengths and
document frequencies; ``Bm25Index`` subclasses it and makes two deliberate
choices:

* **IDF.** BM25Okapi's ``log((N - n + 0.5) / (n + 0.5))`` is zero or negative
  for a term in half the documents or more, which on a small per-language
  index (five passages, say) silences the very words a question is about.  We
  use the Lucene/BM25+ form ``log(1 + (N - n + 0.5) / (n + 0.5))``: always
  positive, monotone in ``n``, and equal to Okapi's in the limit of rare terms.
* **Scoring.** ``get_scores`` in rank-bm25 loops in Python over every document
  for every query term.  Here the postings of each query term (document ids and
  term frequencies, NumPy arrays built once) pick the candidates, and the
  score of each posting is computed in one vectorised expression.

One small function per formula, as in bm25s.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from rank_bm25 import BM25

K1 = 1.2
B = 0.75

FloatArray = npt.NDArray[np.float64]
AnyFloats = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.int64]


def idf(n_docs: int, doc_freq: int) -> float:
    """Lucene's BM25 IDF: positive even for a term in every document.

    >>> round(idf(2, 2), 3), round(idf(2, 1), 3), idf(2, 1) > idf(2, 2) > 0
    (0.182, 0.693, True)
    """
    return math.log(1.0 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5))


def idf_array(n_docs: int, doc_freqs: npt.NDArray[np.integer]) -> FloatArray:
    """``idf`` for many document frequencies at once (the persisted fields' form).

    >>> [round(float(x), 3) for x in idf_array(2, np.array([2, 1]))]
    [0.182, 0.693]
    """
    return np.log1p((n_docs - doc_freqs + 0.5) / (doc_freqs + 0.5))


def length_norm(doc_len: AnyFloats, avgdl: float, k1: float, b: float) -> FloatArray:
    """The per-document denominator term ``k1 * (1 - b + b * dl / avgdl)``."""
    return np.asarray(k1 * (1.0 - b + b * doc_len / max(avgdl, 1e-9)), dtype=np.float64)


def term_weight(tf: AnyFloats, norm: AnyFloats, k1: float) -> FloatArray:
    """Saturated term frequency ``tf * (k1 + 1) / (tf + norm)``."""
    return np.asarray(tf * (k1 + 1.0) / (tf + norm), dtype=np.float64)


@dataclass(frozen=True)
class Postings:
    docs: IntArray
    tfs: FloatArray


class Bm25Index(BM25):  # type: ignore[misc]
    """BM25 over pre-analyzed documents (lists of terms)."""

    def __init__(self, corpus: Sequence[Sequence[str]], k1: float = K1, b: float = B) -> None:
        self.k1 = k1
        self.b = b
        if not corpus:
            corpus = [[]]  # rank-bm25 divides by the corpus size
            self._empty = True
        else:
            self._empty = False
        super().__init__(corpus)
        self._norm = length_norm(np.asarray(self.doc_len, dtype=np.float64), self.avgdl, k1, b)
        self._build_postings()

    def _calc_idf(self, nd: dict[str, int]) -> None:
        self.doc_count = dict(nd)
        self.idf = {term: idf(self.corpus_size, n) for term, n in nd.items()}

    def _build_postings(self) -> None:
        """Postings of every term as slices of two flat arrays, grouped by term.

        Built with NumPy from rank-bm25's per-document counts: one stable sort
        of (term id, document) pairs, so each term's documents stay in order.
        """
        vocabulary = {term: i for i, term in enumerate(self.doc_count)}
        lengths = np.fromiter((len(f) for f in self.doc_freqs), np.int64, len(self.doc_freqs))
        terms = list(itertools.chain.from_iterable(self.doc_freqs))
        counts = itertools.chain.from_iterable(f.values() for f in self.doc_freqs)
        ids = np.fromiter(map(vocabulary.__getitem__, terms), np.int64, len(terms))
        tfs = np.fromiter(counts, np.float64, len(terms))
        docs = np.repeat(np.arange(len(self.doc_freqs), dtype=np.int64), lengths)
        order = np.argsort(ids, kind="stable")
        self._vocabulary = vocabulary
        self._docs, self._tfs = docs[order], tfs[order]
        per_term = np.bincount(ids, minlength=len(vocabulary))
        self._offsets = np.concatenate(([0], np.cumsum(per_term))).astype(np.int64)

    def _posting(self, term: str) -> Postings | None:
        i = self._vocabulary.get(term)
        if i is None:
            return None
        start, end = self._offsets[i], self._offsets[i + 1]
        return Postings(self._docs[start:end], self._tfs[start:end])

    @property
    def size(self) -> int:
        return 0 if self._empty else int(self.corpus_size)

    def unseen_idf(self) -> float:
        """The weight of a term that occurs nowhere: that of the rarest possible
        term (in one document).  Capping it there keeps one unknown synonym in
        a question from outweighing everything the question shares with a
        passage."""
        return idf(max(self.size, 1), 1)

    def term_idf(self, term: str) -> float:
        return float(self.idf.get(term, self.unseen_idf()))

    def knows(self, term: str) -> bool:
        return term in self._vocabulary

    def vocabulary(self) -> Iterable[str]:
        return self._vocabulary.keys()

    def get_scores(self, query: Sequence[str]) -> FloatArray:
        """Scores of every document for ``query`` (repeated terms count again)."""
        weights: dict[str, float] = {}
        for term in query:
            if term in self._vocabulary:
                weights[term] = weights.get(term, 0.0) + self.idf[term]
        return self.score_terms(weights)

    def score_terms(self, weights: Mapping[str, float]) -> FloatArray:
        """``sum(weight[t] * saturated_tf(t, d))`` for every document ``d``.

        With ``weight = idf`` this is BM25; a smaller weight lets a looser match
        (a cognate, a bigram field) count for less.
        """
        scores = np.zeros(self.size, dtype=np.float64)
        for term, weight in weights.items():
            posting = self._posting(term)
            if posting is not None:
                tf_part = term_weight(posting.tfs, self._norm[posting.docs], self.k1)
                scores[posting.docs] += weight * tf_part
        return scores

    def coverage(self, weights: Mapping[str, float]) -> FloatArray:
        """``sum(weight[t] for t in d)``: how much of the query each document holds."""
        covered = np.zeros(self.size, dtype=np.float64)
        for term, weight in weights.items():
            posting = self._posting(term)
            if posting is not None:
                covered[posting.docs] += weight
        return covered

    def get_batch_scores(self, query: Sequence[str], doc_ids: Sequence[int]) -> FloatArray:
        return self.get_scores(query)[np.asarray(doc_ids, dtype=np.int64)]
