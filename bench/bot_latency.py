"""Telegram latency: from an update reaching the bot to its reply arriving.

Starts the Bot API emulator (tests/botapi.py) and the real ``docbot bot`` on
the seed corpus, asks questions one at a time as one user would, and prints
the median and p95 of (reply received by the server) - (update handed to the
bot by getUpdates).

    .venv/bin/python bench/bot_latency.py [--questions 60]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.botapi import running_bot  # noqa: E402

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
        settings = {
            "DOCBOT_CORPUS": str(work / "corpus"),
            "DOCBOT_DB": str(work / "index.db"),
            "DOCBOT_LOG_LEVEL": "WARNING",
        }
        with running_bot(TOKEN, settings) as emulator:
            samples = []
            user = {"id": 42, "is_bot": False, "first_name": "Bench", "language_code": "en"}
            for i in range(args.questions):
                update_id = emulator.next_update_id
                reply = emulator.ask(user, QUESTIONS[i % len(QUESTIONS)])[0]
                samples.append(reply["received"] - emulator.delivered[update_id])
                time.sleep(3.1)  # stay under the per-user flood limit
        ordered = sorted(samples)
        p95 = ordered[int(0.95 * (len(ordered) - 1))]
        print(
            f"update handed over -> reply received, {len(samples)} questions: "
            f"median {statistics.median(samples) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
            f"max {max(samples) * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
