"""Removing web boilerplate from plain text, and finding bylines and dates.

Two general rules, no per-file cases:

* **Widget lines** anywhere: a short line that is entirely a known piece of page
  chrome (advertisement labels, share and like counters, tag lists, login
  prompts of comment widgets, "back to the front page" links).
* **Trailing chrome**: from the first line that opens a comment, share or
  navigation block ("Leave a Reply", "Kommentar verfassen", "Comments", "Vía",
  "Advertisements", ...) to the end, when no real paragraph follows it.  A real
  paragraph (long, ending like a sentence) stops the cut, so no sentence of
  the article is lost.

Bylines and dates ("Monday, 13 April 2015", "Publicado el 30 junio 2015 por
Cristianmonroy", "par EyOnline agency") near the top or the end become
metadata instead of passage text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..languages import all_languages
from ..records import Section

_LANGUAGES = all_languages()
_CHROME = tuple(lang.boilerplate for lang in _LANGUAGES)

# Language-neutral pieces; each language module adds its own phrases.
_TAIL_OPENERS = re.compile(
    r"^(?:" + "|".join(p for b in _CHROME for p in b.tail_openers) + r")\s*:?$", re.I
)
_WIDGET_LINES = re.compile(
    r"^(?:"
    + "|".join(
        (
            *(p for b in _CHROME for p in b.widget_lines),
            r"(?:tweet|pin it|email|e-mail)(?:\s*[/|]\s*\w+)*",
            r".*\b(?:wordpress\.com|twitter|facebook|google\+?)[- ](?:logo|bild|foto|photo|image)",
            r".*\blogo paperblog",
        )
    )
    + r")\s*$",
    re.I,
)
_MONTHS = {name: number for b in _CHROME for name, number in b.months.items()}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY = "(?:" + "|".join(day for b in _CHROME for day in b.weekdays) + ")"
_DATE = re.compile(
    rf"(?:{_WEEKDAY},?\s+)?(?:(?P<d1>\d{{1,2}})\.?\s+(?:de\s+)?(?P<m1>{_MONTH})\.?,?\s+(?:de\s+)?"
    rf"(?P<y1>\d{{4}})|(?P<m2>{_MONTH})\s+(?P<d2>\d{{1,2}}),?\s+(?P<y2>\d{{4}})"
    r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2}))",
    re.I,
)


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(sorted(set(words), key=lambda w: (-len(w), w)))


_PUBLISHED = _alternatives(w for b in _CHROME for w in b.published)
_ON = _alternatives(w for b in _CHROME for w in b.on)
_BY = _alternatives(w for b in _CHROME for w in b.by)
_BYLINE_PREFIX = re.compile(
    rf"^(?:(?:{_PUBLISHED})(?:\s+(?:{_ON}))?\s+)?"
    rf"(?P<date>.*?)\s*(?:\b(?:{_BY})\s+(?P<author>.+))?$",
    re.I,
)
_AUTHOR_ONLY = re.compile(
    rf"^(?:{_alternatives(w for b in _CHROME for w in b.author)})\s*:?\s+(?P<author>.+)$", re.I
)
_MAX_BYLINE_WORDS = 14
_MAX_CHROME_LINE = 90


@dataclass(frozen=True)
class Byline:
    date: str | None
    author: str | None


def parse_date(text: str) -> str | None:
    """An ISO date from an English, German, Spanish or French date.

    >>> parse_date("Monday, 13 April 2015"), parse_date("30 junio 2015")
    ('2015-04-13', '2015-06-30')
    >>> parse_date("April 13, 2015"), parse_date("no date") is None
    ('2015-04-13', True)
    """
    match = _DATE.search(text)
    if not match:
        return None
    groups = match.groupdict()
    for d, m, y in (("d1", "m1", "y1"), ("d2", "m2", "y2"), ("d3", "m3", "y3")):
        if groups[y]:
            month_text = groups[m].lower()
            month = int(month_text) if month_text.isdigit() else _MONTHS[month_text]
            day = int(groups[d])
            if 1 <= month <= 12 and 1 <= day <= 31:
                return f"{int(groups[y]):04d}-{month:02d}-{day:02d}"
    return None


def parse_byline(line: str) -> Byline | None:
    """A date and/or author line, or ``None`` when the line is text.

    >>> parse_byline("Publicado el 30 junio 2015 por Cristianmonroy")
    Byline(date='2015-06-30', author='Cristianmonroy')
    >>> parse_byline("par EyOnline agency")
    Byline(date=None, author='EyOnline agency')
    >>> parse_byline("Social media is a way to share information by email.") is None
    True
    """
    stripped = line.strip()
    if not stripped or len(stripped.split()) > _MAX_BYLINE_WORDS or stripped.endswith((".", "?")):
        return None
    author_only = _AUTHOR_ONLY.match(stripped)
    if author_only:
        return Byline(None, author_only.group("author").strip())
    date_match = _DATE.search(stripped)
    if not date_match:
        return None
    prefix = _BYLINE_PREFIX.match(stripped)
    author = prefix.group("author").strip() if prefix and prefix.group("author") else None
    rest = stripped[: date_match.start()] + stripped[date_match.end() :]
    if author:
        rest = rest.replace(author, "")
    leftover = re.sub(
        r"\b(?:posted|published|publicado|veröffentlicht|publié|on|el|am|le|by|von|por|par)\b",
        "",
        rest,
        flags=re.I,
    )
    if re.search(r"\w", leftover):
        return None
    return Byline(parse_date(stripped), author)


def is_widget_line(line: str) -> bool:
    """A line that is page chrome wherever it stands."""
    stripped = line.strip()
    return (
        bool(stripped) and len(stripped) <= _MAX_CHROME_LINE and bool(_WIDGET_LINES.match(stripped))
    )


def _is_real_paragraph(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) > _MAX_CHROME_LINE and bool(re.search(r"[.!?…:]\W*$", stripped))


def cut_trailing_chrome(lines: list[str]) -> list[str]:
    """Drop everything from the first tail opener that no real paragraph follows."""
    for i, line in enumerate(lines):
        if not _TAIL_OPENERS.match(line.strip()):
            continue
        if not any(_is_real_paragraph(rest) for rest in lines[i + 1 :]):
            return lines[:i]
    return lines


def clean_lines(text: str) -> list[str]:
    """The text's lines with page chrome removed (blank lines kept as '')."""
    lines = [line.strip() for line in text.split("\n")]
    lines = cut_trailing_chrome(lines)
    kept = ["" if is_widget_line(line) else line for line in lines]
    while kept and not kept[-1]:
        kept.pop()
    return kept


def without_widgets(sections: list[Section]) -> list[Section]:
    """Sections without page-widget lines ("Share", "12 comments") and the
    comment or share block a page may end with."""
    out = []
    for section in sections:
        kept = [
            "\n".join(line for line in p.split("\n") if not is_widget_line(line.strip()))
            for p in section.paragraphs
        ]
        kept = [p for p in kept if p.strip()]
        if kept:
            out.append(Section(section.heading, tuple(kept)))
    if out:
        last = out[-1]
        tail = cut_trailing_chrome(list(last.paragraphs))
        out[-1] = Section(last.heading, tuple(tail))
    return [s for s in out if s.paragraphs]
