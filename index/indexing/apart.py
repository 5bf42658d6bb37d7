"""``refresh_vectors`` in a process of its own, for a server that answers
questions and rebuilds the index meanwhile.

In the server's process the computation's Python work (a large corpus's units
and cache keys, publishing bundles) holds the interpreter lock for seconds at
a time: with 62,000 passages a new file's build took 5.7 s instead of 1.2 s
while the vectors were being prepared (``bench/lifecycle.py --vectors``).  The
child runs at the workers' lower priority and ends with the process that
started it (``workers``); errors come back as ``DocbotError`` with the
child's message, or ``VectorProcessFailed``.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DocbotError, VectorProcessFailed

if TYPE_CHECKING:  # imported when used: ``docbot ask`` never needs them
    from multiprocessing.connection import Connection
    from multiprocessing.synchronize import Event

POLL = 0.2  # seconds between looks at ``stop`` and at the child
STOP_GRACE = 15.0  # seconds a stopped child has to end at its batch before it is killed


def _child(db: str, spec: str, stopped: Event, send: Connection, parent: int) -> None:
    from .vectors import refresh_vectors
    from .workers import _end_with_parent

    _end_with_parent(parent)
    try:
        send.send(("done", refresh_vectors(Path(db), spec, stop=stopped.is_set)))
    except DocbotError as error:
        send.send(("docbot", str(error)))
    except BaseException:  # reported to the parent, which raises it
        send.send(("failed", traceback.format_exc()))


def refresh_vectors_apart(db_path: Path, spec: str, stop: Callable[[], bool]) -> int:
    """``refresh_vectors(db_path, spec)`` in a child process; returns how many
    passages still lack vectors.  ``stop`` is asked every ``POLL`` seconds;
    when it says so the child ends at its next batch (what it computed stays
    cached), or is killed after ``STOP_GRACE`` seconds (waiting for another
    process's vector lock, say).  Blocks: call it from a thread."""
    import multiprocessing
    import os
    import time

    context = multiprocessing.get_context("spawn")  # a fresh interpreter, thread-safe
    stopped = context.Event()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(
        target=_child,
        args=(str(db_path), spec, stopped, send, os.getpid()),
        name="docbot-vectors",
        daemon=True,
    )
    process.start()
    send.close()
    try:
        message: tuple[str, Any] | None = None
        asked_at: float | None = None
        while message is None:
            if receive.poll(POLL):
                try:
                    message = receive.recv()
                except EOFError:  # it ended without a word
                    break
            elif not process.is_alive() and not receive.poll(0):
                break
            if asked_at is None and stop():
                stopped.set()
                asked_at = time.monotonic()
            if asked_at is not None and time.monotonic() - asked_at > STOP_GRACE:
                raise VectorProcessFailed(f"asked to stop, it did not within {STOP_GRACE:.0f} s")
        process.join()
    finally:
        if process.is_alive():
            process.kill()
            process.join()
        receive.close()
    if message is None:
        raise VectorProcessFailed(f"it ended with exit code {process.exitcode}")
    kind, value = message
    if kind == "docbot":
        raise DocbotError(value)
    if kind == "failed":
        raise VectorProcessFailed(value)
    return int(value)
