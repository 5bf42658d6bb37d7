"""Index life cycle with real processes: kills mid-build, concurrent builds, --watch."""

from __future__ import annotations

import fcntl
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from docbot.index import Searcher, build_index

from .botapi import clean_env
from .conftest import ROOT

WORDS = (
    "network contact follow meeting event brand audience message channel growth "
    "trust conversation community platform value metric campaign"
).split()


def generate_corpus(folder: Path, count: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        paragraphs = [
            " ".join(rng.choice(WORDS) for _ in range(60)).capitalize() + "." for _ in range(4)
        ]
        text = f"---\nlang: en\n---\nGenerated note {i}\n\n" + "\n\n".join(paragraphs)
        (folder / f"gen-{i:05d}.txt").write_text(text + f"\n\nUnique marker zq{i}x.\n")


def docbot(*args: str, semantic: bool = False) -> subprocess.Popen[bytes]:
    env = clean_env(DOCBOT_SEMANTIC="1") if semantic else clean_env()
    return subprocess.Popen(
        [sys.executable, "-m", "docbot.bot.cli.commands", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def snapshot(db: Path) -> list[tuple[str, int, str]]:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return conn.execute(
            "SELECT doc, ordinal, text FROM passages ORDER BY doc, ordinal"
        ).fetchall()
    finally:
        conn.close()


def test_sigkill_mid_build_leaves_the_previous_index_serving(
    corpus_copy: Path, tmp_path: Path
) -> None:
    db = tmp_path / "i.db"
    build_index(corpus_copy, db)
    before = snapshot(db)
    answer_before = Searcher(db).ask("How do I measure ROI for networking?").hits[0].passage
    generate_corpus(corpus_copy / "generated", 800)
    wal = Path(f"{db}-wal")
    for written in (1, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024):
        # Killed once the build has written this much of its transaction: at
        # different points of the build, never by the clock.
        process = docbot("index", "--corpus", str(corpus_copy), "--db", str(db))
        while process.poll() is None and (not wal.exists() or wal.stat().st_size < written):
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
        assert process.wait() == -signal.SIGKILL, "the build finished before the kill"
        assert snapshot(db) == before, f"killed after {written} bytes of the transaction"
        searcher = Searcher(db)
        assert searcher.ask("How do I measure ROI for networking?").hits[0].passage == answer_before
        assert searcher.ask("zq7x").hits == ()
    asked = docbot(
        "ask",
        "How do I measure ROI for networking?",
        "--json",
        "--corpus",
        str(corpus_copy),
        "--db",
        str(db),
    )
    out, err = asked.communicate(timeout=60)
    assert asked.returncode == 0, err
    assert b"answering from the current index" in err
    assert b"Return on Investment" in out
    finished = docbot("index", "--corpus", str(corpus_copy), "--db", str(db))
    out, err = finished.communicate(timeout=300)
    assert finished.returncode == 0, err
    assert "800 added" in out.decode()
    assert Searcher(db).ask("zq7x").hits[0].passage.doc == "generated/gen-00007.txt"


def _locked(db: Path) -> bool:
    """Whether a build holds the index's lock right now."""
    with open(db.with_name(db.name + ".lock"), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def test_two_rebuilds_at_once_corrupt_nothing(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    generate_corpus(corpus_copy / "generated", 600)
    first = docbot("index", "--corpus", str(corpus_copy), "--db", str(db))
    while first.poll() is None and not (db.with_name(db.name + ".lock").exists() and _locked(db)):
        time.sleep(0.005)  # the second starts once the first holds the lock
    assert first.poll() is None, "the first build ended before the second could start"
    second = docbot("index", "--corpus", str(corpus_copy), "--db", str(db))
    out1, err1 = first.communicate(timeout=300)
    out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, (err1, err2)
    assert f"by process {first.pid} to finish" in err2.decode()
    assert "605 added" in out1.decode()
    assert "Index up to date (605 documents" in out2.decode()
    assert len(snapshot(db)) > 605


def test_watch_picks_up_added_edited_and_deleted_files(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    process = docbot("index", "--watch", "--corpus", str(corpus_copy), "--db", str(db))
    assert process.stdout is not None
    os.set_blocking(process.stdout.fileno(), False)
    seen = b""

    def wait_for(text: str, timeout: float = 20) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = process.stdout.read() if process.stdout else None
            if chunk:
                seen += chunk
            if text.encode() in seen:
                seen = seen[seen.index(text.encode()) + len(text) :]
                return
            time.sleep(0.1)
        raise AssertionError(f"no {text!r} in {seen!r}")

    try:
        wait_for("5 added")
        time.sleep(0.5)
        note = corpus_copy / "walrus.txt"
        note.write_text("Walrus Notes\n\nThe walrus method means one coffee chat per week.\n")
        note.write_text(
            "Walrus Notes\n\nThe walrus method means one coffee chat per week, always.\n"
        )
        wait_for("added: walrus.txt")
        assert "walrus" in Searcher(db).ask("walrus method").hits[0].passage.text
        note.write_text("Walrus Notes\n\nThe walrus method means two coffee chats per week.\n")
        wait_for("changed: walrus.txt")
        assert "two coffee chats" in Searcher(db).ask("walrus method").hits[0].passage.text
        note.unlink()
        wait_for("removed: walrus.txt")
        assert Searcher(db).ask("walrus method").hits == ()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert b"KeyboardInterrupt" not in err and b"Traceback" not in err, err
    assert f"Stopped watching {corpus_copy}.".encode() in err


@pytest.mark.parametrize("garbage", [b"", b"SQLite format 3\x00" + b"\x00" * 200])
def test_truncated_index_file_gets_a_clear_message(
    corpus_copy: Path, tmp_path: Path, garbage: bytes
) -> None:
    db = tmp_path / "i.db"
    db.write_bytes(garbage)
    process = docbot("ask", "ROI", "--corpus", str(corpus_copy), "--db", str(db))
    _, err = process.communicate(timeout=60)
    if garbage:
        assert process.returncode == 1 and b"--rebuild" in err and b"Traceback" not in err
    else:
        assert b"Traceback" not in err


def children(pid: int) -> set[int]:
    """The processes ``pid`` started (its embedding or reading workers)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out: {what}"
        time.sleep(0.02)


def gone(pids: set[int]) -> bool:
    """None of ``pids`` runs (a zombie waiting for a reaper has ended)."""
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            return False
    return True


def stray_files(db: Path) -> list[str]:
    """Files of the index that no committed generation names."""
    conn = sqlite3.connect(db)
    try:
        named = {v for k, v in conn.execute("SELECT key, value FROM meta") if k.endswith("bundle")}
    finally:
        conn.close()
    return sorted(
        p.name
        for p in db.parent.iterdir()
        if p.name.endswith(".arrays") or ".arrays.tmp-" in p.name
        if p.name not in named
    )


def test_a_second_build_says_whom_it_waits_for_and_workers_end_with_their_command(
    corpus_copy: Path, tmp_path: Path
) -> None:
    db = tmp_path / "i.db"
    args = ("--corpus", str(corpus_copy), "--db", str(db))
    first = docbot("index", *args, semantic=True)
    wait_until(lambda: children(first.pid), 60, "the first build's embedding workers")
    second = docbot("index", "--rebuild", *args, semantic=True)
    assert second.stderr is not None
    said = second.stderr.readline().decode()
    assert re.fullmatch(
        rf"Waiting for the build started at \d\d:\d\d:\d\d by process {first.pid} to finish…\n",
        said,
    ), said
    assert not children(second.pid)  # it waits: no workers of its own
    workers = children(first.pid)
    first.send_signal(signal.SIGINT)  # Ctrl-C while the vectors are computed
    _, err = first.communicate(timeout=30)
    assert first.returncode == 130
    wait_until(lambda: gone(workers), 2, "the first build's workers to end")
    assert "Interrupted: the index is up to date, and " in err.decode()
    assert f"Run `docbot index --corpus {corpus_copy} --db {db}` to compute them." in err.decode()
    # the second goes on (it rebuilds, as asked), then is killed outright: its
    # workers end with it all the same
    wait_until(lambda: children(second.pid), 60, "the second build's workers")
    workers = children(second.pid)
    second.kill()
    second.wait(timeout=10)
    wait_until(lambda: gone(workers), 2, "the killed build's workers to end")
    assert stray_files(db) == []


def test_ctrl_c_or_sigterm_during_a_build_says_what_was_kept(
    corpus_copy: Path, tmp_path: Path
) -> None:
    db = tmp_path / "i.db"
    args = ("--corpus", str(corpus_copy), "--db", str(db))
    generate_corpus(corpus_copy / "generated", 400)
    first = docbot("index", *args)
    wal = Path(f"{db}-wal")
    wait_until(lambda: wal.exists() and wal.stat().st_size > 64 * 1024, 60, "the first build")
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=30)
    assert first.returncode == 130, err
    assert err.decode().endswith(
        "Interrupted: no index was built (a build keeps nothing until it is done). "
        f"Run `docbot index --corpus {corpus_copy} --db {db}` to build it.\n"
    ), err
    assert docbot("index", *args).wait(timeout=120) == 0
    (corpus_copy / "generated" / "gen-00001.txt").write_text("Changed\n\nA changed note.\n")
    refresh = docbot("index", "--rebuild", *args)
    wait_until(lambda: wal.exists() and wal.stat().st_size > 64 * 1024, 60, "the rebuild")
    refresh.send_signal(signal.SIGTERM)
    _, err = refresh.communicate(timeout=30)
    assert refresh.returncode == 143, err
    assert "Interrupted: the index is as it was before this build" in err.decode()
    assert stray_files(db) == []


def test_what_a_killed_build_left_is_removed_by_the_next(corpus_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    args = ("--corpus", str(corpus_copy), "--db", str(db))
    assert docbot("index", *args).wait(timeout=60) == 0
    # what SIGKILL leaves at the end of a build's transaction: the next
    # generation's arrays, renamed into place or still half written
    [current] = db.parent.glob("i.db.g*.arrays")
    shutil.copy(current, db.with_name("i.db.g9.arrays"))
    shutil.copy(current, db.with_name(".i.db.g10.arrays.tmp-99999"))
    assert stray_files(db) == [".i.db.g10.arrays.tmp-99999", "i.db.g9.arrays"]
    assert docbot("index", *args).wait(timeout=60) == 0
    assert stray_files(db) == []
