"""Computing the semantic layer's vectors at index time, and publishing them.

Vectors are computed in batches (``embedding``; in worker processes, or on a
Dask cluster), passage units first, then sentences and pairs, and cached in
SQLite by the hash of model and text, so a passage that did not change is not
embedded again.  Each language's mean vector (over the corpus's units in that
language, shrunk towards the all-language mean when there are few) is
subtracted from its units: a multilingual encoder still puts every language
somewhere of its own, and centring leaves what the texts say rather than which
language they say it in.  The centred vectors of a generation go into their
own array bundle, with an approximate nearest-neighbour index for large
languages, which a searcher maps (``retrieval.semantic``).
"""

from __future__ import annotations

import array
import contextlib
import os
import threading
import time
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt

from ..retrieval.encoders import (
    DEFAULT_ENCODER,
    Encoder,
    FloatArray,
    load_encoder,
    model_id_of,
    reference_vectors,
)
from ..retrieval.units import (
    REFERENCE_PREFIX,
    UNIT_KINDS,
    VECTOR_FORMAT,
    Unit,
    passage_units,
    reference_units,
    unit_key,
)
from ..storage import store
from ..storage.arrays import BundleCheck, BundleError, Streamed, write_bundle
from .embedding import EMBED_BATCH, EmbedTask, embed_batch

if TYPE_CHECKING:
    pass


MEAN_SHRINK_UNITS = 20.0
# A language with more units than this is searched through an approximate
# nearest-neighbour index (HNSW, usearch) and its vectors stored as float16;
# below, every unit is scored exactly (float32, one matrix product).  Exact
# scoring costs about a microsecond a unit on this machine's cores.
ANN_MIN_UNITS = 20_000
Progress = Callable[[int, int, str], None]


def _current_units(conn: Any) -> list[tuple[str, Unit]]:
    return list(_iter_units(conn))


def _units_of(row: tuple[int, str, str, str | None, str, bool]) -> list[Unit]:
    """The units of one ``store.passage_texts`` row: its section heads only the
    section's first passage."""
    pid, _prim, title, section, text, opens = row
    return passage_units(pid, title, section if opens else None, text)


def _iter_units(conn: Any) -> Iterator[tuple[str, Unit]]:
    """Every unit of the index's passages, then the reference sentences (when
    there are passages), one passage at a time."""
    some = False
    for row in store.passage_texts(conn):
        some = True
        yield from ((row[1], u) for u in _units_of(row))
    if some:
        yield from reference_units()


@dataclass(frozen=True)
class UnitTable:
    """Units without their texts, as arrays: what publishing vectors needs
    (a large corpus's texts, held once more, cost gigabytes).  Per unit: its
    language (an index into ``langs``, which holds the reference sentences'
    ``ref:xx`` too), kind (an index into ``UNIT_KINDS``), passage, span, the
    text's length and cache key."""

    langs: tuple[str, ...]
    lang: npt.NDArray[np.int32]
    kind: npt.NDArray[np.int8]
    pid: npt.NDArray[np.int64]
    start: npt.NDArray[np.int32]
    end: npt.NDArray[np.int32]
    length: npt.NDArray[np.int32]
    keys: list[bytes]

    @classmethod
    def of(cls, units: Iterable[tuple[str, Unit]], model_id: str) -> UnitTable:
        langs: dict[str, int] = {}
        columns = {name: array.array(code) for name, code in _TABLE_COLUMNS}
        keys = []
        for prim, unit in units:
            columns["lang"].append(langs.setdefault(prim, len(langs)))
            columns["kind"].append(UNIT_KINDS.index(unit.kind))
            columns["pid"].append(unit.pid)
            columns["start"].append(unit.start)
            columns["end"].append(unit.end)
            columns["length"].append(len(unit.text))
            keys.append(unit_key(model_id, unit))
        arrays = {name: np.frombuffer(columns[name], _NUMPY[code]) for name, code in _TABLE_COLUMNS}
        return cls(tuple(langs), keys=keys, **arrays)

    def __len__(self) -> int:
        return len(self.keys)

    def reference(self) -> npt.NDArray[np.bool_]:
        """Which units are reference sentences."""
        flags = np.array([name.startswith(REFERENCE_PREFIX) for name in self.langs], bool)
        return flags[self.lang] if self.langs else np.zeros(0, bool)

    def subset(self, rows: npt.NDArray[Any]) -> UnitTable:
        """The units at ``rows`` (positions, or a mask)."""
        picked = np.flatnonzero(rows) if rows.dtype == np.bool_ else rows
        return UnitTable(
            self.langs,
            self.lang[picked],
            self.kind[picked],
            self.pid[picked],
            self.start[picked],
            self.end[picked],
            self.length[picked],
            [self.keys[i] for i in picked.tolist()],
        )

    def embed_order(self, cached: Container[bytes]) -> npt.NDArray[np.int64]:
        """The rows to embed, each text once, skipping ``cached`` keys: every
        passage first (a coarse layer that can be published early), then
        sentences and pairs; within each, by length, so that a batch holds
        texts of about one length (the encoder pads a batch to its longest).

        >>> units = [("en", Unit(1, 0, 9, "two words", "s")), ("en", Unit(1, -1, -1, "a b c")),
        ...          ("en", Unit(2, -1, -1, "a")), ("en", Unit(3, 0, 9, "two words", "w"))]
        >>> table = UnitTable.of(units, "m")
        >>> table.embed_order(set()).tolist(), table.embed_order({table.keys[2]}).tolist()
        ([2, 1, 0], [1, 0])
        """
        seen = set()
        rows = []
        for row in np.lexsort((self.length, self.kind != UNIT_KINDS.index("p"))).tolist():
            key = self.keys[row]
            if key not in seen and key not in cached:
                seen.add(key)
                rows.append(row)
        return np.array(rows, np.int64)


_TABLE_COLUMNS = (
    ("lang", "i"),
    ("kind", "b"),
    ("pid", "q"),
    ("start", "i"),
    ("end", "i"),
    ("length", "i"),
)
_NUMPY = {"i": np.int32, "b": np.int8, "q": np.int64}


def _current_table(conn: Any, model_id: str) -> UnitTable:
    return UnitTable.of(_iter_units(conn), model_id)


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


class TextBatches(Sequence[EmbedTask]):
    """The texts of ``rows`` of a unit table as embedding tasks of
    ``EMBED_BATCH``, each read from the index when it is asked for (by the
    threads that feed the workers, too): a large corpus's texts are never
    all in memory.  A unit whose passage is gone or changed since the table
    was made is left out of its batch (its cache key says so); ``keys(n)`` are
    the keys of the texts the last task ``n`` made holds."""

    def __init__(self, db_path: Path, spec: str, table: UnitTable, rows: npt.NDArray[np.int64]):
        self.spec, self.table, self.rows = spec, table, rows
        self.model_id = model_id_of(spec)
        self.references = {unit_key(self.model_id, u): u.text for _, u in reference_units()}
        self.conn = store.open_reader(db_path)
        self.lock = threading.Lock()
        self.made: dict[int, tuple[bytes, ...]] = {}

    def close(self) -> None:
        self.conn.close()

    def __len__(self) -> int:
        return (len(self.rows) + EMBED_BATCH - 1) // EMBED_BATCH

    @overload
    def __getitem__(self, n: int) -> EmbedTask: ...
    @overload
    def __getitem__(self, n: slice) -> list[EmbedTask]: ...
    def __getitem__(self, n: int | slice) -> EmbedTask | list[EmbedTask]:
        if isinstance(n, slice):
            return [self[i] for i in range(*n.indices(len(self)))]
        if not -len(self) <= n < len(self):
            raise IndexError(n)
        n %= len(self)
        rows = self.rows[n * EMBED_BATCH : (n + 1) * EMBED_BATCH].tolist()
        with self.lock:
            found = self._texts(rows)
            self.made[n] = tuple(found)
        return EmbedTask(self.spec, tuple(found.values()))

    def keys(self, n: int) -> tuple[bytes, ...]:
        """The keys of task ``n``'s texts, asked once, in order of ``n``."""
        with self.lock:
            for old in [m for m in self.made if m < n]:
                del self.made[old]  # made and never sent (the cluster reads task 0's spec)
            return self.made.pop(n)

    def _texts(self, rows: list[int]) -> dict[bytes, str]:
        table = self.table
        pids = sorted({int(table.pid[r]) for r in rows} - {-1})
        units: dict[tuple[int, int, int, int], Unit] = {}
        for passage in store.passage_texts_of(self.conn, pids):
            for unit in _units_of(passage):
                units[(unit.pid, UNIT_KINDS.index(unit.kind), unit.start, unit.end)] = unit
        found = {}
        for row in rows:
            key = table.keys[row]
            if key in self.references:
                found[key] = self.references[key]
                continue
            where = (int(table.pid[row]), int(table.kind[row]), int(table.start[row]))
            same = units.get((*where, int(table.end[row])))
            if same is not None and unit_key(self.model_id, same) == key:
                found[key] = same.text
        return found


PUBLISH_EVERY = 900.0  # seconds: a long computation publishes what it has this often


def _embed_missing(
    db_path: Path,
    spec: str,
    encoder: Encoder,
    table: UnitTable,
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
    (``cluster.embed_on_cluster``).  The texts are read a batch at a time
    (``TextBatches``)."""
    conn = store.open_reader(db_path)
    try:
        cached = set(store.cached_vector_keys(conn, table.keys))
    finally:
        conn.close()
    todo = table.embed_order(cached)
    del cached
    if not len(todo):
        return True
    coarse_left = int((table.kind[todo] == UNIT_KINDS.index("p")).sum())
    from .cluster import embed_on_cluster
    from .workers import run_parallel

    tasks = TextBatches(db_path, spec, table, todo)
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
                keys = tasks.keys(n)
                if keys:  # none when every passage of the batch is gone since
                    vectors = np.frombuffer(blob, np.float16).reshape(len(keys), -1)
                    store.store_vectors_committed(
                        writer, [(k, v.tobytes()) for k, v in zip(keys, vectors, strict=True)]
                    )
                before, done = done, min(done + EMBED_BATCH, len(todo))
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
        tasks.close()
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
    prims: Sequence[str], keys: Sequence[bytes], vectors: Mapping[bytes, bytes]
) -> tuple[list[str], FloatArray]:
    by_lang: dict[str, list[npt.NDArray[np.float32]]] = {}
    for prim, key in zip(prims, keys, strict=True):
        vector = np.frombuffer(vectors[key], np.float16).astype(np.float32)
        by_lang.setdefault(prim[len(REFERENCE_PREFIX) :], []).append(vector)
    langs = sorted(by_lang)
    means = [np.mean([v / np.linalg.norm(v) for v in by_lang[lang]], axis=0) for lang in langs]
    return langs, np.asarray(means, dtype=np.float32)


CHUNK_UNITS = 65_536  # units read, normalised and centred at a time (memory stays flat)
VectorSource = Callable[[Sequence[bytes]], Mapping[bytes, bytes]]


def _normalised(
    keys: Sequence[bytes],
    fetch: VectorSource,
    dtype: type[np.floating[Any]],
    scratch: Path | None = None,
) -> npt.NDArray[Any]:
    """Every unit's cached vector at unit length, read ``CHUNK_UNITS`` at a
    time; in a file mapped from ``scratch`` when given (removed at once: the
    mapping keeps it until it is let go, the page cache holds it, not this
    process's memory)."""
    out: npt.NDArray[Any] | None = None
    for start in range(0, len(keys), CHUNK_UNITS):
        chunk = keys[start : start + CHUNK_UNITS]
        got = fetch(chunk)
        block = np.stack([np.frombuffer(got[k], np.float16) for k in chunk]).astype(np.float32)
        block /= np.maximum(np.linalg.norm(block, axis=1, keepdims=True), 1e-12)
        if out is None:
            out = _scratch_array((len(keys), block.shape[1]), dtype, scratch)
        out[start : start + len(chunk)] = block
    assert out is not None  # only called with units
    return out


def _scratch_array(
    shape: tuple[int, int], dtype: type[np.floating[Any]], scratch: Path | None
) -> npt.NDArray[Any]:
    if scratch is None:
        return np.empty(shape, dtype)
    try:
        return np.memmap(scratch, dtype, "w+", shape=shape)
    finally:
        scratch.unlink()


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


def _from_mapping(vectors: Mapping[bytes, bytes]) -> VectorSource:
    return lambda keys: vectors


def build_vector_arrays(
    all_units: UnitTable | list[tuple[str, Unit]],
    vectors: Mapping[bytes, bytes] | VectorSource,
    model_id: str,
    ann_min_units: int = ANN_MIN_UNITS,
    scratch: Path | None = None,
) -> tuple[dict[str, npt.NDArray[Any] | Streamed], list[str], list[str]]:
    """The centred vectors of every unit, per language, ready to be mapped; and
    the reference sentences' language means.  A language with more than
    ``ann_min_units`` units gets an approximate index too, and its vectors are
    kept as float16.  ``vectors``: the cached vectors by key, or a function
    that reads some (a large corpus is read ``CHUNK_UNITS`` at a time).

    A large corpus's vectors do not sit in memory twice: they are read into a
    file mapped from ``scratch`` (a path beside the index, removed at once and
    freed with the mapping), a large language's centred vectors are
    ``Streamed`` (centred again as they are written) and its approximate index
    goes through a file of its own too."""
    fetch = vectors if callable(vectors) else _from_mapping(vectors)
    table = all_units if isinstance(all_units, UnitTable) else UnitTable.of(all_units, model_id)
    is_ref = table.reference()
    ref_rows = np.flatnonzero(is_ref)
    ref_keys = [table.keys[i] for i in ref_rows.tolist()]
    ref_prims = [table.langs[i] for i in table.lang[ref_rows].tolist()]
    ref_langs, ref_means = _reference_means(ref_prims, ref_keys, fetch(ref_keys))
    corpus = table.subset(~is_ref)
    del table
    langs = sorted({corpus.langs[i] for i in np.unique(corpus.lang).tolist()})
    renumber = np.array([langs.index(n) if n in langs else -1 for n in corpus.langs], np.int32)
    unit_langs = renumber[corpus.lang] if len(corpus) else np.zeros(0, np.int32)
    kinds, pids, starts, ends = corpus.kind, corpus.pid, corpus.start, corpus.end
    keys = corpus.keys
    del corpus
    if len(keys) <= CHUNK_UNITS:  # all at once, in float32
        raw = _normalised(keys, fetch, np.float32)
        means = _language_means(langs, unit_langs, raw)
    else:
        raw = _normalised(keys, fetch, np.float16, scratch)
        means = _chunked_means(langs, unit_langs, raw)
    del keys
    arrays: dict[str, npt.NDArray[Any] | Streamed] = {"means": means, "reference/means": ref_means}
    for i, lang in enumerate(langs):
        large = int((unit_langs == i).sum()) > ann_min_units
        ann = _new_ann(raw.shape[1]) if large else None
        first = 0
        for k, kind in enumerate(UNIT_KINDS):
            rows = np.flatnonzero((unit_langs == i) & (kinds == k)).astype(np.int64)
            arrays[f"{lang}/{kind}/pid"] = pids[rows]
            if ann is None:
                vecs, norms = _centred_rows(raw, rows, means[i], np.float32)
                arrays[f"{lang}/{kind}/vec"] = vecs
            else:
                norms = np.empty(rows.size, np.float32)
                for start, block, norm in _centred_blocks(raw, rows, means[i]):
                    norms[start : start + len(block)] = norm
                    ann.add(
                        np.arange(first + start, first + start + len(block), dtype=np.uint64),
                        block,
                        threads=0,
                    )
                arrays[f"{lang}/{kind}/vec"] = _streamed_rows(raw, rows, means[i])
                first += rows.size
            arrays[f"{lang}/{kind}/norm"] = norms
            if kind != "p":
                arrays[f"{lang}/{kind}/start"] = starts[rows]
                arrays[f"{lang}/{kind}/end"] = ends[rows]
        if ann is not None:
            arrays[f"{lang}/ann"] = _saved_ann(ann, scratch)
    return arrays, langs, ref_langs


def _centred_blocks(
    raw: npt.NDArray[Any], rows: npt.NDArray[np.int64], mean: FloatArray
) -> Iterator[tuple[int, FloatArray, FloatArray]]:
    """The units at ``rows`` with ``mean`` taken off, at unit length, a block
    at a time: (first row's position, vectors, their norms before)."""
    for start in range(0, rows.size, CHUNK_UNITS):
        block = raw[rows[start : start + CHUNK_UNITS]].astype(np.float32, copy=False) - mean
        norm = np.linalg.norm(block, axis=1).astype(np.float32)
        block /= np.maximum(norm, 1e-12)[:, None]
        yield start, block, norm


def _centred_rows(
    raw: npt.NDArray[Any], rows: npt.NDArray[np.int64], mean: FloatArray, dtype: Any
) -> tuple[npt.NDArray[Any], FloatArray]:
    """The units at ``rows`` centred (``_centred_blocks``), in one array, and their norms."""
    vecs = np.empty((rows.size, raw.shape[1]), dtype)
    norms = np.empty(rows.size, np.float32)
    for start, block, norm in _centred_blocks(raw, rows, mean):
        vecs[start : start + len(block)] = block
        norms[start : start + len(block)] = norm
    return vecs, norms


def _streamed_rows(
    raw: npt.NDArray[Any], rows: npt.NDArray[np.int64], mean: FloatArray
) -> Streamed:
    """The units at ``rows`` centred, as float16, computed again as they are written."""
    return Streamed(
        np.dtype(np.float16),
        (rows.size, raw.shape[1]),
        lambda: (block for _, block, _ in _centred_blocks(raw, rows, mean)),
    )


def _new_ann(ndim: int) -> Any:
    from usearch.index import Index

    return Index(ndim=ndim, metric="ip", dtype="i8")


def _saved_ann(index: Any, scratch: Path | None) -> npt.NDArray[np.uint8]:
    """An approximate index as bytes to store in a bundle: through ``scratch``
    when given (mapped, the file removed at once: never in memory twice)."""
    if scratch is None:
        return np.frombuffer(index.save(), np.uint8)
    path = scratch.with_name(scratch.name + ".ann")
    index.save(str(path))
    del index
    try:
        return np.memmap(path, np.uint8, "r")
    finally:
        path.unlink()


def ann_index(vectors: FloatArray | Sequence[npt.NDArray[Any]]) -> npt.NDArray[np.uint8]:
    """An approximate nearest-neighbour index (HNSW, 8-bit, inner product) of
    ``vectors`` (one matrix, or several whose rows follow one another), keyed
    by row, as bytes to store in a bundle and map."""
    parts = [vectors] if isinstance(vectors, np.ndarray) else list(vectors)
    index = _new_ann(next(p.shape[1] for p in parts))
    first = 0
    for part in parts:
        for start in range(0, len(part), CHUNK_UNITS):
            block = np.asarray(part[start : start + CHUNK_UNITS], dtype=np.float32)
            keys = np.arange(first + start, first + start + len(block), dtype=np.uint64)
            if len(block):
                index.add(keys, block, threads=0)
        first += len(part)
    return _saved_ann(index, None)


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
                table = _current_table(conn, model)
            finally:
                conn.close()
            if not _embed_missing(
                db_path,
                spec,
                encoder,
                table,
                progress,
                stop=stop,
                checkpoint=checkpoint,
                cluster=cluster,
            ):
                return vectors_missing(db_path, spec)
            del table  # publishing reads the units again: not held twice
            missing = _publish_vectors(db_path, model, lock(db_path, wait))
            if missing == 0:
                return 0
        return missing


def _usable(table: UnitTable, vectors: Container[bytes]) -> tuple[npt.NDArray[np.bool_], int]:
    """Which units can be published: those with a vector, of passages whose
    own vector is there (a passage is searched semantically only with it);
    and how many passages lack theirs."""
    has = np.fromiter((k in vectors for k in table.keys), bool, len(table))
    is_ref = table.reference()
    own = (table.kind == UNIT_KINDS.index("p")) & ~is_ref
    covered = np.unique(table.pid[own & has])
    passages = np.unique(table.pid[~is_ref])
    usable = has & (is_ref | np.isin(table.pid, covered))
    return usable, int(passages.size - np.isin(passages, covered).sum())


def partial_reader(conn: Any) -> VectorSource:
    """Read cached vectors by key, some at a time, from ``conn``."""
    return lambda keys: store.cached_vectors(conn, keys)


def _prepare_bundle(db_path: Path, pending: Path, usable: UnitTable, model_id: str) -> BundleCheck:
    """Write the vector bundle of ``usable`` to ``pending`` (not yet current)."""
    scratch = pending.with_name(pending.name + ".scratch")
    conn = store.open_reader(db_path)  # the cache only grows while this process holds it
    try:
        arrays, langs, ref_langs = (
            build_vector_arrays(usable, partial_reader(conn), model_id, scratch=scratch)
            if len(usable)
            else ({}, [], [])
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


def _moved(pending: Path, target: Path, check: BundleCheck) -> BundleCheck:
    os.replace(pending, target)
    return check


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
        table = _current_table(conn, model_id)
        source = f"{meta.get('lexical_bundle')}|{model_id}|{VECTOR_FORMAT}"
        if (
            meta.get("vector_source") == source
            and meta.get(store.check_key(store.VECTORS))
            and store.bundle_problem(db_path, meta, store.VECTORS, full=True) is None
        ):
            return 0
        cached = store.cached_vector_keys(conn, table.keys)
    finally:
        conn.close()
    usable, missing = _usable(table, cached)
    del cached
    complete = bool(usable.all())  # sentences and pairs too
    state = f"{source}|{int(usable.sum())}"
    has_any = bool((usable & ~table.reference()).any())
    wanted = missing == 0 or (partial and has_any)
    if not complete and (not wanted or meta.get("vector_partial") == state):
        return missing
    pending = store.pending_vectors_path(db_path)
    check = _prepare_bundle(db_path, pending, table.subset(usable), model_id)
    with lock:
        store.remove_stray_files(db_path)
        db = store.open_writer(db_path)
        try:
            now = store.read_meta(db.conn)
            same = now.get("lexical_bundle") == meta.get("lexical_bundle")
            store.publish_bundle(
                db,
                db_path,
                store.VECTORS,
                lambda target, _generation: _moved(pending, target, check),
                vector_source=source if complete and same else "",
                vector_partial="" if complete and same else state,
                vector_model=model_id,
            )
            if complete and same:
                store.drop_unused_vectors(db, set(table.keys))
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
        table = _current_table(conn, model)
        keys = list({k for k, ref in zip(table.keys, table.reference(), strict=True) if not ref})
        del table
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
