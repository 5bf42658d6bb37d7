"""The index as a library: generations, one read transaction, atomic builds, the
index's own files, sidecars, permissions, and patched generations equal to fresh ones."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from docbot.index import (
    IndexMissing,
    Searcher,
    build_index,
    index_generation,
    is_index_file,
)
from docbot.index.storage.arrays import open_bundle

from .botapi import clean_env

NOTE = "Zebra Strategies\n\nThe zebra strategy means meeting one new person every week.\n"


def _bundle_of(db: Path) -> Path:
    conn = sqlite3.connect(db)
    try:
        (name,) = conn.execute("SELECT value FROM meta WHERE key = 'lexical_bundle'").fetchone()
    finally:
        conn.close()
    return db.with_name(name)


def _postings(db: Path) -> dict[str, object]:
    """Every language's fields as comparable values: passages named by document and
    ordinal (ids differ between indexes), a term's passages in any order."""
    conn = sqlite3.connect(db)
    try:
        name_of = {
            pid: (doc, n) for pid, doc, n in conn.execute("SELECT id, doc, ordinal FROM passages")
        }
    finally:
        conn.close()
    bundle = open_bundle(_bundle_of(db))
    out: dict[str, object] = {}
    for lang in bundle.meta["languages"]:
        names = [name_of[int(pid)] for pid in bundle[f"{lang}/pids"]]
        out[f"{lang}/passages"] = sorted(names)
        for field in ("stem", "form", "pair"):
            vocab = bundle[f"{lang}/{field}/vocab"]
            offsets = bundle[f"{lang}/{field}/offsets"]
            docs = bundle[f"{lang}/{field}/docs"]
            tfs = bundle[f"{lang}/{field}/tfs"]
            terms = {}
            for i, key in enumerate(vocab.tolist()):
                start, end = offsets[i], offsets[i + 1]
                pairs = zip(docs[start:end].tolist(), tfs[start:end].tolist(), strict=True)
                terms[key] = sorted((names[d], tf) for d, tf in pairs)
            out[f"{lang}/{field}"] = terms
            lengths = bundle[f"{lang}/{field}/doc_len"].tolist()
            out[f"{lang}/{field}/doc_len"] = dict(zip(names, lengths, strict=True))
        out[f"{lang}/fuzzy"] = bundle[f"{lang}/fuzzy/keys"].tolist()
    return out


def test_a_patched_generation_equals_a_fresh_build(corpus_copy: Path, tmp_path: Path) -> None:
    patched, fresh = tmp_path / "patched.db", tmp_path / "fresh.db"
    build_index(corpus_copy, patched)
    (corpus_copy / "zebra.txt").write_text(NOTE)
    (corpus_copy / "003_b874282588a5190a.txt").unlink()
    edited = corpus_copy / "002_38366ab575c2df6f.txt"
    edited.write_text(edited.read_text().replace("marathon", "long-distance run"))
    (corpus_copy / "004_bbc4f9790b92bfd2.txt").rename(corpus_copy / "renamed.txt")
    build_index(corpus_copy, patched)
    build_index(corpus_copy, fresh)
    assert _postings(patched) == _postings(fresh)
    for question in (
        "zebra strategy",
        "social media networking",
        "ROI",
        "ROI networking",
        "long-distance run",
        "Kapitalrendite messen",
        "medir el ROI",
    ):
        a = Searcher(patched).ask(question, top=10)
        b = Searcher(fresh).ask(question, top=10)
        assert [(h.passage.doc, h.passage.ordinal, h.passage.text, h.score) for h in a.hits] == [
            (h.passage.doc, h.passage.ordinal, h.passage.text, h.score) for h in b.hits
        ]


def test_the_generation_moves_only_when_the_index_changes(
    corpus_copy: Path, tmp_path: Path
) -> None:
    db = tmp_path / "i.db"
    build_index(corpus_copy, db)
    first = index_generation(db)
    build_index(corpus_copy, db)
    assert index_generation(db) == first
    (corpus_copy / "zebra.txt").write_text(NOTE)
    build_index(corpus_copy, db)
    assert index_generation(db) == first + 1 == Searcher(db).generation


def test_a_build_is_invisible_until_it_commits(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    build_index(corpus_copy, db)
    for i in range(60):
        (corpus_copy / f"zebra-{i:02d}.txt").write_text(NOTE.replace("one", f"{i} more"))
    seen: list[tuple[int, int]] = []
    halfway = threading.Event()
    go_on = threading.Event()

    def progress(done: int, total: int, label: str) -> None:
        if done == total // 2 and not halfway.is_set():
            halfway.set()
            go_on.wait(timeout=60)

    builder = threading.Thread(
        target=build_index, args=(corpus_copy, db), kwargs={"progress": progress}
    )
    builder.start()
    assert halfway.wait(timeout=120)
    other = sqlite3.connect(db)
    try:
        seen.append(other.execute("SELECT count(*) FROM passages").fetchone())
    finally:
        other.close()
    during = Searcher(db)
    assert during.ask("zebra strategy").hits == ()  # the half-done build is invisible
    go_on.set()
    builder.join(timeout=120)
    assert seen == [(27,)]
    assert Searcher(db).ask("zebra strategy").hits


def test_searchers_open_while_builds_commit(corpus_copy: Path, tmp_path: Path) -> None:
    """Opening reads metadata and arrays that belong together, whatever commits meanwhile."""
    db = tmp_path / "i.db"
    build_index(corpus_copy, db)
    stop = threading.Event()
    errors: list[BaseException] = []

    def churn() -> None:
        i = 0
        while not stop.is_set():
            note = corpus_copy / "zebra.txt"
            if i % 2:
                note.unlink(missing_ok=True)
            else:
                note.write_text(NOTE.replace("week", f"week {i}"))
            try:
                build_index(corpus_copy, db)
            except BaseException as error:  # reported below
                errors.append(error)
            i += 1

    churner = threading.Thread(target=churn)
    churner.start()
    try:
        for _ in range(40):
            searcher = Searcher(db)
            assert searcher.ask("How do I measure ROI for networking?").hits
            searcher.close()
    finally:
        stop.set()
        churner.join(timeout=120)
    assert not errors


def test_a_reader_holding_a_snapshot_does_not_stall_a_build(
    corpus_copy: Path, tmp_path: Path
) -> None:
    db = tmp_path / "i.db"
    build_index(corpus_copy, db)
    reader = sqlite3.connect(db)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM passages").fetchone()  # holds a read snapshot
    try:
        (corpus_copy / "zebra.txt").write_text(NOTE)
        done = threading.Event()
        threading.Thread(target=lambda: (build_index(corpus_copy, db), done.set())).start()
        # A blocking checkpoint would wait for the reader (up to SQLite's 30 s timeout).
        assert done.wait(timeout=25), "the build waited for a reader"
    finally:
        reader.execute("COMMIT")
        reader.close()


def test_a_sidecar_added_or_edited_is_picked_up(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    (corpus_copy / "zebra.txt").write_text(NOTE)
    build_index(corpus_copy, db)
    sidecar = corpus_copy / "zebra.txt.meta.json"
    sidecar.write_text(json.dumps({"title": "The Zebra Handbook"}))
    report = build_index(corpus_copy, db)
    assert report.changed == ("zebra.txt",)
    assert Searcher(db).ask("zebra strategy").hits[0].passage.title == "The Zebra Handbook"
    sidecar.write_text(json.dumps({"title": "Zebra, second edition"}))
    build_index(corpus_copy, db)
    assert Searcher(db).ask("zebra strategy").hits[0].passage.title == "Zebra, second edition"


def test_an_index_inside_its_corpus_is_not_a_document(corpus_copy: Path) -> None:
    db = corpus_copy / "index.db"  # not hidden: `docbot index --db index.db --corpus .`
    first = build_index(corpus_copy, db)
    second = build_index(corpus_copy, db)
    assert len(first.added) == 5 and not second.changed_anything
    assert second.skipped == ()
    for name in ("index.db", "index.db-wal", "index.db-shm", "index.db.lock"):
        assert is_index_file(db, corpus_copy / name)
    assert is_index_file(db, _bundle_of(db))
    assert not is_index_file(db, corpus_copy / "other.db")


def test_the_watcher_ignores_the_index_inside_its_corpus(corpus_copy: Path) -> None:
    from docbot.bot.app.watch import corpus_filter

    wanted = corpus_filter(corpus_copy / "index.db")
    assert wanted(None, str(corpus_copy / "notes.md"))
    assert not wanted(None, str(corpus_copy / "index.db-wal"))
    assert not wanted(None, str(corpus_copy / "index.db.g3.arrays"))
    assert not wanted(None, str(corpus_copy / ".index.db.g4.arrays.tmp-12"))
    assert not wanted(None, str(corpus_copy / ".docbot" / "index.db"))


def test_an_interrupted_first_build_is_simply_built(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("CREATE TABLE meta (key TEXT)")
    conn.execute("ROLLBACK")  # what a first build killed mid-way leaves: a file, no tables
    conn.close()
    assert db.exists()
    with pytest.raises(IndexMissing):
        Searcher(db)
    assert len(build_index(corpus_copy, db).added) == 5
    assert Searcher(db).ask("How do I measure ROI for networking?").hits


def _without_override(command: list[str]) -> list[str]:
    """``command`` bound by file permissions: root ignores them unless its
    override capabilities are dropped (util-linux's setpriv)."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}", *command]


CHILD_ASK = (
    "import sys\nfrom pathlib import Path\nfrom docbot.index import Searcher\n"
    "hits = Searcher(Path(sys.argv[1])).ask('How do I measure ROI for networking?').hits\n"
    "print(hits[0].passage.doc)\n"
)


def test_a_fresh_index_answers_where_it_cannot_be_written(
    corpus_copy: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "readonly"
    folder.mkdir()
    db = folder / "index.db"
    build_index(corpus_copy, db)
    for path in folder.iterdir():
        if path.name.endswith(("-wal", "-shm")):
            path.unlink()
    tmp_path.chmod(0o755)
    folder.chmod(0o555)
    for path in folder.iterdir():
        path.chmod(0o444)
    try:
        result = subprocess.run(
            _without_override([sys.executable, "-c", CHILD_ASK, str(db)]),
            capture_output=True,
            text=True,
            env=clean_env(),
            cwd="/",
            check=False,
        )
    finally:
        folder.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "002_38366ab575c2df6f.txt"


CHILD_BUILD = (
    "import sys\nfrom pathlib import Path\nfrom docbot.index import build_index\n"
    "report = build_index(Path(sys.argv[1]), Path(sys.argv[2]))\n"
    "print(dict(report.skipped).get('zebra.txt', 'indexed'), 'zebra.txt' in report.added + "
    "report.changed)\n"
)


def test_a_file_that_becomes_readable_is_indexed(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "zebra.txt").write_text(NOTE)
    (corpus / "other.txt").write_text(NOTE.replace("Zebra", "Okapi"))
    db = tmp_path / "db" / "i.db"
    db.parent.mkdir()
    (corpus / "zebra.txt").chmod(0o000)

    def build() -> list[str]:
        result = subprocess.run(
            _without_override([sys.executable, "-c", CHILD_BUILD, str(corpus), str(db)]),
            capture_output=True,
            text=True,
            env=clean_env(),
            cwd="/",
            check=True,
        )
        return result.stdout.split()

    assert build()[0] == "cannot"  # "cannot read it (Permission denied)"
    (corpus / "zebra.txt").chmod(0o644)  # the fix changes neither size nor mtime
    assert build() == ["indexed", "True"]
