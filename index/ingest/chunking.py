"""Splitting a structured document into passages.

A passage is a section, or a run of whole paragraphs within one section, of
at most ``max_chars`` characters; a paragraph longer than that is split at
sentence ends.  A short tail is merged into the previous passage of the same
section rather than left as a fragment.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..records import Document, Passage

MAX_CHARS = 900
MIN_CHARS = 200
CODE_INDENT = "    "
"""Each line of a code block starts with this in a passage's text (readers
that know code, such as HTML's ``pre``, write it so)."""
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[\"“„«¿¡(]?[A-ZÀ-ÖØ-Þ0-9])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence or list line of ``text``; a line of
    code is one, whole, whatever its comments say.

    >>> text = "One idea. Two!" + chr(10) + "A list line" + chr(10) + "    # a line. And more"
    >>> [text[a:b] for a, b in sentence_spans(text)]
    ['One idea.', 'Two!', 'A list line', '    # a line. And more']
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in text.split("\n"):
        start = 0
        for match in () if is_code(line) else _SENTENCE_SPLIT.finditer(line):
            spans.append((offset + start, offset + match.start()))
            start = match.end()
        spans.append((offset + start, offset + len(line)))
        offset += len(line) + 1
    return [(a, b) for a, b in spans if text[a:b].strip()]


def sentences(text: str) -> list[str]:
    """Split at sentence ends followed by a capital (list lines stay whole).

    >>> sentences("One idea. Two ideas! e.g. three? Four")
    ['One idea.', 'Two ideas! e.g. three?', 'Four']
    """
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(s for s in _SENTENCE_SPLIT.split(line.strip()) if s)
    return out


def is_code(line: str) -> bool:
    """A line of a code block.

    >>> is_code("    apt-mark hold foo"), is_code("Use apt-mark.")
    (True, False)
    """
    return line.startswith(CODE_INDENT)


def prose_of(text: str) -> str:
    """The lines of ``text`` that are not code, on one line.

    >>> prose_of("Set it:" + chr(10) + "    d-i passwd/make-user boolean false")
    'Set it:'
    """
    return " ".join(line for line in text.splitlines() if not is_code(line))


def all_code(text: str) -> bool:
    """Whether ``text`` has lines and every one with something on it is code.

    >>> all_code("    d-i passwd/make-user boolean false" + chr(10) + "    # no user")
    True
    >>> all_code("Set it:" + chr(10) + "    d-i passwd/make-user boolean false")
    False
    """
    return bool(text.strip()) and not prose_of(text).strip()


def _split_long(paragraph: str, max_chars: int) -> list[str]:
    if len(paragraph) <= max_chars:
        return [paragraph]
    code = is_code(paragraph)
    pieces: list[str] = []
    current = ""
    for sentence in paragraph.split("\n") if code else sentences(paragraph):
        if current and len(current) + 1 + len(sentence) > max_chars:
            pieces.append(current)
            current = sentence
        elif code:
            current = f"{current}\n{sentence}" if current else sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        pieces.append(current)
    return pieces


def group_paragraphs(
    paragraphs: tuple[str, ...], max_chars: int = MAX_CHARS, min_chars: int = MIN_CHARS
) -> list[str]:
    """Whole paragraphs packed into groups of at most ``max_chars``.

    >>> [len(g) for g in group_paragraphs(("a" * 50, "b" * 50, "c" * 95), 120, 10)]
    [102, 95]
    >>> [len(g) for g in group_paragraphs(("a" * 100, "b" * 5), 120, 10)]
    [107]
    """
    units = [piece for p in paragraphs for piece in _split_long(p, max_chars)]
    groups: list[str] = []
    for unit in units:
        if groups and len(groups[-1]) + 2 + len(unit) <= max_chars:
            groups[-1] += "\n\n" + unit
        else:
            groups.append(unit)
    if len(groups) > 1 and len(groups[-1]) < min_chars:
        tail = groups.pop()
        groups[-1] += "\n\n" + tail
    return groups


def chunk(document: Document, max_chars: int = MAX_CHARS) -> Iterator[Passage]:
    """The document's passages, in reading order."""
    ordinal = 0
    pages = document.page_of_section
    for s, section in enumerate(document.sections):
        page = pages[s] if s < len(pages) else None
        for text in group_paragraphs(section.paragraphs, max_chars):
            yield Passage(
                doc=document.path,
                ordinal=ordinal,
                title=document.title,
                section=section.heading,
                lang=document.lang,
                text=text,
                url=document.url,
                page=page,
            )
            ordinal += 1
