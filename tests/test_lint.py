"""Lint and type checks are part of the test command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_ruff_lint_passes() -> None:
    result = run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied() -> None:
    result = run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_passes_on_index_and_bot(tmp_path: Path) -> None:
    # The package installs as docbot.index and docbot.bot from the index/ and
    # bot/ folders; mypy cannot follow setuptools' editable finder, so it gets
    # the same mapping as a folder of symlinks.
    (tmp_path / "docbot").mkdir()
    (tmp_path / "docbot" / "index").symlink_to(ROOT / "index")
    (tmp_path / "docbot" / "bot").symlink_to(ROOT / "bot")
    env = {**os.environ, "MYPYPATH": str(tmp_path)}
    result = run("mypy", "-p", "docbot.index", "-p", "docbot.bot", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
