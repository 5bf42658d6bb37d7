"""German compound splitting, two ways.

At index time, ``ngram_decompounder`` uses compound-split's character n-gram
model (slow to load, so imported only when a German document is indexed).
At query time, ``vocabulary_decompounder`` splits a word into parts that the
index already knows, which needs no model and costs microseconds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection

_MIN_PART = 4
_SPLIT_CONFIDENCE = 0.5
_LINKING = ("s", "es", "n", "en")


@functools.lru_cache(maxsize=100_000)
def ngram_decompounder(word: str) -> list[str]:
    """Split a German compound with compound-split's n-gram model.

    Returns the parts (recursively split), or ``[]`` when the word does not
    look like a compound.
    """
    from compound_split import char_split

    if len(word) < 2 * _MIN_PART:
        return []
    best = char_split.split_compound(word)[0]
    score, head, tail = best
    if score < _SPLIT_CONFIDENCE or min(len(head), len(tail)) < _MIN_PART - 1:
        return []
    parts: list[str] = []
    for part in (head, tail):
        parts.append(part)
        parts.extend(ngram_decompounder(part))
    return parts


def vocabulary_decompounder(
    vocabulary: Collection[str], stem: Callable[[str], str]
) -> Callable[[str], list[str]]:
    """A decompounder that splits ``word`` into two parts whose stems are in
    ``vocabulary``, preferring the most balanced split.

    >>> split = vocabulary_decompounder({"kapital", "rendit"}, lambda w: w.rstrip("e"))
    >>> split("kapitalrendite")
    ['kapital', 'rendite']
    >>> split("kaesekuchen")
    []
    """

    def split(word: str) -> list[str]:
        word = word.casefold()
        best: list[str] = []
        best_balance = 0
        for cut in range(_MIN_PART, len(word) - _MIN_PART + 1):
            head, tail = word[:cut], word[cut:]
            if stem(tail) not in vocabulary:
                continue
            heads = [head] + [head[: -len(s)] for s in _LINKING if head.endswith(s)]
            for candidate in heads:
                if len(candidate) >= _MIN_PART - 1 and stem(candidate) in vocabulary:
                    balance = min(len(candidate), len(tail))
                    if balance > best_balance:
                        best, best_balance = [candidate, tail], balance
        return best

    return split
