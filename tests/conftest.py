"""Shared fixtures: the seed corpus, an index built from it once per session."""

from __future__ import annotations

import json
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
    """The seed corpus's index with its semantic layer, built once per session."""
    db = tmp_path_factory.mktemp("seed") / "index.db"
    build_index(CORPUS, db, semantic=DEFAULT_ENCODER)
    return db


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
