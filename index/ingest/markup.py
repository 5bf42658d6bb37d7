"""Markdown to plain text lines, for text that arrives as Markdown without
structure worth reading (trafilatura's main text of a page; a Markdown file
that is only a title line)."""

from __future__ import annotations

import re

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MD_LIST_HEADS = frozenset("-*+0123456789")
_MD_INLINE_MARK = re.compile(r"[\[*_`]")
_MD_FENCE = re.compile(r"^(```+|~~~+)")
_MD_SETEXT = re.compile(r"^(?:=+|-+)$")
_MD_THEMATIC_BREAK = re.compile(r"^(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
# Lines that start a block of their own rather than continue a paragraph.
_MD_BLOCK_START = re.compile(r"^(?:#{1,6}(?:\s|$)|[-*+]\s|\d+[.)]\s|>|\||<|(?:[-*_]\s*){3,}$)")
# Blocks that never take continuation lines.
_MD_NO_CONTINUATION = re.compile(r"^(?:#{1,6}(?:\s|$)|\||<|(?:[-*_]\s*){3,}$)")


def strip_markdown(text: str) -> str:
    r"""Markdown to plain text lines: one line per paragraph, heading or list item.

    Inline markup goes; a paragraph wrapped over several lines becomes one line
    (as Markdown renders it, unless a line ends with a hard break); setext
    headings become ``#`` headings; fenced code keeps its lines.

    >>> strip_markdown("See [the **ROI** section](https://x.org) and `code`.")
    'See the ROI section and code.'
    >>> strip_markdown("A paragraph that\nwraps.\n\nTitle\n=====\n- an item\n  continued")
    'A paragraph that wraps.\n\n# Title\nan item continued'
    """
    return "\n".join(_plain_markdown_line(line) for line in _join_markdown_lines(text))


def _join_markdown_lines(text: str) -> list[str]:
    out: list[str] = []
    joinable = False  # the last line is paragraph or list text that may continue
    fence: str | None = None
    for raw in text.split("\n"):
        line = raw.rstrip()
        stripped = line.strip()
        opener = _MD_FENCE.match(stripped) if stripped[:1] in ("`", "~") else None
        if fence is not None or opener:
            if fence is None and opener:
                fence = opener.group(1)[:3]
            elif fence is not None and stripped.startswith(fence):
                fence = None
            out.append(line)
            joinable = False
            continue
        if not stripped:
            out.append("")
            joinable = False
        elif joinable and _MD_SETEXT.match(stripped) and not _MD_BLOCK_START.match(out[-1].strip()):
            out[-1] = ("# " if stripped[0] == "=" else "## ") + out[-1].strip()
            joinable = False
        elif _MD_THEMATIC_BREAK.match(stripped):
            out.append("")
            joinable = False
        elif joinable and not _MD_BLOCK_START.match(stripped):
            out[-1] = out[-1].rstrip(" \\") + " " + stripped
            joinable = not _hard_break(raw)
        else:
            out.append(line)
            joinable = not _MD_NO_CONTINUATION.match(stripped) and not _hard_break(raw)
    return out


def _hard_break(raw: str) -> bool:
    return raw.endswith(("  ", "\\"))


def _plain_markdown_line(raw: str) -> str:
    if _MD_INLINE_MARK.search(raw):  # most lines hold no markup: no substitutions
        raw = _MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1", raw))
    head = raw.lstrip()[:1]
    if head and head in _MD_LIST_HEADS:
        return _MD_LIST.sub("", raw)
    return raw
