"""The index on disk.  All of the index's SQL is in this module.

Files (``NAME`` is the index file, ``.docbot/index.db`` by default):

``NAME``                    SQLite (written through sqlite-utils): documents,
                            passages with their analysed terms as blobs,
                            skipped files and why, language names, the
                            vocabulary's strings, cached vectors, metadata.
``NAME-wal``, ``NAME-shm``  SQLite's write-ahead log (WAL mode).
``NAME.lock``               held by the one process that writes the index.
``NAME.vectors.lock``       held by the one process that computes vectors.
``NAME.gN.arrays``          the search structures of generation N (postings,
                            statistics, fuzzy-match tables), opened by mapping.
``NAME.vN.arrays``          the semantic layer's vectors, N its own generation.

The SQLite file is the source of truth; the array bundles are derived from it
and can be deleted at any time (the next ``docbot index`` writes them again).

Crash safety: a build, full or incremental, is one SQLite transaction in WAL
mode.  Its array bundle is written under a new name before the transaction
commits; the commit makes the generation that names it current, all at once.
A build killed at any moment (even SIGKILL) leaves the previous generation
serving, and the next build carries on by itself.  Readers never hold a
transaction open, so they never block a checkpoint.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import (
    IndexBusy,
    IndexCorrupt,
    IndexFileError,
    IndexForeign,
    IndexMissing,
    IndexNotAFile,
)
from ..records import LockHolder
from .arrays import Bundle, BundleCheck, BundleError, check_bundle

if TYPE_CHECKING:
    import sqlite_utils

APPLICATION_ID = 0x646F6362  # "docb"
SCHEMA_VERSION = "4"
_BUNDLE_NAME = re.compile(r"\.(?P<kind>[gv])(?P<number>\d+)\.arrays$")

# Columns of a passage as the front ends see it (the blobs are for the build).
_PASSAGE_COLUMNS = (
    "p.id, p.doc, p.ordinal, d.title, p.section, p.lang, p.text, d.url, p.page, p.prim"
)
FIELDS = ("stem", "form", "pair")


# --- reading ----------------------------------------------------------------------


_CANNOT_WRITE = frozenset({sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN})


def cannot_write(error: sqlite3.Error) -> bool:
    """Whether SQLite refused because the file or its folder is not writable
    (by its error code, not its message: messages change between versions)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and (code & 0xFF) in _CANNOT_WRITE


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """Read where writing is not allowed: a read-only folder gets an immutable
    connection (SQLite cannot create ``-shm`` there, and nobody can write it)."""
    uri = f"file:{path.as_posix()}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=False)


def open_reader(path: Path) -> sqlite3.Connection:
    """Open an existing index for reading, or raise a clear error.

    Reading needs only the standard library's sqlite3 (the query path stays
    light); sqlite-utils writes the index.
    """
    if path.is_dir():
        raise IndexNotAFile(str(path))
    if not path.exists():
        raise IndexMissing(str(path))
    try:
        conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
        try:
            check_schema(conn, path)
        except sqlite3.OperationalError as error:
            if not cannot_write(error):
                raise
            conn.close()
            conn = _connect_read_only(path)
            check_schema(conn, path)
    except sqlite3.DatabaseError as error:
        raise IndexCorrupt(str(path), str(error)) from None
    return conn


def _user_tables(conn: sqlite3.Connection) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }


def is_blank(conn: sqlite3.Connection) -> bool:
    """A SQLite file with no tables at all (an interrupted first build leaves one)."""
    return not _user_tables(conn)


def check_schema(conn: sqlite3.Connection, path: Path) -> None:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id != APPLICATION_ID:
        if is_blank(conn):
            raise IndexMissing(str(path))
        raise IndexForeign(str(path), sorted(_user_tables(conn)))
    version = read_meta(conn).get("schema_version")
    if version != SCHEMA_VERSION:
        raise IndexCorrupt(str(path), f"schema {version}, this docbot needs {SCHEMA_VERSION}")


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    if "meta" not in _user_tables(conn):
        return {}
    return {key: value for key, value in conn.execute("SELECT key, value FROM meta")}


def generation_of(conn: sqlite3.Connection) -> int:
    """The index's generation: a number that grows with every build that
    changed it, whichever process built it."""
    value = read_meta(conn).get("generation", "0")
    return int(value) if value.isdigit() else 0


def index_generation(path: Path) -> int:
    """The generation of the index at ``path`` (``IndexMissing``/``IndexCorrupt``
    when there is none), read in one cheap query."""
    conn = open_reader(path)
    try:
        return generation_of(conn)
    finally:
        conn.close()


@dataclass(frozen=True)
class Snapshot:
    """What a searcher needs from SQLite when it opens, read in one transaction."""

    meta: dict[str, str]
    language_names: dict[tuple[str, str], str]


def read_snapshot(conn: sqlite3.Connection) -> Snapshot:
    with read_transaction(conn):
        meta = read_meta(conn)
        names = {(t, u): n for t, u, n in conn.execute("SELECT tag, ui, name FROM lang_names")}
    return Snapshot(meta, names)


@contextlib.contextmanager
def read_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """Several reads that see one state of the index (a commit landing in
    between waits for the next transaction)."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        yield
    finally:
        if own:
            conn.execute("COMMIT")


PassageRow = tuple[int, str, int, str, str | None, str, str, str | None, int | None, str]


# Whether passage ``p`` is its section's first (the one its heading introduces).
_OPENS_SECTION = (
    "NOT EXISTS (SELECT 1 FROM passages q "
    "WHERE q.doc = p.doc AND q.ordinal = p.ordinal - 1 AND q.section IS p.section)"
)
_IN_CHUNK = 500  # values bound to one ``IN (...)``: SQLite limits a statement's variables


def _rows_in(conn: sqlite3.Connection, sql: str, values: Sequence[Any]) -> Iterator[Any]:
    """The rows of ``sql`` for every one of ``values``, whose ``IN ({})`` is
    filled a chunk of ``_IN_CHUNK`` at a time.

    >>> conn = sqlite3.connect(":memory:")
    >>> _ = conn.execute("CREATE TABLE t (n)")
    >>> _ = conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(1200)])
    >>> len(list(_rows_in(conn, "SELECT n FROM t WHERE n IN ({})", range(0, 1200, 2))))
    600
    """
    for start in range(0, len(values), _IN_CHUNK):
        chunk = list(values[start : start + _IN_CHUNK])
        yield from conn.execute(sql.format(",".join("?" * len(chunk))), chunk)


def repeated_texts(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, bytes]:
    """Of the passages ``ids``, those whose text another of them has too, each
    with a digest of its text (equal for equal texts).  Lengths and the texts'
    ends are compared first: only passages alike in those are read whole.

    >>> conn = sqlite3.connect(":memory:")
    >>> _ = conn.execute("CREATE TABLE passages (id INTEGER PRIMARY KEY, text TEXT)")
    >>> _ = conn.executemany("INSERT INTO passages VALUES (?, ?)",
    ...     [(1, "Same words."), (2, "Same words."), (3, "Some words."), (4, "Other words.")])
    >>> digests = repeated_texts(conn, [1, 2, 3, 4])
    >>> sorted(digests), digests[1] == digests[2]
    ([1, 2], True)
    """
    shapes: dict[tuple[int, str, str], list[int]] = {}
    sql = (
        "SELECT id, length(text), substr(text, 1, 32), substr(text, -32) "
        "FROM passages WHERE id IN ({})"
    )
    for pid, length, head, tail in _rows_in(conn, sql, ids):
        shapes.setdefault((length, head, tail), []).append(pid)
    alike = [pid for pids in shapes.values() if len(pids) > 1 for pid in pids]
    digests = {
        pid: hashlib.blake2b(text.encode(), digest_size=16).digest()
        for pid, text in _rows_in(conn, "SELECT id, text FROM passages WHERE id IN ({})", alike)
    }
    counts: dict[bytes, int] = {}
    for digest in digests.values():
        counts[digest] = counts.get(digest, 0) + 1
    return {pid: digest for pid, digest in digests.items() if counts[digest] > 1}


def passages_by_id(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, PassageRow]:
    sql = (
        f"SELECT {_PASSAGE_COLUMNS} FROM passages p JOIN documents d ON d.path = p.doc "
        "WHERE p.id IN ({})"
    )
    return {row[0]: row for row in _rows_in(conn, sql, ids)}


def opening_sections(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, str]:
    """The section heading of each passage in ``ids`` that opens its section
    (a heading introduces the text under it, not its later passages)."""
    sql = (
        "SELECT p.id, p.section FROM passages p WHERE p.id IN ({}) "
        f"AND p.section IS NOT NULL AND {_OPENS_SECTION}"
    )
    return dict(_rows_in(conn, sql, ids))


def section_rows(conn: sqlite3.Connection, doc: str, section: str | None) -> list[PassageRow]:
    return list(
        conn.execute(
            f"SELECT {_PASSAGE_COLUMNS} FROM passages p JOIN documents d ON d.path = p.doc "
            "WHERE p.doc = ? AND p.section IS ? ORDER BY p.ordinal",
            (doc, section),
        )
    )


def passage_at(conn: sqlite3.Connection, doc: str, ordinal: int) -> PassageRow | None:
    row: PassageRow | None = conn.execute(
        f"SELECT {_PASSAGE_COLUMNS} FROM passages p JOIN documents d ON d.path = p.doc "
        "WHERE p.doc = ? AND p.ordinal = ?",
        (doc, ordinal),
    ).fetchone()
    return row


def document_rows(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    return list(
        conn.execute(
            "SELECT path, title, lang, passages, date, author, url FROM documents "
            "ORDER BY lang, path"
        )
    )


def first_passages(conn: sqlite3.Connection, limit: int) -> list[tuple[str, str, str | None]]:
    """``(doc, prim, section)`` of each document's sections, in document order."""
    return list(
        conn.execute(
            "SELECT doc, prim, section FROM passages GROUP BY doc, section "
            "ORDER BY min(id) LIMIT ?",
            (limit,),
        )
    )


# --- what the serving structures are built from ---------------------------------


_SERVING = "SELECT id, prim, stem_h, stem_tf, form_h, form_tf, pair_h, pair_tf FROM passages"


def serving_rows(conn: sqlite3.Connection) -> Iterator[tuple[Any, ...]]:
    """``(id, prim, stem_h, stem_tf, form_h, form_tf, pair_h, pair_tf)`` of every
    passage, by language then id."""
    yield from conn.execute(f"{_SERVING} ORDER BY prim, id")


def serving_rows_of(
    conn: sqlite3.Connection, lang: str, ids: Sequence[int] | None
) -> list[tuple[Any, ...]]:
    """Serving rows of one language: all of them, or those with ``ids``; by id."""
    if ids is None:
        return list(conn.execute(f"{_SERVING} WHERE prim = ? ORDER BY id", (lang,)))
    return sorted(_rows_in(conn, f"{_SERVING} WHERE id IN ({{}})", ids), key=lambda r: r[0])


def passage_ids_by_language(conn: sqlite3.Connection) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for pid, prim in conn.execute("SELECT id, prim FROM passages ORDER BY prim, id"):
        out.setdefault(prim, []).append(pid)
    return out


def term_texts(conn: sqlite3.Connection) -> dict[int, str]:
    return {h: t for h, t in conn.execute("SELECT hash, text FROM terms")}


def term_trigrams(conn: sqlite3.Connection) -> dict[int, bytes]:
    return {h: t for h, t in conn.execute("SELECT hash, tri FROM terms WHERE length(tri) > 0")}


_PASSAGE_TEXTS = (
    f"SELECT p.id, p.prim, d.title, p.section, p.text, {_OPENS_SECTION} FROM passages p "
    "JOIN documents d ON d.path = p.doc"
)


def passage_texts(
    conn: sqlite3.Connection,
) -> Iterator[tuple[int, str, str, str | None, str, bool]]:
    """``(id, prim, title, section, text, opens)`` of every passage, by language
    then id; ``opens``: the passage is its section's first."""
    yield from conn.execute(f"{_PASSAGE_TEXTS} ORDER BY p.prim, p.id")


def passage_texts_of(
    conn: sqlite3.Connection, ids: Sequence[int]
) -> list[tuple[int, str, str, str | None, str, bool]]:
    """``passage_texts`` of the passages ``ids`` that are still there."""
    return list(_rows_in(conn, f"{_PASSAGE_TEXTS} WHERE p.id IN ({{}})", ids))


def cached_vectors(conn: sqlite3.Connection, keys: Sequence[bytes]) -> dict[bytes, bytes]:
    return dict(_rows_in(conn, "SELECT key, vec FROM vectors WHERE key IN ({})", keys))


def cached_vector_keys(conn: sqlite3.Connection, keys: Sequence[bytes]) -> set[bytes]:
    return {k for (k,) in _rows_in(conn, "SELECT key FROM vectors WHERE key IN ({})", keys)}


# --- writing ----------------------------------------------------------------------


def create_schema(db: sqlite_utils.Database) -> None:
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.table("meta").create({"key": str, "value": str}, pk="key", if_not_exists=True)
    db.table("documents").create(
        {
            "path": str,
            "fingerprint": str,
            "sha256": str,
            "title": str,
            "lang": str,
            "date": str,
            "author": str,
            "url": str,
            "site": str,
            "passages": int,
        },
        pk="path",
        if_not_exists=True,
    )
    db.table("passages").create(
        {
            "id": int,
            "doc": str,
            "ordinal": int,
            "section": str,
            "lang": str,
            "prim": str,
            "text": str,
            "page": int,
            "stem_h": bytes,
            "stem_tf": bytes,
            "form_h": bytes,
            "form_tf": bytes,
            "pair_h": bytes,
            "pair_tf": bytes,
        },
        pk="id",
        if_not_exists=True,
    )
    db.table("passages").create_index(["doc", "ordinal"], if_not_exists=True)
    db.table("skipped").create(
        {"path": str, "fingerprint": str, "reason": str}, pk="path", if_not_exists=True
    )
    db.table("lang_names").create(
        {"tag": str, "ui": str, "name": str}, pk=("tag", "ui"), if_not_exists=True
    )
    db.table("terms").create(
        {"hash": int, "text": str, "tri": bytes}, pk="hash", if_not_exists=True
    )
    db.table("vectors").create({"key": bytes, "vec": bytes}, pk="key", if_not_exists=True)
    db.table("meta").upsert({"key": "schema_version", "value": SCHEMA_VERSION}, pk="key")


def write_meta(db: sqlite_utils.Database, **values: Any) -> None:
    db.table("meta").upsert_all([{"key": k, "value": str(v)} for k, v in values.items()], pk="key")


def bump_generation(db: sqlite_utils.Database) -> int:
    generation = generation_of(db.conn) + 1
    write_meta(db, generation=generation)
    return generation


Waiting = Callable[[LockHolder | None], None]

# The two locks of an index: ``lock`` for writing it (a build's transaction,
# publishing vectors: short), ``vectors.lock`` for computing vectors (long):
# one process at a time computes them, and builds go on meanwhile.
WRITE_LOCK, VECTOR_LOCK = "lock", "vectors.lock"


def lock_path(db_path: Path, kind: str = WRITE_LOCK) -> Path:
    return db_path.with_name(f"{db_path.name}.{kind}")


@contextlib.contextmanager
def build_lock(
    db_path: Path,
    wait: bool,
    *,
    kind: str = WRITE_LOCK,
    on_wait: Waiting | None = None,
    started: float | None = None,
) -> Iterator[None]:
    """Exclusive lock ``kind`` of ``db_path``.  When another process holds it:
    ``IndexBusy`` (naming the holder) without ``wait``; with it, ``on_wait``
    is told who holds it, and the lock is waited for.  The holder's process
    id and the time its build ``started`` (default: now) are written into the
    lock file, for the next one to say whom it waits for."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path(db_path, kind), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = LockHolder.parse(handle.read())
            if not wait:
                raise IndexBusy(str(db_path), holder) from None
            if on_wait is not None:
                on_wait(holder)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.truncate(0)
            handle.write(f"{os.getpid()} {started or time.time()}\n")
            handle.flush()
            yield
        finally:
            with contextlib.suppress(OSError):
                handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def busy_with(db_path: Path) -> tuple[bool, LockHolder | None]:
    """Whether another process builds the index at ``db_path`` right now
    (writing it or computing its vectors), and who when its lock file says
    so; without waiting."""
    for kind in (WRITE_LOCK, VECTOR_LOCK):
        path = lock_path(db_path, kind)
        if not path.exists():
            continue
        with open(path, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                return True, LockHolder.parse(handle.read())
            fcntl.flock(handle, fcntl.LOCK_UN)
    return False, None


def remove_stray_files(db_path: Path) -> None:
    """Delete what a build killed before its commit left behind: bundles the
    committed metadata does not name, and half-written temporary files.  Only
    for the holder of the write lock (no one else writes bundles)."""
    try:
        conn = open_reader(db_path)
    except IndexMissing:
        meta: dict[str, str] = {}
    except (IndexFileError, sqlite3.Error):
        return  # not ours to clean: the user decides (docbot index --rebuild)
    else:
        try:
            meta = read_meta(conn)
        finally:
            conn.close()
    remove_old_bundles(db_path, bundles_in_use(meta, db_path))
    if db_path.parent.is_dir():
        for temp in db_path.parent.glob(f".{glob.escape(db_path.name)}.*.arrays.tmp-*"):
            with contextlib.suppress(OSError):
                temp.unlink()


def open_writer(db_path: Path) -> sqlite_utils.Database:
    """A connection for one build: WAL journal, one manual transaction."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=30, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    conn.execute("BEGIN IMMEDIATE")
    create_schema(db)
    return db


def commit(db: sqlite_utils.Database) -> None:
    """Make the build visible to readers, all at once.  The checkpoint that
    folds the WAL back is passive: it never waits for a reader."""
    db.conn.execute("COMMIT")
    with contextlib.suppress(sqlite3.OperationalError):
        db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    db.conn.close()


def rollback(db: sqlite_utils.Database) -> None:
    with contextlib.suppress(sqlite3.Error):
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        db.conn.close()


def remove_index_files(db_path: Path) -> None:
    """Delete an unusable index file, its journals and its bundles (only when asked)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{db_path}{suffix}").unlink()
    for bundle in bundle_files(db_path):
        with contextlib.suppress(FileNotFoundError):
            bundle.unlink()


def clear(db: sqlite_utils.Database) -> None:
    """Empty every table but the vector cache, inside the build's transaction."""
    for table in ("passages", "documents", "skipped", "lang_names", "terms"):
        db.table(table).delete_where()


@dataclass(frozen=True)
class Known:
    """What the index knows of each file, read once per build."""

    documents: dict[str, tuple[str, str]]  # path -> (fingerprint, sha256)
    skipped: dict[str, str]  # path -> fingerprint


def known_files(conn: sqlite3.Connection) -> Known:
    documents = {
        r[0]: (r[1], r[2]) for r in conn.execute("SELECT path, fingerprint, sha256 FROM documents")
    }
    skipped = {r[0]: r[1] for r in conn.execute("SELECT path, fingerprint FROM skipped")}
    return Known(documents, skipped)


def known_fingerprints(conn: sqlite3.Connection) -> dict[str, str]:
    known = known_files(conn)
    return {**{p: f for p, (f, _) in known.documents.items()}, **known.skipped}


def next_passage_id(conn: sqlite3.Connection) -> int:
    """Passage ids are never reused, so that an id read from one generation
    never names another passage in a later one."""
    meta = read_meta(conn).get("next_passage_id")
    top = conn.execute("SELECT max(id) FROM passages").fetchone()[0] or 0
    return max(int(meta) if meta and meta.isdigit() else 1, top + 1)


PASSAGE_FIELDS = (
    "id", "doc", "ordinal", "section", "lang", "prim", "text", "page",
    "stem_h", "stem_tf", "form_h", "form_tf", "pair_h", "pair_tf",
)  # fmt: skip
DOCUMENT_FIELDS = (
    "path", "fingerprint", "sha256", "title", "lang", "date", "author", "url", "site", "passages",
)  # fmt: skip


def replace_documents(
    db: sqlite_utils.Database,
    documents: list[dict[str, Any]],
    passages: list[dict[str, Any]],
) -> None:
    """Store documents and their passages in place of any earlier versions.

    The bulk of a build: rows go in with one prepared statement per table
    (sqlite-utils made the schema; per-row introspection would cost more than
    the analysis).
    """
    conn = db.conn
    paths = [(d["path"],) for d in documents]
    conn.executemany("DELETE FROM passages WHERE doc = ?", paths)
    conn.executemany("DELETE FROM skipped WHERE path = ?", paths)
    conn.executemany(
        f"INSERT INTO passages ({', '.join(PASSAGE_FIELDS)}) "
        f"VALUES ({', '.join('?' * len(PASSAGE_FIELDS))})",
        ([p[k] for k in PASSAGE_FIELDS] for p in passages),
    )
    conn.executemany(
        f"INSERT OR REPLACE INTO documents ({', '.join(DOCUMENT_FIELDS)}) "
        f"VALUES ({', '.join('?' * len(DOCUMENT_FIELDS))})",
        ([d[k] for k in DOCUMENT_FIELDS] for d in documents),
    )


def refresh_fingerprint(db: sqlite_utils.Database, path: str, fingerprint: str) -> None:
    db.table("documents").update(path, {"fingerprint": fingerprint})


def record_skip(db: sqlite_utils.Database, path: str, fingerprint: str, reason: str) -> None:
    remove_document(db, path)
    db.table("skipped").upsert(
        {"path": path, "fingerprint": fingerprint, "reason": reason}, pk="path"
    )


def remove_document(db: sqlite_utils.Database, path: str) -> None:
    db.table("passages").delete_where("doc = ?", [path])
    db.table("documents").delete_where("path = ?", [path])


def forget_skipped(db: sqlite_utils.Database, path: str) -> None:
    db.table("skipped").delete_where("path = ?", [path])


def skipped_files(conn: sqlite3.Connection) -> tuple[tuple[str, str], ...]:
    return tuple(
        (r[0], r[1]) for r in conn.execute("SELECT path, reason FROM skipped ORDER BY path")
    )


def store_terms(db: sqlite_utils.Database, terms: Iterable[tuple[int, str, bytes]]) -> None:
    """New stems of the vocabulary, with their cognate trigram keys."""
    db.conn.executemany("INSERT OR IGNORE INTO terms (hash, text, tri) VALUES (?, ?, ?)", terms)


def passage_ids(conn: sqlite3.Connection) -> Iterator[tuple[int]]:
    yield from conn.execute("SELECT id FROM passages")


def passage_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        row[0]: row[1]
        for row in conn.execute("SELECT prim, count(*) FROM passages GROUP BY prim ORDER BY prim")
    }


def language_name_keys(conn: sqlite3.Connection) -> set[tuple[str, str]]:
    return {(r[0], r[1]) for r in conn.execute("SELECT tag, ui FROM lang_names")}


def store_language_names(db: sqlite_utils.Database, names: list[dict[str, str]]) -> None:
    if names:
        db.table("lang_names").insert_all(names, pk=("tag", "ui"), replace=True)


def open_vector_writer(db_path: Path) -> sqlite3.Connection:
    """A connection that adds computed vectors to the cache, a batch per transaction."""
    conn = sqlite3.connect(db_path, isolation_level=None, timeout=60, check_same_thread=False)
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def store_vectors_committed(
    conn: sqlite3.Connection, vectors: Iterable[tuple[bytes, bytes]]
) -> None:
    """Cache one batch of vectors in its own short transaction."""
    import sqlite_utils

    rows = [{"key": k, "vec": v} for k, v in vectors]
    conn.execute("BEGIN IMMEDIATE")
    try:
        sqlite_utils.Database(conn).table("vectors").insert_all(rows, pk="key", replace=True)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def drop_unused_vectors(db: sqlite_utils.Database, used: set[bytes]) -> int:
    """Delete cached vectors no current passage needs; the number deleted."""
    stale = [k for (k,) in db.execute("SELECT key FROM vectors") if k not in used]
    for start in range(0, len(stale), 500):
        chunk = stale[start : start + 500]
        db.execute(f"DELETE FROM vectors WHERE key IN ({','.join('?' * len(chunk))})", chunk)
    return len(stale)


# --- the bundles next to the SQLite file -----------------------------------------


def bundle_path(db_path: Path, kind: str, number: int) -> Path:
    """``index.db.g12.arrays`` (search structures) or ``index.db.v3.arrays`` (vectors)."""
    return db_path.with_name(f"{db_path.name}.{kind}{number}.arrays")


def bundle_files(db_path: Path) -> list[Path]:
    prefix = db_path.name + "."
    if not db_path.parent.is_dir():
        return []
    return [
        p
        for p in db_path.parent.iterdir()
        if p.name.startswith(prefix) and _BUNDLE_NAME.search(p.name[len(db_path.name) :])
    ]


BUNDLE_KEYS = ("lexical_bundle", "previous_bundle", "vector_bundle", "previous_vector_bundle")
LEXICAL, VECTORS = "lexical_bundle", "vector_bundle"  # the bundles a searcher maps


_PUBLISHED = {LEXICAL: ("g", "previous_bundle"), VECTORS: ("v", "previous_vector_bundle")}


def publish_bundle(
    db: sqlite_utils.Database,
    db_path: Path,
    role: str,
    place: Callable[[Path, int], BundleCheck],
    **meta: str,
) -> Path:
    """Publish a new generation's bundle for ``role`` (``LEXICAL`` or
    ``VECTORS``), inside the caller's write transaction: the generation goes
    up, ``place(target, generation)`` puts the file there (writing it, or
    moving a prepared one) and returns its check, and the metadata names it,
    its check and the bundle it replaces (kept until no searcher maps it),
    with ``meta`` beside.  The one way an index changes what searchers map."""
    prefix, previous = _PUBLISHED[role]
    current = read_meta(db.conn).get(role, "")
    generation = bump_generation(db)
    target = bundle_path(db_path, prefix, generation)
    check = place(target, generation)
    write_meta(db, **{role: target.name, check_key(role): str(check), previous: current}, **meta)
    return target


def check_key(key: str) -> str:
    """The metadata key that holds the size and checksum of ``key``'s bundle."""
    return f"{key}_check"


def open_current(db_path: Path, meta: dict[str, str], key: str, full: bool | None = None) -> Bundle:
    """The bundle ``meta[key]`` names, checked against the size and checksum
    recorded when it was published (``arrays.check_bundle``); ``BundleError``
    or ``OSError`` when it is missing or damaged."""
    path = db_path.with_name(meta[key])
    return check_bundle(path, BundleCheck.parse(meta.get(check_key(key))), full)


@dataclass(frozen=True)
class IndexCheck:
    """What ``verify_index`` found: the files it read in full, and what is wrong."""

    checked: tuple[str, ...]  # file names, each with its size
    database_problem: str | None  # SQLite's own check: ``docbot index --rebuild``
    damaged: tuple[str, ...]  # derived files: ``docbot index`` writes them again
    unchecked: tuple[str, ...]  # bundles with no checksum yet (an earlier docbot wrote them)

    @property
    def ok(self) -> bool:
        return self.database_problem is None and not self.damaged


def verify_index(db_path: Path) -> IndexCheck:
    """Read the whole index: SQLite's integrity check, and every bundle in use
    against its recorded size and checksum."""
    conn = open_reader(db_path)
    try:
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        meta = read_meta(conn)
    finally:
        conn.close()
    database = None if rows == ["ok"] else "; ".join(rows[:3])
    checked = [f"{db_path.name} ({db_path.stat().st_size:,} bytes)"]
    damaged, unchecked = [], []
    for key in (LEXICAL, VECTORS):
        name = meta.get(key)
        if not name:
            continue
        problem = bundle_problem(db_path, meta, key, full=True)
        if problem is not None:
            damaged.append(problem)
        else:
            checked.append(f"{name} ({db_path.with_name(name).stat().st_size:,} bytes)")
            if not meta.get(check_key(key)):
                unchecked.append(name)
    return IndexCheck(tuple(checked), database, tuple(damaged), tuple(unchecked))


def bundle_problem(
    db_path: Path, meta: dict[str, str], key: str, full: bool | None = None
) -> str | None:
    """Why the current bundle ``key`` cannot be used (``None``: it can, or
    there is none)."""
    if not meta.get(key):
        return None
    try:
        open_current(db_path, meta, key, full)
    except FileNotFoundError:
        return f"{meta[key]} is missing"
    except (OSError, BundleError) as error:
        return str(error)
    return None


def bundles_in_use(meta: dict[str, str], db_path: Path) -> set[Path]:
    """The bundles that the current and the previous generation name."""
    return {db_path.with_name(meta[k]) for k in BUNDLE_KEYS if meta.get(k)}


def remove_old_bundles(db_path: Path, keep: set[Path]) -> None:
    """Delete bundles that no generation in use names.  A reader that still
    maps one keeps its pages: deleting a mapped file is safe on POSIX."""
    for path in bundle_files(db_path):
        if path not in keep:
            with contextlib.suppress(OSError):
                os.unlink(path)


def pending_vectors_path(db_path: Path) -> Path:
    """Where the vector-lock holder prepares the next vector bundle, outside
    the write lock (``index.db.vectors.next``): no generation names it, and
    cleaning up after a killed build leaves it to its owner."""
    return db_path.with_name(f"{db_path.name}.vectors.next")


def is_own_file(db_path: Path, path: Path | str) -> bool:
    """True for the index file, its journals, lock, bundles and their temporary files.
    The name decides first: a corpus scan asks this of every file."""
    name = db_path.name
    other = os.path.basename(path)
    if not (other == name or other.startswith((name + "-", name + ".", f".{name}."))):
        return False
    return Path(path).parent.resolve() == db_path.parent.resolve()
