"""Building and refreshing the index from a corpus folder.

A refresh re-reads only files whose size or modification time changed, and
re-analyzes only those whose content hash changed; deleted files are dropped.
Since BM25 statistics are derived when a searcher opens the index, the result
equals a build from scratch.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import store

if TYPE_CHECKING:
    import sqlite_utils
from .analysis import surface_forms, tokenize
from .chunking import chunk
from .errors import CorpusError, IndexCorrupt, IndexMissing, IndexUnwritable
from .langs import display_name, primary
from .loader import is_candidate, load_document
from .reading import Unreadable
from .records import BuildReport, Document, Passage

ANALYZER_VERSION = "2"
UI_LANGUAGES = ("en", "de", "es")

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class FileState:
    rel: str
    path: Path
    size: int
    mtime_ns: int


def scan_corpus(corpus: Path) -> list[FileState]:
    """Every candidate file under ``corpus``, sorted by relative path."""
    if not corpus.exists():
        raise CorpusError(
            f"The corpus folder {corpus} does not exist. "
            "Create it and put .txt or .md files in it, or point --corpus / DOCBOT_CORPUS at one."
        )
    if not corpus.is_dir():
        raise CorpusError(f"{corpus} is not a folder. Point --corpus at the folder of documents.")
    states = []
    for path in sorted(corpus.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(corpus).parts):
            continue
        if not is_candidate(path):
            continue
        stat = path.stat()
        rel = path.relative_to(corpus).as_posix()
        states.append(FileState(rel, path, stat.st_size, stat.st_mtime_ns))
    return states


def index_terms(
    passage: Passage, decompound: Callable[[str], list[str]] | None
) -> tuple[list[str], list[str]]:
    """The stems and the surface forms a passage is found by.

    Title and section heading words count for matching, but only once: a word
    that the text repeats is not made more frequent by its heading.
    """
    lang = primary(passage.lang)
    head = f"{passage.title}\n{passage.section or ''}"
    body_terms = tokenize(passage.text, lang, decompound)
    body_forms = surface_forms(passage.text, lang)
    seen_terms, seen_forms = set(body_terms), set(body_forms)
    head_terms = [t for t in tokenize(head, lang, decompound) if t not in seen_terms]
    head_forms = [f for f in surface_forms(head, lang) if f not in seen_forms]
    return head_terms + body_terms, head_forms + body_forms


def _decompounder(lang: str) -> Callable[[str], list[str]] | None:
    if lang != "de":
        return None
    from .compounds import ngram_decompounder

    return ngram_decompounder


def passage_rows(document: Document) -> list[dict[str, object]]:
    rows = []
    lang = primary(document.lang)
    decompound = _decompounder(lang)
    for passage in chunk(document):
        terms, forms = index_terms(passage, decompound)
        rows.append(
            {
                "doc": passage.doc,
                "ordinal": passage.ordinal,
                "section": passage.section,
                "lang": passage.lang,
                "prim": lang,
                "text": passage.text,
                "terms": " ".join(terms),
                "forms": " ".join(forms),
                "page": passage.page,
            }
        )
    return rows


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_document(db: sqlite_utils.Database, state: FileState, digest: str, doc: Document) -> int:
    rows = passage_rows(doc)
    db.table("passages").delete_where("doc = ?", [state.rel])
    db.table("passages").insert_all(rows)
    db.table("documents").upsert(
        {
            "path": state.rel,
            "size": state.size,
            "mtime_ns": state.mtime_ns,
            "sha256": digest,
            "title": doc.title,
            "lang": doc.lang,
            "date": doc.date,
            "author": doc.author,
            "url": doc.url,
            "site": doc.site,
            "passages": len(rows),
        },
        pk="path",
    )
    db.table("skipped").delete_where("path = ?", [state.rel])
    return len(rows)


def _skip(db: sqlite_utils.Database, state: FileState, reason: str) -> None:
    db.table("passages").delete_where("doc = ?", [state.rel])
    db.table("documents").delete_where("path = ?", [state.rel])
    db.table("skipped").upsert(
        {"path": state.rel, "size": state.size, "mtime_ns": state.mtime_ns, "reason": reason},
        pk="path",
    )


@dataclass
class _Known:
    """What the index already knows of each file, read once per build."""

    documents: dict[str, tuple[int, int, str]]  # path -> (size, mtime_ns, sha256)
    skipped: dict[str, tuple[int, int]]

    @classmethod
    def read(cls, db: sqlite_utils.Database) -> _Known:
        documents = {
            r[0]: (r[1], r[2], r[3])
            for r in db.execute("SELECT path, size, mtime_ns, sha256 FROM documents")
        }
        skipped = {
            r[0]: (r[1], r[2]) for r in db.execute("SELECT path, size, mtime_ns FROM skipped")
        }
        return cls(documents, skipped)


@dataclass
class _Tally:
    added: list[str]
    changed: list[str]
    unchanged: int = 0


def _refresh_file(
    db: sqlite_utils.Database, state: FileState, known: _Known, tally: _Tally
) -> None:
    """Re-read a file only if its size or mtime changed; re-analyze only if its content did."""
    previous = known.documents.get(state.rel)
    if previous and previous[:2] == (state.size, state.mtime_ns):
        tally.unchanged += 1
        return
    if known.skipped.get(state.rel) == (state.size, state.mtime_ns):
        return
    try:
        data = state.path.read_bytes()
    except OSError as error:
        _skip(db, state, f"cannot read it ({error.strerror})")
        return
    digest = _sha256(data)
    if previous and previous[2] == digest:
        db.table("documents").update(state.rel, {"size": state.size, "mtime_ns": state.mtime_ns})
        tally.unchanged += 1
        return
    try:
        document = load_document(state.path, state.rel)
    except Unreadable as error:
        _skip(db, state, str(error))
        return
    _write_document(db, state, digest, document)
    (tally.changed if previous else tally.added).append(state.rel)


def _remove_missing(db: sqlite_utils.Database, known: _Known, present: Iterable[str]) -> list[str]:
    present_set = set(present)
    gone = sorted(path for path in known.documents if path not in present_set)
    for rel in gone:
        db.table("passages").delete_where("doc = ?", [rel])
        db.table("documents").delete_where("path = ?", [rel])
    for rel in known.skipped:
        if rel not in present_set:
            db.table("skipped").delete_where("path = ?", [rel])
    return gone


def _store_language_names(db: sqlite_utils.Database) -> dict[str, int]:
    counts = {
        row[0]: row[1]
        for row in db.execute("SELECT prim, count(*) FROM passages GROUP BY prim ORDER BY prim")
    }
    known = {(r[0], r[1]) for r in db.execute("SELECT tag, ui FROM lang_names")}
    names = []
    for tag in counts:
        for ui in sorted({*UI_LANGUAGES, *counts}):
            if (tag, ui) in known:
                continue
            try:
                names.append({"tag": tag, "ui": ui, "name": display_name(tag, ui)})
            except (LookupError, ValueError):
                continue
    if names:
        db.table("lang_names").insert_all(names, pk=("tag", "ui"), replace=True)
    return counts


def _needs_full_build(db_path: Path, rebuild: bool) -> bool:
    """True for a fresh build; removes an unusable file only when asked to rebuild."""
    if not db_path.exists():
        return True
    try:
        conn = store.open_reader(db_path)
    except IndexCorrupt:
        if not rebuild:
            raise
        store.remove_index_files(db_path)
        return True
    try:
        return rebuild or store.read_meta(conn).get("analyzer_version") != ANALYZER_VERSION
    finally:
        conn.close()


def build_index(
    corpus: Path,
    db_path: Path,
    *,
    rebuild: bool = False,
    wait: bool = True,
    progress: Progress | None = None,
) -> BuildReport:
    """Build or refresh the index of ``corpus`` at ``db_path``, in one transaction."""
    started = time.perf_counter()
    files = scan_corpus(corpus)
    try:
        return _build_locked(
            corpus,
            db_path,
            files=files,
            rebuild=rebuild,
            wait=wait,
            progress=progress,
            started=started,
        )
    except OSError as error:
        raise IndexUnwritable(str(db_path), error.strerror or str(error)) from None
    except sqlite3.OperationalError as error:
        if not any(s in str(error) for s in ("readonly", "unable to open")):
            raise
        raise IndexUnwritable(str(db_path), str(error)) from None


def _build_locked(
    corpus: Path,
    db_path: Path,
    *,
    files: list[FileState],
    rebuild: bool,
    wait: bool,
    progress: Progress | None,
    started: float,
) -> BuildReport:
    with store.build_lock(db_path, wait):
        full = _needs_full_build(db_path, rebuild)
        db = store.open_writer(db_path)
        try:
            if full:
                store.clear(db)
            known = _Known.read(db)
            tally = _Tally([], [])
            for n, file_state in enumerate(files, 1):
                _refresh_file(db, file_state, known, tally)
                if progress:
                    progress(n, len(files), file_state.rel)
            removed = _remove_missing(db, known, (f.rel for f in files))
            counts = _store_language_names(db)
            if full or tally.added or tally.changed or removed:
                store.bump_generation(db)
            store.write_meta(
                db,
                analyzer_version=ANALYZER_VERSION,
                corpus=str(corpus.resolve()),
                built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            )
            skipped = tuple(
                (r[0], r[1]) for r in db.execute("SELECT path, reason FROM skipped ORDER BY path")
            )
            store.commit(db)
        except BaseException:
            store.rollback(db)
            raise
    return BuildReport(
        added=tuple(tally.added),
        changed=tuple(tally.changed),
        removed=tuple(removed),
        unchanged=tally.unchanged,
        skipped=skipped,
        passages_per_lang=counts,
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class Staleness:
    """How far the index is behind its corpus."""

    reason: str | None  # None: up to date
    changed: int = 0  # files added, changed or removed since the last build
    usable: bool = True  # False: there is no index to answer from meanwhile


def check_staleness(corpus: Path, db_path: Path) -> Staleness:
    """Compare the corpus folder with the index (file sizes and mtimes only)."""
    try:
        db = store.open_reader(db_path)
    except IndexMissing:
        return Staleness("no index yet", usable=False)
    except IndexCorrupt as error:
        return Staleness(str(error), usable=False)
    try:
        files = scan_corpus(corpus)
        meta = store.read_meta(db)
        if meta.get("analyzer_version") != ANALYZER_VERSION:
            return Staleness("built by another docbot version", len(files), usable=False)
        if meta.get("corpus") != str(corpus.resolve()):
            return Staleness("built from another corpus folder", len(files), usable=False)
        known = {
            r[0]: (r[1], r[2]) for r in db.execute("SELECT path, size, mtime_ns FROM documents")
        }
        known.update(
            {r[0]: (r[1], r[2]) for r in db.execute("SELECT path, size, mtime_ns FROM skipped")}
        )
    finally:
        db.close()
    current = {f.rel: (f.size, f.mtime_ns) for f in files}
    changed = sum(known.get(rel) != stat for rel, stat in current.items())
    changed += sum(rel not in current for rel in known)
    return Staleness("the corpus changed" if changed else None, changed)


def stale_reason(corpus: Path, db_path: Path) -> str | None:
    """Why the index at ``db_path`` does not reflect ``corpus`` (``None``: up to date)."""
    return check_staleness(corpus, db_path).reason
