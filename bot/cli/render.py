"""Pure formatting of answers for the terminal and for scripts (JSON)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

from docbot.index import (
    Answer,
    BuildReport,
    DocumentInfo,
    Hit,
    IndexCheck,
    LockHolder,
    Span,
    Staleness,
    VectorProgress,
    is_code_line,
)

from ..app.conversation import Misread

BOLD, RESET, DIM = "\033[1m", "\033[0m", "\033[2m"
NameOf = Callable[[str], str]

WIDTH = 88  # columns for output that does not go to a terminal
DETAIL_LIMIT = 10  # file names listed in an index report before it only counts
FORMATS = ".txt, .md, .html, .pdf or .docx"
NO_ANSWER = (
    "Nothing in the corpus answers this. Try other words or another language, "
    "or run `docbot sources` to see what the corpus covers."
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


def format_answer(
    answer: Answer, name_of: NameOf, color: bool, width: int = WIDTH, more_with: str = "--top N"
) -> str:
    """An answer as terminal text: one block per passage, quotes wrapped to
    ``width``; when there are more passages, how to see them (``more_with``:
    the one-shot command's option, the interactive session's command)."""
    if not answer.hits:
        return NO_ANSWER
    blocks = []
    for hit in answer.hits:
        quote = f"“{hit.quote.text}”"
        marks = tuple((a + 1, b + 1) for a, b in hit.quote.marks)
        wrapped = wrap_marked(quote, marks if color else (), width)
        flag = f" [{name_of(hit.passage.lang)} passage]" if hit.cross_lingual else ""
        head = wrap_source(f"[{hit.rank}]{flag} ", source_line(hit, name_of), width, color)
        blocks.append(f"{head}\n{wrapped}")
    more = answer.total - (answer.hits[-1].rank if answer.hits else 0)
    tail = f"\n({more} more: {more_with})" if more > 0 else ""
    return "\n\n".join(blocks) + tail


def wrap_source(label: str, source: str, width: int, color: bool, indent: str = "    ") -> str:
    """``label`` and ``source`` on lines of at most ``width`` columns, wrapped
    between words (a file name or URL longer than a line stays whole) and
    continued under the quote's indent; with ``color`` the source is dimmed.

    >>> print(wrap_source("[1] ", "Title — 3. Section · English · notes.txt", 24, False))
    [1] Title — 3. Section ·
        English · notes.txt
    """
    text = label + source
    room = max(width - len(indent), 20)
    lines = []
    for a, b in _line_slices(text, room, first=max(width, 20)):
        start = max(a, len(label))
        plain, dimmed = text[a:start] if start > a else "", text[start:b]
        if color and dimmed:
            dimmed = f"{DIM}{dimmed}{RESET}"
        lines.append(f"{indent if a else ''}{plain}{dimmed}")
    return "\n".join(lines)


def wrap_marked(
    text: str,
    marks: tuple[Span, ...],
    width: int,
    *,
    start: str = BOLD,
    end: str = RESET,
    first: str = "    ",
    rest: str = "     ",
) -> str:
    """``text`` indented and wrapped at word boundaries to ``width`` columns,
    its line breaks kept, each span in ``marks`` wrapped in ``start``/``end``
    (escape codes take no columns, so they are added after wrapping).

    >>> print(wrap_marked("“measure the ROI of every event”", ((13, 16),), 28, start="*", end="*"))
        “measure the *ROI* of
         every event”
    """
    out: list[str] = []
    offset = 0
    for line in text.split("\n"):
        room = max(width - len(rest), 20)
        if is_code_line(line):  # code keeps its lines and indentation, unmarked
            out.append(f"{rest}{line}")
            offset += len(line) + 1
            continue
        for a, b in _line_slices(line, room):
            spans = tuple(
                (max(x - offset - a, 0), min(y - offset, b) - a)
                for x, y in marks
                if x - offset < b and y - offset > a
            )
            out.append(
                f"{first if not out or a == 0 else rest}{mark(line[a:b], spans, start, end)}"
            )
        offset += len(line) + 1
    return "\n".join(out)


def _line_slices(line: str, width: int, first: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each wrapped line of ``line``: greedy, whole words;
    the first line may have a width of its own."""
    slices: list[tuple[int, int]] = []
    begin: int | None = None
    last_end = 0
    for word in re.finditer(r"\S+", line):
        limit = first if first is not None and not slices else width
        if begin is None:
            begin = word.start()
        elif word.end() - begin > limit:
            slices.append((begin, last_end))
            begin = word.start()
        last_end = word.end()
    if begin is not None:
        slices.append((begin, last_end))
    return slices or [(0, 0)]


def answer_json(answer: Answer) -> dict[str, Any]:
    """The ``--json`` contract: see the README.

    ``lang`` is the question's language, or ``None`` when it could not be
    told and every language was searched (``lang_reason`` "ambiguous");
    ``searched`` lists the languages whose passages were searched.
    """
    return {
        "question": answer.question,
        "lang": None if answer.lang_reason == "ambiguous" else answer.lang,
        "lang_reason": answer.lang_reason,
        "searched": list(answer.searched),
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
                "page": h.passage.page,
            }
            for h in answer.hits
        ],
    }


def error_json(question: str, message: str) -> dict[str, Any]:
    return {
        "question": question,
        "lang": None,
        "lang_reason": None,
        "searched": [],
        "results": [],
        "error": message,
    }


def dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False)


def format_report(report: BuildReport, verbose: bool = False) -> str:
    """What ``docbot index`` did: a summary line, passages per language, the
    files it changed when there are few (all with ``verbose``), and the files
    it skipped with their reasons, files sharing a reason counted together."""
    if report.changed_anything:
        head = (
            f"Indexed in {report.seconds:.1f} s: {len(report.added)} added, "
            f"{len(report.changed)} changed, {len(report.removed)} removed, "
            f"{report.unchanged} unchanged."
        )
    elif not report.documents:
        head = f"The index holds no document (checked in {report.seconds:.1f} s)."
    else:
        head = (
            f"Index up to date ({report.unchanged} documents, checked in {report.seconds:.1f} s)."
        )
    langs = ", ".join(f"{lang}: {n}" for lang, n in report.passages_per_lang.items())
    lines = [head, f"Passages per language: {langs or 'none'}."]
    changes = (
        ("added", report.added),
        ("changed", report.changed),
        ("removed", report.removed),
    )
    touched = sum(len(paths) for _, paths in changes)
    if verbose or touched <= DETAIL_LIMIT:
        lines += [f"  {label}: {p}" for label, paths in changes for p in paths]
    lines += [f"Repaired: {what}; written again from the index." for what in report.repaired]
    if report.skipped:
        lines += _skipped_lines(report.skipped, verbose)
    if report.copies:
        lines += _copy_lines(report.copies, verbose)
    if report.vectors_missing is not None and report.documents:
        lines.append(
            "Semantic layer: up to date."
            if not report.vectors_missing
            else f"Semantic layer: {report.vectors_missing:,} passages still lack vectors "
            "(those are searched with BM25 alone until they have them; run docbot index again)."
        )
    return "\n".join(lines)


def format_check(check: IndexCheck) -> str:
    """What ``docbot index --check`` found, a line for each problem and what repairs it."""
    if check.ok:
        lines = [f"Index OK: {', '.join(check.checked)}: sizes and checksums match."]
        if check.unchecked:
            lines.append(
                f"No checksum recorded for {', '.join(check.unchecked)} (written by an earlier "
                "docbot): `docbot index` records one."
            )
        return "\n".join(lines)
    lines = [f"Damaged: {what}" for what in check.damaged]
    if check.database_problem:
        lines.append(f"Damaged: the SQLite file ({check.database_problem})")
        lines.append("Rebuild the index from the corpus with `docbot index --rebuild`.")
    else:
        lines.append(
            "These files are derived from the index and nothing is lost: "
            "`docbot index` writes them again."
        )
    return "\n".join(lines)


def interrupted(staleness: Staleness, vectors: VectorProgress | None, command: str) -> str | None:
    """What an interrupted build kept and how to go on (``None``: nothing
    was left to do, the index is current; ``vectors`` is given when the
    semantic layer is not).  A build is one transaction, so
    an interrupted one keeps nothing; vectors are committed batch by batch.

    >>> interrupted(Staleness("no index yet", usable=False), None, "docbot index")[:48]
    'Interrupted: no index was built (a build keeps n'
    >>> interrupted(Staleness(None), VectorProgress(896, 2000), "docbot index")[36:86]
    ', and 896 of 2,000 vectors are computed and kept; '
    >>> interrupted(Staleness(None), None, "docbot index") is None
    True
    """
    if staleness.reason is not None and not staleness.usable:
        return (
            "Interrupted: no index was built (a build keeps nothing until it is done). "
            f"Run `{command}` to build it."
        )
    if staleness.reason is not None:
        return (
            f"Interrupted: the index is as it was before this build ({staleness.reason}); "
            f"it still answers. Run `{command}` to bring it up to date."
        )
    if vectors is None:
        return None
    if not vectors.left:
        return (
            "Interrupted: the index is up to date and every vector is computed and kept. "
            f"Run `{command}` to put them to use."
        )
    return (
        f"Interrupted: the index is up to date, and {vectors.cached:,} of "
        f"{vectors.total:,} vectors are computed and kept; answers use BM25 alone until "
        f"the other {vectors.left:,} are. Run `{command}` to compute them."
    )


def waiting(holder: LockHolder | None) -> str:
    """What a build says while it waits for another one (local time).

    >>> waiting(None)
    'Another build of this index is running; waiting for it to finish…'
    """
    if holder is None:
        return "Another build of this index is running; waiting for it to finish…"
    at = time.strftime("%H:%M:%S", time.localtime(holder.started))
    return f"Waiting for the build started at {at} by process {holder.pid} to finish…"


def pace(done: int, left: int, seconds: float) -> str:
    """How fast a build goes and how long it has left, once it has a rate.

    >>> pace(120, 480, 10.0), pace(3, 0, 1.0), pace(0, 10, 0.2)
    ('12.0/s, 40 s left', '3.0/s', '')
    >>> pace(50, 9000, 20.0)
    '2.5/s, 1 h 0 min left'
    """
    if done <= 0 or seconds < 0.25:
        return ""
    rate = done / seconds
    if left <= 0:
        return f"{rate:.1f}/s"
    remaining = round(left / rate)
    if remaining >= 3600:
        spell = f"{remaining // 3600} h {remaining % 3600 // 60} min"
    elif remaining >= 60:
        spell = f"{remaining // 60} min {remaining % 60} s"
    else:
        spell = f"{remaining} s"
    return f"{rate:.1f}/s, {spell} left"


def long_vectors(done: int, total: int, seconds: float, where: str = "on this machine") -> str:
    """Said once when computing vectors will take a while, from the pace so far.

    >>> long_vectors(200, 48_000, 20.0)
    'Computing 48,000 vectors takes about 1 h 19 min on this machine (10/s so far); \
questions are answered meanwhile, with BM25 for the passages still without vectors.'
    """
    left = round((total - done) * seconds / max(done, 1))
    spell = f"{left // 3600} h {left % 3600 // 60} min" if left >= 3600 else f"{left // 60} min"
    return (
        f"Computing {total:,} vectors takes about {spell} {where} "
        f"({done / seconds:,.0f}/s so far); questions are answered meanwhile, "
        "with BM25 for the passages still without vectors."
    )


def format_semantic(spec: str | None, missing: int) -> str:
    """One line on the semantic layer, for ``docbot sources``.

    >>> format_semantic(None, 5)
    'Semantic layer: off (DOCBOT_SEMANTIC=0); answers use BM25 alone.'
    >>> format_semantic("e5-small", 0)
    'Semantic layer: on (e5-small), every passage has its vectors.'
    """
    if spec is None:
        return "Semantic layer: off (DOCBOT_SEMANTIC=0); answers use BM25 alone."
    if not missing:
        return f"Semantic layer: on ({spec}), every passage has its vectors."
    return (
        f"Semantic layer: on ({spec}), {missing:,} passages still lack vectors "
        "(those are searched with BM25 alone until then; `docbot index` computes them)."
    )


def _copy_lines(copies: tuple[tuple[str, str], ...], verbose: bool) -> list[str]:
    """Files indexed once under another name: counted, a few named.

    >>> _copy_lines((("faq.html", "faq.en.html"),), False)
    ['Indexed once under another name (a link or a copy): 1 file.', '  faq.html = faq.en.html']
    """
    count = len(copies)
    shown = copies if verbose else copies[:2]
    files = f"{count} file{'s' if count != 1 else ''}"
    lines = [f"Indexed once under another name (a link or a copy): {files}."]
    lines += [f"  {path} = {original}" for path, original in shown]
    if len(shown) < count:
        lines.append(f"  … and {count - len(shown)} more (--verbose lists them).")
    return lines


def _skipped_lines(skipped: tuple[tuple[str, str], ...], verbose: bool) -> list[str]:
    count = len(skipped)
    lines = [f"Skipped {count} file{'s' if count != 1 else ''}:"]
    if verbose:
        return lines + [f"  {path}: {reason}" for path, reason in skipped]
    by_reason: dict[str, list[str]] = {}
    for path, reason in skipped:
        by_reason.setdefault(reason, []).append(path)
    shown = 0
    for reason, paths in by_reason.items():
        if len(lines) > DETAIL_LIMIT:
            break
        if len(paths) <= 2:
            lines += [f"  {path}: {reason}" for path in paths]
        else:
            examples = ", ".join(paths[:2])
            lines.append(f"  {len(paths)} files: {reason} ({examples}, …)")
        shown += len(paths)
    if shown < count:
        lines.append(f"  … and {count - shown} more; `docbot index --verbose` lists them all.")
    return lines


def format_sources(
    documents: tuple[DocumentInfo, ...], name_of: NameOf, corpus: str | None = None
) -> str:
    """The documents as an aligned table."""
    if not documents:
        return empty_corpus(corpus)
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


def misread_note(wrong: Misread, name_of: NameOf, prefix: str, within: str | None) -> str:
    """The note for a question that reads as another language than the one
    set for questions (``prefix``: "--" for options, ":" for the interactive
    commands): what the setting means and, without ``within``, how to get
    passages in the language set."""
    told, other = name_of(wrong.told), name_of(wrong.read)
    advice = (
        f"{prefix}lang names the language the question is written in, {prefix}in {within} "
        "where to search."
        if within
        else f"For {told} passages only, use {prefix}in {wrong.told}."
    )
    return (
        f"Note: the question reads as {other}, and {prefix}lang {wrong.told} says it is "
        f"written in {told}. {advice}"
    )


def empty_corpus(corpus: str | None = None, skipped: bool | None = None) -> str:
    """What to say when the index holds no document; ``skipped``: whether
    the build just listed files it skipped (``None``: it listed nothing)."""
    where = f"The corpus folder {corpus}" if corpus else "The corpus folder"
    said = f"{where} has no document docbot can read yet. Add {FORMATS} files to it"
    if skipped is None:
        return f"{said}; `docbot index` lists the files it skipped and why."
    return f"{said}; the files above were skipped for the reasons given." if skipped else f"{said}."


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
