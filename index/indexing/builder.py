"""Building and refreshing the index from a corpus folder.

A refresh re-reads only files whose fingerprint (size, times, sidecar)
changed, and re-analyses only those whose content hash changed; deleted files
are dropped.  Each file is read, cleaned, chunked and analysed in one pass
(in worker processes when many files changed); the passages' terms are stored
as blobs, and the search structures of the new generation are derived from
all of them, so a refresh gives exactly what a build from scratch gives.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..analysis.analyzer import Analyzer
from ..analysis.keys import pair_keys
from ..errors import CorpusError, IndexCorrupt, IndexForeign, IndexMissing, IndexUnwritable
from ..ingest.chunking import chunk, prose_of
from ..ingest.formats import supported_suffixes
from ..ingest.reading import SIDECAR_SUFFIX, Unreadable, corpus_walk
from ..languages import codes as language_codes
from ..languages.detect import display_name, passage_language, primary
from ..records import BuildReport, Document, LockHolder, Passage
from ..retrieval.lexical import build_generation, patch_generation, trigram_keys
from ..retrieval.postings import counts_blobs
from ..storage import store
from ..storage.arrays import Bundle, BundleCheck, BundleError, open_bundle, write_bundle

if TYPE_CHECKING:
    import sqlite_utils

# 7: pages read without their chrome, passages in their own language, code lines whole
# 8: search pages and generated indexes of terms skipped, no dates from example output
ANALYZER_VERSION = "8"
SAME_FILE = "the same file as"
SAME_CONTENT = "the same content as"
PARALLEL_MIN_FILES = 48  # below this, worker processes cost more than they save
WRITE_BATCH = 2000  # passages written per statement batch
KEEP_ROWS_PASSAGES = 60_000  # a full build of more passages reads their rows back
FIELDS = ("stem", "form", "pair")
PARTS = ("_h", "_tf")

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class FileState:
    rel: str
    path: str
    fingerprint: str
    same_as: str | None = None  # another name (a link) of the file indexed under this one


def _stat_print(status: os.stat_result) -> str:
    return f"{status.st_size}:{status.st_mtime_ns}:{status.st_ctime_ns}"


def fingerprint(
    path: Path | str, names: frozenset[str] | None = None, status: os.stat_result | None = None
) -> str:
    """What must change for a file to be looked at again: size, modification
    and status-change times (a permission fix changes the latter), and the
    same of its sidecar ``NAME.meta.json``.  ``names`` (the folder's file
    names, when the caller has them) spares a look-up for absent sidecars,
    ``status`` (the file's, when the caller has it) another."""
    path = str(path)
    own = _stat_print(status or os.stat(path))
    sidecar = path + SIDECAR_SUFFIX
    if names is not None and os.path.basename(sidecar) not in names:
        return own
    try:
        return f"{own}|{_stat_print(os.stat(sidecar))}"
    except OSError:
        return own


def scan_corpus(corpus: Path, db_path: Path | None = None) -> list[FileState]:
    """Every candidate file under ``corpus``, sorted by relative path.

    Hidden files and folders, sidecars and the index's own files (when the
    index lies inside the corpus) are not documents.
    """
    if not corpus.exists():
        raise CorpusError(
            f"The corpus folder {corpus} does not exist. Create it and put .txt, .md, .html, "
            ".pdf or .docx files in it, or point --corpus / DOCBOT_CORPUS at one."
        )
    if not corpus.is_dir():
        raise CorpusError(f"{corpus} is not a folder. Point --corpus at the folder of documents.")
    root = str(corpus)
    states = []
    inodes: dict[tuple[int, int], list[tuple[bool, str, str, str]]] = {}
    for full, rel, names in corpus_walk(root):
        if db_path is not None and store.is_own_file(db_path, full):
            continue
        try:
            status = os.stat(full)
            if not stat.S_ISREG(status.st_mode):
                continue
            print_ = fingerprint(full, names, status)
            linked = os.path.islink(full)
        except OSError:
            continue
        key = (status.st_dev, status.st_ino)
        inodes.setdefault(key, []).append((linked, rel, full, print_))
    for names_of_file in inodes.values():
        states += _one_name_a_file(names_of_file)
    states.sort(key=lambda s: s.rel)
    return states


def corpus_documents(corpus: Path, db_path: Path | None = None) -> list[str]:
    """The files of ``corpus`` that docbot reads as documents, relative and
    sorted: the build's own rule (hidden files and folders, ``~`` files,
    sidecars and the index's own files are not documents) and a format that
    reads the file's type."""
    readable = set(supported_suffixes())
    return sorted(
        rel
        for full, rel, _ in corpus_walk(str(corpus))
        if Path(full).suffix.lower() in readable
        and os.path.isfile(full)
        and not (db_path is not None and store.is_own_file(db_path, full))
    )


def _one_name_a_file(names: list[tuple[bool, str, str, str]]) -> list[FileState]:
    """The names of one file (symbolic or hard links): the file itself, or its
    shortest name, is indexed; the others say which name they are.

    >>> [(s.rel, s.same_as) for s in _one_name_a_file(
    ...     [(True, "faq.html", "/c/faq.html", "1:2:3"), (False, "faq.en.html", "/c/f", "1:2:3")])]
    [('faq.en.html', None), ('faq.html', 'faq.en.html')]
    """
    ordered = sorted(names, key=lambda n: (n[0], len(n[1]), n[1]))
    _, kept, path, print_ = ordered[0]
    states = [FileState(kept, path, print_)]
    for _, rel, other, _ in ordered[1:]:
        states.append(FileState(rel, other, f"{print_}|same-as:{kept}", same_as=kept))
    return states


# --- reading and analysing one file (in a worker process or inline) ------------


@dataclass(frozen=True)
class FileTask:
    rel: str
    path: str
    fingerprint: str
    previous_sha: str | None
    same_as: str | None = None


@dataclass
class FileResult:
    rel: str
    fingerprint: str
    sha: str | None = None
    same_content: bool = False
    skipped: str | None = None
    document: dict[str, Any] | None = None
    passages: list[dict[str, Any]] = field(default_factory=list)
    terms: dict[int, tuple[str, bytes]] = field(default_factory=dict)  # new stems: text, trigrams


def _digest(path: Path, data: bytes) -> str:
    digest = hashlib.sha256(data)
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    with contextlib.suppress(OSError):
        digest.update(b"\0sidecar\0" + sidecar.read_bytes())
    return digest.hexdigest()


class _Analysis:
    """Per-process analysers and term hashes, kept across the files of a build."""

    def __init__(self) -> None:
        self.analyzers: dict[str, Analyzer] = {}

    def new_terms(self, analyzer: Analyzer) -> dict[int, tuple[str, bytes]]:
        """The stems this process met for the first time, with their trigram keys."""
        fresh, analyzer.new_stems = analyzer.new_stems, {}
        return {key: (term, _trigram_blob(term)) for key, term in fresh.items()}

    def analyzer(self, lang: str) -> Analyzer:
        if lang not in self.analyzers:
            self.analyzers[lang] = Analyzer(lang)
        return self.analyzers[lang]


_PROCESS_ANALYSIS = _Analysis()


def _flat(sequences: list[list[int]]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The sequences' keys end to end, and the number of the sequence each came from."""
    lengths = np.fromiter(map(len, sequences), np.int64, len(sequences))
    total = int(lengths.sum())
    keys = np.fromiter(chain.from_iterable(sequences), np.int64, total)
    return keys, np.repeat(np.arange(len(sequences)), lengths)


Analysed = tuple[list[int], list[int], list[int], list[int]]  # text stems, forms; heading's


def _field_blobs(analysed: list[Analysed]) -> list[dict[str, bytes]]:
    """Each passage's stems, surface forms and form pairs as count blobs, all
    passages of a document counted at once.

    ``analysed`` holds each passage's text stems and forms and its heading's.
    Title and section heading words count for matching, but only once: a word
    the text repeats is not made more frequent by its heading.  The heading's
    forms and the text's form one sequence; the pair across the seam is no pair.
    """
    stem_seqs: list[list[int]] = []
    form_seqs: list[list[int]] = []
    seams: list[int] = []
    for stems, forms, head_stems, head_forms in analysed:
        seen_stems, seen_forms = set(stems), set(forms)
        extra_forms = [k for k in head_forms if k not in seen_forms]
        stem_seqs.append([k for k in head_stems if k not in seen_stems] + stems)
        form_seqs.append(extra_forms + forms)
        seams.append(len(extra_forms) if extra_forms and forms else 0)
    n = len(analysed)
    stem_keys, stem_owner = _flat(stem_seqs)
    form_keys, form_owner = _flat(form_seqs)
    # a pair joins key i and i + 1 of one passage, never across its heading's seam
    lengths = np.fromiter(map(len, form_seqs), np.int64, n)
    starts = np.cumsum(lengths) - lengths
    seam_lengths = np.array(seams, np.int64)
    joined = np.ones(form_keys.size, np.bool_)  # key i joins the key before it
    joined[starts[lengths > 0]] = False
    joined[(starts + seam_lengths)[seam_lengths > 0]] = False
    valid = joined[1:]
    pairs, pair_owner = pair_keys(form_keys)[valid], form_owner[1:][valid]
    # the three fields counted at once: field f's passage p is owner f * n + p
    counted = counts_blobs(
        np.concatenate([stem_keys, form_keys, pairs]),
        np.concatenate([stem_owner, form_owner + n, pair_owner + 2 * n]),
        3 * n,
    )
    fields = {"stem": counted[:n], "form": counted[n : 2 * n], "pair": counted[2 * n :]}
    blobs: list[dict[str, bytes]] = [{} for _ in range(n)]
    for name, per_passage in fields.items():
        for row, (keys, tfs) in zip(blobs, per_passage, strict=True):
            row[f"{name}_h"], row[f"{name}_tf"] = keys, tfs
    return blobs


def passage_blobs(
    passages: Iterable[Passage], analyzer_for: Callable[[str], Analyzer]
) -> list[tuple[Passage, dict[str, bytes]]]:
    """Each passage with its field blobs, analysed in its language
    (``analyzer_for``); a heading is analysed once per document and language.

    The section heading counts for the passage it introduces, the section's
    first: a question that is the heading ("How do I put a package on hold?")
    is answered by the text right under it, not by the section's later parts
    (which keep the document's title, and their section's name for display)."""
    heads: dict[tuple[str, str, str | None], tuple[list[int], list[int]]] = {}
    kept: list[Passage] = []
    analysed: list[Analysed] = []
    previous: tuple[str, str | None] | None = None
    for passage in passages:
        opens = (passage.doc, passage.section) != previous
        previous = (passage.doc, passage.section)
        analyzer = analyzer_for(primary(passage.lang))
        key = (primary(passage.lang), passage.title, passage.section if opens else None)
        if key not in heads:
            heads[key] = analyzer.analyze_keys(f"{key[1]}\n{key[2] or ''}")
        stems, forms = analyzer.analyze_keys(passage.text)
        kept.append(passage)
        analysed.append((stems, forms, *heads[key]))
    return list(zip(kept, _field_blobs(analysed), strict=True))


def document_rows(
    document: Document, state: FileResult, analysis: _Analysis
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[int, tuple[str, bytes]]]:
    """The document's row, its passages' rows (each passage in its own language:
    ``passage_language``) and the stems met for the first time."""
    known = language_codes()
    passages = [
        replace(p, lang=passage_language(prose_of(p.text), p.lang, known)) for p in chunk(document)
    ]
    rows = []
    for passage, blobs in passage_blobs(passages, analysis.analyzer):
        rows.append(
            {
                "doc": passage.doc,
                "ordinal": passage.ordinal,
                "section": passage.section,
                "lang": passage.lang,
                "prim": primary(passage.lang),
                "text": passage.text,
                "page": passage.page,
                **blobs,
            }
        )
    doc_row = {
        "path": document.path,
        "fingerprint": state.fingerprint,
        "sha256": state.sha,
        "title": document.title,
        "lang": document.lang,
        "date": document.date,
        "author": document.author,
        "url": document.url,
        "site": document.site,
        "passages": len(rows),
    }
    terms: dict[int, tuple[str, bytes]] = {}
    for lang in {primary(document.lang), *(primary(p.lang) for p in passages)}:
        terms.update(analysis.new_terms(analysis.analyzer(lang)))
    return doc_row, rows, terms


def read_file(task: FileTask, analysis: _Analysis | None = None) -> FileResult:
    """Read, clean, chunk and analyse one file.  Never raises: whatever goes
    wrong with one file is the reason it is skipped."""
    analysis = analysis or _PROCESS_ANALYSIS
    result = FileResult(task.rel, task.fingerprint)
    if task.same_as is not None:
        result.skipped = f"{SAME_FILE} {task.same_as} (a link to it): indexed once, under that name"
        return result
    path = Path(task.path)
    try:
        data = path.read_bytes()
    except OSError as error:
        result.skipped = f"cannot read it ({error.strerror or error})"
        return result
    result.sha = _digest(path, data)
    if task.previous_sha == result.sha:
        result.same_content = True
        return result
    try:
        from ..ingest.loader import load_document  # the readers: only when a file is read

        document = load_document(path, task.rel)
        result.document, result.passages, result.terms = document_rows(document, result, analysis)
    except Unreadable as error:
        result.skipped = str(error) or "unreadable"
    except RecursionError:
        result.skipped = "cannot read it (nested too deeply)"
    except Exception as error:  # one bad file must never stop the rest
        result.skipped = f"cannot read it ({type(error).__name__}: {str(error)[:200]})"
    if result.document is not None and not result.passages:
        result.document, result.skipped = None, "no text left after cleaning"
    return result


def _read_all(tasks: list[FileTask]) -> Generator[FileResult, None, None]:
    """Results in task order; worker processes when there are many files."""
    if len(tasks) < PARALLEL_MIN_FILES:
        analysis = _Analysis()
        for task in tasks:
            yield read_file(task, analysis)
        return
    from .workers import run_parallel

    yield from run_parallel(tasks, read_file)


# --- the build ---------------------------------------------------------------------


def _store_language_names(db: sqlite_utils.Database, counts: dict[str, int]) -> None:
    known = store.language_name_keys(db.conn)
    names = []
    for tag in counts:
        for ui in sorted({*language_codes(), *counts}):
            if (tag, ui) in known:
                continue
            try:
                names.append({"tag": tag, "ui": ui, "name": display_name(tag, ui)})
            except (LookupError, ValueError):
                continue
    store.store_language_names(db, names)


def _full_build_needed(db_path: Path, rebuild: bool, force: bool) -> bool:
    """True for a fresh build; removes an unusable file only when asked to rebuild,
    and another program's database only when forced."""
    if not db_path.exists():
        return True
    try:
        conn = store.open_reader(db_path)
    except IndexMissing:
        return True  # a blank file: an interrupted first build
    except IndexForeign:
        if not (rebuild and force):
            raise
        store.remove_index_files(db_path)
        return True
    except IndexCorrupt:
        if not rebuild:
            raise
        store.remove_index_files(db_path)
        return True
    try:
        meta = store.read_meta(conn)
        return rebuild or meta.get("analyzer_version") != ANALYZER_VERSION
    finally:
        conn.close()


def build_index(
    corpus: Path,
    db_path: Path,
    *,
    rebuild: bool = False,
    force: bool = False,
    wait: bool = True,
    progress: Progress | None = None,
    semantic: str | None = None,
    on_wait: store.Waiting | None = None,
    cluster: str | None = None,
) -> BuildReport:
    """Build or refresh the index of ``corpus`` at ``db_path``, in one transaction.

    ``rebuild`` starts from scratch (and replaces a damaged index file);
    ``force`` with it also replaces another program's SQLite database.
    ``semantic`` names an encoder (``semantic.load_encoder``): after the
    lexical index is committed (and answers come from it), the semantic
    layer's vectors are brought up to date; ``vectors_missing`` in the report
    says how many passages still lack them.  When another process builds,
    ``wait`` waits for it (``on_wait`` is told whom it waits for first);
    without ``wait``, ``IndexBusy``.  ``cluster`` names a Dask scheduler that
    computes the vectors (``cluster.embed_on_cluster``).
    """
    started = time.perf_counter()
    if wait and on_wait is not None:
        on_wait = _once_per_holder(on_wait)
        busy, holder = store.busy_with(db_path)  # said at once, before anything is read
        if busy:
            on_wait(holder)
    lock = functools.partial(store.build_lock, on_wait=on_wait, started=time.time())
    files = scan_corpus(corpus, db_path)
    try:
        report = _build_locked(
            corpus,
            db_path,
            files,
            rebuild=rebuild,
            force=force,
            lock=lock(db_path, wait),
            progress=progress,
            started=started,
        )
        if semantic is not None:
            from .vectors import refresh_vectors, vector_damage

            damage = vector_damage(db_path, semantic)
            missing = refresh_vectors(
                db_path, semantic, progress=progress, wait=wait, lock=lock, cluster=cluster
            )
            repaired = report.repaired + ((damage,) if damage and not missing else ())
            report = replace(
                report,
                vectors_missing=missing,
                seconds=time.perf_counter() - started,
                repaired=repaired,
            )
        return report
    except OSError as error:
        raise IndexUnwritable(str(db_path), error.strerror or str(error)) from None
    except sqlite3.OperationalError as error:
        if not store.cannot_write(error):
            raise
        raise IndexUnwritable(str(db_path), str(error)) from None


def _once_per_holder(on_wait: store.Waiting) -> store.Waiting:
    """``on_wait``, told of each build it waits for once (a build that holds
    first one lock of the index and then the other is one build)."""
    told: list[LockHolder | None] = []

    def tell(holder: LockHolder | None) -> None:
        if holder is None or holder not in told:
            told.append(holder)
            on_wait(holder)

    return tell


def _build_locked(
    corpus: Path,
    db_path: Path,
    files: list[FileState],
    *,
    rebuild: bool,
    force: bool,
    lock: contextlib.AbstractContextManager[None],
    progress: Progress | None,
    started: float,
) -> BuildReport:
    with lock:
        store.remove_stray_files(db_path)  # what a build killed earlier left
        full = _full_build_needed(db_path, rebuild, force)
        db = store.open_writer(db_path)
        try:
            report, rows = _apply_changes(db, corpus, files, full, progress)
            published, damage = _publish_if_needed(
                db, db_path, full or report.changed_anything, rows, full
            )
            store.commit(db)
        except BaseException:  # Ctrl-C and SIGTERM too: nothing of this build stays
            store.rollback(db)
            store.remove_stray_files(db_path)
            raise
        store.remove_old_bundles(db_path, published)
    repaired = (damage,) if damage and not full else ()
    return replace(report, seconds=time.perf_counter() - started, repaired=repaired)


@dataclass
class _Tally:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    terms: dict[int, tuple[str, bytes]] = field(default_factory=dict)
    documents: list[dict[str, Any]] = field(default_factory=list)
    passages: list[dict[str, Any]] = field(default_factory=list)
    serving: list[tuple[Any, ...]] | None = None  # a full build keeps them for the arrays

    def flush(self, db: sqlite_utils.Database) -> None:
        """Write the documents read so far, in one batch."""
        if self.documents:
            store.replace_documents(db, self.documents, self.passages)
            self.documents, self.passages = [], []


def _plan(files: list[FileState], known: store.Known, tally: _Tally) -> list[FileTask]:
    """The files to read: new or changed fingerprints, and skipped files that changed."""
    tasks = []
    for state in files:
        previous = known.documents.get(state.rel)
        if previous and previous[0] == state.fingerprint:
            tally.unchanged += 1
        elif known.skipped.get(state.rel) != state.fingerprint:
            previous_sha = previous[1] if previous else None
            tasks.append(
                FileTask(state.rel, state.path, state.fingerprint, previous_sha, state.same_as)
            )
    return tasks


def _store_results(
    db: sqlite_utils.Database,
    tasks: list[FileTask],
    known: store.Known,
    tally: _Tally,
    progress: Progress | None,
    *,
    current: dict[str, str],
) -> int:
    """Write what the readers found; returns the next free passage id.  A
    document with the content of another (``current``: the files and their
    fingerprints) is skipped, saying so."""
    next_id = store.next_passage_id(db.conn)
    by_content = {sha: rel for rel, (fp, sha) in known.documents.items() if current.get(rel) == fp}
    # closing: an interrupted build ends its worker processes at once
    with contextlib.closing(_read_all(tasks)) as results:
        for n, result in enumerate(results, 1):
            original = by_content.get(result.sha or "")
            if result.document is not None and original not in (None, result.rel):
                result.skipped = f"{SAME_CONTENT} {original}: indexed once, under that name"
            elif result.document is not None and result.sha:
                by_content[result.sha] = result.rel
            next_id = _store_one(db, result, known, tally, next_id)
            if progress:
                progress(n, len(tasks), result.rel)
    tally.flush(db)
    return next_id


def _store_one(
    db: sqlite_utils.Database, result: FileResult, known: store.Known, tally: _Tally, next_id: int
) -> int:
    """Record one file's result (skipped, unchanged, or its document and
    passages, written in batches); returns the next free passage id."""
    if result.skipped is not None:
        store.record_skip(db, result.rel, result.fingerprint, result.skipped)
    elif result.same_content:
        store.refresh_fingerprint(db, result.rel, result.fingerprint)
        tally.unchanged += 1
    elif result.document is not None:
        for row in result.passages:
            row["id"] = next_id
            next_id += 1
        tally.documents.append(result.document)
        tally.passages.extend(result.passages)
        if tally.serving is not None:
            tally.serving.extend(
                (p["id"], p["prim"], *(p[f"{name}{part}"] for name in FIELDS for part in PARTS))
                for p in result.passages
            )
            if len(tally.serving) > KEEP_ROWS_PASSAGES:
                tally.serving = None  # a large corpus: read back later, not held
        tally.terms.update(result.terms)
        (tally.changed if result.rel in known.documents else tally.added).append(result.rel)
        if len(tally.passages) >= WRITE_BATCH:
            tally.flush(db)
    return next_id


def copy_of(reason: str) -> str | None:
    """The name a skipped file is indexed under, when it was skipped as a link
    to or a copy of that file.

    >>> copy_of("the same file as faq.en.html (a link to it): indexed once, under that name")
    'faq.en.html'
    >>> copy_of("empty file") is None
    True
    """
    for prefix, end in ((SAME_FILE, " (a link to it): "), (SAME_CONTENT, ": indexed once")):
        if reason.startswith(prefix + " ") and end in reason:
            return reason[len(prefix) + 1 : reason.rindex(end)]
    return None


def _replan_copies(conn: sqlite3.Connection, known: store.Known, current: dict[str, str]) -> None:
    """A file skipped as a copy of another is read again when that other file
    is gone or changed (it may be the only one left, or differ now)."""
    for rel, reason in store.skipped_files(conn):
        original = copy_of(reason)
        if original is None or not reason.startswith(SAME_CONTENT):
            continue  # a link is planned by its name's state
        indexed = known.documents.get(original)
        if indexed is None or current.get(original) != indexed[0]:
            known.skipped.pop(rel, None)


def _remove_missing(db: sqlite_utils.Database, known: store.Known, present: set[str]) -> list[str]:
    removed = sorted(path for path in known.documents if path not in present)
    for rel in removed:
        store.remove_document(db, rel)
    for rel in known.skipped:
        if rel not in present:
            store.forget_skipped(db, rel)
    return removed


def _apply_changes(
    db: sqlite_utils.Database,
    corpus: Path,
    files: list[FileState],
    full: bool,
    progress: Progress | None,
) -> tuple[BuildReport, list[tuple[Any, ...]] | None]:
    """Read what changed and write it; the report, and (in a full build) every
    passage's serving row, so the arrays need not read them back."""
    if full:
        store.clear(db)
    known = store.known_files(db.conn)
    # A full build keeps each passage's serving row for the arrays, unless the
    # corpus is large: then they are read back (seconds) rather than held (GBs).
    tally = _Tally(serving=[] if full else None)
    current = {f.rel: f.fingerprint for f in files}
    _replan_copies(db.conn, known, current)
    tasks = _plan(files, known, tally)
    next_id = _store_results(db, tasks, known, tally, progress, current=current)
    removed = _remove_missing(db, known, {f.rel for f in files})
    store.store_terms(db, ((h, text, tri) for h, (text, tri) in tally.terms.items()))
    counts = store.passage_counts(db.conn)
    _store_language_names(db, counts)
    store.write_meta(
        db,
        analyzer_version=ANALYZER_VERSION,
        corpus=str(corpus.resolve()),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        next_passage_id=next_id,
    )
    skipped = store.skipped_files(db.conn)
    report = BuildReport(
        added=tuple(tally.added),
        changed=tuple(tally.changed),
        removed=tuple(removed),
        unchanged=tally.unchanged,
        skipped=tuple(row for row in skipped if copy_of(row[1]) is None),
        copies=tuple((path, o) for path, reason in skipped if (o := copy_of(reason)) is not None),
        passages_per_lang=counts,
    )
    return report, tally.serving


def _trigram_blob(term: str) -> bytes:
    return np.array(trigram_keys(term), np.int64).tobytes()


def _previous_bundle(db_path: Path, name: str | None) -> Bundle | None:
    """The current generation's bundle, to patch; ``None`` when there is none to trust."""
    if not name:
        return None
    try:
        bundle = open_bundle(db_path.with_name(name))
    except (OSError, BundleError):
        return None
    return bundle if bundle.meta.get("analyzer") == ANALYZER_VERSION else None


def _publish_if_needed(
    db: sqlite_utils.Database,
    db_path: Path,
    changed: bool,
    rows: list[tuple[Any, ...]] | None,
    full: bool,
) -> tuple[set[Path], str | None]:
    """Write the search structures of a new generation when the passages changed,
    or its bundle is missing, damaged (checked in full) or has no checksum yet;
    the bundles in use afterwards, and what was wrong with a damaged one."""
    meta = store.read_meta(db.conn)
    current = meta.get(store.LEXICAL)
    damage = store.bundle_problem(db_path, meta, store.LEXICAL, full=True)
    checked = bool(meta.get(store.check_key(store.LEXICAL)))
    if not changed and current and damage is None and checked:
        return store.bundles_in_use(meta, db_path), None
    texts, tri = store.term_texts(db.conn), store.term_trigrams(db.conn)
    patchable = rows is None and not full and damage is None
    previous = _previous_bundle(db_path, current) if patchable else None
    if rows is not None:  # a full build: every row is at hand
        arrays = build_generation(sorted(rows, key=lambda r: (r[1], r[0])), texts, tri)
    elif previous is None:
        arrays = build_generation(store.serving_rows(db.conn), texts, tri)
    else:
        ids = {
            lang: np.array(values, np.int64)
            for lang, values in store.passage_ids_by_language(db.conn).items()
        }
        arrays = patch_generation(
            previous, ids, lambda lang, sel: store.serving_rows_of(db.conn, lang, sel), texts, tri
        )
    languages = sorted({name.split("/", 1)[0] for name in arrays})

    def place(target: Path, generation: int) -> BundleCheck:
        header = {
            "generation": generation,
            "kind": "lexical",
            "languages": languages,
            "analyzer": ANALYZER_VERSION,
        }
        return write_bundle(target, arrays, header)

    store.publish_bundle(db, db_path, store.LEXICAL, place)
    return store.bundles_in_use(store.read_meta(db.conn), db_path), damage


# --- how far behind is the index? ------------------------------------------------


@dataclass(frozen=True)
class Staleness:
    """How far the index is behind its corpus."""

    reason: str | None  # None: up to date
    changed: int = 0  # files added, changed or removed since the last build
    usable: bool = True  # False: there is no index to answer from meanwhile


def check_staleness(corpus: Path, db_path: Path) -> Staleness:
    """Compare the corpus folder with the index (file fingerprints only)."""
    try:
        db = store.open_reader(db_path)
    except IndexMissing:
        return Staleness("no index yet", usable=False)
    except IndexCorrupt as error:
        return Staleness(str(error), usable=False)
    try:
        files = scan_corpus(corpus, db_path)
        with store.read_transaction(db):
            meta = store.read_meta(db)
            known = store.known_fingerprints(db)
    finally:
        db.close()
    if meta.get("analyzer_version") != ANALYZER_VERSION:
        return Staleness("built by another docbot version", len(files), usable=False)
    if meta.get("corpus") != str(corpus.resolve()):
        return Staleness("built from another corpus folder", len(files), usable=False)
    unusable = _structures_problem(db_path, meta)
    if unusable is not None:
        return Staleness(unusable, 0, usable=False)
    current = {f.rel: f.fingerprint for f in files}
    changed = sum(known.get(rel) != fp for rel, fp in current.items())
    changed += sum(rel not in current for rel in known)
    return Staleness("the corpus changed" if changed else None, changed)


def _structures_problem(db_path: Path, meta: dict[str, str]) -> str | None:
    """Why the search structures cannot be used as they are: missing, or
    damaged (checked as a searcher checks them on open)."""
    if not meta.get(store.LEXICAL):
        return "its search structures are missing"
    damage = store.bundle_problem(db_path, meta, store.LEXICAL)
    return None if damage is None else f"its search structures are damaged: {damage}"


def stale_reason(corpus: Path, db_path: Path) -> str | None:
    """Why the index at ``db_path`` does not reflect ``corpus`` (``None``: up to date)."""
    return check_staleness(corpus, db_path).reason
