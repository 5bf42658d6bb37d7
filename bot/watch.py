"""Watching the corpus folder and calling back, debounced, when it changes."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from .config import Paths

DEBOUNCE_MS = 800


def watch_corpus(
    paths: Paths, on_change: Callable[[], None], stop: threading.Event | None = None
) -> None:
    """Block, calling ``on_change`` once per burst of changes until ``stop`` is set."""
    from watchfiles import watch

    print(f"Watching {paths.corpus} for changes (Ctrl-C to stop)…", file=sys.stderr, flush=True)
    for _changes in watch(
        paths.corpus, debounce=DEBOUNCE_MS, step=100, stop_event=stop, raise_interrupt=False
    ):
        on_change()
