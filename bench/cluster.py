"""The semantic layer's vectors on a Dask cluster: its overhead on this machine,
the issue's checks, and the per-worker rate a bigger cluster is planned from.

    .venv/bin/python bench/realdocs.py --fetch      # once: the Debian FAQ (bench/.cache/)
    .venv/bin/pip install -e '.[cluster]'           # Dask distributed (the dev install has it)
    .venv/bin/python bench/cluster.py               # timings, same results, faults
    .venv/bin/python bench/cluster.py --repeat 3 --no-faults

Corpus: the English Debian FAQ (``bench/.cache/realdocs/corpora/faq`` without
its German ``de/`` folder; ``bench/realdocs.py --fetch`` assembles it).  Each
``docbot index`` runs as a process on an empty index (so every vector is
computed), in turn: with the local worker processes, then on a Dask cluster of
1 and of 2 workers started here (``dask scheduler`` and ``dask worker
--nthreads 1 --no-nanny`` on 127.0.0.1, at the local workers' niceness, a
fresh cluster for each build: each worker loads the encoder once, as the
local workers do).  Printed per build: seconds, passages a second, CPU seconds
of the docbot process (with the local pool: its workers' too) and of the Dask
workers, and the load average, since other programs share the two cores.

Checks (the issue's): the 2-worker cluster's build gives the same first result
as the local build for at least 29 of the 30 FAQ questions that are not in
German in ``bench/realdocs/questions-tune.jsonl``, in at most 1.25 times the
local build's time; with faults (``--no-faults`` skips them): a worker killed
when 40 % of the vectors are computed, and the build still gives the same
results; the scheduler killed mid-build, and the build ends with one line,
exit 1, and the index that served before (BM25 alone) answers as before.

Then the cost of a million passages on N workers, on paper: the 1-worker
cluster's rate (passages a second, the lexical build's time taken out) per
worker, plus the building machine's own share (reading and analysing, and
its CPU per passage for storing the vectors, which no worker takes over).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import psutil  # noqa: E402 - installed with Dask distributed
from distributed import Client  # noqa: E402
from quality import load_set  # noqa: E402
from realdocs import CACHE, copy_html  # noqa: E402

from docbot.index import DEFAULT_ENCODER, Searcher  # noqa: E402
from docbot.index.indexing.vectors import vector_progress  # noqa: E402

WORK = ROOT / "bench" / ".cache" / "cluster"
QUESTIONS = ROOT / "bench" / "realdocs" / "questions-tune.jsonl"
DASK = Path(sys.executable).with_name("dask")
NICENESS = 5  # docbot's local embedding workers run at this niceness (index/indexing/workers.py)
MODES = ("local", "dask-1", "dask-2")
BAR_TIME = 1.25
BAR_SAME = 29
READING = 2000  # passages a second a build reads and analyses (bench/scale.py: 1,800-3,100)


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def english_faq() -> Path:
    """The English FAQ's pages (links kept as links), without the German folder."""
    source = CACHE / "corpora" / "faq"
    if not source.is_dir():
        sys.exit(f"no {source}: run bench/realdocs.py --fetch first")
    target = WORK / "faq-en"
    shutil.rmtree(target, ignore_errors=True)
    copy_html(source, target)
    return target


def faq_questions() -> list[str]:
    rows = [q for q in load_set(QUESTIONS) if q["corpus"] == "faq" and q["lang"] != "de"]
    return [str(q["q"]) for q in rows]


# --- a cluster on this machine ------------------------------------------------------


class LocalCluster:
    """``dask scheduler`` and ``dask worker`` processes on 127.0.0.1."""

    def __init__(self, workers: int, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        scheduler_file = folder / "scheduler.json"
        scheduler_file.unlink(missing_ok=True)
        self.scheduler = self._start(
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--scheduler-file",
            str(scheduler_file),
        )
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            if time.monotonic() > deadline or self.scheduler.poll() is not None:
                raise RuntimeError("the scheduler did not start")
            time.sleep(0.05)
        self.address: str = json.loads(scheduler_file.read_text())["address"]
        self.workers = {
            f"w{i}": self._start(
                "worker",
                self.address,
                "--name",
                f"w{i}",
                "--nthreads",
                "1",
                "--no-nanny",
                "--local-directory",
                str(folder / f"w{i}"),
            )
            for i in range(1, workers + 1)
        }
        with Client(self.address, set_as_default=False, timeout=30) as client:
            client.wait_for_workers(workers, timeout=120)

    def _start(self, kind: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"{kind}-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115
        with log:
            return subprocess.Popen(
                ["nice", "-n", str(NICENESS), str(DASK), kind, *args, "--no-dashboard"],
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def worker_cpu(self) -> float:
        total = 0.0
        for process in self.workers.values():
            try:
                times = psutil.Process(process.pid).cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def busy_worker(self) -> subprocess.Popen[bytes] | None:
        with Client(self.address, set_as_default=False, timeout=10) as client:
            names = {w: i["name"] for w, i in client.scheduler_info()["workers"].items()}
            busy = [w for w, keys in client.processing().items() if keys]
        return self.workers[names[busy[0]]] if busy else None

    def stop(self) -> None:
        for process in [*self.workers.values(), self.scheduler]:
            if process.poll() is None:
                process.kill()
            process.wait()


# --- docbot as a process -------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    cpu: float  # the docbot process's, and its waited-for children's
    code: int
    out: str
    err: str


def environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCBOT_", "TELEGRAM_"))}
    return env | {"DOCBOT_SEMANTIC": "1"} | settings


def docbot(args: list[str], *, semantic: bool = True, during: object = None) -> Run:
    """``docbot ARGS`` as a process; ``during(process)`` is called every 20 ms
    while it runs (a fault to inject)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "docbot.bot.cli.commands", *args],
            cwd=WORK,
            env=environment(DOCBOT_SEMANTIC="1" if semantic else "0"),
            stdout=out,
            stderr=err,
        )
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if callable(during):
                during(process)
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            seconds,
            usage.ru_utime + usage.ru_stime,
            process.returncode,
            out.read().decode(),
            err.read().decode(),
        )


def first_results(db: Path, questions: list[str]) -> list[tuple[str, int] | None]:
    searcher = Searcher.open(db, DEFAULT_ENCODER)
    firsts: list[tuple[str, int] | None] = []
    for question in questions:
        hits = searcher.ask(question).hits
        firsts.append((hits[0].passage.doc, hits[0].passage.ordinal) if hits else None)
    return firsts


def cached_vectors(db: Path) -> dict[bytes, bytes]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT key, vec FROM vectors"))
    finally:
        conn.close()


# --- the bench ------------------------------------------------------------------------


@dataclass
class Build:
    mode: str
    run: Run
    workers_cpu: float
    load_before: str
    load_after: str


def build(mode: str, corpus: Path, db: Path) -> Build:
    shutil.rmtree(db.parent, ignore_errors=True)
    db.parent.mkdir(parents=True)
    cluster = LocalCluster(int(mode.split("-")[1]), WORK / "dask") if mode != "local" else None
    try:
        before = load()
        extra = ["--cluster", cluster.address] if cluster else []
        run = docbot(["index", "--corpus", str(corpus), "--db", str(db), *extra])
        if run.code != 0:
            raise RuntimeError(f"{mode} build failed: {run.err}")
        return Build(mode, run, cluster.worker_cpu() if cluster else 0.0, before, load())
    finally:
        if cluster:
            cluster.stop()


def timings(corpus: Path, repeat: int) -> tuple[dict[str, list[Build]], Run, int, int]:
    lexical_db = WORK / "lexical" / "index.db"
    shutil.rmtree(lexical_db.parent, ignore_errors=True)
    lexical_db.parent.mkdir(parents=True)
    lexical = docbot(["index", "--corpus", str(corpus), "--db", str(lexical_db)], semantic=False)
    passages = len(Searcher(lexical_db).passages)
    print(f"Lexical build alone: {lexical.seconds:.1f} s, {passages} passages (load {load()})")
    builds: dict[str, list[Build]] = {mode: [] for mode in MODES}
    for r in range(repeat):
        for mode in MODES:
            done = build(mode, corpus, WORK / mode / "index.db")
            builds[mode].append(done)
            print(
                f"  run {r + 1} {mode:7} {done.run.seconds:6.1f} s  docbot CPU "
                f"{done.run.cpu:6.1f} s  Dask workers CPU {done.workers_cpu:6.1f} s  "
                f"load {done.load_before} -> {done.load_after}",
                flush=True,
            )
    texts = vector_progress(WORK / "local" / "index.db", DEFAULT_ENCODER).total
    return builds, lexical, passages, texts


def report(builds: dict[str, list[Build]], lexical: Run, passages: int, texts: int) -> None:
    print(f"\n{passages} passages, {texts} texts embedded (passages, sentences, pairs)\n")
    print("| build | seconds (median) | runs | passages/s | docbot CPU s | workers CPU s |")
    print("|---|---|---|---|---|---|")
    median = {}
    for mode, runs in builds.items():
        median[mode] = statistics.median(b.run.seconds for b in runs)
        seconds = ", ".join(f"{b.run.seconds:.1f}" for b in runs)
        cpu = statistics.median(b.run.cpu for b in runs)
        workers = statistics.median(b.workers_cpu for b in runs)
        print(
            f"| {mode} | {median[mode]:.1f} | {seconds} | {passages / median[mode]:.1f} "
            f"| {cpu:.1f} | {workers:.1f} |"
        )
    ratio = median["dask-2"] / median["local"]
    verdict = "meets" if ratio <= BAR_TIME else "misses"
    print(f"\n2 Dask workers / local: {ratio:.2f}x ({verdict} the bar of {BAR_TIME}x)")
    local_cpu = statistics.median(b.run.cpu for b in builds["local"])
    dask_cpu = statistics.median(b.run.cpu + b.workers_cpu for b in builds["dask-2"])
    print(f"CPU, 2 Dask workers and docbot / the local build: {dask_cpu / local_cpu:.2f}x")
    # on paper: a million passages on N workers
    one = statistics.median(b.run.seconds for b in builds["dask-1"]) - lexical.seconds
    worker_cpu = statistics.median(b.workers_cpu for b in builds["dask-1"])
    rate = passages / worker_cpu  # passages a second of one worker with a core of its own
    client_cpu = statistics.median(b.run.cpu for b in builds["dask-2"]) - lexical.cpu
    client = passages / max(client_cpu, 1e-9)  # what the building machine can store
    reading = READING  # the FAQ is too small to measure it: bench/scale.py's rate
    print(
        f"\nPer worker with a core of its own: {rate:.2f} passages/s ({texts / worker_cpu:.1f} "
        f"texts/s; by the clock, sharing this machine: {passages / one:.2f} passages/s). "
        f"The building machine: {client:.0f} passages/s of vectors received and stored (its "
        f"CPU beyond a lexical build's), and {reading:,} passages/s read and analysed "
        "(bench/scale.py)."
    )
    print("\n| workers | 1M passages: vectors | + reading here | total | worker core-hours |")
    print("|---|---|---|---|---|")
    for n in (1, 8, 32, 128, 512):
        embed = 1e6 / min(rate * n, client)
        read = 1e6 / reading
        core_hours = 1e6 / rate / 3600
        print(
            f"| {n} | {hours(embed)} | {hours(read)} | {hours(embed + read)} | {core_hours:,.0f} |"
        )


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min"


def same_results(questions: list[str]) -> None:
    local, dask = WORK / "local" / "index.db", WORK / "dask-2" / "index.db"
    same = sum(
        a == b
        for a, b in zip(
            first_results(local, questions), first_results(dask, questions), strict=True
        )
    )
    identical = cached_vectors(local) == cached_vectors(dask)
    verdict = "meets" if same >= BAR_SAME else "misses"
    print(
        f"\nSame first result, 2 Dask workers vs local: {same} of {len(questions)} "
        f"({verdict} the bar of {BAR_SAME}); vectors byte for byte identical: {identical}"
    )


def build_then_stop(
    cluster: LocalCluster, corpus: Path, db: Path, during: Callable[..., None]
) -> Run:
    """``docbot index --cluster`` with ``during`` watching it, then the cluster stopped."""
    try:
        return docbot(
            ["index", "--corpus", str(corpus), "--db", str(db), "--cluster", cluster.address],
            during=during,
        )
    finally:
        cluster.stop()


def faults(corpus: Path, questions: list[str]) -> None:
    expected = first_results(WORK / "local" / "index.db", questions)
    db = WORK / "faults" / "index.db"
    # a worker killed when 40 % of the vectors are kept
    shutil.rmtree(db.parent, ignore_errors=True)
    db.parent.mkdir(parents=True)
    cluster = LocalCluster(2, WORK / "dask")
    killed: list[str] = []

    def kill_at_40(_: subprocess.Popen[bytes]) -> None:
        if killed or not db.exists():
            return
        try:
            progress = vector_progress(db, DEFAULT_ENCODER)
        except Exception:  # the index being created
            return
        if progress.total and progress.cached >= 0.4 * progress.total:
            victim = cluster.busy_worker()
            if victim is not None:
                victim.kill()
                killed.append(f"{progress.cached} of {progress.total}")

    run = build_then_stop(cluster, corpus, db, kill_at_40)
    same = sum(a == b for a, b in zip(first_results(db, questions), expected, strict=True))
    identical = cached_vectors(db) == cached_vectors(WORK / "local" / "index.db")
    print(
        f"\nA worker killed at {killed[0] if killed else '(never: too late)'} vectors: exit "
        f"{run.code} in {run.seconds:.1f} s; same first result as local: {same} of "
        f"{len(questions)}; vectors identical: {identical}"
    )
    # the scheduler killed mid-build; the index serving before is BM25 alone
    shutil.rmtree(db.parent, ignore_errors=True)
    db.parent.mkdir(parents=True)
    docbot(["index", "--corpus", str(corpus), "--db", str(db)], semantic=False)
    before = first_results(db, questions)
    cluster = LocalCluster(2, WORK / "dask")
    state: dict[str, float] = {}

    def kill_scheduler(_: subprocess.Popen[bytes]) -> None:
        if state:
            return
        progress = vector_progress(db, DEFAULT_ENCODER)
        if progress.cached >= 0.3 * progress.total > 0:
            cluster.scheduler.send_signal(signal.SIGKILL)
            state["at"] = time.perf_counter()
            state["kept"] = progress.cached / progress.total

    run = build_then_stop(cluster, corpus, db, kill_scheduler)
    ended = time.perf_counter() - state["at"] if state else float("nan")
    after = first_results(db, questions)
    print(
        f"The scheduler killed at {state.get('kept', 0):.0%} of the vectors: exit {run.code}, "
        f"{ended:.1f} s after the kill, {len(run.err.strip().splitlines())} line on stderr:\n"
        f"  {run.err.strip()}\n  the index answers as before: "
        f"{sum(a == b for a, b in zip(before, after, strict=True))} of {len(questions)} "
        "first results the same"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=2, help="builds of each kind (default 2)")
    parser.add_argument("--no-faults", action="store_true", help="skip the fault checks")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    corpus = english_faq()
    questions = faq_questions()
    print(f"{os.cpu_count()} CPUs; load average (1/5/15 min) at start: {load()}")
    builds, lexical, passages, texts = timings(corpus, args.repeat)
    report(builds, lexical, passages, texts)
    same_results(questions)
    if not args.no_faults:
        faults(corpus, questions)
    print(f"\nLoad average at end: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
