"""Pure formatting of answers for the terminal and for scripts (JSON)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from typing import Any

from docbot.index import Answer, BuildReport, DocumentInfo, Hit
from docbot.index.records import Span

BOLD, RESET, DIM = "\033[1m", "\033[0m", "\033[2m"
NameOf = Callable[[str], str]

NO_ANSWER = (
    "Nothing in the corpus answers this. Try other words, ask in another language "
    "(--lang), or run `docbot sources` to see what the corpus covers."
)


def mark(text: str, spans: tuple[Span, ...], start: str, end: str) -> str:
    """Wrap each span of ``text`` in ``start``/``end``.

    >>> mark("measure ROI now", ((8, 11),), "*", "*")
    'measure *ROI* now'
    """
    out, last = [], 0
    for a, b in sorted(spans):
        if a < last:
            continue
        out += [text[last:a], start, text[a:b], end]
        last = b
    out.append(text[last:])
    return "".join(out)


def source_line(hit: Hit, name_of: NameOf) -> str:
    """Title — section · language · file (· page) (· URL)."""
    p = hit.passage
    head = f"{p.title} — {p.section}" if p.section else p.title
    parts = [head, name_of(p.lang), p.doc]
    if p.page:
        parts.append(f"p. {p.page}")
    if p.url:
        parts.append(p.url)
    return " · ".join(parts)


def format_answer(answer: Answer, name_of: NameOf, color: bool, width: int = 88) -> str:
    """An answer as terminal text: one block per passage."""
    if not answer.hits:
        return NO_ANSWER
    blocks = []
    for hit in answer.hits:
        quote = mark(hit.quote.text, hit.quote.marks, BOLD if color else "", RESET if color else "")
        wrapped = _indent(f"“{quote}”", width, wrap=not color)
        flag = f" [{name_of(hit.passage.lang)} passage]" if hit.cross_lingual else ""
        src = source_line(hit, name_of)
        src = f"{DIM}{src}{RESET}" if color else src
        blocks.append(f"[{hit.rank}]{flag} {src}\n{wrapped}")
    more = answer.total - (answer.hits[-1].rank if answer.hits else 0)
    tail = f"\n({more} more; use --top or :more)" if more > 0 else ""
    return "\n\n".join(blocks) + tail


def _indent(text: str, width: int, wrap: bool) -> str:
    """Indent a quote, keeping its line breaks (list items); wrap plain text."""
    lines = []
    for line in text.split("\n"):
        if wrap:
            lines.append(
                textwrap.fill(line, width=width, initial_indent="    ", subsequent_indent="     ")
            )
        else:
            lines.append("    " + line)
    return "\n".join(lines)


def answer_json(answer: Answer) -> dict[str, Any]:
    """The ``--json`` contract: see the README."""
    return {
        "question": answer.question,
        "lang": answer.lang,
        "results": [
            {
                "rank": h.rank,
                "score": h.score,
                "doc": h.passage.doc,
                "title": h.passage.title,
                "section": h.passage.section,
                "lang": h.passage.lang,
                "text": h.passage.text,
                "quote": h.quote.text,
                "cross_lingual": h.cross_lingual,
                "url": h.passage.url,
            }
            for h in answer.hits
        ],
    }


def error_json(question: str, message: str) -> dict[str, Any]:
    return {"question": question, "lang": None, "results": [], "error": message}


def dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


def format_report(report: BuildReport) -> str:
    """What ``docbot index`` did, in a few lines."""
    if report.changed_anything:
        head = (
            f"Indexed in {report.seconds:.1f} s: {len(report.added)} added, "
            f"{len(report.changed)} changed, {len(report.removed)} removed, "
            f"{report.unchanged} unchanged."
        )
    else:
        head = (
            f"Index up to date ({report.unchanged} documents, checked in {report.seconds:.1f} s)."
        )
    langs = ", ".join(f"{lang}: {n}" for lang, n in report.passages_per_lang.items())
    lines = [head, f"Passages per language: {langs or 'none'}."]
    for label, paths in (
        ("added", report.added),
        ("changed", report.changed),
        ("removed", report.removed),
    ):
        lines += [f"  {label}: {p}" for p in paths]
    if report.skipped:
        lines.append(f"Skipped {len(report.skipped)} file(s):")
        lines += [f"  {path}: {reason}" for path, reason in report.skipped]
    return "\n".join(lines)


def format_sources(documents: tuple[DocumentInfo, ...], name_of: NameOf) -> str:
    """The documents as an aligned table."""
    if not documents:
        return "The index holds no documents. Add .txt or .md files to the corpus folder."
    rows = [("LANGUAGE", "DATE", "PASSAGES", "TITLE", "FILE")]
    rows += [
        (name_of(d.lang), d.date or "-", str(d.passages), _clip(d.title, 60), d.path)
        for d in documents
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) if i < 4 else cell for i, cell in enumerate(row))
        for row in rows
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
