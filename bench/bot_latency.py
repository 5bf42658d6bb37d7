"""Telegram latency: from an update reaching the bot to its reply arriving.

Starts the Bot API emulator (tests/botapi.py) and the real ``docbot bot`` on
the seed corpus and measures, as (reply received by the server) - (update
handed to the bot by getUpdates):

- one user asking questions one at a time: median, p95, max;
- a flood: one user sends 300 ``/help`` at once, then another user asks a
  question: that other user's delay;
- a burst: 100 users ask one question each at the same moment: answers per
  second and the slowest answer;
- the bot's resident memory (VmRSS) after all that.

The semantic layer is on, as for a user, unless ``--no-semantic``; the
measurements start once its vectors are ready (the bot answers with BM25
meanwhile).

    .venv/bin/python bench/bot_latency.py [--questions 20] [--skip-single] [--no-semantic]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.botapi import Emulator, running_bot  # noqa: E402

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


def person(uid: int) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": f"U{uid}", "language_code": "en"}


def delay_of(emulator: Emulator, uid: int, update_id: int, before: int) -> float:
    reply = emulator.wait_for(lambda: emulator.messages_to(uid, before), 120)[0]
    return float(reply["received"] - emulator.delivered[update_id])


def single(emulator: Emulator, count: int) -> str:
    samples = []
    for i in range(count):
        update_id = emulator.next_update_id
        reply = emulator.ask(person(42), QUESTIONS[i % len(QUESTIONS)])[0]
        samples.append(reply["received"] - emulator.delivered[update_id])
        time.sleep(3.1)  # stay under the per-user flood limit
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (
        f"one user, {len(samples)} questions one at a time: "
        f"median {statistics.median(samples) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
        f"max {max(samples) * 1000:.1f} ms"
    )


def flood(emulator: Emulator) -> str:
    for _ in range(300):
        emulator.send_text(person(50), "/help")
    before = len(emulator.sent)
    update_id = emulator.next_update_id
    emulator.send_text(person(51), QUESTIONS[0])
    delay = delay_of(emulator, 51, update_id, before)
    time.sleep(2)
    to_flooder = len(emulator.messages_to(50))
    return (
        f"300 /help from one user, then another user's question: answered after "
        f"{delay * 1000:.0f} ms; the flooder got {to_flooder} messages"
    )


def burst(emulator: Emulator, users: int = 100) -> str:
    before = len(emulator.sent)
    first = emulator.next_update_id
    for i in range(users):
        emulator.send_text(person(1000 + i), QUESTIONS[i % 6])
    emulator.wait_for(
        lambda: (
            len({m["chat"]["id"] for m in emulator.sent[before:] if m["chat"]["id"] >= 1000})
            >= users
        ),
        180,
    )
    replies = [m for m in emulator.sent[before:] if m.get("method") == "sendMessage"]
    start = min(emulator.delivered[u] for u in range(first, first + users))
    end = max(m["received"] for m in replies)
    return (
        f"{users} users asking at once: {users / (end - start):.1f} answers/s, "
        f"the last after {(end - start) * 1000:.0f} ms"
    )


def wait_for_vectors(db: Path, timeout: float = 300) -> float:
    """Seconds until the running bot's index has its semantic layer."""
    from docbot.index import Searcher

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            if Searcher.open(db, "e5-small").semantic_active:
                return time.perf_counter() - started
        except Exception:  # the index may be between generations
            pass
        time.sleep(0.5)
    raise SystemExit("the vectors were not ready in time")


def bot_rss() -> str:
    """VmRSS of the running docbot bot process(es)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            cmdline = (status.parent / "cmdline").read_bytes()
            if b"docbot.bot.cli.commands" in cmdline and b"\0bot" in cmdline:
                rss = next(
                    line for line in status.read_text().splitlines() if line.startswith("VmRSS")
                )
                found.append(rss.split(":", 1)[1].strip())
        except (OSError, StopIteration):
            continue
    return "bot resident memory (VmRSS): " + (", ".join(found) or "not found")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--skip-single", action="store_true")
    parser.add_argument("--no-semantic", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="docbot-latency-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "corpus", work / "corpus")
        settings = {
            "DOCBOT_CORPUS": str(work / "corpus"),
            "DOCBOT_DB": str(work / "index.db"),
            "DOCBOT_LOG_LEVEL": "WARNING",
            "DOCBOT_SEMANTIC": "0" if args.no_semantic else "1",
        }
        with running_bot(TOKEN, settings) as emulator:
            if not args.no_semantic:
                seconds = wait_for_vectors(work / "index.db")
                print(f"semantic layer ready {seconds:.1f} s after start-up", flush=True)
                time.sleep(2)  # the bot swaps it in within its generation check
            if not args.skip_single:
                print(single(emulator, args.questions), flush=True)
            print(flood(emulator), flush=True)
            print(burst(emulator), flush=True)
            print(bot_rss(), flush=True)


if __name__ == "__main__":
    main()
