"""Shared fixtures: the seed corpus, an index built from it once per session."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path

import pytest

from docbot.index import DEFAULT_ENCODER, Searcher, build_index

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
DEV_SET = SHARED / "eval" / "seed-dev.jsonl"


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed corpus's index with its semantic layer, built once per test run:
    pytest-xdist's workers share it (the first one to get here builds it), as
    its vectors take seconds of CPU.  Tests only read it (``seed_copy`` is the
    one to change)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above each worker's own
    folder = shared / "seed-index"
    with open(shared / "seed-index.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "complete").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build_index(CORPUS, folder / "index.db", semantic=DEFAULT_ENCODER)
            (folder / "complete").touch()
    return folder / "index.db"


@pytest.fixture(scope="session")
def searcher(seed_db: Path) -> Searcher:
    """BM25 alone over the seed corpus (no encoder)."""
    return Searcher(seed_db)


@pytest.fixture(scope="session")
def hybrid(seed_db: Path) -> Searcher:
    """BM25 and the semantic layer over the seed corpus."""
    searcher = Searcher.open(seed_db, DEFAULT_ENCODER)
    assert searcher.semantic_active
    return searcher


@pytest.fixture
def seed_copy(seed_db: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A corpus and index of their own, copied from the seed (vectors included, so
    a refresh computes only what changed)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    db = tmp_path / "db" / "index.db"
    db.parent.mkdir()
    for path in seed_db.parent.iterdir():
        if path.name.startswith(seed_db.name):
            shutil.copy2(path, db.parent / path.name)
    build_index(corpus, db, semantic=DEFAULT_ENCODER)  # the copied corpus is another folder
    return corpus, db


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def load_questions(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
