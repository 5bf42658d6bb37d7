"""Term keys: stable 64-bit ids for terms and word pairs (pure functions).

A term's key is its blake2b hash, the same in every process; a word pair's
key is computed from its two words' keys, so pairs never become strings.

>>> term_key("roi") == term_key("roi") != term_key("roy")
True
>>> social, media = term_key("social"), term_key("media")
>>> pair_key(social, media) != pair_key(media, social)
True
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

_MASK = (1 << 64) - 1
_MIX = 0x9E3779B97F4A7C15  # 2^64 / golden ratio: spreads the first word's bits


def term_key(term: str) -> int:
    """A stable signed 64-bit id for a term."""
    digest = hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def pair_key(first: int, second: int) -> int:
    """The key of the word pair ``first second`` (order matters)."""
    return _signed(((first * _MIX) ^ second) & _MASK)


def pair_keys(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Keys of every adjacent pair in a sequence of term keys (``pair_key`` at once).

    >>> k = np.array([term_key("a"), term_key("b"), term_key("c")], np.int64)
    >>> pair_keys(k).tolist() == [pair_key(int(k[0]), int(k[1])), pair_key(int(k[1]), int(k[2]))]
    True
    """
    if keys.size < 2:
        return np.zeros(0, np.int64)
    unsigned = keys.view(np.uint64)
    with np.errstate(over="ignore"):
        mixed = (unsigned[:-1] * np.uint64(_MIX)) ^ unsigned[1:]
    return mixed.view(np.int64)
