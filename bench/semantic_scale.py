"""The semantic layer's query path at size: per-question cost and the
approximate index's recall against exact search.

    .venv/bin/python bench/semantic_scale.py                    # 10k and 100k passages
    .venv/bin/python bench/semantic_scale.py --sizes 1000000 --keep /tmp/scale   # about 1 h
    .venv/bin/python bench/semantic_scale.py --measure /tmp/scale/index-1000000/index.db

Data: synthetic English passages, 3-6 sentences of XQuAD's English
paragraphs recombined (``retrieval.synthetic_passages``; XQuAD lives in
../shared/eval/xquad beside the repository; the script says so and exits 0
when it is missing), ten a file.  Vectors come from ``standin.HashedWords``,
a bench-only encoder of hashed words that costs microseconds a text: this
times docbot's own scoring, never its answers' quality (that comes from the
real encoder: bench/quality.py, bench/realdocs.py).

Per size: the build (lexical, then vectors and the approximate index, each
timed), then 200 XQuAD English questions (after 20 as warm-up) ranked in
this process with the semantic layer and without it (``Searcher.rank``,
the question's vector included: microseconds here), p50/p95; recall@10 of
the passages the approximate index finds against exact scoring of every
unit (hashed-word vectors are near-random, the hardest case for an
approximate index: real e5 vectors are far easier, see the README); private
memory (RssAnon) an open index adds, per passage, and the mapped files'
pages resident after opening (RssFile: its checksums read the bundles up to
256 MB), measured in a fresh process (the one that built the lexical index
would reuse the heap it freed).  The vector build's peak private memory
(RssAnon, sampled) and peak RSS.  Load average printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import numpy as np  # noqa: E402
from retrieval import (  # noqa: E402
    XQUAD,
    load_xquad,
    percentiles,
    synthetic_passages,
    write_synthetic_corpus,
)

from docbot.index import Searcher, build_index  # noqa: E402
from docbot.index.retrieval.encoders import load_encoder  # noqa: E402
from docbot.index.retrieval.semantic import SemanticIndex  # noqa: E402

SPEC = "python:standin:HashedWords"
RECALL_ALL_UNTIL = 200_000  # passages; beyond, recall is measured on every fourth question


def rss_mib(field: str = "RssAnon") -> float:
    """This process's private resident memory (``RssAnon``; the mapped index
    files' pages are ``RssFile``, shared and given back under pressure)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


# The vector build in a process of its own: its time, its peak private memory
# (RssAnon, sampled every 20 ms: what it needs) and peak RSS (VmHWM, which
# also counts the pages of the files it maps and writes: the page cache's).
VECTOR_BUILD = """
import sys, threading, time
from pathlib import Path
from docbot.index import refresh_vectors

def kib(field):
    with open('/proc/self/status') as status:
        return next(int(l.split()[1]) for l in status if l.startswith(field + ':'))

peak = [0]
def sample():
    while True:
        peak[0] = max(peak[0], kib('RssAnon'))
        time.sleep(0.02)

threading.Thread(target=sample, daemon=True).start()
t = time.perf_counter()
refresh_vectors(Path(sys.argv[1]), sys.argv[2])
took = time.perf_counter() - t
print(max(peak[0], kib('RssAnon')), kib('VmHWM'), took)
"""


def build(work: Path, n: int) -> Path:
    corpus, db = work / f"corpus-{n}", work / f"index-{n}" / "index.db"
    write_synthetic_corpus(corpus, synthetic_passages(n))
    db.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    build_index(corpus, db)
    lexical = time.perf_counter() - started
    env = {**os.environ, "PYTHONPATH": f"{BENCH}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    out = subprocess.run(
        [sys.executable, "-c", VECTOR_BUILD, str(db), SPEC],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    anon, peak, vectors = (float(x) for x in out.stdout.split()[-3:])
    print(
        f"  build: lexical {lexical:.1f} s; vectors, their bundle and its approximate index "
        f"{vectors:.1f} s, peak private memory {anon / 1024:,.0f} MiB, peak RSS "
        f"{peak / 1024:,.0f} MiB (with mapped files' pages; workers apart)",
        file=sys.stderr,
    )
    return db


def top10(dense: np.ndarray) -> set[int]:
    order = np.argsort(-dense)[:10]
    return {int(i) for i in order if dense[i] > -1.0}


def measure(db: Path, questions: list[str]) -> None:
    import usearch.index  # noqa: F401 - imported before measuring, as the encoder is

    load_encoder(SPEC)
    before = rss_mib()
    searcher = Searcher.open(db, SPEC)
    opened = rss_mib()
    mapped = rss_mib("RssFile")
    assert searcher.semantic_active, searcher.semantic_problem
    lexical = Searcher(db)
    warm, timed = questions[:20], questions[20:220]
    for q in warm:
        searcher.rank(q)
        lexical.rank(q)
    timings = {}
    for name, s in (("semantic", searcher), ("lexical", lexical)):
        samples = []
        for q in timed:
            started = time.perf_counter()
            s.rank(q)
            samples.append(time.perf_counter() - started)
        timings[name] = percentiles(samples)
    semantic = searcher.semantic
    exact = SemanticIndex(
        searcher._vector_bundle, searcher.indexes, semantic.encoder, approximate=False
    )
    found = total = 0
    n = searcher.passage_count
    asked = timed if n <= RECALL_ALL_UNTIL else timed[::4]  # exact scoring costs seconds there
    for q in asked:
        query = semantic.query_vector(q)
        for lang in searcher.indexes:
            want = top10(exact.scores(query, "en", lang).score)
            got = top10(semantic.scores(query, "en", lang).score)
            found += len(want & got)
            total += len(want)
    ann = "yes" if semantic.approximate_languages else "no (exact)"
    print(
        f"| {n:,} | {ann} | {timings['semantic'][0]:.1f} / {timings['semantic'][1]:.1f} "
        f"| {timings['lexical'][0]:.1f} / {timings['lexical'][1]:.1f} "
        f"| {timings['semantic'][0] - timings['lexical'][0]:+.1f} "
        f"| {found / max(total, 1):.3f} ({len(asked)} questions) "
        f"| {(opened - before) * 1024 * 1024 / n:,.0f} | {mapped:,.0f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--keep", type=Path, help="build here and keep (else a temporary folder)")
    parser.add_argument(
        "--measure", type=Path, metavar="DB", help="only measure this index (one kept before)"
    )
    args = parser.parse_args()
    if not XQUAD.is_dir():
        print(f"XQuAD not found at {XQUAD}: this benchmark needs ../shared beside the repository.")
        return 0
    _, pairs = load_xquad("en")
    questions = [q for q, _ in pairs]
    if args.measure:
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        measure(args.measure, questions)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return 0
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="docbot-semscale-"))
    print(
        "| passages | approximate | semantic p50 / p95 ms | lexical p50 / p95 ms "
        "| added p50 ms | recall@10 vs exact | private memory after open, B/passage "
        "| mapped pages resident, MiB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    try:
        for n in (int(x) for x in args.sizes.split(",")):
            print(f"  {n:,} passages:", file=sys.stderr)
            db = build(work, n)
            # In a process of its own: this one built the lexical index, and an
            # index opened here would reuse the heap that build freed.
            subprocess.run([sys.executable, __file__, "--measure", str(db)], check=True)
            print(f"  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the lexical builds {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
