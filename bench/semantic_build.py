"""The semantic layer's build beside the encoder alone, in one run.

    .venv/bin/python bench/realdocs.py --fetch     # once: the Debian FAQ (bench/.cache/)
    .venv/bin/python bench/semantic_build.py        # the English FAQ
    .venv/bin/python bench/semantic_build.py --corpus corpus   # the shipped corpus

Corpus: the English Debian FAQ as ``bench/realdocs.py --fetch`` assembles it
(``bench/.cache/realdocs/corpora/faq`` without its German folder), or any
folder given.  Three timings, each in fresh processes, 2 worker processes as
docbot runs them:

1. docbot: ``docbot index`` on a fresh index with the semantic layer on
   (lexical build, vectors, publishing), the whole command;
2. the encoder alone on the same units docbot embeds (passages, sentences,
   sentence pairs: the texts of ``semantic.passage_units``, each once);
3. the encoder alone on the corpus's text once, in ~800-character pieces
   (what embedding the text once costs).

It prints seconds, characters a second and the ratios (docbot against 2 and
3; the issue's bars: within 10 % of 2, and 1.5x of 3), with the load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAQ = ROOT / "bench" / ".cache" / "realdocs" / "corpora" / "faq"
BATCH = 32
PIECE = 800


def _embed(texts: list[str]) -> int:
    from docbot.index import load_encoder

    load_encoder().encode_passages(texts)
    return len(texts)


def encoder_alone(texts: list[str], workers: int = 2) -> float:
    """Seconds to embed ``texts`` in batches of 32, sorted by length, on
    ``workers`` processes (each loads the encoder first, not timed)."""
    ordered = sorted(texts, key=len)
    batches = [ordered[i : i + BATCH] for i in range(0, len(ordered), BATCH)]
    with get_context("spawn").Pool(workers) as pool:
        pool.map(_embed, [["warm up"]] * workers)
        started = time.perf_counter()
        pool.map(_embed, batches, chunksize=1)
        return time.perf_counter() - started


def pieces(text: str) -> list[str]:
    words, out, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > PIECE:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    return out + ([current] if current else [])


def load(corpus: Path) -> str:
    if corpus == FAQ:
        target = Path(tempfile.mkdtemp(prefix="docbot-faq-en-")) / "faq"
        shutil.copytree(FAQ, target, symlinks=True, ignore=shutil.ignore_patterns("de"))
        return str(target)
    return str(corpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=FAQ)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"{args.corpus} is missing: run bench/realdocs.py --fetch first.")
        return 0
    corpus = Path(load(args.corpus))
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    work = Path(tempfile.mkdtemp(prefix="docbot-semantic-build-"))
    db = work / "index.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCBOT_")}
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "docbot.bot.cli.commands",
            "index",
            "--corpus",
            str(corpus),
            "--db",
            str(db),
        ],
        env=env | {"DOCBOT_SEMANTIC": "1"},
        check=True,
        capture_output=True,
    )
    docbot = time.perf_counter() - started

    from docbot.index.indexing.vectors import _current_units
    from docbot.index.storage import store

    conn = store.open_reader(db)
    try:
        units = [u for p, u in _current_units(conn) if not p.startswith("ref:")]
        text = "\n\n".join(row[4] for row in store.passage_texts(conn))
    finally:
        conn.close()
    unit_texts = list(dict.fromkeys(u.text for u in units))
    once = pieces(text)
    units_s = encoder_alone(unit_texts)
    once_s = encoder_alone(once)
    chars_units = sum(map(len, unit_texts))
    chars_once = sum(map(len, once))
    print(
        f"corpus: {corpus}; {len(unit_texts):,} unit texts ({chars_units:,} characters), "
        f"{len(once):,} pieces of the text once ({chars_once:,} characters): "
        f"{chars_units / chars_once:.2f}x the text"
    )
    print("| what | seconds | characters/s |")
    print("|---|---|---|")
    rate = chars_units / docbot
    print(f"| docbot index, semantic on (whole command) | {docbot:.1f} | {rate:,.0f} |")
    print(f"| encoder alone, docbot's units | {units_s:.1f} | {chars_units / units_s:,.0f} |")
    print(
        f"| encoder alone, the text once in ~800-character pieces | {once_s:.1f} | "
        f"{chars_once / once_s:,.0f} |"
    )
    print(
        f"docbot / encoder on its units: {docbot / units_s:.2f}x (bar 1.10x); "
        f"docbot / the text once: {docbot / once_s:.2f}x (bar 1.5x)"
    )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
