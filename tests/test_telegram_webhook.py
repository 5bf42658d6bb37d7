"""Webhook mode: Telegram (the emulator) posts updates to the bot's own server."""

from __future__ import annotations

import json
import shutil
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

from .botapi import running_bot
from .conftest import CORPUS

TOKEN = "987654321:AAWebhookTokenForTestsOnly_q1"
SECRET = "s3cret-Token_1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(url: str, update: dict[str, object], secret: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(update).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except urllib.error.URLError:
        return 0  # not listening (yet)


def test_webhook_mode_answers_and_checks_the_secret(tmp_path: Path) -> None:
    shutil.copytree(CORPUS, tmp_path / "corpus")
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram"
    settings = {
        "DOCBOT_CORPUS": str(tmp_path / "corpus"),
        "DOCBOT_DB": str(tmp_path / "i.db"),
        "TELEGRAM_WEBHOOK_URL": hook,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(port),
    }
    with running_bot(TOKEN, settings, ready_method="setWebhook") as emulator:
        registered = next(p for m, p in emulator.calls if m == "setWebhook")
        assert registered["url"] == hook and registered["secret_token"] == SECRET
        user = {"id": 77, "is_bot": False, "first_name": "Wen", "language_code": "en"}
        update = {
            "update_id": 1,
            "message": {
                "message_id": 5,
                "date": int(time.time()),
                "from": user,
                "chat": {"id": 77, "type": "private"},
                "text": "How do I measure ROI for networking?",
            },
        }
        deadline = time.monotonic() + 20
        while (status := post(hook, update, "wrong")) not in (
            401,
            403,
        ) and time.monotonic() < deadline:
            time.sleep(0.2)  # the webhook server may still be starting
        assert status == 403
        assert post(hook, update, SECRET) == 200
        reply = emulator.wait_for(lambda: emulator.messages_to(77))[0]
        assert "Return on Investment" in reply["text"]
