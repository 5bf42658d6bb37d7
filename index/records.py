"""The small typed records the engine hands to its front ends."""

from __future__ import annotations

from dataclasses import dataclass, field

Span = tuple[int, int]


@dataclass(frozen=True)
class Section:
    """A part of a document under one heading (``None`` before the first)."""

    heading: str | None
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Document:
    """A cleaned, structured corpus document, ready to be chunked."""

    path: str  # relative to the corpus folder, with forward slashes
    title: str
    lang: str  # BCP-47 tag
    sections: tuple[Section, ...]
    date: str | None = None  # ISO 8601 date when known
    author: str | None = None
    url: str | None = None
    site: str | None = None
    page_of_section: tuple[int | None, ...] = ()  # PDF pages, one per section


@dataclass(frozen=True)
class Passage:
    """One retrievable unit: a section, or a group of paragraphs within one."""

    doc: str
    ordinal: int
    title: str
    section: str | None
    lang: str
    text: str
    url: str | None = None
    page: int | None = None


@dataclass(frozen=True)
class Quote:
    """One to three sentences of a passage, with the matched words' spans."""

    text: str
    marks: tuple[Span, ...]


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    passage: Passage
    quote: Quote
    marks: tuple[Span, ...]  # matched words in ``passage.text``
    cross_lingual: bool  # in another language than the question


@dataclass(frozen=True)
class Answer:
    question: str
    lang: str  # the question's language tag (best guess when ambiguous)
    lang_reason: str  # "explicit", "detected" or "ambiguous"
    hits: tuple[Hit, ...]
    searched: tuple[str, ...] = ()  # the language indexes consulted
    # passages above the floor, of which ``hits`` is a page; those whose quote
    # an earlier one holds are not counted as far as the page and the next hit
    # were read: ``total`` exceeds the hits shown only when another exists
    total: int = 0


@dataclass(frozen=True)
class DocumentInfo:
    path: str
    title: str
    lang: str
    passages: int
    date: str | None = None
    author: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class BuildReport:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    skipped: tuple[tuple[str, str], ...] = ()  # (path, reason)
    # files indexed under another name, a link to it or a copy: (path, that name)
    copies: tuple[tuple[str, str], ...] = ()
    passages_per_lang: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    vectors_missing: int | None = None  # passages without vectors yet (None: no semantic layer)
    repaired: tuple[str, ...] = ()  # damaged derived files written again, and what was wrong

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    @property
    def documents(self) -> int:
        """How many documents the index holds after the build."""
        return len(self.added) + len(self.changed) + self.unchanged


@dataclass(frozen=True)
class LockHolder:
    """Who holds a build lock: a process, and when its build started."""

    pid: int
    started: float  # seconds since the epoch

    @classmethod
    def parse(cls, text: str) -> LockHolder | None:
        """
        >>> LockHolder.parse("4242 1700000000.5\\n")
        LockHolder(pid=4242, started=1700000000.5)
        >>> LockHolder.parse("") is None
        True
        """
        try:
            pid, started = text.split()
            return cls(int(pid), float(started))
        except ValueError:
            return None
