"""Vectors computed on a real Dask cluster: a ``dask scheduler`` and two ``dask
worker`` processes on 127.0.0.1, started once for this module and stopped at
its end.  The tests run in file order and the last ones take the cluster
apart: a worker is killed, then the scheduler."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from docbot.bot.cli.commands import Streams, main
from docbot.index import DEFAULT_ENCODER, DocbotError, Searcher, build_index
from docbot.index.indexing.embedding import EMBED_BATCH
from docbot.index.indexing.vectors import vector_progress
from docbot.index.retrieval.units import UNIT_KINDS
from docbot.index.storage import store
from docbot.index.storage.arrays import open_bundle

from .botapi import clean_env
from .conftest import ROOT

distributed = pytest.importorskip(
    "distributed", reason="the cluster extra is not installed: pip install -e '.[cluster]'"
)

DASK = Path(sys.executable).with_name("dask")
WORDS = (
    "harbor lantern copper meadow violin granite parcel orchard ribbon falcon "
    "pepper canyon marble tunnel willow basket ember glacier saddle thimble"
).split()
FILES = 12  # 120 texts to embed (ten a note): four batches (semantic.EMBED_BATCH)


def write_notes(folder: Path, count: int, start: int = 0) -> None:
    """Notes of five short sentences (quick to embed) and a marker word, zqNx."""
    rng = random.Random(start)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + count):
        sentences = [
            " ".join(rng.choice(WORDS) for _ in range(4)).capitalize() + f" {j}." for j in range(5)
        ]
        text = f"Note {i}\n\n" + " ".join(sentences) + f" Marker zq{i}x.\n"
        (folder / f"note-{i:03d}.txt").write_text(text)


def first_doc(searcher: Searcher, note: int) -> str | None:
    """The file of the first passage that answers a question on marker zqNx."""
    hits = searcher.ask(f"Which note has the marker zq{note}x?").hits
    return hits[0].passage.doc if hits else None


@dataclass
class Cluster:
    folder: Path
    scheduler: subprocess.Popen[bytes] | None = None
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    address: str = ""

    def start(self, process: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"{process}-{len(self.workers)}.log", "wb")  # noqa: SIM115
        with log:
            return subprocess.Popen(
                [str(DASK), process, *args, "--no-dashboard"],
                cwd=self.folder,
                env=clean_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def client(self) -> distributed.Client:
        return distributed.Client(self.address, timeout=30, set_as_default=False)

    def pid_of(self, address: str) -> int:
        """The process id of the worker at ``address`` (its name is its key)."""
        with self.client() as client:
            names = {w: i["name"] for w, i in client.scheduler_info()["workers"].items()}
        return self.workers[names[address]].pid

    def stop(self) -> None:
        for process in [*self.workers.values(), self.scheduler]:
            if process is not None and process.poll() is None:
                process.kill()
            if process is not None:
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    found = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        scheduler_file = found.folder / "scheduler.json"
        found.scheduler = found.start(
            "scheduler",
            *("--host", "127.0.0.1", "--port", "0", "--scheduler-file", str(scheduler_file)),
            # should the finalizer not run (the test process killed), the scheduler
            # ends when idle, and its workers 30 s after it
            *("--idle-timeout", "300"),
        )
        deadline = time.monotonic() + 30
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert found.scheduler.poll() is None, "the scheduler did not start"
            assert time.monotonic() < deadline, "no scheduler file"
            time.sleep(0.05)
        found.address = json.loads(scheduler_file.read_text())["address"]
        for name in ("w1", "w2"):
            found.workers[name] = found.start(
                "worker",
                found.address,
                *("--name", name, "--nthreads", "1", "--no-nanny"),
                *("--local-directory", str(found.folder / name), "--death-timeout", "30"),
            )
        with found.client() as client:
            client.wait_for_workers(2, timeout=60)
        yield found
    finally:
        found.stop()


@pytest.fixture(scope="module")
def notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("notes") / "corpus"
    write_notes(folder, FILES)
    return folder


@pytest.fixture(scope="module")
def local_db(notes: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The notes built here, by the local worker processes: what a cluster must match."""
    db = tmp_path_factory.mktemp("local") / "index.db"
    report = build_index(notes, db, semantic=DEFAULT_ENCODER)
    assert report.vectors_missing == 0
    return db


def vectors(db: Path) -> tuple[dict[bytes, bytes], dict[str, npt.NDArray[Any]]]:
    """The cached vectors by key, and the published vector bundle's arrays."""
    conn = sqlite3.connect(db)
    try:
        cached = dict(conn.execute("SELECT key, vec FROM vectors"))
    finally:
        conn.close()
    reader = store.open_reader(db)
    try:
        bundle = db.with_name(store.read_meta(reader)["vector_bundle"])
    finally:
        reader.close()
    arrays = open_bundle(bundle)
    names = ["means", "reference/means"] + [
        f"{lang}/{kind}/{part}"
        for lang in arrays.meta["languages"]
        for kind in UNIT_KINDS
        for part in ("pid", "vec", "norm", *(("start", "end") if kind != "p" else ()))
    ]
    return cached, {name: arrays[name] for name in names}


def assert_same_vectors(db: Path, expected: Path) -> None:
    cached, arrays = vectors(db)
    want_cached, want_arrays = vectors(expected)
    assert cached == want_cached  # byte for byte
    assert arrays.keys() == want_arrays.keys()
    for name, array in arrays.items():
        assert np.array_equal(array, want_arrays[name]), name


def docbot(*args: str) -> tuple[int, str, str]:
    """``docbot ARGS`` in this process, with its own streams (the semantic layer on)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), env={}, streams=Streams(io.BytesIO(), out, err))
    return code, out.getvalue(), err.getvalue()


def copy_index(db: Path, target: Path) -> Path:
    target.mkdir()
    for path in db.parent.iterdir():
        if path.name.startswith(db.name) and not path.name.endswith("lock"):
            shutil.copy2(path, target / path.name)
    return target / db.name


def some_new_vectors_kept(db: Path) -> bool:
    """Whether a build of the notes and more has stored a batch of the new vectors."""
    try:
        progress = vector_progress(db, DEFAULT_ENCODER)
    except (DocbotError, sqlite3.Error):  # caught mid-commit: look again
        return False
    return progress.total > FILES * 10 and progress.cached > FILES * 10


def when(
    condition: Callable[[], bool], then: Callable[[], None], timeout: float
) -> threading.Thread:
    """Run ``then`` once ``condition`` holds (looked at every 30 ms), in a thread."""

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.03)
        then()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


# --- the tests, in order: the last two take the cluster apart -----------------------


def test_the_cluster_computes_the_same_vectors_as_a_local_build(
    cluster: Cluster, notes: Path, local_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "index.db"
    code, out, err = docbot(
        "index", "--corpus", str(notes), "--db", str(db), "--cluster", cluster.address
    )
    assert code == 0, err
    assert f"{FILES} added" in out, out
    assert_same_vectors(db, local_db)
    searcher = Searcher.open(db, DEFAULT_ENCODER)
    assert searcher.semantic_active
    assert first_doc(searcher, 7) == "note-007.txt"


def test_an_unreachable_or_malformed_address_is_one_line(notes: Path, tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    for address, said in (
        (
            "tcp://127.0.0.1:9",
            "Cannot reach the Dask scheduler at tcp://127.0.0.1:9 (Connection refused).",
        ),
        ("tcp://", "'tcp://' is not a Dask scheduler's address (no host)"),
    ):
        code, _, err = docbot(
            "index", "--corpus", str(notes), "--db", str(db), "--cluster", address
        )
        assert code == 1
        assert err.startswith(f"docbot: {said}"), err
        assert len(err.strip().splitlines()) == 1, err
    # the lexical index, built before the vectors were asked of the cluster, answers
    assert first_doc(Searcher(db), 3) == "note-003.txt"
    code, _, err = docbot(
        "index", "--corpus", str(notes), "--db", str(db), "--no-semantic", "--cluster", "x:1"
    )
    assert code == 2
    assert err.startswith("docbot: --cluster computes the semantic layer's vectors"), err


def test_ctrl_c_cancels_the_tasks_on_the_cluster(
    cluster: Cluster, notes: Path, local_db: Path, tmp_path: Path
) -> None:
    db = copy_index(local_db, tmp_path / "index")
    corpus = tmp_path / "corpus"
    shutil.copytree(notes, corpus)
    write_notes(corpus, FILES, start=100)  # four batches more
    process = subprocess.Popen(
        [sys.executable, "-m", "docbot.bot.cli.commands", "index", "--cluster", cluster.address],
        cwd=ROOT,
        env=clean_env(DOCBOT_SEMANTIC="1", DOCBOT_CORPUS=str(corpus), DOCBOT_DB=str(db)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not some_new_vectors_kept(db):
        assert process.poll() is None and time.monotonic() < deadline, process.stderr
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert b"vectors are computed and kept" in err, err
    with cluster.client() as client:
        deadline = time.monotonic() + 10
        while client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)):
            assert time.monotonic() < deadline, "tasks left on the cluster"
            time.sleep(0.05)


def test_a_worker_killed_mid_build_costs_only_its_tasks(
    cluster: Cluster, notes: Path, local_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "index.db"
    killed: list[str] = []
    done = threading.Event()
    batches = -(-FILES * 10 // EMBED_BATCH)

    def kill_a_worker_at_40() -> None:
        """Kill the worker that runs a batch past the first 40 % (their keys end
        with their number): it may hold others too, and has finished one."""

        def running(dask_worker: Any) -> list[int]:  # on each worker
            return [int(str(t.key).rsplit("-", 1)[1]) for t in dask_worker.state.executing]

        with cluster.client() as client:
            while not done.is_set():
                for worker, batches_run in client.run(running).items():
                    if any(n >= 0.4 * batches for n in batches_run):
                        os.kill(cluster.pid_of(worker), signal.SIGKILL)
                        killed.append(worker)
                        return
                time.sleep(0.05)

    killer = threading.Thread(target=kill_a_worker_at_40, daemon=True)
    killer.start()
    try:
        report = build_index(notes, db, semantic=DEFAULT_ENCODER, cluster=cluster.address)
    finally:
        done.set()
        killer.join()
    assert killed, "no worker held a batch past the first 40 %"
    assert report.vectors_missing == 0
    assert_same_vectors(db, local_db)


def test_a_scheduler_gone_mid_build_ends_it_in_one_line_and_the_index_answers(
    cluster: Cluster, notes: Path, local_db: Path, tmp_path: Path
) -> None:
    db = copy_index(local_db, tmp_path / "index")
    before = first_doc(Searcher(db), 3)
    corpus = tmp_path / "corpus"
    shutil.copytree(notes, corpus)
    write_notes(corpus, FILES, start=100)
    assert cluster.scheduler is not None
    scheduler = cluster.scheduler
    killer = when(lambda: some_new_vectors_kept(db), scheduler.kill, timeout=60)
    started = time.monotonic()
    code, out, err = docbot(
        "index", "--corpus", str(corpus), "--db", str(db), "--cluster", cluster.address
    )
    killer.join()
    assert code == 1, out + err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(
        f"docbot: The Dask scheduler at {cluster.address} went away mid-build ("
    ), err
    assert f"Run `docbot index --corpus {corpus} --db {db}` to finish here" in err
    assert time.monotonic() - started < 30
    searcher = Searcher(db)  # BM25: the vectors of the new notes are not all there
    assert first_doc(searcher, 3) == before == "note-003.txt"
    assert first_doc(searcher, 103) == "note-103.txt"  # the build's new notes, by BM25
