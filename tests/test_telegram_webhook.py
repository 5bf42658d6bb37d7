"""Webhook mode: Telegram (the emulator, or a test acting as Telegram) posts
updates to the bot's own server, which checks the secret before reading a
body, limits bodies, refuses malformed input with 400 and handles an update
sent twice once."""

from __future__ import annotations

import json
import shutil
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .botapi import Emulator, running_bot
from .conftest import CORPUS

TOKEN = "987654321:AAWebhookTokenForTestsOnly_q1"
SECRET = "s3cret-Token_1"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(
    url: str,
    body: bytes | dict[str, Any],
    secret: str,
    content_type: str = "application/json",
) -> int:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": content_type, HEADER: secret}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, ConnectionError):
        return 0  # not listening (yet), or the connection was closed on us


@pytest.fixture(scope="module")
def hook(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, str, Path]]:
    work = tmp_path_factory.mktemp("webhook")
    shutil.copytree(CORPUS, work / "corpus")
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    settings = {
        "DOCBOT_CORPUS": str(work / "corpus"),
        "DOCBOT_DB": str(work / "i.db"),
        "DOCBOT_WATCH": "0",
        "DOCBOT_LOG_LEVEL": "DEBUG",
        "TELEGRAM_WEBHOOK_URL": url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(port),
    }
    log_path = work / "bot.log"
    with (
        open(log_path, "wb") as log,
        running_bot(TOKEN, settings, log, ready_method="setWebhook") as emulator,
    ):
        deadline = time.monotonic() + 20
        while post(url, b"{}", "wrong") != 403 and time.monotonic() < deadline:
            time.sleep(0.1)  # the server may still be starting
        yield emulator, url, log_path


def update(update_id: int, uid: int, text: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "from": {"id": uid, "is_bot": False, "first_name": "Wen", "language_code": "en"},
        "chat": {"id": uid, "type": "private"},
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split(maxsplit=1)[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": update_id, "message": message}


def test_webhook_mode_answers_and_checks_the_secret(hook: tuple[Emulator, str, Path]) -> None:
    emulator, url, _ = hook
    registered = next(p for m, p in emulator.calls if m == "setWebhook")
    assert registered["url"] == url and registered["secret_token"] == SECRET
    question = update(1, 77, "How do I measure ROI for networking?")
    assert post(url, question, "wrong") == 403
    assert post(url, question, "") == 403
    assert post(url, question, SECRET) == 200
    reply = emulator.wait_for(lambda: emulator.messages_to(77))[0]
    assert "Return on Investment" in reply["text"]


def test_json_with_a_charset_is_accepted(hook: tuple[Emulator, str, Path]) -> None:
    emulator, url, _ = hook
    body = update(2, 78, "/help")
    assert post(url, body, SECRET, "application/json; charset=utf-8") == 200
    emulator.wait_for(lambda: emulator.messages_to(78))
    assert post(url, update(3, 78, "/help"), SECRET, "text/plain") == 415


def test_the_same_update_twice_is_answered_once(hook: tuple[Emulator, str, Path]) -> None:
    emulator, url, _ = hook
    body = update(4, 79, "How do I measure ROI for networking?")
    assert post(url, body, SECRET) == 200
    assert post(url, body, SECRET) == 200  # Telegram retrying: still a success
    emulator.wait_for(lambda: emulator.messages_to(79))
    assert post(url, update(5, 79, "/help"), SECRET) == 200
    emulator.wait_for(lambda: len(emulator.messages_to(79)) >= 2)  # the chat's queue moved on
    assert sum("<blockquote>" in m["html"] for m in emulator.messages_to(79)) == 1


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"update_id": "7"}', b'{"message": {}}', b"\xff\xfe"],
)
def test_malformed_input_is_400(hook: tuple[Emulator, str, Path], body: bytes) -> None:
    _, url, _ = hook
    assert post(url, body, SECRET) == 400


def test_a_body_over_1_mb_is_refused(hook: tuple[Emulator, str, Path]) -> None:
    _, url, _ = hook
    big = json.dumps(update(6, 80, "x" * (1 << 20))).encode()
    assert post(url, big, SECRET) in (413, 0)  # 413, or closed before the body was sent


def test_a_wrong_secret_is_refused_before_the_body_is_read(
    hook: tuple[Emulator, str, Path],
) -> None:
    _, url, _ = hook
    port = int(url.split(":")[2].split("/")[0])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 10000000\r\n"
            + f"{HEADER}: wrong\r\n\r\n".encode()
            + b"{" * 65536  # a first slice of the announced 10 MB, never the rest
        )
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 403")


def test_the_secret_never_reaches_the_log(hook: tuple[Emulator, str, Path]) -> None:
    emulator, url, log_path = hook
    assert post(url, update(8, 81, "/help"), SECRET) == 200
    emulator.wait_for(lambda: emulator.messages_to(81))
    output = log_path.read_text(errors="replace")
    assert "setWebhook" in output  # DEBUG logs each call, with its parameters
    assert SECRET not in output and TOKEN not in output
