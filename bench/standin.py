"""A bench-only stand-in encoder: hashed words, microseconds a text.

It exists to time docbot's own semantic scoring at sizes the real encoder
would take days to embed (``bench/semantic_scale.py``).  Its vectors mean
little beyond shared words: no quality number may come from it.

    DOCBOT_ENCODER=python:standin:HashedWords  (with bench/ on PYTHONPATH)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

DIMENSIONS = 384
_WORD = re.compile(r"\w+")


class HashedWords:
    """Each word adds a fixed pseudo-random direction (seeded by its hash)."""

    model_id = "python:standin:HashedWords"
    answer_floor = 0.85
    support_floor = 0.82
    standout_floor = 0.79

    def __init__(self) -> None:
        self._cache: dict[str, npt.NDArray[np.float32]] = {}

    def _word(self, word: str) -> npt.NDArray[np.float32]:
        vector = self._cache.get(word)
        if vector is None:
            seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
            vector = np.random.default_rng(seed).standard_normal(DIMENSIONS).astype(np.float32)
            self._cache[word] = vector
        return vector

    def _encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        out = np.zeros((len(texts), DIMENSIONS), np.float32)
        for i, text in enumerate(texts):
            for word in _WORD.findall(text.casefold()):
                out[i] += self._word(word)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    def encode_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return self._encode(texts)
