"""Damaged array bundles: noticed, repaired from SQLite, never answered from.

Real index files, damaged on disk as a disk error or a stray ``truncate``
would damage them; the commands run in-process (``test_cli.docbot``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from docbot.index import DEFAULT_ENCODER, IndexDamaged, Searcher, build_index

from .conftest import CORPUS
from .test_cli import LEXICAL, docbot

QUESTION = "How do I measure ROI for networking?"


def current_bundle(db: Path, kind: str) -> Path:
    """The newest bundle of ``kind`` ("g": search structures, "v": vectors)."""
    bundles = sorted(
        db.parent.glob(f"{db.name}.{kind}*.arrays"), key=lambda p: int(p.name.split(".")[-2][1:])
    )
    return bundles[-1]


def overwrite(path: Path, offset: int, count: int = 2000) -> None:
    """``count`` bytes in the middle of ``path`` replaced: its size unchanged."""
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(os.urandom(count))


@pytest.fixture
def lexical_index(tmp_path: Path) -> list[str]:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    db = tmp_path / "db" / "index.db"
    build_index(corpus, db)
    return ["--corpus", str(corpus), "--db", str(db)]


def test_a_truncated_bundle_is_found_by_index_and_check_and_written_again(
    lexical_index: list[str],
) -> None:
    db = Path(lexical_index[-1])
    bundle = current_bundle(db, "g")
    os.truncate(bundle, 1000)
    check = docbot("index", "--check", *lexical_index, env=LEXICAL)
    assert check.code == 1 and f"Damaged: {bundle.name} is 1,000 bytes" in check.err
    assert f"`docbot index {' '.join(lexical_index)}` writes them again" in check.err
    repaired = docbot("index", *lexical_index, env=LEXICAL)
    assert repaired.code == 0, repaired.err
    assert f"Repaired: {bundle.name} is 1,000 bytes" in repaired.out
    again = docbot("index", "--check", *lexical_index, env=LEXICAL)
    assert again.code == 0 and again.out.startswith("Index OK:")


def test_an_overwritten_bundle_is_never_answered_from(lexical_index: list[str]) -> None:
    db = Path(lexical_index[-1])
    before = docbot("ask", QUESTION, "--json", *lexical_index, env=LEXICAL).json
    bundle = current_bundle(db, "g")
    overwrite(bundle, bundle.stat().st_size // 2)
    with pytest.raises(IndexDamaged, match="does not match its checksum"):
        Searcher(db)
    after = docbot("ask", QUESTION, "--json", *lexical_index, env=LEXICAL)
    assert after.code == 0, after.err
    assert f"repaired: {bundle.name} does not match its checksum" in after.err
    assert "Warning" not in after.err and after.json == before
    assert docbot("index", "--check", *lexical_index, env=LEXICAL).code == 0


def test_overwritten_vectors_leave_answers_lexical_until_index_writes_them_again(
    seed_copy: tuple[Path, Path],
) -> None:
    corpus, db = seed_copy
    args = ["--corpus", str(corpus), "--db", str(db)]
    vectors = current_bundle(db, "v")
    overwrite(vectors, vectors.stat().st_size // 2)
    searcher = Searcher.open(db, DEFAULT_ENCODER)
    assert not searcher.semantic_active
    assert searcher.semantic_problem and "vectors are damaged" in searcher.semantic_problem
    check = docbot("index", "--check", *args)
    assert check.code == 1 and f"Damaged: {vectors.name} does not match" in check.err
    repaired = docbot("index", *args)
    assert repaired.code == 0, repaired.err
    assert f"Repaired: {vectors.name}" in repaired.out
    assert "Semantic layer: up to date." in repaired.out
    assert Searcher.open(db, DEFAULT_ENCODER).semantic_active
