"""The bot token stays out of output, errors and the repository."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

from .botapi import Emulator, clean_env
from .conftest import CORPUS, ROOT

TOKEN = "246813579:AAWrongTokenThatMustNeverLeak_x1y2z3w4"
TOKEN_SHAPE = re.compile(r"\b\d{8,10}:AA[A-Za-z0-9_-]{30,}\b")


def run_bot(env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "docbot.bot.cli.commands", "bot"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def bot_env(api_url: str, tmp_path: Path) -> dict[str, str]:
    return clean_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api_url,
        DOCBOT_CORPUS=str(CORPUS),
        DOCBOT_DB=str(tmp_path / "i.db"),
        DOCBOT_LOG_LEVEL="DEBUG",
    )


def test_rejected_token_is_one_line_without_the_token(tmp_path: Path) -> None:
    emulator = Emulator(token="1:another")
    try:
        result = run_bot(bot_env(emulator.start(), tmp_path))
    finally:
        emulator.stop()
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in output
    assert "Traceback" not in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


def test_unreachable_server_is_one_line_without_the_token(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_bot(bot_env(f"http://127.0.0.1:{port}", tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "cannot reach the Bot API" in output and "Traceback" not in output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output


def test_missing_token_says_how_to_get_one(tmp_path: Path) -> None:
    result = run_bot(clean_env(), cwd=tmp_path)
    assert result.returncode == 2
    assert "@BotFather" in result.stderr and "Traceback" not in result.stderr


def test_no_real_token_is_committed() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    if not tracked:  # not a git checkout (e.g. an sdist): scan the source folders
        tracked = [
            str(p.relative_to(ROOT))
            for d in ("bot", "index", "tests", "bench")
            for p in (ROOT / d).rglob("*.py")
        ]
    assert not (ROOT / ".env").exists() or ".env" not in tracked
    for name in tracked:
        path = ROOT / name
        if not path.is_file() or path.suffix in {".txt", ".json", ".pdf", ".docx"}:
            continue
        for token in TOKEN_SHAPE.findall(path.read_text(errors="ignore")):
            # the only token-shaped strings allowed are the tests' made-up ones
            assert any(
                w in token
                for w in ("Fake", "Test", "Wrong", "Webhook", "Restart", "bench", "lifecycle")
            ), (name, token)
