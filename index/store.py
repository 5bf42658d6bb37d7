"""The index on disk: one SQLite file written through sqlite-utils.

Tables: ``documents`` (path, size, mtime, content hash, title, language,
metadata), ``passages`` (text, section, language, analyzed terms),
``skipped`` (files that could not be used, and why), ``lang_names`` and
``meta``.  BM25 statistics are not stored: the searcher derives them from the
analyzed terms when it opens, so an incremental refresh gives exactly what a
full rebuild gives.

Crash safety: a build, full or incremental, is one SQLite transaction on the
index file in WAL mode.  Readers see the index as of the last commit, never a
half-built one; a build killed at any moment (even SIGKILL) leaves only
uncommitted WAL frames, which SQLite discards, so the previous index keeps
serving and the next build starts from it.  A lock file serialises builds.
"""

from __future__ import annotations

import contextlib
import fcntl
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import IndexBusy, IndexCorrupt, IndexMissing

if TYPE_CHECKING:
    import sqlite_utils

APPLICATION_ID = 0x646F6362  # "docb"
SCHEMA_VERSION = "3"


def open_reader(path: Path) -> sqlite3.Connection:
    """Open an existing index for reading, or raise a clear error.

    Reading needs only the standard library's sqlite3 (the query path stays
    light); sqlite-utils writes the index.
    """
    if not path.exists():
        raise IndexMissing(str(path))
    try:
        conn = sqlite3.connect(path, timeout=30, check_same_thread=False)
        check_schema(conn, path)
    except sqlite3.DatabaseError as error:
        raise IndexCorrupt(str(path), str(error)) from None
    return conn


def check_schema(conn: sqlite3.Connection, path: Path) -> None:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if app_id != APPLICATION_ID:
        raise IndexCorrupt(str(path), "not a docbot index file")
    version = read_meta(conn).get("schema_version")
    if version != SCHEMA_VERSION:
        raise IndexCorrupt(str(path), f"schema {version}, this docbot needs {SCHEMA_VERSION}")


def read_meta(conn: sqlite3.Connection) -> dict[str, str]:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "meta" not in tables:
        return {}
    return {key: value for key, value in conn.execute("SELECT key, value FROM meta")}


def create_schema(db: sqlite_utils.Database) -> None:
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.table("meta").create({"key": str, "value": str}, pk="key", if_not_exists=True)
    db.table("documents").create(
        {
            "path": str,
            "size": int,
            "mtime_ns": int,
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
            "terms": str,
            "forms": str,
            "page": int,
        },
        pk="id",
        if_not_exists=True,
    )
    db.table("passages").create_index(["doc"], if_not_exists=True)
    db.table("skipped").create(
        {"path": str, "size": int, "mtime_ns": int, "reason": str}, pk="path", if_not_exists=True
    )
    db.table("lang_names").create(
        {"tag": str, "ui": str, "name": str}, pk=("tag", "ui"), if_not_exists=True
    )
    db.table("meta").upsert({"key": "schema_version", "value": SCHEMA_VERSION}, pk="key")


def generation_of(conn: sqlite3.Connection) -> int:
    """The index's generation: a number that grows with every build that
    changed it, whichever process built it."""
    value = read_meta(conn).get("generation", "0")
    return int(value) if value.isdigit() else 0


def bump_generation(db: sqlite_utils.Database) -> None:
    write_meta(db, generation=generation_of(db.conn) + 1)


def index_generation(path: Path) -> int:
    """The generation of the index at ``path`` (``IndexMissing``/``IndexCorrupt``
    when there is none), read in one cheap query."""
    conn = open_reader(path)
    try:
        return generation_of(conn)
    finally:
        conn.close()


def write_meta(db: sqlite_utils.Database, **values: Any) -> None:
    db.table("meta").upsert_all([{"key": k, "value": str(v)} for k, v in values.items()], pk="key")


@contextlib.contextmanager
def build_lock(db_path: Path, wait: bool) -> Iterator[None]:
    """Exclusive lock for one build of ``db_path``; ``IndexBusy`` if taken and not waiting."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db_path.with_name(db_path.name + ".lock")
    with open(lock_path, "a+") as handle:
        flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(handle, flags)
        except BlockingIOError:
            raise IndexBusy(str(db_path)) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_writer(db_path: Path) -> sqlite_utils.Database:
    """A connection for one build: WAL journal, manual transactions."""
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
    """Make the build visible to readers, all at once, and fold the WAL back."""
    db.conn.execute("COMMIT")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()


def rollback(db: sqlite_utils.Database) -> None:
    with contextlib.suppress(sqlite3.Error):
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        db.conn.close()


def remove_index_files(db_path: Path) -> None:
    """Delete an unusable index file and its journals (only with --rebuild)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{db_path}{suffix}").unlink()


def clear(db: sqlite_utils.Database) -> None:
    """Empty every table, inside the build's transaction."""
    for table in ("passages", "documents", "skipped", "lang_names"):
        db.table(table).delete_where()
