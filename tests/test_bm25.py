"""BM25 on tiny corpora: positive IDF, the textbook formula, the inverted index."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from docbot.index.analysis.keys import term_key
from docbot.index.retrieval.bm25 import Bm25Index
from docbot.index.retrieval.postings import (
    FIELD_ARRAYS,
    Field,
    build_field,
    concat_blobs,
    counts_blobs,
)
from docbot.index.storage.arrays import open_bundle, write_bundle

TINY = [["roi", "network"], ["roi", "media"], ["media", "social"], ["social", "network", "roi"]]


def textbook(corpus: list[list[str]], query: list[str], k1: float, b: float) -> list[float]:
    n = len(corpus)
    avgdl = sum(map(len, corpus)) / n
    scores = []
    for doc in corpus:
        total = 0.0
        for term in query:
            df = sum(term in d for d in corpus)
            if df == 0:
                continue
            idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
            tf = doc.count(term)
            total += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / avgdl))
        scores.append(total)
    return scores


def test_okapi_idf_vanishes_on_small_corpora_but_ours_does_not() -> None:
    # "roi" is in 3 of 4 documents: Okapi's IDF is negative (floored to epsilon);
    # ours stays positive, so the word still ranks the documents that have it.
    okapi = BM25Okapi(TINY)
    assert math.log(4 - 3 + 0.5) - math.log(3 + 0.5) < 0
    ours = Bm25Index(TINY)
    assert ours.idf["roi"] > 0
    assert ours.get_scores(["roi"])[2] == 0
    assert min(ours.get_scores(["roi"])[[0, 1, 3]]) > 0
    assert okapi.idf["roi"] < ours.idf["roi"]


@pytest.mark.parametrize("query", [["roi"], ["social", "network"], ["media", "roi", "absent"]])
@pytest.mark.parametrize(("k1", "b"), [(1.2, 0.75), (0.9, 0.4)])
def test_scores_match_the_textbook_formula(query: list[str], k1: float, b: float) -> None:
    index = Bm25Index(TINY, k1=k1, b=b)
    np.testing.assert_allclose(index.get_scores(query), textbook(TINY, query, k1, b))


def test_batch_scores_and_term_weights() -> None:
    index = Bm25Index(TINY)
    np.testing.assert_allclose(
        index.get_batch_scores(["roi"], [3, 0]), index.get_scores(["roi"])[[3, 0]]
    )
    half = index.score_terms({"roi": index.idf["roi"] / 2})
    np.testing.assert_allclose(half * 2, index.get_scores(["roi"]))


def test_coverage_counts_matched_weight() -> None:
    index = Bm25Index(TINY)
    covered = index.coverage({"roi": 1.0, "social": 2.0})
    assert covered.tolist() == [1.0, 1.0, 2.0, 3.0]


def test_one_document_and_empty_corpora() -> None:
    single = Bm25Index([["only", "doc"]])
    assert single.get_scores(["doc"])[0] > 0
    empty = Bm25Index([])
    assert empty.size == 0
    assert empty.get_scores(["x"]).tolist() == []
    assert empty.unseen_idf() > 0


def _persisted_field(corpus: list[list[str]], k1: float, b: float, tmp_path: Path) -> Field:
    keys = np.array([term_key(t) for doc in corpus for t in doc], np.int64)
    owner = np.repeat(np.arange(len(corpus)), [len(doc) for doc in corpus])
    blobs = counts_blobs(keys, owner, len(corpus))
    path = tmp_path / "field.arrays"
    write_bundle(path, build_field(*concat_blobs(blobs)), {})
    bundle = open_bundle(path)
    return Field.open({k: bundle[k] for k in FIELD_ARRAYS}, k1, b)


@pytest.mark.parametrize("k1,b", [(0.9, 0.4), (1.2, 0.75)])
def test_persisted_fields_score_as_rank_bm25_does(k1: float, b: float, tmp_path: Path) -> None:
    corpus = [
        "social media is a channel a channel for messages".split(),
        "social networking is conversation".split(),
        "roi of networking is easier to measure than roi of media".split(),
        "measure".split(),
    ]
    field = _persisted_field(corpus, k1, b, tmp_path)
    reference = Bm25Index(corpus, k1=k1, b=b)
    for query in (["roi"], ["social", "networking"], ["measure", "roi", "channel"], ["absent"]):
        weights = {t: reference.idf[t] for t in query if t in reference.idf}
        np.testing.assert_allclose(field.score_terms(weights), reference.get_scores(query))
        for term in query:
            assert math.isclose(field.term_idf(term), reference.idf.get(term, field.unseen_idf()))
