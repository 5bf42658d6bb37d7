"""Watching the corpus folder and calling back, debounced, when it changes:
blocking for a terminal (``watch_corpus``), or in an event loop (``changes``)."""

from __future__ import annotations

import asyncio
import sys
import threading
import traceback
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from docbot.index import DocbotError, is_index_file

from .config import Paths

DEBOUNCE_MS = 800


def corpus_filter(db_path: Path) -> Callable[[object, str], bool]:
    """A watchfiles filter: changes to documents count; those to hidden files and
    folders and to the index's own files (an index inside its corpus) do not,
    or every build would set off the next one."""

    def wanted(_change: object, path: str) -> bool:
        if any(part.startswith(".") for part in Path(path).parts[1:]):
            return False
        return not is_index_file(db_path, Path(path))

    return wanted


def watch_corpus(
    paths: Paths, on_change: Callable[[], None], stop: threading.Event | None = None
) -> None:
    """Block, calling ``on_change`` once per burst of changes until ``stop`` is set.
    A failing ``on_change`` is reported with its traceback, and watching goes on."""
    from watchfiles import watch

    print(f"Watching {paths.corpus} for changes (Ctrl-C to stop)…", file=sys.stderr, flush=True)
    try:
        for _changes in watch(
            paths.corpus,
            debounce=DEBOUNCE_MS,
            step=100,
            stop_event=stop,
            raise_interrupt=True,  # ours to report, not the library's log line
            watch_filter=corpus_filter(paths.db),
        ):
            try:
                on_change()
            except DocbotError as error:  # a cluster gone, an index busy: one line
                print(f"docbot: {error} Still watching.", file=sys.stderr, flush=True)
            except Exception:
                traceback.print_exc(file=sys.stderr)
                print("docbot: that refresh failed; still watching.", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print(f"Stopped watching {paths.corpus}.", file=sys.stderr, flush=True)
        raise


async def changes(paths: Paths, stop: asyncio.Event) -> AsyncIterator[None]:
    """Once per burst of changes to the corpus's documents, until ``stop``."""
    from watchfiles import awatch

    async for _changes in awatch(
        paths.corpus,
        debounce=DEBOUNCE_MS,
        step=100,
        stop_event=stop,
        watch_filter=corpus_filter(paths.db),
    ):
        yield None
