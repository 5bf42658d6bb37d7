"""Start-up: every unusable setting, and a server that is not a Bot API server,
is one line and a non-zero exit, never a traceback."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .botapi import clean_env
from .conftest import CORPUS, ROOT

TOKEN = "135792468:AAStartupTestTokenNotReal_q8w7e6r5"


def run_bot(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    defaults = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
        "DOCBOT_CORPUS": str(CORPUS),
        "DOCBOT_DB": str(tmp_path / "i.db"),
    }
    env = clean_env(**(defaults | settings))
    return subprocess.run(
        [sys.executable, "-m", "docbot.bot.cli.commands", "bot"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    output = (result.stdout + result.stderr).strip()
    assert "Traceback" not in output, output
    assert len(output.splitlines()) == 1, output
    assert TOKEN not in output
    return output


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("DOCBOT_ALLOWED_USERS", "7001, @", 'DOCBOT_ALLOWED_USERS: entry 2 ("@")'),
        ("DOCBOT_ADMINS", "7001,@", 'DOCBOT_ADMINS: entry 2 ("@")'),
        ("DOCBOT_ALLOWED_USERS", "7001,,7002", "DOCBOT_ALLOWED_USERS: entry 2 is empty"),
        ("DOCBOT_ALLOWED_USERS", "7001, ana smith", "not a numeric user id or a @username"),
        ("TELEGRAM_WEBHOOK_PORT", "notaport", "TELEGRAM_WEBHOOK_PORT must be a port number"),
        ("TELEGRAM_WEBHOOK_PORT", "70000", "TELEGRAM_WEBHOOK_PORT must be a port number"),
        ("TELEGRAM_API_URL", "api.telegram.org", "TELEGRAM_API_URL must be an http"),
        ("TELEGRAM_WEBHOOK_SECRET", "has spaces", "TELEGRAM_WEBHOOK_SECRET may only hold"),
        ("DOCBOT_LOG_LEVEL", "LOUD", "DOCBOT_LOG_LEVEL must be one of"),
        ("DOCBOT_LOG_QUESTIONS", "maybe", "DOCBOT_LOG_QUESTIONS must be 1 or 0"),
        ("DOCBOT_RETENTION_DAYS", "-3", "DOCBOT_RETENTION_DAYS must be a number of days"),
    ],
)
def test_an_unusable_setting_is_one_line_and_exit_2(
    tmp_path: Path, setting: str, value: str, expected: str
) -> None:
    result = run_bot(tmp_path, **{setting: value})
    assert result.returncode == 2
    assert expected in one_line(result)


class FakeServer(BaseHTTPRequestHandler):
    status = 200
    body = b"<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>"

    def do_POST(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def not_a_bot_api() -> Iterator[tuple[str, type[FakeServer]]]:
    handler = type("Handler", (FakeServer,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("status", [200, 500])
def test_a_server_answering_html_is_one_line_and_exit_1(
    tmp_path: Path, not_a_bot_api: tuple[str, type[FakeServer]], status: int
) -> None:
    url, handler = not_a_bot_api
    handler.status = status
    result = run_bot(tmp_path, TELEGRAM_API_URL=url)
    assert result.returncode == 1
    line = one_line(result)
    assert f"answered getMe with HTTP {status} (text/html)" in line
    assert "TELEGRAM_API_URL" in line
