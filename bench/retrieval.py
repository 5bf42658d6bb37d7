"""docbot's benchmark: retrieval quality and speed beside its peers, in one run.

    .venv/bin/pip install -e '.[dev,bench]'
    .venv/bin/python bench/retrieval.py              # everything (about 15 minutes)
    .venv/bin/python bench/retrieval.py --quick      # quality + 1k/10k speed

Quality (XQuAD en/de/es, ../shared/eval/xquad): corpus = the 240 paragraphs of
one language, queries = its 1190 questions, gold = the question's paragraph.
R@1, R@5 and MRR@10 for docbot's whole engine (files in, ``Searcher.ask`` out)
and for the peers: rank-bm25 with ``text.lower().split()``, bm25s with
PyStemmer and its stopwords, SQLite FTS5 (unicode61 remove_diacritics 2,
bm25()).  Pooled: the 720 paragraphs of all three languages in one corpus,
each question asked with language detection; R@1 per question language and
the share of top-1 passages in the wrong language.

Speed: build time and query latency (p50, p95) at 1k/10k/100k synthetic
English passages (3-6 XQuAD sentences recombined), docbot beside rank-bm25's
``get_scores`` and bm25s; and the wall time of ``docbot ask`` as a process.

Seed corpus: hit@1/hit@3 on ../shared/eval/seed-dev.jsonl and on
bench/questions.jsonl (our own questions, not used for tuning).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docbot.index import Searcher, build_index  # noqa: E402
from docbot.index.analysis.analyzer import tokenize  # noqa: E402

SHARED = ROOT.parent / "shared"
XQUAD = SHARED / "eval" / "xquad"
LANGS = ("en", "de", "es")
SNOWBALL = {"en": "english", "de": "german", "es": "spanish"}

Ranker = Callable[[str], list[int]]  # question -> paragraph ids, best first


def load_xquad(lang: str) -> tuple[list[str], list[tuple[str, int]]]:
    data = json.loads((XQUAD / f"xquad.{lang}.json").read_text(encoding="utf-8"))
    contexts: list[str] = []
    questions: list[tuple[str, int]] = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            contexts.append(paragraph["context"].lstrip("\ufeff"))
            questions += [(qa["question"], len(contexts) - 1) for qa in paragraph["qas"]]
    return contexts, questions


def metrics(ranker: Ranker, questions: Sequence[tuple[str, int]]) -> tuple[float, float, float]:
    r1 = r5 = mrr = 0.0
    for question, gold in questions:
        ranked = ranker(question)[:10]
        if ranked[:1] == [gold]:
            r1 += 1
        if gold in ranked[:5]:
            r5 += 1
        if gold in ranked:
            mrr += 1 / (ranked.index(gold) + 1)
    n = len(questions)
    return r1 / n, r5 / n, mrr / n


# --- docbot -----------------------------------------------------------------


def write_corpus(folder: Path, contexts: Sequence[str], lang: str, prefix: str = "") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(contexts):
        body = f"---\nlang: {lang}\ntitle: {prefix}{i}\n---\n{text}\n"
        (folder / f"{prefix}{i:05d}.txt").write_text(body, encoding="utf-8")


def docbot_ranker(searcher: Searcher, lang: str | None, prefix: str = "") -> Ranker:
    def rank(question: str) -> list[int]:
        answer = searcher.ask(question, lang=lang, top=10)
        ids: list[int] = []
        for hit in answer.hits:
            name = Path(hit.passage.doc).stem
            if name.startswith(prefix) and int(name[len(prefix) :]) not in ids:
                ids.append(int(name[len(prefix) :]))
        return ids

    return rank


def docbot_index(contexts: Sequence[str], lang: str, work: Path) -> Searcher:
    corpus = work / f"corpus-{lang}"
    write_corpus(corpus, contexts, lang)
    build_index(corpus, work / f"{lang}.db")
    return Searcher(work / f"{lang}.db")


# --- peers ------------------------------------------------------------------


def rank_bm25_ranker(contexts: Sequence[str]) -> Ranker:
    import numpy as np
    from rank_bm25 import BM25Okapi

    bm25 = BM25Okapi([c.lower().split() for c in contexts])
    return lambda q: [int(i) for i in np.argsort(-bm25.get_scores(q.lower().split()))[:10]]


def bm25s_ranker(contexts: Sequence[str], lang: str) -> Ranker:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer(SNOWBALL[lang])
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(list(contexts), stopwords=lang, stemmer=stemmer, show_progress=False),
        show_progress=False,
    )

    def rank(question: str) -> list[int]:
        tokens = bm25s.tokenize([question], stopwords=lang, stemmer=stemmer, show_progress=False)
        if not tokens.vocab:
            return []
        docs, _ = retriever.retrieve(tokens, k=10, show_progress=False)
        return [int(d) for d in docs[0]]

    return rank


def fts5_ranker(contexts: Sequence[str]) -> Ranker:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE p USING fts5(body, tokenize='unicode61 remove_diacritics 2')"
    )
    conn.executemany("INSERT INTO p(rowid, body) VALUES (?, ?)", enumerate(contexts))

    def rank(question: str) -> list[int]:
        words = re.findall(r"\w+", question)
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        rows = conn.execute(
            "SELECT rowid FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT 10", [match]
        )
        return [r[0] for r in rows]

    return rank


# --- reports ----------------------------------------------------------------


def fmt(triple: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.3f}".lstrip("0") for v in triple)


def quality(work: Path) -> None:
    print("\n## XQuAD, one language at a time: R@1 / R@5 / MRR@10\n")
    rows: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        contexts, questions = load_xquad(lang)
        started = time.perf_counter()
        searcher = docbot_index(contexts, lang, work)
        built = time.perf_counter() - started
        systems: dict[str, Ranker] = {
            "docbot": docbot_ranker(searcher, lang),
            "rank-bm25 BM25Okapi, lower().split()": rank_bm25_ranker(contexts),
            "bm25s + PyStemmer + its stopwords": bm25s_ranker(contexts, lang),
            "SQLite FTS5 unicode61 remove_diacritics 2, bm25()": fts5_ranker(contexts),
        }
        for name, ranker in systems.items():
            rows.setdefault(name, {})[lang] = fmt(metrics(ranker, questions))
        print(f"(docbot {lang}: index built in {built:.1f} s)", file=sys.stderr)
    print("| system | en | de | es |\n|---|---|---|---|")
    for name, cells in rows.items():
        print(f"| {name} | {cells['en']} | {cells['de']} | {cells['es']} |")
    pooled(work)


def pooled(work: Path) -> None:
    corpus = work / "corpus-pooled"
    all_questions: dict[str, list[tuple[str, int]]] = {}
    for lang in LANGS:
        contexts, questions = load_xquad(lang)
        write_corpus(corpus, contexts, lang, prefix=f"{lang}-")
        all_questions[lang] = questions
    build_index(corpus, work / "pooled.db")
    searcher = Searcher(work / "pooled.db")
    print("\n## XQuAD pooled (720 paragraphs, language detected per question)\n")
    print("| question language | R@1 | R@5 | MRR@10 | top-1 in wrong language |")
    print("|---|---|---|---|---|")
    for lang, questions in all_questions.items():
        r, share = pooled_language(searcher, lang, questions)
        print(f"| {lang} | {r[0]:.3f} | {r[1]:.3f} | {r[2]:.3f} | {share:.1%} |")


def pooled_language(
    searcher: Searcher, lang: str, questions: Sequence[tuple[str, int]]
) -> tuple[tuple[float, float, float], float]:
    wrong = 0
    rank = docbot_ranker(searcher, None, prefix=f"{lang}-")

    def counting(question: str) -> list[int]:
        nonlocal wrong
        answer = searcher.ask(question, top=1)
        if answer.hits and not Path(answer.hits[0].passage.doc).stem.startswith(f"{lang}-"):
            wrong += 1
        return rank(question)

    return metrics(counting, questions), wrong / len(questions)


def seed_quality(work: Path) -> None:
    build_index(ROOT / "corpus", work / "seed.db")
    searcher = Searcher(work / "seed.db")
    print("\n## Seed corpus\n")
    print("| question set | answerable | hit@1 | hit@3 | off-topic answered |")
    print("|---|---|---|---|---|")
    for path in (SHARED / "eval" / "seed-dev.jsonl", ROOT / "bench" / "questions.jsonl"):
        if not path.exists():
            continue
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
        hit1 = hit3 = answerable = off = off_answered = 0
        for item in items:
            answer = searcher.ask(item["q"], top=3)
            if not item["gold"]:
                off += 1
                off_answered += bool(answer.hits)
                continue
            answerable += 1
            gold = [_norm(g) for g in item["gold"]]
            ranks = [
                h.rank
                for h in answer.hits
                if any(g in _norm(h.passage.text) or g in _norm(h.quote.text) for g in gold)
            ]
            hit1 += bool(ranks) and ranks[0] == 1
            hit3 += bool(ranks)
        print(
            f"| {path.name} | {answerable} | {hit1 / answerable:.2f} | {hit3 / answerable:.2f} "
            f"| {off_answered}/{off} |"
        )


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[\"“”„‘’'«»]", "", text).casefold().split())


# --- speed ------------------------------------------------------------------


def synthetic_passages(n: int, seed: int = 7) -> list[str]:
    contexts, _ = load_xquad("en")
    sentences = [s for c in contexts for s in re.split(r"(?<=[.!?])\s+", c) if len(s) > 20]
    rng = random.Random(seed)
    return [" ".join(rng.sample(sentences, rng.randint(3, 6))) for _ in range(n)]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return p50 * 1000, p95 * 1000


def time_queries(ranker: Callable[[str], object], queries: Sequence[str]) -> tuple[float, float]:
    samples = []
    for q in queries:
        started = time.perf_counter()
        ranker(q)
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def row(n: str, engine: str, build: str, timing: tuple[float, float]) -> None:
    print(f"| {n} | {engine} | {build} | {timing[0]:.2f} | {timing[1]:.2f} |")


def write_synthetic_corpus(folder: Path, passages: Sequence[str]) -> None:
    """Ten passages a file, one section each, so passages stay whole."""
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(passages), 10):
        chunk = passages[start : start + 10]
        body = "".join(f"## Part {start + i}\n\n{text}\n\n" for i, text in enumerate(chunk))
        (folder / f"{start // 10:06d}.md").write_text(f"---\nlang: en\n---\n{body}")


def speed_docbot(work: Path, passages: Sequence[str], queries: Sequence[str]) -> None:
    n = len(passages)
    write_synthetic_corpus(work / f"synthetic-{n}", passages)
    started = time.perf_counter()
    build_index(work / f"synthetic-{n}", work / f"synthetic-{n}.db")
    build = time.perf_counter() - started
    started = time.perf_counter()
    searcher = Searcher(work / f"synthetic-{n}.db")
    load = time.perf_counter() - started
    count = sum(len(ix.passage_ids) for ix in searcher.indexes.values())
    timing = time_queries(lambda q: searcher.ask(q, top=3), queries)
    row(
        f"{n:,} ({count:,})",
        "docbot `ask` (detect, rank, quote)",
        f"{build:.1f} + {load:.1f} load",
        timing,
    )
    row(
        f"{n:,}",
        "docbot `ask --lang en`",
        "",
        time_queries(lambda q: searcher.ask(q, lang="en", top=3), queries),
    )


def speed_rank_bm25(passages: Sequence[str], queries: Sequence[str]) -> None:
    from rank_bm25 import BM25Okapi

    started = time.perf_counter()
    okapi = BM25Okapi([tokenize(p, "en") for p in passages])
    build = time.perf_counter() - started
    few = queries if len(passages) <= 10_000 else queries[:40]
    timing = time_queries(lambda q: okapi.get_scores(tokenize(q, "en")), few)
    row(f"{len(passages):,}", "rank-bm25 `get_scores` (same analyzer)", f"{build:.1f}", timing)


def speed_bm25s(passages: Sequence[str], queries: Sequence[str]) -> None:
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    started = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(list(passages), stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )
    build = time.perf_counter() - started

    def query(q: str) -> object:
        tokens = bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False)
        return retriever.retrieve(tokens, k=3, show_progress=False) if tokens.vocab else None

    row(
        f"{len(passages):,}",
        "bm25s (one query per call)",
        f"{build:.1f}",
        time_queries(query, queries),
    )


def speed(work: Path, sizes: Sequence[int]) -> None:
    _, questions = load_xquad("en")
    rng = random.Random(11)
    queries = [q for q, _ in rng.sample(questions, 200)]
    print("\n## Speed on synthetic English passages (2 cores)\n")
    print("| passages | engine | build s | p50 ms | p95 ms |")
    print("|---|---|---|---|---|")
    for n in sizes:
        passages = synthetic_passages(n)
        speed_docbot(work, passages, queries)
        speed_rank_bm25(passages, queries)
        speed_bm25s(passages, queries)


def ask_wall_time(work: Path, runs: int = 7) -> None:
    db = work / "wall.db"
    build_index(ROOT / "corpus", db)
    command = [
        str(Path(sys.executable).parent / "docbot"),
        "ask",
        "How do I measure ROI for networking?",
        "--corpus",
        str(ROOT / "corpus"),
        "--db",
        str(db),
    ]
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        samples.append(time.perf_counter() - started)
    print(
        f'\n`docbot ask "How do I measure ROI for networking?"` with an up-to-date index: '
        f"median {statistics.median(samples):.3f} s wall over {runs} runs "
        f"(min {min(samples):.3f}, max {max(samples):.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="speed at 1k and 10k only")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="docbot-bench-") as tmp:
        work = Path(tmp)
        if not args.no_quality:
            seed_quality(work)
            quality(work)
        if not args.no_speed:
            ask_wall_time(work)
            speed(work, (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000))


if __name__ == "__main__":
    main()
