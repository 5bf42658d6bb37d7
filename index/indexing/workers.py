"""Reading and analysing files in worker processes.

A build with many files to read runs ``python -m docbot.index.indexing.workers`` a few
times and hands each worker batches of tasks through its standard input; the
results come back through its standard output, in order.  Plain child
processes rather than ``multiprocessing``: they never re-import the caller's
main module (a script without a ``__main__`` guard would otherwise build
again, in every worker), and they are safe to start from a threaded program
such as the bot.  A worker that dies is replaced by reading inline.  Workers
end with the process that started them, whatever ends it (``_end_with_parent``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import IO, Any, TypeVar

PARENT = "DOCBOT_WORKER_PARENT"  # the pid a worker ends with
PARENT_POLL = 0.5  # seconds
PR_SET_PDEATHSIG = 1  # linux/prctl.h
# Workers yield the cores to what a person waits for (a question, a command
# that says it waits): they are the build's background.
WORKER_NICENESS = 5

Task = TypeVar("Task")
Result = TypeVar("Result")
BATCH = 16
MAX_WORKERS = 4


def _feed(stream: IO[bytes], batches: Iterable[list[Any]]) -> None:
    with contextlib.suppress(OSError, ValueError):
        for batch in batches:
            pickle.dump(batch, stream, protocol=pickle.HIGHEST_PROTOCOL)
            stream.flush()
        stream.close()


def run_parallel(
    tasks: Sequence[Task],
    work: Callable[[Task], Result],
    workers: int | None = None,
    per_message: int = BATCH,
) -> Generator[Result, None, None]:
    """``work(task)`` for every task, in order, spread over worker processes,
    ``per_message`` tasks to a message (fewer for tasks that are long on their own).

    ``work`` must be a module-level function of the engine (the workers import
    it by name).  ``tasks`` are taken a message at a time, as they are sent
    (a sequence that makes its tasks when asked holds few at once).
    """
    count = min(workers or os.cpu_count() or 1, MAX_WORKERS)
    messages = -(-len(tasks) // per_message)

    def batch(n: int) -> list[Task]:
        return list(tasks[n * per_message : (n + 1) * per_message])

    if count < 2 or messages < 2:
        yield from (work(task) for task in tasks)
        return
    target = f"{work.__module__}:{work.__qualname__}"
    env = child_environment(OMP_NUM_THREADS="1")
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", __spec__.name if __spec__ else __name__, target],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        for _ in range(count)
    ]
    feeders = []
    for w, proc in enumerate(procs):
        if proc.stdin is None:  # pragma: no cover - Popen was given a pipe
            raise RuntimeError("worker without standard input")
        mine = (batch(n) for n in range(w, messages, count))
        feeder = threading.Thread(target=_feed, args=(proc.stdin, mine), daemon=True)
        feeder.start()
        feeders.append(feeder)
    try:
        for n in range(messages):
            proc = procs[n % count]
            try:
                results: list[Result] = pickle.load(proc.stdout)  # type: ignore[arg-type]
            except (EOFError, pickle.UnpicklingError, OSError):
                results = [work(task) for task in batch(n)]
            yield from results
    finally:
        for proc in procs:
            with contextlib.suppress(OSError):
                proc.kill()
            proc.wait()


def child_environment(**settings: str) -> dict[str, str]:
    """This process's environment with ``settings``, for a child that is to
    end with it (``follow_parent``)."""
    return {**os.environ, **settings, PARENT: str(os.getpid())}


def follow_parent() -> None:
    """In a child started with ``child_environment``: end with its parent
    (``_end_with_parent``)."""
    parent = os.environ.get(PARENT, "")
    if parent.isdigit():
        _end_with_parent(int(parent))


def _end_with_parent(parent: int) -> None:
    """Run at a lower priority, and end when the process that started this
    worker ends, however it ends (SIGKILL included): on Linux the kernel
    sends SIGKILL (prctl's PDEATHSIG); everywhere a thread notices that the
    parent is gone.  A Ctrl-C on the terminal reaches the whole process
    group: the worker leaves it to its parent, which ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os._exit(1)

    if os.getppid() != parent:  # gone before the line above took effect
        os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


def _serve(target: str) -> None:
    import importlib

    follow_parent()
    module_name, name = target.split(":")
    work = getattr(importlib.import_module(module_name), name)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            batch = pickle.load(stdin)
        except EOFError:
            return
        pickle.dump([work(task) for task in batch], stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


if __name__ == "__main__":
    _serve(sys.argv[1])
