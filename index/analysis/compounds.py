"""German compound splitting against the index's own vocabulary.

No model is loaded: a compound is split into two parts that the corpus also
uses as words of their own ("Kapitalrendite" -> "kapital" + "rendit" when
both occur).  At build time ``split_stem`` splits the index's stems, so that
"Rendite" finds "Kapitalrendite"; at query time ``vocabulary_decompounder``
splits a question's words the same way ("Musikplattformen" -> "musik",
"plattform").  Both depend only on the vocabulary, so an index refreshed file
by file equals one built from scratch.
"""

from __future__ import annotations

from collections.abc import Callable

_MIN_PART = 4
_MIN_HEAD = 3
MIN_COMPOUND = 8
_LINKING = ("s", "es", "n", "en")


def split_stem(
    term: str, known: Callable[[str], bool], stem: Callable[[str], str] = str
) -> list[str]:
    """Two known stems that make up ``term`` (a stem), most balanced split first,
    or ``[]``.  A linking element ("s", "en") may join them; a head that is a
    whole word ("internet" in "internetnutz") counts by its own stem ("intern").

    >>> vocabulary = {"kapital", "rendit", "kommunikation", "form"}
    >>> split_stem("kapitalrendit", vocabulary.__contains__)
    ['kapital', 'rendit']
    >>> split_stem("kommunikationsform", vocabulary.__contains__)
    ['kommunikation', 'form']
    >>> split_stem("kasekuch", vocabulary.__contains__)
    []
    """
    if len(term) < MIN_COMPOUND or not term.isalpha():
        return []
    best: list[str] = []
    best_balance = 0
    for cut in range(_MIN_HEAD, len(term) - _MIN_PART + 1):
        head, tail = term[:cut], term[cut:]
        if not known(tail):
            continue
        heads = [head] + [head[: -len(s)] for s in _LINKING if head.endswith(s)]
        for candidate in heads:
            if len(candidate) < _MIN_HEAD:
                continue
            found = candidate if known(candidate) else stem(candidate)
            if known(found):
                balance = min(len(candidate), len(tail))
                if balance > best_balance:
                    best, best_balance = [found, tail], balance
    return best


def vocabulary_decompounder(
    known: Callable[[str], bool], stem: Callable[[str], str]
) -> Callable[[str], list[str]]:
    """A decompounder that splits ``word`` into two parts whose stems the
    index knows, preferring the most balanced split.

    >>> split = vocabulary_decompounder({"kapital", "rendit"}.__contains__, lambda w: w.rstrip("e"))
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
            if not known(stem(tail)):
                continue
            heads = [head] + [head[: -len(s)] for s in _LINKING if head.endswith(s)]
            for candidate in heads:
                if len(candidate) >= _MIN_PART - 1 and known(stem(candidate)):
                    balance = min(len(candidate), len(tail))
                    if balance > best_balance:
                        best, best_balance = [candidate, tail], balance
        return best

    return split
