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


def test_the_install_warning_about_lxml_html_clean_is_explained() -> None:
    """jusText (via trafilatura) asks for ``lxml[html_clean]``; lxml publishes the
    extra as ``html-clean`` (PEP 685), which pip before 23.3 does not match: a
    warning on every fresh install. docbot requires what the extra brings, and the
    README says so; when jusText spells it as lxml does, the note can go."""
    from importlib.metadata import metadata, requires

    asked = [r for r in requires("justext") or [] if r.startswith("lxml[")]
    provided = metadata("lxml").get_all("Provides-Extra") or []
    if not asked or "html_clean" in provided:
        return  # nothing to warn about any more
    assert any(r.startswith("lxml_html_clean") for r in requires("docbot") or [])
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "does not provide the extra 'html_clean'" in readme
    assert "which docbot requires by itself" in readme


def test_ci_runs_the_readmes_two_commands_verbatim() -> None:
    """CI runs what a newcomer types: the README's opening commands, as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0].strip() for b in readme.split("```sh\n")[1:3]]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert len(blocks) == 2 and all(block in ci for block in blocks), blocks
