"""What the semantic layer embeds: a passage (with its title and section), its
sentences and its pairs of adjacent sentences, each a ``Unit`` with a cache key;
and the parallel reference sentences, units of no passage."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..ingest.chunking import sentence_spans
from .reference import REFERENCE

if TYPE_CHECKING:
    pass


MIN_SENTENCE_CHARS = 15
VECTOR_FORMAT = "3"  # bump when the vector bundle's layout or meaning changes


@dataclass(frozen=True, slots=True)  # millions of them in a large corpus
class Unit:
    """A text that gets a vector: a whole passage (``kind`` "p", no span), one
    sentence ("s") or two adjacent sentences ("w", a window), by span."""

    pid: int
    start: int
    end: int
    text: str
    kind: str = "p"


UNIT_KINDS = ("p", "s", "w")


def passage_units(pid: int, title: str, section: str | None, text: str) -> list[Unit]:
    """The passage with its title and section (``None`` for a section's later
    passages: a heading introduces the text under it); each sentence long enough to mean
    something; and each pair of adjacent such sentences (an answer often spans
    two, and one alone may lack its subject).

    >>> units = passage_units(7, "ROI", None, "Measure it. It is hard to say why.")
    >>> [(u.kind, u.text) for u in units]
    [('p', 'ROI\\nMeasure it. It is hard to say why.'), ('s', 'It is hard to say why.')]
    >>> units = passage_units(7, "ROI", None, "It is hard to say why. Few can tell it apart.")
    >>> [(u.kind, u.start, u.end) for u in units]
    [('p', -1, -1), ('s', 0, 22), ('s', 23, 45), ('w', 0, 45)]
    """
    head = " — ".join(part for part in (title, section) if part)
    units = [Unit(pid, -1, -1, f"{head}\n{text}" if head else text)]
    spans = []
    for start, end in sentence_spans(text):
        sentence = text[start:end].strip()
        if len(sentence) >= MIN_SENTENCE_CHARS:
            units.append(Unit(pid, start, end, sentence, "s"))
            spans.append((start, end))
    for (start, _), (_, end) in itertools.pairwise(spans):
        units.append(Unit(pid, start, end, text[start:end].strip(), "w"))
    return units


def unit_key(model_id: str, unit: Unit) -> bytes:
    """The cache key of a unit's vector: model, kind and text (a window and a
    sentence of the same text are embedded alike, and share it)."""
    kind = "p" if unit.kind == "p" else "s"
    return hashlib.blake2b(f"{model_id}\0{kind}\0{unit.text}".encode(), digest_size=16).digest()


# --- computing vectors --------------------------------------------------------------


REFERENCE_PREFIX = "ref:"


def reference_units() -> list[tuple[str, Unit]]:
    """The parallel reference sentences (``reference``), as units of no passage."""
    return [
        (f"{REFERENCE_PREFIX}{lang}", Unit(-1, -1, -1, text))
        for lang, sentences in sorted(REFERENCE.items())
        for text in sentences
    ]
