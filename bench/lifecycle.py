"""Index life cycle at scale: full build, memory, refresh after one change, and
how soon a running bot answers from a file written while it runs.

    .venv/bin/python bench/lifecycle.py              # 10,000 documents (~100k passages)
    .venv/bin/python bench/lifecycle.py --docs 1000  # quicker
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from retrieval import synthetic_passages, write_synthetic_corpus  # noqa: E402

from tests.botapi import running_bot  # noqa: E402

TOKEN = "123456789:AAlifecycleBenchToken"
# Runs the CLI and prints the process's own peak RSS (KiB) last on stderr.
MEASURED = (
    "import resource, sys\nfrom bot.cli import main\ntry:\n    code = main(sys.argv[1:])\n"
    "finally:\n    print('peak_rss_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
    " file=sys.stderr)\nsys.exit(code)"
)
NEW_FILE = "Zephyr Protocol\n\nThe zephyr protocol pairs every newcomer with two mentors.\n"


def run_index(corpus: Path, db: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB and the report of one `docbot index` process."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, "index", "--corpus", str(corpus), "--db", str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    peak = int(result.stderr.strip().splitlines()[-1].split()[-1]) / 1024
    return wall, peak, result.stdout.splitlines()[0]


def bot_pickup(corpus: Path, db: Path) -> tuple[float, float]:
    """(bot start-up seconds, seconds from writing a file to the bot answering from it)."""
    settings = {"DOCBOT_CORPUS": str(corpus), "DOCBOT_DB": str(db), "DOCBOT_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    try:
        with running_bot(TOKEN, settings, startup=600) as emulator:
            startup = time.perf_counter() - started
            time.sleep(1)
            (corpus / "zephyr.txt").write_text(NEW_FILE)
            written = time.perf_counter()
            uid = 100
            while True:
                uid += 1  # a new user each time: no flood limit in the way
                user = {"id": uid, "is_bot": False, "first_name": "B", "language_code": "en"}
                reply = emulator.ask(user, "What does the zephyr protocol do?", timeout=600)[0]
                if "mentors" in reply["text"]:
                    return startup, time.perf_counter() - written
                time.sleep(0.2)
    finally:
        (corpus / "zephyr.txt").unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="docbot-lifecycle-") as tmp:
        work = Path(tmp)
        print("| corpus | measure | value |\n|---|---|---|")
        seed = work / "seed"
        shutil.copytree(ROOT / "corpus", seed)
        run_index(seed, work / "seed.db")
        startup, pickup = bot_pickup(seed, work / "seed.db")
        print(f"| seed (5 docs) | bot start-up to first poll | {startup:.1f} s |")
        print(f"| seed (5 docs) | new file written -> bot answers from it | {pickup:.2f} s |")

        corpus, db = work / "big", work / "big.db"
        write_synthetic_corpus(corpus, synthetic_passages(args.docs * 10))
        label = f"{args.docs:,} docs"
        wall, peak, report = run_index(corpus, db)
        print(f"| {label} | full build (`docbot index`) | {wall:.1f} s, peak RSS {peak:.0f} MiB |")
        print(f"| {label} | its report | {report} |")
        wall, _, report = run_index(corpus, db)
        print(f"| {label} | refresh, nothing changed | {wall:.2f} s ({report}) |")
        target = sorted(corpus.iterdir())[args.docs // 2]
        target.write_text(target.read_text() + "\n\nOne more paragraph about zebras.\n")
        wall, _, report = run_index(corpus, db)
        print(f"| {label} | refresh after one edited file | {wall:.2f} s ({report}) |")
        startup, pickup = bot_pickup(corpus, db)
        print(f"| {label} | bot start-up to first poll | {startup:.1f} s |")
        print(f"| {label} | new file written -> bot answers from it | {pickup:.1f} s |")


if __name__ == "__main__":
    main()
