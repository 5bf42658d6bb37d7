"""Finding a plain-text document's title, bylines, sections and paragraphs.

Rules, in order:

1. Byline and date lines among the first and last few lines become metadata.
2. The title is the first heading-like line.  Web pages often repeat their
   title (page title, then article heading): a line that appears twice near
   the top is the title, and short lines before it are the site name.  With
   no heading-like first line, the first sentence stands in.
3. A heading is a short line that does not end like a sentence, stands
   alone (not inside a list, not after a line ending with ':') and is followed
   by body text; numbered lines such as "3. Return on Investment" are
   headings whenever short.  Markdown ``#`` headings are headings.
4. Paragraphs are separated by blank lines, or are single long lines.  A line
   ending with ':' and the short lines after it (a list) form one paragraph.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass

from ..records import Section
from .cleaning import Byline, parse_byline

_MAX_HEADING_CHARS = 90
_MAX_HEADING_WORDS = 12
_NUMBERED = re.compile(r"^\d{1,2}[.)]\s+\S")
_MD_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*$")
_SENTENCE_END = re.compile(r"[.!,;:…]$")
_BYLINE_WINDOW = 4


@dataclass(frozen=True)
class Structure:
    title: str | None
    sections: tuple[Section, ...]
    date: str | None = None
    author: str | None = None
    site: str | None = None


def _md_heading(line: str) -> str | None:
    match = _MD_HEADING.match(line)
    return match.group("text") if match else None


def is_heading_like(line: str) -> bool:
    """Short, starts with a capital or a number, does not end like a sentence.

    >>> is_heading_like("3. Return on Investment"), is_heading_like("Was ist Social Media?")
    (True, True)
    >>> is_heading_like("berufliche soziale Netzwerke (LinkedIn, Viadeo) und")
    False
    """
    text = line.strip()
    if _md_heading(text):
        return True
    if not text or len(text) > _MAX_HEADING_CHARS or len(text.split()) > _MAX_HEADING_WORDS:
        return False
    if _SENTENCE_END.search(text):
        return False
    first = text[0]
    return first.isupper() or first.isdigit() or first in '¿¡"“„«'


def _extract_bylines(lines: list[str]) -> tuple[list[str], Byline]:
    """Remove byline/date lines near the top and the end; merge what they say."""
    date: str | None = None
    author: str | None = None
    nonblank = [i for i, line in enumerate(lines) if line]
    window = set(nonblank[:_BYLINE_WINDOW] + nonblank[-2:])
    kept: list[str] = []
    for i, line in enumerate(lines):
        byline = parse_byline(line) if i in window else None
        if byline is None:
            kept.append(line)
            continue
        date = date or byline.date
        author = author or byline.author
    return kept, Byline(date, author)


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(?:\s|$)", text)
    sentence = match.group(1) if match else text
    return sentence if len(sentence) <= 160 else sentence[:157].rstrip() + "…"


def _split_title(lines: list[str]) -> tuple[str | None, str | None, list[str]]:
    """(title, site, remaining lines)."""
    nonblank = [i for i, line in enumerate(lines) if line]
    if not nonblank:
        return None, None, lines
    head = nonblank[:4]
    for pos, i in enumerate(head):
        repeats = [j for j in head[pos + 1 :] if lines[j] == lines[i]]
        if repeats and is_heading_like(lines[i]):
            site_lines = [lines[j] for j in head[:pos] if is_heading_like(lines[j])]
            rest = [line for j, line in enumerate(lines) if j not in {i, *repeats, *head[:pos]}]
            return lines[i], " · ".join(site_lines) or None, rest
    first = nonblank[0]
    md = _md_heading(lines[first])
    if md or is_heading_like(lines[first]):
        return md or lines[first], None, lines[first + 1 :]
    return _first_sentence(lines[first]), None, lines


def _blocks(lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _is_list_item(line: str) -> bool:
    """Short, or not ending like a sentence (a long enumeration line)."""
    if len(line) <= _MAX_HEADING_CHARS:
        return True
    return len(line) <= 2 * _MAX_HEADING_CHARS and not re.search(r"[.!?:]$", line)


def _classify(block: list[str], next_block: list[str] | None) -> list[tuple[str, str]]:
    """Label each line of a block 'heading', 'para' or 'item'."""
    labels: list[tuple[str, str]] = []
    in_list = False
    for i, line in enumerate(block):
        following = block[i + 1] if i + 1 < len(block) else (next_block[0] if next_block else None)
        previous = block[i - 1] if i > 0 else None
        if _md_heading(line):
            labels.append(("heading", _md_heading(line) or line))
            in_list = False
            continue
        if in_list and _is_list_item(line):
            labels.append(("item", line))
            in_list = following is not None and _is_list_item(following)
            continue
        in_list = False
        prev_is_text = (
            previous is None
            or len(previous) > _MAX_HEADING_CHARS
            or bool(_SENTENCE_END.search(previous) and not previous.endswith(":"))
        )
        next_is_body = following is not None and (
            len(following) > _MAX_HEADING_CHARS or not is_heading_like(following)
        )
        numbered = bool(_NUMBERED.match(line)) and len(line) <= _MAX_HEADING_CHARS
        if is_heading_like(line) and prev_is_text and (next_is_body or numbered):
            labels.append(("heading", line))
        else:
            labels.append(("para", line))
            if line.endswith(":"):
                in_list = True
    return labels


def _paragraphs_by_section(lines: list[str]) -> list[Section]:
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    blocks = _blocks(lines)
    for b, block in enumerate(blocks):
        next_block = blocks[b + 1] if b + 1 < len(blocks) else None
        for kind, text in _classify(block, next_block):
            if kind == "heading":
                sections.append((text, []))
            elif kind == "item" and sections[-1][1]:
                sections[-1][1][-1] += "\n" + text
            else:
                sections[-1][1].append(text)
        # a blank line ends a paragraph; lines within a block are separate
        # paragraphs unless they were joined as a list above
    return [Section(h, tuple(p)) for h, p in sections if p or h]


def parse_sections(lines: list[str], carry: str | None = None) -> list[Section]:
    """Sections of lines that have no title of their own (a PDF page, say);
    text before the first heading continues the section ``carry``."""
    sections = _paragraphs_by_section(lines)
    if sections and sections[0].heading is None and carry is not None:
        sections[0] = Section(carry, sections[0].paragraphs)
    return [s for s in sections if s.paragraphs]


_ENDS_SENTENCE = re.compile(r"[.!?…:][\"'”’»)\]]*$")
_LIST_START = re.compile(r"^(?:[•◦▪‣●○■□–—*-]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s)")
_MIN_WRAP_WIDTH = 40
_MAX_WRAP_WIDTH = 100
_FULL_LINE = 0.75


def typical_width(lines: list[str]) -> int:
    """The length of a full line: the 90th percentile of the non-blank lines'.

    >>> typical_width(["a" * 70, "a" * 72, "a" * 20, ""])
    72
    """
    lengths = sorted(len(line) for line in lines if line.strip())
    return lengths[math.ceil(0.9 * (len(lengths) - 1))] if lengths else 0


def continues(line: str, following: str) -> bool:
    """``following`` goes on with a sentence ``line`` leaves unfinished.

    >>> continues("lead levels were below 3", "parts per billion.")
    True
    >>> continues("All lead levels were low.", "parts per billion."), continues("Intro", "• item")
    (False, False)
    """
    if not line or not following or _ENDS_SENTENCE.search(line) or _LIST_START.match(following):
        return False
    return following[0].islower() or line[-1] in ",;-–—(/&"


def join_two(line: str, following: str) -> str:
    """Two pieces of one paragraph; a word hyphenated at the line end made whole.

    >>> join_two("measure-", "ment"), join_two("Video-", "Sharing"), join_two("below 3", "ppb")
    ('measurement', 'Video-Sharing', 'below 3 ppb')
    """
    if re.search(r"[^\W\d_]-$", line):
        return line[:-1] + following if following[:1].islower() else line + following
    return f"{line} {following}"


def join_wrapped_lines(lines: list[str], width: int | None = None) -> list[str]:
    """Lines of a laid-out text (a PDF page, a hard-wrapped file) joined into
    one line per paragraph.

    A line is joined to the one before when it goes on with that line's
    unfinished sentence: it starts in lower case, or the line before ends
    with a comma or hyphen, or fills the width (``width``: a full line).  A
    line ending a sentence, a list item and a short line before a capital (a
    heading) start anew; so a paragraph may be split at a sentence end, never
    inside a sentence.

    >>> join_wrapped_lines(["1. Lead", "Lead levels at the tap were below 3",
    ...                     "parts per billion.", "Copper was low."], 40)
    ['1. Lead', 'Lead levels at the tap were below 3 parts per billion.', 'Copper was low.']
    """
    width = width if width is not None else typical_width(lines)
    out: list[str] = []
    previous = ""  # the last physical line, which decides
    for raw in lines:
        line = raw.strip()
        full = width >= _MIN_WRAP_WIDTH and len(previous) >= _FULL_LINE * width
        if (
            out
            and out[-1]
            and line
            and (
                continues(previous, line)
                or (full and not _ENDS_SENTENCE.search(previous) and not _LIST_START.match(line))
            )
        ):
            out[-1] = join_two(out[-1], line)
        else:
            out.append(line)
        previous = line
    return out


def looks_hard_wrapped(lines: list[str]) -> bool:
    """A plain text wrapped at a fixed width (an e-mail, a README at 72 or 80
    columns) rather than one line per paragraph.

    >>> looks_hard_wrapped(["This text was wrapped by an editor at a width of", "about fifty"] * 3)
    True
    >>> looks_hard_wrapped(["A long paragraph on one line. " * 5, "Another one. " * 9])
    False
    """
    filled = [line for line in lines if line.strip()]
    if len(filled) < 4 or max(len(line) for line in filled) > _MAX_WRAP_WIDTH:
        return False
    width = typical_width(filled)
    if width < _MIN_WRAP_WIDTH:
        return False
    wrapped = sum(
        1
        for line, following in itertools.pairwise(lines)
        if following.strip() and len(line) >= _FULL_LINE * width and not _ENDS_SENTENCE.search(line)
    )
    return wrapped >= 2


def _same_title(a: str, b: str) -> bool:
    """The same words, whatever the case and punctuation."""
    return re.findall(r"\w+", a.casefold()) == re.findall(r"\w+", b.casefold())


def parse_structure(lines: list[str], known_title: str | None = None) -> Structure:
    """Title, sections and byline of cleaned lines.

    With ``known_title`` (the owner's, from front matter or a sidecar) the
    text's first heading stays a section heading, unless it repeats that title.
    A text that is nothing but its title line (a one-line note) keeps the line
    as its text too.
    """
    lines, byline = _extract_bylines(lines)
    title, site, rest = _split_title(lines)
    if known_title is not None and title is not None and not _same_title(title, known_title):
        title, site, rest = known_title, None, lines
    sections = tuple(s for s in _paragraphs_by_section(rest) if s.paragraphs)
    if not sections:
        texts = [_md_heading(line) or line for line in lines if line]
        if texts:
            sections = (Section(None, tuple(dict.fromkeys(texts))),)
    return Structure(title, sections, byline.date, byline.author, site)
