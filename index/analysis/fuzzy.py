"""Spelling similarity across languages and variants: pure functions.

Cognates in English, German and Spanish often coincide under a small
spelling key ("Mikroblogs" ~ "microblogs", "Kommunikation" ~ "comunicación");
the similarity of two keys is the Dice coefficient of their padded character
trigrams.
"""

from __future__ import annotations

import re

from .analyzer import fold_accents

_DOUBLED = re.compile(r"(.)\1+")


def cognate_key(term: str) -> str:
    """A spelling key under which cognates across en/de/es often coincide.

    >>> cognate_key("mikroblog"), cognate_key("microblog"), cognate_key("kommunikation")
    ('microblog', 'microblog', 'comunication')
    """
    key = fold_accents(term).casefold()
    for old, new in (("ph", "f"), ("th", "t"), ("k", "c"), ("y", "i"), ("z", "c")):
        key = key.replace(old, new)
    return _DOUBLED.sub(r"\1", key)


def trigrams(key: str) -> frozenset[str]:
    """The padded character trigrams of a key.

    >>> sorted(trigrams("roi"))
    ['^ro', 'oi$', 'roi']
    """
    padded = f"^{key}$"
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def similarity(a: str, b: str) -> float:
    """Dice similarity of the padded character trigrams of two cognate keys.

    >>> similarity("microblog", "microblog"), round(similarity("microblogs", "microbloging"), 2)
    (1.0, 0.73)
    """
    ta, tb = trigrams(a), trigrams(b)
    return 2 * len(ta & tb) / (len(ta) + len(tb)) if ta and tb else 0.0
