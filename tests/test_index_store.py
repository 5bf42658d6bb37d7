"""The SQLite index: refresh, staleness, incremental equals full, damaged files."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from docbot.index import (
    CorpusError,
    IndexCorrupt,
    IndexMissing,
    Searcher,
    build_index,
    stale_reason,
)

NEW_DOC = (
    "Zebra Strategies\n\nThe zebra strategy for networking means meeting one new person every "
    "week and writing down what you learned from the conversation.\n"
)


def test_build_reports_and_stores_everything(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    report = build_index(corpus_copy, db)
    assert len(report.added) == 5 and not report.changed and not report.removed
    assert report.passages_per_lang == {"de": 15, "en": 6, "es": 6}
    conn = sqlite3.connect(db)
    row = conn.execute(
        "SELECT title, lang, sha256 FROM documents WHERE path LIKE '002%'"
    ).fetchone()
    assert row[0].startswith("5 Differences") and row[1] == "en" and len(row[2]) == 64
    assert (
        conn.execute("SELECT count(*) FROM passages WHERE length(stem_h) > 0").fetchone()[0] == 27
    )
    again = build_index(corpus_copy, db)
    assert not again.changed_anything and again.unchanged == 5


def test_staleness_detection(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    assert stale_reason(corpus_copy, db) == "no index yet"
    build_index(corpus_copy, db)
    assert stale_reason(corpus_copy, db) is None
    (corpus_copy / "new.txt").write_text(NEW_DOC)
    assert stale_reason(corpus_copy, db) == "the corpus changed"
    build_index(corpus_copy, db)
    assert stale_reason(corpus_copy, db) is None
    os.utime(corpus_copy / "new.txt", ns=(1, 1))
    assert stale_reason(corpus_copy, db) == "the corpus changed"
    build_index(corpus_copy, db)
    (corpus_copy / "new.txt").unlink()
    assert stale_reason(corpus_copy, db) == "the corpus changed"
    assert stale_reason(tmp_path, db) == "built from another corpus folder"


def test_refresh_adds_edits_and_removes(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    build_index(corpus_copy, db)
    (corpus_copy / "zebra.txt").write_text(NEW_DOC)
    report = build_index(corpus_copy, db)
    assert report.added == ("zebra.txt",)
    assert Searcher(db).ask("zebra strategy").hits[0].passage.doc == "zebra.txt"

    (corpus_copy / "zebra.txt").write_text(NEW_DOC.replace("one new person", "two new people"))
    report = build_index(corpus_copy, db)
    assert report.changed == ("zebra.txt",)
    assert "two new people" in Searcher(db).ask("zebra strategy").hits[0].passage.text

    (corpus_copy / "zebra.txt").unlink()
    report = build_index(corpus_copy, db)
    assert report.removed == ("zebra.txt",)
    assert Searcher(db).ask("zebra strategy").hits == ()


def test_touched_but_unchanged_file_is_not_reanalyzed(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    build_index(corpus_copy, db)
    os.utime(corpus_copy / "002_38366ab575c2df6f.txt", ns=(10**18, 10**18))
    report = build_index(corpus_copy, db)
    assert not report.changed_anything
    assert stale_reason(corpus_copy, db) is None


def test_bad_files_are_skipped_and_reported_not_fatal(corpus_copy: Path, tmp_path: Path) -> None:
    (corpus_copy / "empty.txt").write_bytes(b"")
    (corpus_copy / "random.txt").write_bytes(os.urandom(4096))
    (corpus_copy / "latin1.txt").write_bytes(
        "Größere Netzwerke\n\nDie Gefolgschaft wächst, wenn man regelmäßig zuhört und "
        "antwortet; Qualität zählt mehr als Quantität.".encode("latin-1")
    )
    (corpus_copy / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    report = build_index(corpus_copy, tmp_path / "i.db")
    reasons = dict(report.skipped)
    assert reasons["empty.txt"] == "empty file"
    assert "binary" in reasons["random.txt"]
    assert "unsupported" in reasons["image.png"]
    assert "latin1.txt" in report.added
    answer = Searcher(tmp_path / "i.db").ask("Qualität zählt mehr als Quantität")
    assert answer.hits[0].passage.doc == "latin1.txt"


def test_missing_empty_and_non_folder_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        build_index(tmp_path / "nope", tmp_path / "i.db")
    (tmp_path / "file").write_text("x")
    with pytest.raises(CorpusError, match="not a folder"):
        build_index(tmp_path / "file", tmp_path / "i.db")
    (tmp_path / "empty").mkdir()
    report = build_index(tmp_path / "empty", tmp_path / "i.db")
    assert report.passages_per_lang == {}
    assert Searcher(tmp_path / "i.db").ask("anything at all").hits == ()


def test_missing_corrupt_and_foreign_databases(corpus_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="docbot index"):
        Searcher(tmp_path / "none.db")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(IndexCorrupt, match="--rebuild"):
        Searcher(garbage)
    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("CREATE TABLE precious (x)").connection.commit()
    with pytest.raises(IndexCorrupt, match="not a docbot index"):
        build_index(corpus_copy, foreign)
    assert sqlite3.connect(foreign).execute("SELECT count(*) FROM precious").fetchone() == (0,)
    report = build_index(corpus_copy, garbage, rebuild=True)
    assert len(report.added) == 5
    assert Searcher(garbage).ask("ROI networking").hits


def test_no_build_leftovers(corpus_copy: Path, tmp_path: Path) -> None:
    build_index(corpus_copy, tmp_path / "i.db")
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".i.db.build-")]
    assert leftovers == []


def test_language_without_a_stemmer_is_indexed_neutrally(corpus_copy: Path, tmp_path: Path) -> None:
    (corpus_copy / "vi.txt").write_text(
        "---\nlang: vi\n---\nMạng xã hội\n\nMạng xã hội giúp mọi người kết nối với bạn bè "
        "và chia sẻ thông tin mỗi ngày.\n",
        encoding="utf-8",
    )
    db = tmp_path / "i.db"
    build_index(corpus_copy, db)
    searcher = Searcher(db)
    assert "vi" in searcher.languages
    answer = searcher.ask("kết nối với bạn bè", lang="vi")
    assert answer.hits[0].passage.doc == "vi.txt"
    assert searcher.ask("ket noi voi ban be", lang="vi").hits[0].passage.doc == "vi.txt"
