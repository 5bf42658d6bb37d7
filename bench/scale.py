"""The index as a library at scale: docbot beside bm25s, tantivy and SQLite FTS5.

    .venv/bin/pip install -e '.[dev,bench]' tantivy
    .venv/bin/python bench/scale.py                       # 10k, 100k, 300k passages
    .venv/bin/python bench/scale.py --sizes 10000,100000  # quicker
    .venv/bin/python bench/scale.py --json bench/results/scale.json  # raw numbers too

Data: synthetic English passages, 3-6 sentences of XQuAD's English paragraphs
recombined (``retrieval.synthetic_passages``; XQuAD lives in
../shared/eval/xquad beside the repository and the script says so and exits 0
when it is missing).  docbot reads them as corpus files, ten passages a file
(``retrieval.write_synthetic_corpus``); the peers index the same texts.
Queries: the same 200 XQuAD English questions for everyone (as
bench/retrieval.py picks them), after 20 other questions as warm-up.

Measured per engine and size, each engine in its own processes (no shared
memory; peak RSS is the process's VmHWM, as getrusage's ru_maxrss would
include the forking parent's):

- build: passages per second from texts to an index on disk, and peak RSS.
  docbot: ``docbot index`` as a subprocess with DOCBOT_SEMANTIC=0 (BM25 only),
  wall time of the whole process; with its read/analyse worker processes,
  the peak of their summed RSS, sampled every 50 ms, is given too.  Peers:
  from texts in memory to a persisted index (bm25s: tokenize + index + save
  with its corpus; tantivy: add, commit, wait for merges; FTS5: inserts,
  commit, ``optimize``).
- open: median over 5 fresh processes of opening the index (docbot:
  ``Searcher(db)``; bm25s: ``BM25.load(mmap=True)``; tantivy: ``Index.open``
  + tokenizer + searcher; FTS5: connect); imports timed apart, with compiled
  modules kept (PYTHONPYCACHEPREFIX in the temporary folder, never in the
  repository) as in an installed docbot, whatever PYTHONDONTWRITEBYTECODE says.
- resident: RSS after open and after the 200 queries, and per passage the
  growth over the RSS after imports (what the index itself costs in memory).
- queries: p50/p95 over the 200 questions, top 10.  docbot ``ask`` (the whole
  answer: language detection, ranking, quotes), ``rank`` (ranking alone, the
  question cleaned, language detected) and ``rank`` with the language given;
  peers' raw retrieval including their query analysis.
- disk: bytes per passage of every file of the index (docbot: the SQLite file
  with its -wal/-shm and the ``*.arrays`` bundles; all engines keep the
  passage text, as docbot needs it for quotes).
- freshness: one corpus file (ten passages) rewritten -> a fresh searcher
  answers from it.  docbot: ``build_index`` (refresh), ``Searcher``, ``ask``;
  tantivy: delete the file's documents, add ten, commit, reload, search;
  FTS5: delete + insert + commit, search; bm25s: it cannot update, so a full
  re-index + save, then search.

FTS5 ORs every word of the question, as bench/retrieval.py does; as that
makes it slow on common words, it is also timed with bm25s's English
stopwords left out of the question.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
XQUAD = ROOT.parent / "shared" / "eval" / "xquad"
ENGINES = ("docbot", "bm25s", "tantivy", "fts5")
PYCACHE = str(Path(tempfile.gettempdir()) / "docbot-scale-pycache")
OPEN_RUNS = 5
QUERIES, WARMUP = 200, 20
NEW_PASSAGE = (
    "The zymurgist quokka ledger records every brass toll paid at the harbour of Vellmora."
)
NEW_QUESTION = "What does the zymurgist quokka ledger record?"
# Lucene's English stop set, bm25s's ``STOPWORDS_EN`` (not imported: FTS5's memory stays its own)
STOPWORDS_EN = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)
# Runs the CLI and prints its own peak RSS (VmHWM, KiB) last on stderr.  Not getrusage:
# Linux carries the forking parent's peak over into a child's ru_maxrss.
MEASURED = (
    "import sys\nfrom docbot.bot.cli.commands import main\ntry:\n    code = main(sys.argv[1:])\n"
    "finally:\n    print('peak_rss_kib', [l.split()[1] for l in open('/proc/self/status')"
    " if l.startswith('VmHWM')][0], file=sys.stderr)\nsys.exit(code)"
)


# --- shared helpers -----------------------------------------------------------------


def status_kib(pid: int | str = "self") -> dict[str, int]:
    """Resident memory of a process (now, anonymous, file-backed, peak), KiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def rss_kib() -> dict[str, int]:
    kib = status_kib()
    kib.pop("VmHWM", None)
    return kib


def peak_kib() -> int:
    """This process's peak RSS (getrusage would include the forking parent's)."""
    return status_kib()["VmHWM"]


def descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                text = Path(f"/proc/{current}/task/{task}/children").read_text()
                queue += [int(c) for c in text.split()]
        found.append(current)
    return found


class TreeSampler(threading.Thread):
    """The largest sum of RSS over a process and its descendants, sampled every 50 ms
    (pages shared between them, such as libraries, count once per process)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            total = 0
            for pid in descendants(self.pid):
                with contextlib.suppress(OSError, KeyError):
                    total += status_kib(pid)["VmRSS"]
            self.peak_kib = max(self.peak_kib, total)


def percentiles(samples: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(fn: Callable[[str], object], queries: Sequence[str]) -> dict[str, float]:
    samples = []
    for q in queries:
        started = time.perf_counter()
        fn(q)
        samples.append(time.perf_counter() - started)
    p50, p95 = percentiles(samples)
    return {"p50_ms": p50, "p95_ms": p95}


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def file_of(i: int) -> int:
    return i // 10


def changed_texts(texts: list[str], file_no: int) -> list[str]:
    """The passages after file ``file_no`` is rewritten: its first passage replaced."""
    out = list(texts)
    out[file_no * 10] = NEW_PASSAGE
    return out


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --- workers: one engine, one phase, in a process of its own ------------------------


class Engine:
    """One peer's build / open / query / update, over a work folder."""

    name = ""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.path = work / self.name

    def build(self, texts: list[str]) -> None:
        raise NotImplementedError

    def open(self) -> None:
        raise NotImplementedError

    def search(self, question: str) -> list[int]:
        raise NotImplementedError

    def update(self, texts: list[str], file_no: int) -> None:
        raise NotImplementedError


class Bm25sEngine(Engine):
    name = "bm25s"

    def _imports(self) -> Any:
        import bm25s
        import Stemmer

        self.stemmer = Stemmer.Stemmer("english")
        return bm25s

    def build(self, texts: list[str]) -> None:
        bm25s = self._imports()
        retriever = bm25s.BM25()
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, show_progress=False)
        retriever.index(tokens, show_progress=False)
        retriever.save(str(self.path), corpus=texts, show_progress=False)

    def open(self) -> None:
        bm25s = self._imports()
        self.bm25s = bm25s
        self.retriever = bm25s.BM25.load(str(self.path), mmap=True, show_progress=False)

    def search(self, question: str) -> list[int]:
        tokens = self.bm25s.tokenize(
            [question], stopwords="en", stemmer=self.stemmer, return_ids=False, show_progress=False
        )
        docs, _ = self.retriever.retrieve(tokens, k=10, show_progress=False)
        return [int(d) for d in docs[0]]

    def update(self, texts: list[str], file_no: int) -> None:
        shutil.rmtree(self.path)
        self.build(texts)
        self.open()


class TantivyEngine(Engine):
    name = "tantivy"

    def _schema(self) -> Any:
        import tantivy

        self.tantivy = tantivy
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("pid", stored=True, indexed=True, fast=True)
        builder.add_integer_field("file", indexed=True)
        builder.add_text_field("body", stored=True, tokenizer_name="en_docs")
        return builder.build()

    def _register(self, index: Any) -> None:
        t = self.tantivy
        analyzer = (
            t.TextAnalyzerBuilder(t.Tokenizer.simple())
            .filter(t.Filter.remove_long(40))
            .filter(t.Filter.lowercase())
            .filter(t.Filter.stopword("english"))
            .filter(t.Filter.stemmer("english"))
            .build()
        )
        index.register_tokenizer("en_docs", analyzer)

    def _add(self, writer: Any, pid: int, text: str) -> None:
        writer.add_document(self.tantivy.Document(pid=pid, file=file_of(pid), body=text))

    def build(self, texts: list[str]) -> None:
        self.path.mkdir()
        index = self.tantivy_index(create=True)
        writer = index.writer(heap_size=256_000_000)
        for pid, text in enumerate(texts):
            self._add(writer, pid, text)
        writer.commit()
        writer.wait_merging_threads()

    def tantivy_index(self, create: bool = False) -> Any:
        schema = self._schema()
        index = (
            self.tantivy.Index(schema, path=str(self.path))
            if create
            else self.tantivy.Index.open(str(self.path))
        )
        self._register(index)
        return index

    def open(self) -> None:
        self.index = self.tantivy_index()
        self.searcher = self.index.searcher()

    def search(self, question: str) -> list[int]:
        words = words_of(question)
        if not words:
            return []
        query = self.index.parse_query(" ".join(words), ["body"])
        hits = self.searcher.search(query, 10).hits
        return [self.searcher.doc(address)["pid"][0] for _score, address in hits]

    def update(self, texts: list[str], file_no: int) -> None:
        writer = self.index.writer(heap_size=64_000_000)
        writer.delete_documents_by_term("file", file_no)
        for pid in range(file_no * 10, file_no * 10 + 10):
            self._add(writer, pid, texts[pid])
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()


class Fts5Engine(Engine):
    name = "fts5"

    def build(self, texts: list[str]) -> None:
        conn = sqlite3.connect(self.path)
        conn.execute(
            "CREATE VIRTUAL TABLE p USING fts5(body, tokenize='unicode61 remove_diacritics 2')"
        )
        with conn:
            conn.executemany("INSERT INTO p(rowid, body) VALUES (?, ?)", enumerate(texts))
        with conn:
            conn.execute("INSERT INTO p(p) VALUES ('optimize')")
        conn.close()

    def open(self) -> None:
        self.conn = sqlite3.connect(self.path)

    def search(self, question: str) -> list[int]:
        words = words_of(question)
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in words)
        rows = self.conn.execute(
            "SELECT rowid FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT 10", [match]
        )
        return [r[0] for r in rows]

    def search_without_stopwords(self, question: str) -> list[int]:
        """The same with bm25s's English stopwords left out of the question."""
        kept = [w for w in words_of(question) if w.lower() not in STOPWORDS_EN]
        return self.search(" ".join(kept))

    def update(self, texts: list[str], file_no: int) -> None:
        first = file_no * 10
        with self.conn:
            self.conn.execute("DELETE FROM p WHERE rowid BETWEEN ? AND ?", (first, first + 9))
            self.conn.executemany(
                "INSERT INTO p(rowid, body) VALUES (?, ?)",
                [(i, texts[i]) for i in range(first, first + 10)],
            )


IMPORTS = {
    "docbot": "import docbot.index, docbot.bot.cli.commands",
    "bm25s": "import bm25s, Stemmer",
    "tantivy": "import tantivy",
    "fts5": "import sqlite3",
}
PEERS: dict[str, type[Engine]] = {
    "bm25s": Bm25sEngine,
    "tantivy": TantivyEngine,
    "fts5": Fts5Engine,
}


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def worker_peer_build(engine: Engine, work: Path) -> dict[str, Any]:
    texts = load_json(work / "passages.json")
    before = rss_kib()["VmRSS"]
    started = time.perf_counter()
    engine.build(texts)
    seconds = time.perf_counter() - started
    return {"build_s": seconds, "peak_kib": peak_kib(), "rss_before_kib": before}


def worker_open(name: str, work: Path, with_queries: bool) -> dict[str, Any]:
    """Open in this fresh process; with ``with_queries``, time the 200 questions too."""
    start_rss = rss_kib()
    started = time.perf_counter()
    if name == "docbot":
        from docbot.index import Searcher
        from docbot.index.analysis.question import clean_question
    else:
        engine = PEERS[name](work)
        if name == "tantivy":
            import tantivy  # noqa: F401
        elif name == "bm25s":
            import bm25s  # noqa: F401
            import Stemmer  # noqa: F401
    import_s = time.perf_counter() - started
    import_rss = rss_kib()
    started = time.perf_counter()
    if name == "docbot":
        searcher = Searcher(work / "docbot.db")
    else:
        engine.open()
    open_s = time.perf_counter() - started
    out: dict[str, Any] = {
        "import_s": import_s,
        "open_s": open_s,
        "rss_start": start_rss,
        "rss_import": import_rss,
        "rss_open": rss_kib(),
    }
    if not with_queries:
        return out
    questions = load_json(work.parent / "queries.json")
    warmup, queries = questions[:WARMUP], questions[WARMUP:]
    if name == "docbot":
        out["passages_indexed"] = searcher.passage_count
        modes: dict[str, Callable[[str], object]] = {
            "ask": lambda q: searcher.ask(q, top=10),
            "rank": lambda q: searcher.rank(clean_question(q)),
            "rank_en": lambda q: searcher.rank(clean_question(q), lang="en"),
        }
    else:
        modes = {"search": engine.search}
        if name == "fts5":
            modes["search_nostop"] = engine.search_without_stopwords  # type: ignore[attr-defined]
    first = next(iter(modes.values()))
    started = time.perf_counter()
    first(warmup[0])
    out["first_query_ms"] = (time.perf_counter() - started) * 1000
    for fn in modes.values():
        for q in warmup:
            fn(q)
    out["queries"] = {mode: timed(fn, queries) for mode, fn in modes.items()}
    out["rss_queries"] = rss_kib()
    return out


def worker_fresh(name: str, work: Path, corpus_file: Path | None) -> dict[str, Any]:
    """Rewrite one file, then time until a fresh searcher answers from it."""
    texts = load_json(work / "passages.json")
    file_no = len(texts) // 20  # a file in the middle
    new_texts = changed_texts(texts, file_no)
    out: dict[str, Any] = {}
    if name == "docbot":
        from docbot.index import Searcher, build_index

        assert corpus_file is not None
        corpus = work / "corpus"
        target = sorted(corpus.iterdir())[file_no]
        body = target.read_text(encoding="utf-8")
        # the file's first section gets the new passage in place of its own
        head, _, rest = body.partition("## Part ")
        first_part, sep, others = rest.partition("\n## Part ")
        new_first = first_part.split("\n", 1)[0] + "\n\n" + NEW_PASSAGE + "\n\n"
        started = time.perf_counter()
        target.write_text(head + "## Part " + new_first + sep + others, encoding="utf-8")
        report = build_index(corpus, work / "docbot.db")
        refreshed = time.perf_counter()
        searcher = Searcher(work / "docbot.db")
        opened = time.perf_counter()
        answer = searcher.ask(NEW_QUESTION, top=10)
        done = time.perf_counter()
        hit = answer.hits[0].passage if answer.hits else None
        out |= {
            "total_s": done - started,
            "parts": f"refresh {refreshed - started:.2f} s (builder says "
            f"{report.seconds:.2f} s), open {opened - refreshed:.3f} s, "
            f"ask {done - opened:.3f} s",
            "correct": bool(hit and "zymurgist" in hit.text and hit.doc == target.name),
        }
        return out
    engine = PEERS[name](work)
    engine.open()
    started = time.perf_counter()
    engine.update(new_texts, file_no)
    updated = time.perf_counter()
    top = engine.search(NEW_QUESTION)
    done = time.perf_counter()
    out |= {
        "total_s": done - started,
        "parts": f"update {updated - started:.3f} s, search {done - updated:.4f} s",
        "correct": bool(top) and top[0] == file_no * 10,
    }
    return out


def worker_main(args: argparse.Namespace) -> None:
    work = Path(args.work)
    if args.phase == "build":
        result = worker_peer_build(PEERS[args.worker](work), work)
    elif args.phase in ("open", "query"):
        result = worker_open(args.worker, work, args.phase == "query")
    else:
        result = worker_fresh(args.worker, work, work / "corpus")
    print(json.dumps(result))


# --- the driver -------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    """This environment without docbot or Telegram settings; the semantic layer off.
    Compiled modules are kept (outside the repository), as an installed docbot's are."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCBOT_", "TELEGRAM_"))}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env | {"DOCBOT_SEMANTIC": "0", "PYTHONPYCACHEPREFIX": PYCACHE}


def run_worker(engine: str, phase: str, work: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", engine, "--phase", phase, "--work", str(work)]
    result = subprocess.run(
        command, check=False, capture_output=True, text=True, env=child_env(), cwd=ROOT
    )
    if result.returncode != 0:
        raise RuntimeError(f"{engine} {phase} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def docbot_build(work: Path) -> dict[str, Any]:
    command = [sys.executable, "-c", MEASURED, "index"]
    command += ["--corpus", str(work / "corpus"), "--db", str(work / "docbot.db")]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
        cwd=ROOT,
    )
    sampler = TreeSampler(process.pid)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"docbot index failed:\n{stderr[-3000:]}")
    return {
        "build_s": seconds,
        "peak_kib": int(stderr.strip().splitlines()[-1].split()[-1]),
        "tree_peak_kib": sampler.peak_kib,
        "report": stdout.splitlines()[0],
    }


def docbot_files(work: Path) -> dict[str, int]:
    db = work / "docbot.db"
    files = [
        p
        for p in work.iterdir()
        if p.name.startswith(db.name) and p.is_file() and not p.name.endswith(".lock")
    ]
    return {p.name: p.stat().st_size for p in sorted(files)}


def disk_bytes(engine: str, work: Path) -> dict[str, int]:
    if engine == "docbot":
        return docbot_files(work)
    path = work / engine
    if path.is_dir():
        return {p.name: p.stat().st_size for p in sorted(path.rglob("*")) if p.is_file()}
    files = [p for p in work.iterdir() if p.name.startswith(engine) and p.is_file()]
    return {p.name: p.stat().st_size for p in files}


def measure(engine: str, work: Path, n: int) -> dict[str, Any]:
    print(f"  {engine}: build", file=sys.stderr, flush=True)
    build = docbot_build(work) if engine == "docbot" else run_worker(engine, "build", work)
    out: dict[str, Any] = {"build": build, "disk": disk_bytes(engine, work)}
    print(f"  {engine}: open x{OPEN_RUNS} and queries", file=sys.stderr, flush=True)
    opens = [run_worker(engine, "open", work) for _ in range(OPEN_RUNS - 1)]
    opens.append(run_worker(engine, "query", work))
    out["opens"] = opens
    print(f"  {engine}: freshness", file=sys.stderr, flush=True)
    out["fresh"] = run_worker(engine, "fresh", work)
    return out


def prepare(work: Path, n: int) -> None:
    from retrieval import synthetic_passages, write_synthetic_corpus

    texts = synthetic_passages(n)
    work.mkdir(parents=True)
    (work / "passages.json").write_text(json.dumps(texts), encoding="utf-8")
    write_synthetic_corpus(work / "corpus", texts)


def queries(path: Path) -> None:
    from retrieval import load_xquad

    _, questions = load_xquad("en")
    rng = random.Random(11)
    chosen = [q for q, _ in rng.sample(questions, QUERIES)]  # as bench/retrieval.py picks them
    rest = [q for q, _ in questions if q not in set(chosen)]
    path.write_text(json.dumps(rest[:WARMUP] + chosen), encoding="utf-8")


def machine() -> str:
    mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    versions = []
    for package in ("numpy", "bm25s", "tantivy", "PyStemmer", "docbot"):
        try:
            from importlib.metadata import version

            versions.append(f"{package} {version(package)}")
        except Exception:
            versions.append(f"{package} missing")
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores ({model}), {int(mem) / 1024**2:.1f} GiB RAM, "
        f"Linux {platform.release()}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {', '.join(versions)}; docbot at {commit}"
    )


def mib(kib: float) -> str:
    return f"{kib / 1024:.0f}"


def report(results: dict[int, dict[str, dict[str, Any]]]) -> None:
    print("\n## Build, disk, open, memory\n")
    print(
        "| passages | engine | build s | passages/s | peak RSS MiB | disk B/passage "
        "| open ms (median of 5) | import ms | RSS MiB after open / after 200 queries "
        "| resident B/passage after open / after queries |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, engines in results.items():
        for engine, r in engines.items():
            b = r["build"]
            peak = mib(b["peak_kib"])
            if "tree_peak_kib" in b:
                peak += f" (with workers {mib(b['tree_peak_kib'])})"
            disk = sum(r["disk"].values())
            opens = r["opens"]
            open_ms = statistics.median(o["open_s"] for o in opens) * 1000
            import_ms = statistics.median(o["import_s"] for o in opens) * 1000
            rss_open = statistics.median(o["rss_open"]["VmRSS"] for o in opens)
            q = opens[-1]
            grow_open = (q["rss_open"]["VmRSS"] - q["rss_import"]["VmRSS"]) * 1024 / n
            grow_q = (q["rss_queries"]["VmRSS"] - q["rss_import"]["VmRSS"]) * 1024 / n
            print(
                f"| {n:,} | {engine} | {b['build_s']:.1f} | {n / b['build_s']:,.0f} | {peak} "
                f"| {disk / n:,.0f} | {open_ms:.1f} | {import_ms:.0f} "
                f"| {mib(rss_open)} / {mib(q['rss_queries']['VmRSS'])} "
                f"| {grow_open:,.0f} / {grow_q:,.0f} |"
            )
    print("\n## Queries: 200 XQuAD questions, top 10, ms\n")
    print("| passages | engine | p50 | p95 | first query after open |")
    print("|---|---|---|---|---|")
    labels = {
        "ask": "docbot `ask` (detect, rank, quotes)",
        "rank": "docbot `rank` (detect, rank)",
        "rank_en": "docbot `rank(lang='en')`",
        "search_nostop": "fts5, stopwords left out of the question",
    }
    for n, engines in results.items():
        for engine, r in engines.items():
            q = r["opens"][-1]
            for mode, t in q["queries"].items():
                first = f"{q['first_query_ms']:.1f}" if mode in ("ask", "search") else ""
                print(
                    f"| {n:,} | {labels.get(mode, engine)} | {t['p50_ms']:.2f} "
                    f"| {t['p95_ms']:.2f} | {first} |"
                )
    print("\n## Freshness: one file (10 passages) rewritten -> a fresh searcher answers\n")
    print("| passages | engine | seconds | parts | answered from it |")
    print("|---|---|---|---|---|")
    for n, engines in results.items():
        for engine, r in engines.items():
            f = r["fresh"]
            print(
                f"| {n:,} | {engine} | {f['total_s']:.2f} | {f['parts']} "
                f"| {'yes' if f['correct'] else 'NO'} |"
            )
    print("\n## docbot's files (bytes per passage)\n")
    for n, engines in results.items():
        if "docbot" in engines:
            r = engines["docbot"]
            files = ", ".join(f"`{k}` {v / n:,.0f}" for k, v in r["disk"].items())
            indexed = r["opens"][-1].get("passages_indexed")
            print(f"- {n:,} passages ({indexed:,} after chunking): {files}")
            print(f"  - build report: {r['build']['report']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,300000")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--json", help="write the raw numbers to this file too")
    parser.add_argument("--work", help="work folder (default: a temporary one, removed)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args)
        return
    if not (XQUAD / "xquad.en.json").exists():
        print(f"Note: XQuAD is missing ({XQUAD}); this benchmark needs it. Nothing measured.")
        return
    sys.path.insert(0, str(ROOT / "bench"))
    sizes = [int(s) for s in args.sizes.split(",")]
    engines = [e for e in args.engines.split(",") if e]
    print(f"Machine: {machine()}")
    for engine in engines:  # compile every module once, so imports are timed as installed
        subprocess.run([sys.executable, "-c", IMPORTS[engine]], env=child_env(), check=True)
    tmp = tempfile.mkdtemp(prefix="docbot-scale-", dir=args.work)
    results: dict[int, dict[str, dict[str, Any]]] = {}
    try:
        queries(Path(tmp) / "queries.json")
        for n in sizes:
            work = Path(tmp) / str(n)
            print(f"{n:,} passages", file=sys.stderr, flush=True)
            prepare(work, n)
            results[n] = {}
            for engine in engines:
                results[n][engine] = measure(engine, work, n)
            shutil.rmtree(work)
            if args.json:
                Path(args.json).write_text(json.dumps(results, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(results)


if __name__ == "__main__":
    main()
