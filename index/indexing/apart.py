"""``refresh_vectors`` in a process of its own, for a server that answers
questions and rebuilds the index meanwhile.

In the server's process the computation's Python work (a large corpus's units
and cache keys, publishing bundles) holds the interpreter lock for seconds at
a time: with 62,000 passages a new file's build took 5.7 s instead of 1.2 s
while the vectors were being prepared (``bench/lifecycle.py --vectors``).  The
child is ``python -m docbot.index.indexing.apart DB SPEC``, a plain process as
the workers are (``workers``: it never re-imports the caller's main module,
and is safe to start from a threaded program); it runs at their lower
priority and ends with the process that started it.  A line on its standard
input asks it to stop at its next batch; its answer is one JSON line on its
standard output.  Errors come back as ``DocbotError`` with the child's
message, or ``VectorProcessFailed``.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import IO

from ..errors import DocbotError, VectorProcessFailed
from .workers import child_environment, follow_parent

POLL = 0.2  # seconds between looks at ``stop`` and at the child
STOP_GRACE = 15.0  # seconds a stopped child has to end at its batch before it is killed


def refresh_vectors_apart(db_path: Path, spec: str, stop: Callable[[], bool]) -> int:
    """``refresh_vectors(db_path, spec)`` in a child process; returns how many
    passages still lack vectors.  ``stop`` is asked every ``POLL`` seconds;
    when it says so the child ends at its next batch (what it computed stays
    cached), or is killed after ``STOP_GRACE`` seconds (waiting for another
    process's vector lock, say).  Blocks: call it from a thread."""
    process = subprocess.Popen(
        [sys.executable, "-m", __spec__.name if __spec__ else __name__, str(db_path), spec],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=child_environment(),
    )
    stdin, stdout = process.stdin, process.stdout
    assert stdin is not None and stdout is not None  # given pipes
    answer: list[bytes] = []
    reader = threading.Thread(target=lambda: answer.append(_read(stdout)), daemon=True)
    reader.start()
    asked_at: float | None = None
    try:
        while process.poll() is None:
            if asked_at is None and stop():
                asked_at = time.monotonic()
                _ask_to_stop(stdin)
            if asked_at is not None and time.monotonic() - asked_at > STOP_GRACE:
                raise VectorProcessFailed(f"asked to stop, it did not within {STOP_GRACE:.0f} s")
            time.sleep(POLL)
        reader.join()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        with contextlib.suppress(OSError):
            stdin.close()
    line = answer[0] if answer else b""
    if not line.strip():
        raise VectorProcessFailed(f"it ended with exit code {process.returncode}")
    kind, value = json.loads(line)
    if kind == "docbot":
        raise DocbotError(value)
    if kind == "failed":
        raise VectorProcessFailed(value)
    return int(value)


def _read(stream: IO[bytes]) -> bytes:
    with stream:
        return stream.read()


def _ask_to_stop(stream: IO[bytes]) -> None:
    with contextlib.suppress(OSError):  # it ended meanwhile
        stream.write(b"stop\n")
        stream.flush()


def _run(db: str, spec: str) -> None:
    from .vectors import refresh_vectors

    follow_parent()
    stopped = threading.Event()

    def listen() -> None:
        sys.stdin.buffer.readline()  # a line, or the parent gone
        stopped.set()

    threading.Thread(target=listen, daemon=True).start()
    try:
        answer: list[object] = ["done", refresh_vectors(Path(db), spec, stop=stopped.is_set)]
    except DocbotError as error:
        answer = ["docbot", str(error)]
    except Exception:  # reported to the parent, which raises it
        answer = ["failed", traceback.format_exc()]
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    _run(sys.argv[1], sys.argv[2])
