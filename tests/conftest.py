"""Shared fixtures: the seed corpus, an index built from it once per session."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from docbot.index import Searcher, build_index

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SHARED = ROOT.parent / "shared"
DEV_SET = SHARED / "eval" / "seed-dev.jsonl"


@pytest.fixture(scope="session")
def seed_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("seed") / "index.db"
    build_index(CORPUS, db)
    return db


@pytest.fixture(scope="session")
def searcher(seed_db: Path) -> Searcher:
    return Searcher(seed_db)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def load_questions(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
