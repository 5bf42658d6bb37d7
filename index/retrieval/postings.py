"""Postings: one BM25 field of one language, built once, searched from mapped arrays.

Terms are identified by a 64-bit hash (``keys.term_key``), so that a passage's
terms can be stored as a small blob and a field rebuilt from blobs without
re-reading or re-hashing any text.  A field is five arrays:

``vocab``   the distinct term hashes, sorted (a term's id is its position);
``offsets`` where each term's postings start in ``docs``/``tfs``;
``docs``    the passages (local numbers) holding each term, in order;
``tfs``     the term's frequency in each of them;
``doc_len`` each passage's length in terms.

Scoring reads only the postings of the question's terms (the formulas are in
``bm25``), so a question costs the same whether the field holds a thousand
passages or a million.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from ..analysis.keys import term_key
from .bm25 import idf_array, length_norm, term_weight

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
FIELD_ARRAYS = ("vocab", "offsets", "docs", "tfs", "doc_len")


def counts_blobs(
    keys: npt.NDArray[np.int64], owner: npt.NDArray[np.int64], n: int
) -> list[tuple[bytes, bytes]]:
    """Each of ``n`` passages' distinct term keys and their frequencies, as two
    blobs, from all their keys at once (``owner`` says whose each key is,
    ascending): what ``concat_blobs`` reads back.

    >>> [(np.frombuffer(k, np.int64).tolist(), np.frombuffer(t, np.int32).tolist())
    ...  for k, t in counts_blobs(np.array([5, 3, 5, 7]), np.array([0, 0, 0, 2]), 3)]
    [([3, 5], [1, 2]), ([], []), ([7], [1])]
    """
    order = np.lexsort((keys, owner))
    keys, owner = keys[order], owner[order]
    first = np.ones(keys.size, bool)
    first[1:] = (keys[1:] != keys[:-1]) | (owner[1:] != owner[:-1])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, keys.size)).astype(np.int32).tobytes()
    distinct = keys[starts].tobytes()
    bounds = np.searchsorted(owner[starts], np.arange(n + 1)).tolist()
    return [(distinct[8 * a : 8 * b], counts[4 * a : 4 * b]) for a, b in pairwise(bounds)]


def concat_blobs(
    blobs: Sequence[tuple[bytes, bytes]],
) -> tuple[IntArray, npt.NDArray[np.int32], npt.NDArray[np.int32], int]:
    """All postings of a field, unsorted: ``(hashes, passages, tfs, passage count)``
    from each passage's ``(hashes, tfs)`` blobs, passages numbered in order."""
    lengths = np.fromiter((len(h) // 8 for h, _ in blobs), np.int64, len(blobs))
    hashes = np.frombuffer(b"".join([h for h, _ in blobs]), np.int64)
    tfs = np.frombuffer(b"".join([t for _, t in blobs]), np.int32)
    docs = np.repeat(np.arange(len(blobs), dtype=np.int32), lengths)
    return hashes, docs, tfs, len(blobs)


def build_field(
    hashes: IntArray,
    docs: npt.NDArray[np.int32],
    tfs: npt.NDArray[np.int32],
    n_docs: int,
    extra: tuple[IntArray, npt.NDArray[np.int32], npt.NDArray[np.int32]] | None = None,
) -> dict[str, npt.NDArray[np.generic]]:
    """The arrays of one field from its postings (``concat_blobs``).

    ``extra`` adds postings ``(hashes, docs, tfs)`` that do not count towards
    passage lengths (the parts of German compounds); a passage that gets the
    same term twice has the frequencies added.
    """
    doc_len = np.bincount(docs, weights=tfs, minlength=n_docs).astype(np.float32)
    merge = extra is not None and extra[0].size > 0
    if extra is not None and merge:
        order = np.lexsort((np.concatenate([docs, extra[1]]), np.concatenate([hashes, extra[0]])))
        hashes = np.concatenate([hashes, extra[0]])[order]
        docs = np.concatenate([docs, extra[1]])[order]
        tfs = np.concatenate([tfs, extra[2]])[order]
    else:  # a term's passages may come in any order: scores add per passage
        order = np.argsort(hashes)
        hashes, docs, tfs = hashes[order], docs[order], tfs[order]
    weights: npt.NDArray[Any] = tfs.astype(np.float32)
    if merge and docs.size > 1:
        same = (hashes[1:] == hashes[:-1]) & (docs[1:] == docs[:-1])
        if same.any():
            keep = np.concatenate(([True], ~same))
            weights = np.bincount(np.cumsum(keep) - 1, weights=weights).astype(np.float32)
            hashes, docs = hashes[keep], docs[keep]
    starts = (
        np.flatnonzero(np.concatenate(([True], hashes[1:] != hashes[:-1])))
        if hashes.size
        else np.zeros(0, np.int64)
    )
    offsets = np.append(starts, hashes.size).astype(np.int64)
    return {
        "vocab": hashes[starts].astype(np.int64),
        "offsets": offsets,
        "docs": docs.astype(np.int32),
        "tfs": weights,
        "doc_len": doc_len,
    }


TERM_CACHE = 65_536  # a field remembers this many term look-ups


@dataclass(frozen=True)
class Field:
    """One BM25 field over mapped arrays."""

    vocab: IntArray
    offsets: IntArray
    docs: npt.NDArray[np.int32]
    tfs: npt.NDArray[np.float32]
    norm: npt.NDArray[np.float32]  # k1 * (1 - b + b * dl / avgdl), per passage
    idf: npt.NDArray[np.float64]  # per term id
    k1: float
    size: int
    _ids: dict[int, int] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def open(cls, arrays: Mapping[str, npt.NDArray[np.generic]], k1: float, b: float) -> Field:
        doc_len = arrays["doc_len"].astype(np.float32)
        size = int(doc_len.size)
        avgdl = float(doc_len.mean()) if size else 0.0
        offsets = arrays["offsets"].astype(np.int64, copy=False)
        return cls(
            vocab=arrays["vocab"].astype(np.int64, copy=False),
            offsets=offsets,
            docs=arrays["docs"],  # type: ignore[arg-type]
            tfs=arrays["tfs"],  # type: ignore[arg-type]
            norm=length_norm(doc_len, avgdl, k1, b).astype(np.float32),
            idf=idf_array(max(size, 1), np.diff(offsets)),
            k1=k1,
            size=size,
        )

    def term_id(self, term: str | int) -> int | None:
        """The id of a term (or of a term key), or ``None`` when no passage holds it."""
        return self.hash_id(term if isinstance(term, int) else term_key(term))

    def hash_id(self, key: int) -> int | None:
        cached = self._ids.get(key)
        if cached is None:
            i = int(self.vocab.searchsorted(key))
            cached = i if i < self.vocab.size and int(self.vocab[i]) == key else -1
            if len(self._ids) >= TERM_CACHE:
                self._ids.clear()
            self._ids[key] = cached
        return None if cached < 0 else cached

    def knows(self, term: str | int) -> bool:
        return self.term_id(term) is not None

    def unseen_idf(self) -> float:
        """The weight of a term that occurs nowhere: that of the rarest possible
        term (in one passage).  Capping it there keeps one unknown synonym in a
        question from outweighing everything it shares with a passage."""
        return float(idf_array(max(self.size, 1), np.ones(1, np.int64))[0])

    def term_idf(self, term: str | int) -> float:
        i = self.term_id(term)
        return self.unseen_idf() if i is None else float(self.idf[i])

    def _postings(self, term_id: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        start, end = self.offsets[term_id], self.offsets[term_id + 1]
        return self.docs[start:end], self.tfs[start:end]

    def score_terms(self, weights: Mapping[str, float] | Mapping[int, float]) -> FloatArray:
        """``sum(weight[t] * saturated_tf(t, d))`` for every passage ``d``.

        With ``weight = idf`` this is BM25; a smaller weight lets a looser match
        (a cognate, a bigram field) count for less.
        """
        scores = np.zeros(self.size, dtype=np.float64)
        for term, weight in weights.items():
            i = self.term_id(term)
            if i is not None:
                docs, tfs = self._postings(i)
                scores[docs] += weight * term_weight(tfs, self.norm[docs], self.k1)
        return scores

    def score_and_cover(
        self, weights: Mapping[str, float] | Mapping[int, float]
    ) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
        """``score_terms``, ``coverage`` and the number of terms matched, in one
        walk over the terms' postings."""
        scores = np.zeros(self.size, dtype=np.float64)
        covered = np.zeros(self.size, dtype=np.float64)
        matched = np.zeros(self.size, dtype=np.int64)
        for term, weight in weights.items():
            i = self.term_id(term)
            if i is not None:
                docs, tfs = self._postings(i)
                scores[docs] += weight * term_weight(tfs, self.norm[docs], self.k1)
                covered[docs] += weight
                matched[docs] += 1
        return scores, covered, matched

    def coverage(self, weights: Mapping[str, float] | Mapping[int, float]) -> FloatArray:
        """``sum(weight[t] for t in d)``: how much of the query each passage holds."""
        covered = np.zeros(self.size, dtype=np.float64)
        for term, weight in weights.items():
            i = self.term_id(term)
            if i is not None:
                covered[self._postings(i)[0]] += weight
        return covered
