"""BM25 per language over persisted arrays: building them, and scoring a question.

Each language index has three BM25 fields (``postings.Field``): stems, exact
surface forms, and bigrams of surface forms (phrase evidence).  Two numbers
come out for each passage, both relative to the question's *ideal weight*
(the sum of its words' IDFs, words the index has never seen weighing as much
as its rarest):

* **relevance**, the combined BM25 score over that ideal;
* **coverage**, the share of that ideal the passage holds (matched words and
  word pairs, whatever their frequency).

``build_generation`` turns the passages' stored term blobs into the arrays
of every language: the fields, German compound parts (split against the
vocabulary), the vocabulary's strings and a trigram table for cognates.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..analysis.analyzer import Analyzer, stem, surface_forms
from ..analysis.compounds import split_stem, vocabulary_decompounder
from ..analysis.fuzzy import cognate_key, similarity, trigrams
from ..analysis.keys import pair_keys, term_key
from ..languages import compounds as splits_compounds
from ..storage.arrays import Bundle
from .postings import FIELD_ARRAYS, Field, build_field, concat_blobs

K1 = 0.9
B = 0.4
FORMS_WEIGHT = 0.3
PAIRS_WEIGHT = 0.3
FUZZY_MIN_SIMILARITY = 0.7
FUZZY_MIN_LENGTH = 5
PREFIX_MIN_LENGTH = 5
PREFIX_MIN_SHARE = 0.75
FIELD_NAMES = ("stem", "form", "pair")
TrigramTable = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]
PARALLEL_FIELD_MEMORY = 1 << 30  # building fields side by side only below this much
PARALLEL_BYTES_PER_POSTING = 3 * 48  # three fields, each posting copied a few times

FloatArray = npt.NDArray[np.float64]


def trigram_keys(term: str) -> list[int]:
    """Hashes of the trigrams of ``term``'s cognate key (the fuzzy table's keys)."""
    if len(term) < FUZZY_MIN_LENGTH - 1:
        return []
    return sorted(term_key(t) for t in trigrams(cognate_key(term)))


# --- building ---------------------------------------------------------------------


def _strings_blob(texts: Sequence[str]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    encoded = [t.encode("utf-8") for t in texts]
    offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), np.uint8).copy(), offsets


def _compound_postings(
    lang: str, keys: npt.NDArray[np.int64], docs: Any, tfs: Any, texts: dict[int, str]
) -> tuple[npt.NDArray[np.int64], Any, Any] | None:
    """Postings for the parts of compound stems (German's), split on the vocabulary."""
    if not splits_compounds(lang) or keys.size == 0:
        return None
    vocab = np.unique(keys)
    strings = {texts.get(int(k), "") for k in vocab}
    strings.discard("")
    compounds: dict[int, tuple[int, int]] = {}
    for text in strings:
        parts = split_stem(text, strings.__contains__, lambda w: stem(w, lang))
        if parts:
            compounds[term_key(text)] = (term_key(parts[0]), term_key(parts[1]))
    if not compounds:
        return None
    comp_keys = np.array(sorted(compounds), np.int64)
    heads = np.array([compounds[int(k)][0] for k in comp_keys], np.int64)
    tails = np.array([compounds[int(k)][1] for k in comp_keys], np.int64)
    where = np.flatnonzero(np.isin(keys, comp_keys))
    pos = np.searchsorted(comp_keys, keys[where])
    return (
        np.concatenate([heads[pos], tails[pos]]),
        np.concatenate([docs[where], docs[where]]),
        np.concatenate([tfs[where], tfs[where]]),
    )


def _fuzzy_table(vocab: npt.NDArray[Any], tri: TrigramTable) -> dict[str, npt.NDArray[Any]]:
    """Trigram key -> the ids of the vocabulary terms whose cognate key has it."""
    owners, grams = tri
    ids = np.searchsorted(vocab, owners)
    ids = np.minimum(ids, max(vocab.size - 1, 0))
    present = (vocab[ids] == owners) if vocab.size else np.zeros(owners.size, bool)
    grams, ids = grams[present], ids[present].astype(np.int32)
    order = np.lexsort((ids, grams))
    table, counts = np.unique(grams[order], return_counts=True)
    offsets = np.zeros(table.size + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    return {"keys": table, "offsets": offsets, "terms": ids[order]}


def trigram_table(tri: dict[int, bytes]) -> TrigramTable:
    """``(owner term key, trigram key)`` pairs from the vocabulary table's blobs."""
    if not tri:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    blobs = list(tri.values())
    lengths = np.fromiter((len(b) // 8 for b in blobs), np.int64, len(blobs))
    owners = np.repeat(np.fromiter(tri.keys(), np.int64, len(tri)), lengths)
    return owners, np.frombuffer(b"".join(blobs), np.int64)


def _language_arrays(
    lang: str,
    pids: npt.NDArray[np.int64],
    fields: dict[str, dict[str, npt.NDArray[Any]]],
    texts: dict[int, str],
    tri: TrigramTable,
) -> dict[str, npt.NDArray[Any]]:
    arrays: dict[str, npt.NDArray[Any]] = {f"{lang}/pids": pids}
    for name, field in fields.items():
        for key, value in field.items():
            arrays[f"{lang}/{name}/{key}"] = value
    vocab = fields["stem"]["vocab"]
    blob, offsets = _strings_blob([texts.get(int(k), "") for k in vocab])
    arrays[f"{lang}/stem/text"] = blob
    arrays[f"{lang}/stem/text_offsets"] = offsets
    for key, value in _fuzzy_table(vocab, tri).items():
        arrays[f"{lang}/fuzzy/{key}"] = value
    return arrays


def _fields_from_rows(
    lang: str, rows: Sequence[tuple[Any, ...]], texts: dict[int, str]
) -> dict[str, dict[str, npt.NDArray[Any]]]:
    """The three fields of one language; built side by side in threads (NumPy's
    sorting and copying release the interpreter lock, so they use every core)."""

    def one(f: int, name: str) -> dict[str, npt.NDArray[Any]]:
        keys, docs, tfs, n = concat_blobs([(r[2 + 2 * f], r[3 + 2 * f]) for r in rows])
        extra = _compound_postings(lang, keys, docs, tfs, texts) if name == "stem" else None
        return build_field(keys, docs, tfs, n, extra)

    postings = sum(len(r[2]) // 8 for r in rows)  # stem postings: about a field's size
    workers = min(len(FIELD_NAMES), os.cpu_count() or 1)
    if postings * PARALLEL_BYTES_PER_POSTING > PARALLEL_FIELD_MEMORY:
        workers = 1  # a large corpus: one field at a time, a third of the memory
    with ThreadPoolExecutor(max_workers=workers) as pool:
        built = pool.map(one, range(len(FIELD_NAMES)), FIELD_NAMES)
        return dict(zip(FIELD_NAMES, built, strict=True))


def build_generation(
    rows: Iterable[tuple[Any, ...]], texts: dict[int, str], tri: dict[int, bytes]
) -> dict[str, npt.NDArray[Any]]:
    """Every language's search arrays from ``store.serving_rows``."""
    table = trigram_table(tri)
    by_lang: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        by_lang[row[1]].append(row)
    arrays: dict[str, npt.NDArray[Any]] = {}
    for lang, lang_rows in sorted(by_lang.items()):
        pids = np.array([r[0] for r in lang_rows], np.int64)
        fields = _fields_from_rows(lang, lang_rows, texts)
        arrays.update(_language_arrays(lang, pids, fields, texts, table))
    return arrays


def _kept_postings(
    previous: Bundle, prefix: str, keep: npt.NDArray[np.bool_], remap: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    """A previous field's postings of the passages that stay, renumbered, in term order."""
    vocab, offsets = previous[f"{prefix}/vocab"], previous[f"{prefix}/offsets"]
    docs, tfs = previous[f"{prefix}/docs"], previous[f"{prefix}/tfs"]
    keys = np.repeat(vocab, np.diff(offsets))
    if keep.all():  # nothing removed: the postings stay as they are
        return keys, np.asarray(docs, np.int32), np.asarray(tfs, np.float32)
    mask = keep[docs]
    return keys[mask], remap[docs[mask]].astype(np.int32), tfs[mask]


def _merged_field(
    kept: tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32]],
    new: tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.int32]],
    doc_len: npt.NDArray[np.float32],
) -> dict[str, npt.NDArray[Any]]:
    """Kept postings (in term order) and new ones merged without sorting them all."""
    order = np.argsort(new[0], kind="stable")
    new_keys = new[0][order]
    at = np.searchsorted(kept[0], new_keys, side="right")
    keys = np.insert(kept[0], at, new_keys)
    docs = np.insert(kept[1], at, new[1][order])
    tfs = np.insert(kept[2], at, new[2][order].astype(np.float32))
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if keys.size else keys
    return {
        "vocab": keys[starts].astype(np.int64),
        "offsets": np.append(starts, keys.size).astype(np.int64),
        "docs": docs.astype(np.int32),
        "tfs": tfs.astype(np.float32),
        "doc_len": doc_len,
    }


def patch_generation(
    previous: Bundle,
    current: dict[str, npt.NDArray[np.int64]],
    rows_of: Callable[[str, Sequence[int] | None], list[tuple[Any, ...]]],
    texts: dict[int, str],
    tri: dict[int, bytes],
) -> dict[str, npt.NDArray[Any]]:
    """The next generation's arrays from the previous one: postings of passages
    that stay are kept (renumbered), removed ones dropped, new ones merged in.
    The result equals ``build_generation`` on the same passages.

    ``current`` is each language's passage ids now (ascending); ``rows_of(lang,
    ids)`` reads serving rows (all of the language's when ``ids`` is None).
    A compounding language (German) is rebuilt whole: its compound parts depend
    on the whole vocabulary.
    """
    arrays: dict[str, npt.NDArray[Any]] = {}
    table = trigram_table(tri)
    known = set(previous.meta.get("languages", []))
    for lang, pids in sorted(current.items()):
        if splits_compounds(lang) or lang not in known:
            rows = rows_of(lang, None)
            fields = _fields_from_rows(lang, rows, texts)
            arrays.update(_language_arrays(lang, pids, fields, texts, table))
            continue
        old = previous[f"{lang}/pids"]
        keep = np.isin(old, pids)
        remap = np.cumsum(keep) - 1
        added = pids[~np.isin(pids, old)]
        rows = rows_of(lang, added.tolist()) if added.size else []
        fields = {}
        for f, name in enumerate(FIELD_NAMES):
            keys, docs, tfs, n = concat_blobs([(r[2 + 2 * f], r[3 + 2 * f]) for r in rows])
            n_kept = int(keep.sum())
            doc_len = np.concatenate(
                [
                    previous[f"{lang}/{name}/doc_len"][keep],
                    np.bincount(docs, weights=tfs, minlength=n).astype(np.float32),
                ]
            )
            kept = _kept_postings(previous, f"{lang}/{name}", keep, remap)
            fields[name] = _merged_field(kept, (keys, docs + n_kept, tfs), doc_len)
        arrays.update(_language_arrays(lang, pids, fields, texts, table))
    return arrays


# --- searching --------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A question analyzed for one language index."""

    words: tuple[tuple[str, ...], ...]  # per word: its stem, then its parts if any
    forms: tuple[str, ...]  # surface forms, each once
    pairs: tuple[int, ...]  # keys of adjacent surface-form pairs


@dataclass(frozen=True)
class LexicalScores:
    """Every passage of one language index against one question."""

    relevance: FloatArray  # combined BM25 score / the query's ideal weight
    coverage: FloatArray  # share of the query's weight each passage matches
    matched: npt.NDArray[np.int64]  # distinct query terms matched
    weight: FloatArray  # their summed IDF
    terms: dict[str, float]  # matchable stems and their weights (for quotes)


class LanguageIndex:
    """One language's passages, searchable through three mapped BM25 fields."""

    def __init__(self, lang: str, bundle: Bundle) -> None:
        self.lang = lang
        prefix = f"{lang}/"
        self.passage_ids: npt.NDArray[np.int64] = bundle[f"{prefix}pids"]
        fields = {
            name: Field.open({k: bundle[f"{prefix}{name}/{k}"] for k in FIELD_ARRAYS}, K1, B)
            for name in FIELD_NAMES
        }
        self.stems, self.forms, self.pairs = fields["stem"], fields["form"], fields["pair"]
        self._text = bundle[f"{prefix}stem/text"]
        self._text_offsets = bundle[f"{prefix}stem/text_offsets"]
        self._fuzzy_keys = bundle[f"{prefix}fuzzy/keys"]
        self._fuzzy_offsets = bundle[f"{prefix}fuzzy/offsets"]
        self._fuzzy_terms = bundle[f"{prefix}fuzzy/terms"]
        self.decompound: Callable[[str], list[str]] | None = None
        if splits_compounds(lang):
            self.decompound = vocabulary_decompounder(self.stems.knows, lambda w: stem(w, lang))
        # Questions and quotes meet the same words again and again: one cache.
        self.analyzer = Analyzer(lang, self.decompound)

    @property
    def size(self) -> int:
        return int(self.passage_ids.size)

    def term_text(self, term_id: int) -> str:
        start, end = int(self._text_offsets[term_id]), int(self._text_offsets[term_id + 1])
        return bytes(self._text[start:end]).decode("utf-8")

    def analyze(self, text: str) -> Query:
        groups: dict[tuple[int, int], list[str]] = {}
        for term, start, end in self.analyzer.spans(text):
            group = groups.setdefault((start, end), [])
            if term not in group:
                group.append(term)
        unique = {tuple(g): None for g in groups.values()}
        forms = surface_forms(text, self.lang)
        form_keys = np.array([term_key(f) for f in forms], np.int64)
        return Query(
            tuple(unique),
            tuple(dict.fromkeys(forms)),
            tuple(dict.fromkeys(pair_keys(form_keys).tolist())),
        )

    def similar_terms(self, term: str) -> list[tuple[str, float]]:
        """Vocabulary terms that look like ``term`` (cognates, spelling variants)."""
        if len(term) < FUZZY_MIN_LENGTH:
            return []
        counts: dict[int, int] = {}
        for key in trigram_keys(term):
            i = int(np.searchsorted(self._fuzzy_keys, key))
            if i < self._fuzzy_keys.size and int(self._fuzzy_keys[i]) == key:
                start, end = int(self._fuzzy_offsets[i]), int(self._fuzzy_offsets[i + 1])
                for term_id in self._fuzzy_terms[start:end].tolist():
                    counts[term_id] = counts.get(term_id, 0) + 1
        key_of_term = cognate_key(term)
        scored = []
        for term_id, count in counts.items():
            if count >= 3:
                known = self.term_text(term_id)
                scored.append((known, similarity(key_of_term, cognate_key(known))))
        good = sorted((s for s in scored if s[1] >= FUZZY_MIN_SIMILARITY), key=lambda s: -s[1])
        return good[:2]

    def stem_relatives(self, term: str) -> list[tuple[str, float]]:
        """Known stems that are a long prefix of ``term`` (derivations the
        stemmer leaves apart: "automatiz" ~ "automat"), weighed by how much of
        ``term`` they cover."""
        for cut in range(len(term) - 1, PREFIX_MIN_LENGTH - 1, -1):
            share = cut / len(term)
            if share < PREFIX_MIN_SHARE:
                break
            if self.stems.knows(term[:cut]):
                return [(term[:cut], share)]
        return []

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

    def score(self, query: Query, fuzzy: bool) -> LexicalScores | None:
        """Relevance and coverage of every passage for ``query``.

        Relevance adds BM25 over exact forms and over form bigrams (phrase
        evidence) to BM25 over stems.  Coverage credits matched bigrams too,
        so a passage holding "video sharing" covers more of "video sharing
        sites" than one holding "share" and "sites" apart.
        """
        weights, ideal = self.term_weights(query, fuzzy)
        if not weights or ideal <= 0:
            return None
        pair_weights = {p: self.pairs.term_idf(p) for p in query.pairs if self.pairs.knows(p)}
        pair_ideal = sum(self.pairs.term_idf(p) for p in query.pairs)
        total, stem_weight, matched = self.stems.score_and_cover(weights)
        total += FORMS_WEIGHT * self.forms.score_terms(
            {f: self.forms.term_idf(f) for f in query.forms if self.forms.knows(f)}
        )
        pair_scores, pair_covered, _ = self.pairs.score_and_cover(pair_weights)
        total += PAIRS_WEIGHT * pair_scores
        covered = stem_weight + PAIRS_WEIGHT * pair_covered
        full = ideal + PAIRS_WEIGHT * pair_ideal
        return LexicalScores(total / ideal, covered / full, matched, stem_weight, weights)
