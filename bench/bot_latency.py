"""Telegram latency: from an update reaching the bot to its reply arriving.

Starts the Bot API emulator (tests/botapi.py) and the real ``docbot bot`` on
the seed corpus, asks questions one at a time as one user would, and prints
the median and p95 of (reply received by the server) - (update handed to the
bot by getUpdates).

    .venv/bin/python bench/bot_latency.py [--questions 60]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.botapi import Emulator  # noqa: E402

TOKEN = "123456789:AAbenchTokenNotReal"
QUESTIONS = [
    "How do I measure ROI for networking?",
    "Wie misst man die Kapitalrendite bei Social Networking?",
    "¿Cómo se mide el ROI del networking?",
    "Can I automate individual conversations?",
    "Was sind Meinungsmacher?",
    "¿Hay atajos para hacer crecer las relaciones?",
    "What is the capital of Australia?",
    "Social Media",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="docbot-latency-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "corpus", work / "corpus")
        emulator = Emulator(token=TOKEN)
        url = emulator.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCBOT_", "TELEGRAM_"))}
        env |= {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": url,
            "DOCBOT_CORPUS": str(work / "corpus"),
            "DOCBOT_DB": str(work / "index.db"),
            "DOCBOT_LOG_LEVEL": "WARNING",
        }
        bot = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "bot"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            emulator.wait_for(lambda: any(m == "getUpdates" for m, _ in emulator.calls), 90)
            samples = []
            user = {"id": 42, "is_bot": False, "first_name": "Bench", "language_code": "en"}
            for i in range(args.questions):
                before = len(emulator.sent)
                emulator.send_text(user, QUESTIONS[i % len(QUESTIONS)])
                update_id = emulator.updates[-1]["update_id"]
                reply = emulator.wait_for(lambda b=before: emulator.messages_to(42, b))[0]
                samples.append(reply["received"] - emulator.delivered[update_id])
                time.sleep(3.1)  # stay under the per-user flood limit
            ordered = sorted(samples)
            p95 = ordered[int(0.95 * (len(ordered) - 1))]
            print(
                f"update handed over -> reply received, {len(samples)} questions: "
                f"median {statistics.median(samples) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
                f"max {max(samples) * 1000:.1f} ms"
            )
        finally:
            bot.terminate()
            try:
                bot.wait(timeout=30)
            except subprocess.TimeoutExpired:
                bot.kill()
            emulator.stop()


if __name__ == "__main__":
    main()
