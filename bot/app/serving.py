"""Serving the index to a front end that runs an event loop (the Telegram bot
today): the current index and its swaps, vectors in the background, the
engine's thread pool, and each chat's last question.

The index is served as a ``Snapshot`` (searcher, generation, example
questions), replaced whole: a handler takes ``serving.snapshot`` once and
keeps it, so a question in flight finishes on the searcher it started with.  A
new snapshot is prepared entirely in a worker thread (load, one warm-up
question, example questions) and then assigned in one step.  It is swapped in
whenever the index's generation differs from the snapshot's, whoever built it:
the front end's watcher or an admin's rebuild, ``docbot index`` or ``docbot
ask`` in another process (``watch_generation`` looks every
``GENERATION_POLL`` seconds).

Every call into the engine goes through ``Serving.run``: a small thread pool,
so a slow question never holds up the event loop and other chats.  Each
chat's last question is kept in memory for ``FOLLOW_UP_WINDOW`` seconds (a
restart forgets it), for follow-up questions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from docbot.index import (
    BuildReport,
    DocbotError,
    Searcher,
    VectorProcessFailed,
    build_index,
    index_generation,
    refresh_vectors_apart,
)

from .config import Paths
from .state import StateStore
from .texts import ui_languages

log = logging.getLogger("docbot.bot")

T = TypeVar("T")
ENGINE_THREADS = 4
GENERATION_POLL = 1.5  # seconds between two looks at the index's generation
WARM_UP = "XYZ 2024?"  # no function word decides its language: the language models load
RETIRE_AFTER = 120.0  # seconds a replaced searcher stays open for questions in flight
FOLLOW_UP_WINDOW = 600.0  # a question within 10 minutes of the last may lean on it
MAX_REMEMBERED = 10_000  # chats (or held actions) remembered at most


@dataclass(frozen=True)
class LastQuestion:
    """A chat's last question as searched, its language and when it was asked."""

    question: str
    lang: str | None
    asked: float


@dataclass(frozen=True)
class Snapshot:
    """One loaded index and what is derived from it, never changed once made."""

    searcher: Searcher
    generation: int
    examples: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # ui -> (id, text)


def example_questions(searcher: Searcher, ui: str, count: int = 3) -> list[str]:
    """Section headings in the user's language (else any), as example questions."""
    return searcher.section_headings(ui, count)


def load_snapshot(paths: Paths, state: StateStore, semantic: str | None = None) -> Snapshot:
    """Load and prepare a snapshot (blocking: run it in a worker thread)."""
    searcher = Searcher.open(paths.db, semantic)
    if searcher.semantic_problem:
        log.warning("%s", searcher.semantic_problem)
    searcher.ask(WARM_UP, None, 1)  # the first question would pay for the language models
    _ = searcher.documents  # read (and kept) here, not in a handler
    # The headings in a user's language come first; for every interface
    # language the corpus lacks they come in document order alike: read once.
    found: dict[str | None, list[tuple[str, str]]] = {}
    examples: dict[str, list[tuple[str, str]]] = {}
    for ui in ui_languages():
        own = ui if ui in searcher.languages else None
        if own not in found:
            texts = example_questions(searcher, ui)
            ids = state.remember_examples(texts)
            found[own] = [(ids[text], text) for text in texts]
        examples[ui] = found[own]
    return Snapshot(searcher, searcher.generation, examples)


class Serving:
    """The snapshot (swappable), the engine's pools, the state and each chat's
    last question: what a front end with an event loop serves answers from."""

    def __init__(self, paths: Paths, state: StateStore, semantic: str | None) -> None:
        self.paths, self.state, self.semantic = paths, state, semantic
        self.pool = ThreadPoolExecutor(ENGINE_THREADS, thread_name_prefix="engine")
        self._snapshot: Snapshot | None = None
        self._swap_lock = asyncio.Lock()
        self._rebuild_lock = asyncio.Lock()
        self.swaps = 0
        # Vectors take minutes for a large corpus: their own process
        # (``refresh_vectors_apart``: builds and questions never wait for its
        # Python work), watched from a thread of their own so that
        # questions never wait behind them in the engine's pool.
        self.vector_pool = ThreadPoolExecutor(1, thread_name_prefix="vectors")
        self._vectors: asyncio.Task[None] | None = None
        self._vectors_again = False
        self.stopping = threading.Event()  # set at shutdown: background work ends early
        self._last: dict[int, LastQuestion] = {}  # chat id -> its last question

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            raise RuntimeError("the index is not loaded yet")
        return self._snapshot

    @property
    def searcher(self) -> Searcher:
        return self.snapshot.searcher

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call the engine in the engine's thread pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, partial(fn, *args, **kwargs))

    def name_of(self, ui: str, snapshot: Snapshot | None = None) -> Callable[[str], str]:
        searcher = (snapshot or self.snapshot).searcher
        return lambda tag: searcher.language_name(tag, ui)

    # --- follow-up questions ---------------------------------------------------------------

    def last_question(self, chat_id: int, now: float | None = None) -> LastQuestion | None:
        """The chat's last question if asked within ``FOLLOW_UP_WINDOW``."""
        last = self._last.get(chat_id)
        now = time.monotonic() if now is None else now
        if last is None or now - last.asked > FOLLOW_UP_WINDOW:
            return None
        return last

    def remember_question(self, chat_id: int, question: str, lang: str | None) -> None:
        self._last.pop(chat_id, None)  # re-inserted last: the dict stays oldest first
        self._last[chat_id] = LastQuestion(question, lang, time.monotonic())
        while len(self._last) > MAX_REMEMBERED:
            del self._last[next(iter(self._last))]

    async def refresh(self) -> bool:
        """Swap in the index if its generation differs from the snapshot's;
        ``True`` when it did."""
        async with self._swap_lock:
            current = self._snapshot
            generation = await self.run(index_generation, self.paths.db)
            if current is not None and generation == current.generation:
                return False
            fresh = await self.run(load_snapshot, self.paths, self.state, self.semantic)
            self._snapshot = fresh  # one assignment: the next handler sees all of it
            self.swaps += 1
            if current is not None:
                self._retire(current)
            if current is not None:
                log.info(
                    "Index generation %d is serving (was %d): %d documents",
                    fresh.generation,
                    current.generation,
                    len(fresh.searcher.documents),
                )
            return True

    def _retire(self, old: Snapshot) -> None:
        """Close a replaced searcher once the questions begun on it are done
        (none takes ``RETIRE_AFTER`` seconds)."""
        loop = asyncio.get_running_loop()
        loop.call_later(RETIRE_AFTER, lambda: loop.run_in_executor(self.pool, old.searcher.close))

    async def rebuild(self) -> BuildReport:
        """Refresh the index in a worker thread, then swap if its generation
        moved; the semantic layer's vectors follow in the background (BM25
        answers for the new passages meanwhile)."""
        async with self._rebuild_lock:
            report = await self.run(build_index, self.paths.corpus, self.paths.db)
        await self.refresh()
        self.vectors_soon()
        return report

    def vectors_soon(self) -> None:
        """Bring the vectors up to date in the background, unless that is running."""
        if self.semantic is None:
            return
        if self._vectors is not None and not self._vectors.done():
            self._vectors_again = True  # the running one may have missed this change
            return
        self._vectors = asyncio.get_running_loop().create_task(self._refresh_vectors())

    async def _refresh_vectors(self) -> None:
        spec = self.semantic
        while spec is not None:
            self._vectors_again = False
            try:
                missing = await asyncio.get_running_loop().run_in_executor(
                    self.vector_pool,
                    partial(refresh_vectors_apart, self.paths.db, spec, self.stopping.is_set),
                )
            except VectorProcessFailed as error:
                log.error("%s", error)
                return
            except DocbotError as error:
                log.warning("The semantic layer is not updated: %s", error)
                return
            except Exception:
                log.exception("Computing vectors failed; answers stay BM25 for new passages")
                return
            await self.refresh()
            if missing:
                log.info("%d passages still lack vectors", missing)
            if not self._vectors_again:
                return

    def close(self) -> None:
        self.stopping.set()
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.vector_pool.shutdown(wait=False, cancel_futures=True)


async def watch_generation(serving: Serving, stop: asyncio.Event) -> None:
    """Swap in an index built by anyone, checking its generation every few seconds."""
    complained = False
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), GENERATION_POLL)
            return
        try:
            await serving.refresh()
            complained = False
        except DocbotError as error:  # e.g. the index is being replaced: try again later
            if not complained:
                log.warning(
                    "Cannot read the index generation (%s); still serving the last one", error
                )
                complained = True


async def supervise(
    name: str,
    work: Callable[[], Awaitable[None]],
    stop: asyncio.Event,
    first_delay: float = 1.0,
    fatal: tuple[type[BaseException], ...] = (),
) -> None:
    """Run ``work`` until ``stop``; whatever it raises (but ``fatal``) is logged
    with its traceback and it is started again (after 1 s, doubling up to a
    minute; back to 1 s after a good hour)."""
    delay = first_delay
    while not stop.is_set():
        started = time.monotonic()
        try:
            await work()
            if stop.is_set():
                return
            log.error("The %s stopped by itself; starting it again in %.0f s", name, delay)
        except asyncio.CancelledError:
            raise
        except fatal:
            raise
        except Exception:
            log.exception("The %s failed; starting it again in %.0f s", name, delay)
        if time.monotonic() - started > 3600:
            delay = first_delay
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(60.0, delay * 2)


def summary(report: BuildReport) -> str:
    return (
        f"{len(report.added)} added, {len(report.changed)} changed, "
        f"{len(report.removed)} removed, {len(report.skipped)} skipped"
    )
