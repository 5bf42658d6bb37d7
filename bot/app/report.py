"""``docbot report``: what people asked the bot, from its state file.

Aggregation and formatting only (the SQL is ``state``'s, the command
``cli``'s): questions per day, the questions nothing answered (grouped), the
answers voted down with their passages, the most frequent questions and the
documents most often quoted, as text, as one JSON object, or as a
self-contained HTML page (inline CSS and an inline SVG chart: no script, no
external file, every piece of text escaped, and a Content-Security-Policy that
would block a script even if one slipped through).

Days are UTC days.  Grouping: two questions are the same when their
normalised texts are (``normalise``: case, accents, punctuation and white
space folded); groups whose word sets overlap by ``SIMILAR`` or more
(Jaccard: shared words / all words) are then merged, most asked first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .state import DayCounts, LoggedQuestion, LoggedVote

SIMILAR = 0.8  # word-set overlap at which two groups of questions merge
TOP_QUESTIONS = 20  # most frequent questions listed
TEXT_LIMIT = 30  # rows of a list in the text and HTML reports
QUESTION_WIDTH = 200  # characters of a question in the text report
MAX_VARIANTS = 5  # wordings of a group listed

_SINCE_DAYS = re.compile(r"([0-9]{1,5})d")
_SINCE_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BIDI = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


class SinceError(ValueError):
    """A ``--since`` value that is neither a date nor a number of days."""


def parse_since(text: str, today: dt.date) -> dt.date:
    """``--since``: a day (YYYY-MM-DD) or ``Nd``, the last N days, today included.

    >>> today = dt.date(2024, 5, 10)
    >>> parse_since("2024-05-01", today), parse_since("7d", today), parse_since("1d", today)
    (datetime.date(2024, 5, 1), datetime.date(2024, 5, 4), datetime.date(2024, 5, 10))
    """
    value = text.strip()
    match = _SINCE_DAYS.fullmatch(value)
    if match and int(match.group(1)) >= 1:
        return today - dt.timedelta(days=int(match.group(1)) - 1)
    try:
        if _SINCE_DAY.fullmatch(value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise SinceError(f"--since {text!r}: give a day (2024-05-01) or a number of days (7d)")


def utc_date(timestamp: float) -> dt.date:
    """The UTC day of a time stamp.

    >>> utc_date(0)
    datetime.date(1970, 1, 1)
    """
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).date()


def day_start(day: dt.date) -> float:
    """The first second of a UTC day, as a time stamp."""
    return dt.datetime.combine(day, dt.time(), dt.UTC).timestamp()


def normalise(text: str) -> str:
    """A question as grouping compares it: case, accents, punctuation and
    white space folded.

    >>> normalise("  Wie  misst man den ROI? ") == normalise("wie misst man den roi")
    True
    >>> normalise("¿Qué es   Networking?!"), normalise("Käsekuchen"), normalise("🚀?")
    ('que es networking', 'kasekuchen', '🚀?')
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    words = "".join(c if c.isalnum() else " " for c in plain).split()
    return " ".join(words) if words else " ".join(text.casefold().split())


def similarity(a: str, b: str) -> float:
    """The overlap of two normalised questions' word sets (Jaccard).

    >>> similarity("how do i reset my password", "how do i reset password")
    0.8333333333333334
    >>> similarity("roi", "networking")
    0.0
    """
    left, right = set(a.split()), set(b.split())
    return len(left & right) / len(left | right) if left or right else 1.0


@dataclass(frozen=True)
class Group:
    """Near-identical questions."""

    question: str  # the wording asked most (the latest of equals)
    count: int
    variants: tuple[str, ...]  # the distinct wordings, most asked first
    unanswered: int
    last: float  # when one was last asked


def group_questions(questions: Iterable[LoggedQuestion]) -> list[Group]:
    """Questions grouped (see the module's docstring), most asked first."""
    by_key: dict[str, list[LoggedQuestion]] = {}
    for q in questions:
        by_key.setdefault(normalise(q.question), []).append(q)
    clusters: list[tuple[str, list[LoggedQuestion]]] = []
    for key in sorted(by_key, key=lambda k: (-len(by_key[k]), k)):
        for head, members in clusters:
            if similarity(head, key) >= SIMILAR:
                members.extend(by_key[key])
                break
        else:
            clusters.append((key, list(by_key[key])))
    groups = []
    for _head, members in clusters:
        wordings = Counter(" ".join(q.question.split()) for q in members)
        latest = {" ".join(q.question.split()): q.asked for q in members}
        variants = sorted(wordings, key=lambda w: (-wordings[w], -latest[w]))
        groups.append(
            Group(
                question=variants[0],
                count=len(members),
                variants=tuple(variants[:MAX_VARIANTS]),
                unanswered=sum(not q.answered for q in members),
                last=max(q.asked for q in members),
            )
        )
    groups.sort(key=lambda g: (-g.count, -g.last))
    return groups


@dataclass(frozen=True)
class DocCount:
    doc: str
    title: str | None
    passages: int  # passages of it shown in answers


@dataclass(frozen=True)
class Report:
    state: str
    since: str | None  # YYYY-MM-DD
    generated: float
    logged: bool  # False: counts only (DOCBOT_LOG_QUESTIONS=0)
    retention_days: float
    days: list[DayCounts]  # every day from the first with a question to today
    unanswered: list[Group] | None = None
    voted_down: list[LoggedVote] | None = None
    frequent: list[Group] | None = None
    documents: list[DocCount] | None = None
    titles: Mapping[str, str] | None = None

    @property
    def totals(self) -> dict[str, int]:
        answered = sum(d.answered for d in self.days)
        unanswered = sum(d.unanswered for d in self.days)
        return {
            "questions": answered + unanswered,
            "answered": answered,
            "unanswered": unanswered,
            "up": sum(d.up for d in self.days),
            "down": sum(d.down for d in self.days),
        }

    def title(self, doc: str) -> str | None:
        return (self.titles or {}).get(doc)


def fill_days(days: Sequence[DayCounts], today: dt.date) -> list[DayCounts]:
    """Every day from the first of ``days`` to today (or the last of ``days``),
    quiet days as zeros.

    >>> got = fill_days([DayCounts("2024-05-01", 1, 0, 0, 0)], dt.date(2024, 5, 3))
    >>> [(d.day, d.answered) for d in got]
    [('2024-05-01', 1), ('2024-05-02', 0), ('2024-05-03', 0)]
    """
    if not days:
        return []
    known = {d.day: d for d in days}
    first = dt.date.fromisoformat(days[0].day)
    last = max(today, dt.date.fromisoformat(days[-1].day))
    span = (last - first).days + 1
    every = (str(first + dt.timedelta(days=i)) for i in range(span))
    return [known.get(day, DayCounts(day, 0, 0, 0, 0)) for day in every]


def build(
    *,
    state: str,
    days: Sequence[DayCounts],
    questions: Sequence[LoggedQuestion] | None,
    votes: Sequence[LoggedVote] | None,
    since: dt.date | None,
    now: float,
    retention_days: float,
    titles: Mapping[str, str] | None = None,
) -> Report:
    """The report; ``questions`` and ``votes`` are ``None`` when questions are
    not logged (counts only)."""
    today = utc_date(now)
    base = Report(
        state=state,
        since=None if since is None else str(since),
        generated=now,
        logged=questions is not None,
        retention_days=retention_days,
        days=fill_days(days, today),
        titles=titles,
    )
    if questions is None or votes is None:
        return base
    quoted: Counter[str] = Counter(
        str(ref[0]) for q in questions if q.answered for ref in q.passages
    )
    documents = [
        DocCount(doc, (titles or {}).get(doc), n)
        for doc, n in sorted(quoted.items(), key=lambda item: (-item[1], item[0]))
    ]
    return dataclasses.replace(
        base,
        unanswered=group_questions(q for q in questions if not q.answered),
        voted_down=[v for v in votes if v.vote < 0],
        frequent=group_questions(questions)[:TOP_QUESTIONS],
        documents=documents,
    )


# --- JSON -------------------------------------------------------------------------------


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _passages_json(report: Report, refs: Sequence[Sequence[object]]) -> list[dict[str, Any]]:
    return [
        {"doc": str(doc), "ordinal": ordinal, "title": report.title(str(doc))}
        for doc, ordinal in refs
    ]


def report_json(report: Report) -> dict[str, Any]:
    """The report as one JSON-ready object (the README lists its fields)."""

    def group(g: Group) -> dict[str, Any]:
        return {
            "question": g.question,
            "count": g.count,
            "unanswered": g.unanswered,
            "variants": list(g.variants),
            "last_asked": _iso(g.last),
        }

    return {
        "state": report.state,
        "since": report.since,
        "generated": _iso(report.generated),
        "questions_logged": report.logged,
        "retention_days": report.retention_days,
        "totals": report.totals,
        "days": [
            {
                "day": d.day,
                "answered": d.answered,
                "unanswered": d.unanswered,
                "up": d.up,
                "down": d.down,
            }
            for d in report.days
        ],
        "unanswered": None if report.unanswered is None else [group(g) for g in report.unanswered],
        "voted_down": None
        if report.voted_down is None
        else [
            {
                "question": v.question,
                "asked": _iso(v.asked),
                "voted": _iso(v.voted),
                "lang": v.lang,
                "chat_type": v.chat_type,
                "passages": _passages_json(report, v.passages),
            }
            for v in report.voted_down
        ],
        "frequent": None if report.frequent is None else [group(g) for g in report.frequent],
        "documents": None
        if report.documents is None
        else [{"doc": d.doc, "title": d.title, "passages": d.passages} for d in report.documents],
    }


# --- text ---------------------------------------------------------------------------------


def plain(text: str, limit: int = QUESTION_WIDTH) -> str:
    """User text made safe for a terminal: control characters (escape
    sequences) and bidi overrides out, white space runs one space, clipped.

    >>> plain("hi\\x1b[2J there\\n\\u202eevil")
    'hi [2J there evil'
    """
    cleaned = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    cleaned = " ".join(cleaned.translate(_BIDI).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M")


def _ref(report: Report, ref: Sequence[object]) -> str:
    doc = str(ref[0])
    title = report.title(doc)
    return f"{plain(doc, 120)} #{ref[1]}" + (f" — {plain(title, 80)}" if title else "")


def _more(items: Sequence[object]) -> list[str]:
    extra = len(items) - TEXT_LIMIT
    return [f"  … and {extra} more (--json lists them all)"] if extra > 0 else []


def _period(report: Report) -> str:
    if report.since:
        return f"since {report.since}"
    return f"since {report.days[0].day}" if report.days else "no questions yet"


def format_text(report: Report) -> str:
    """The report for a person at a terminal."""
    t = report.totals
    lines = [
        f"Bot state: {report.state} ({_period(report)}; days are UTC)",
        f"Questions: {t['questions']} ({t['answered']} answered, {t['unanswered']} not "
        f"answered); votes: {t['up']} 👍, {t['down']} 👎",
        "",
        "Questions per day:",
    ]
    if not report.days:
        lines.append("  none")
    lines += [
        f"  {d.day}  {d.answered:5} answered  {d.unanswered:5} not answered  "
        f"{d.up:3} 👍 {d.down:3} 👎"
        for d in report.days
    ]
    if not report.logged:
        lines += [
            "",
            "Questions are not logged (DOCBOT_LOG_QUESTIONS=0): counts only.",
        ]
        return "\n".join(lines)
    lines += ["", f"Questions are kept {report.retention_days:g} days (DOCBOT_RETENTION_DAYS)."]
    lines += _text_groups("Not answered", report.unanswered or [])
    lines += ["", f"Voted down ({len(report.voted_down or [])}):"]
    for v in (report.voted_down or [])[:TEXT_LIMIT]:
        question = plain(v.question) if v.question is not None else "(question not logged)"
        lines.append(f"  {_when(v.voted)}  {question}")
        lines += [f"      {_ref(report, ref)}" for ref in v.passages]
    lines += _more(report.voted_down or [])
    lines += _text_groups("Most frequent questions", report.frequent or [])
    lines += ["", f"Documents most quoted ({len(report.documents or [])}):"]
    lines += [
        f"  {d.passages:5}  {plain(d.doc, 120)}" + (f" — {plain(d.title, 80)}" if d.title else "")
        for d in (report.documents or [])[:TEXT_LIMIT]
    ]
    lines += _more(report.documents or [])
    return "\n".join(lines)


def _text_groups(heading: str, groups: Sequence[Group]) -> list[str]:
    lines = ["", f"{heading} ({len(groups)}):"]
    for g in groups[:TEXT_LIMIT]:
        lines.append(f"  {g.count:4}×  {plain(g.question)}")
        lines += [f"          also: {plain(w)}" for w in g.variants[1:]]
    return lines + _more(groups)


# --- HTML ---------------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT = 720, 220
_PLOT = (44, 12, 12, 28)  # left, top, right, bottom margins
_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 60em;
  padding: 0 1em; color: #1d2430; background: #fff; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.15em; margin-top: 2em; }
.meta { color: #5a6472; } .totals { font-size: 1.05em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid #e2e6ec;
  vertical-align: top; }
th { background: #f4f6f9; } td.n { text-align: right; white-space: nowrap; width: 4em; }
.also, .ref { color: #5a6472; font-size: .9em; } .ref { display: block; }
svg { width: 100%; height: auto; max-width: 720px; display: block; }
svg .answered { fill: #3b7dd8; } svg .unanswered { fill: #e8793a; }
svg .grid { stroke: #e2e6ec; } svg text { font: 11px system-ui, sans-serif; fill: #5a6472; }
.key { display: inline-block; width: .8em; height: .8em; margin: 0 .3em 0 1em; }
.key.answered { background: #3b7dd8; } .key.unanswered { background: #e8793a; }
.none { color: #5a6472; font-style: italic; }
"""


def esc(text: object) -> str:
    """Text for HTML (user text above all: questions are user input)."""
    return html.escape(str(text), quote=True)


def _nice_max(value: int) -> int:
    """The y axis's top: 1, 2 or 5 times a power of ten, at least ``value``.

    >>> [_nice_max(v) for v in (0, 1, 3, 7, 12, 480)]
    [1, 1, 5, 10, 20, 500]
    """
    if value <= 1:
        return 1
    power = 1
    while power * 10 <= value:
        power *= 10
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def svg_chart(days: Sequence[DayCounts]) -> str:
    """Questions per day, answered and not answered stacked: one ``<g
    class="day">`` (two bars and a tooltip) per day."""
    left, top, right, bottom = _PLOT
    width, height = CHART_WIDTH - left - right, CHART_HEIGHT - top - bottom
    peak = _nice_max(max((d.answered + d.unanswered for d in days), default=0))
    slot = width / max(len(days), 1)
    bar = min(max(slot * 0.8, 1.0), 48.0)
    base = top + height

    def y(value: float) -> float:
        return base - height * value / peak

    parts = [
        f'<svg viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" '
        f'aria-label="Questions per day, answered and not answered">'
    ]
    for value in (0, peak // 2, peak) if peak % 2 == 0 else (0, peak):
        parts.append(
            f'<line class="grid" x1="{left}" x2="{left + width}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}"/><text x="{left - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{value:g}</text>'
        )
    label_every = max(1, math.ceil(len(days) / 8))
    for i, d in enumerate(days):
        x = left + i * slot + (slot - bar) / 2
        answered_top = y(d.answered)
        total_top = y(d.answered + d.unanswered)
        parts.append(
            f'<g class="day"><title>{esc(d.day)}: {d.answered} answered, '
            f"{d.unanswered} not answered</title>"
            f'<rect class="answered" x="{x:.1f}" y="{answered_top:.1f}" width="{bar:.1f}" '
            f'height="{base - answered_top:.1f}"/>'
            f'<rect class="unanswered" x="{x:.1f}" y="{total_top:.1f}" width="{bar:.1f}" '
            f'height="{answered_top - total_top:.1f}"/></g>'
        )
        if i % label_every == 0 or i == len(days) - 1:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{base + 16}" text-anchor="middle">'
                f"{esc(d.day[5:])}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> str:
    """A table; ``rows`` hold HTML already escaped."""
    if not rows:
        return f'<p class="none">{esc(empty)}</p>'
    cells = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _html_more(items: Sequence[object]) -> str:
    extra = len(items) - TEXT_LIMIT
    if extra <= 0:
        return ""
    return f'<p class="none">… and {extra} more (docbot report --json lists them all)</p>'


def _group_rows(groups: Sequence[Group]) -> list[list[str]]:
    return [
        [
            f'<td class="n">{g.count}</td>',
            f"<td>{esc(g.question)}"
            + "".join(f'<span class="also ref">also: {esc(w)}</span>' for w in g.variants[1:])
            + "</td>",
            f"<td>{esc(_when(g.last))}</td>",
        ]
        for g in groups[:TEXT_LIMIT]
    ]


def _ref_html(report: Report, ref: Sequence[object]) -> str:
    doc = str(ref[0])
    title = report.title(doc)
    text = f"{doc} #{ref[1]}" + (f" — {title}" if title else "")
    return f'<span class="ref">{esc(text)}</span>'


def format_html(report: Report) -> str:
    """A self-contained page: inline CSS and SVG, no script, no external file."""
    t = report.totals
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        "<title>docbot report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>What people asked</h1>",
        f'<p class="meta">{esc(report.state)} · {esc(_period(report))} · days are UTC · '
        f"made {esc(_when(report.generated))} UTC</p>",
        f'<p class="totals"><b>{t["questions"]}</b> questions: {t["answered"]} answered, '
        f"{t['unanswered']} not answered · votes: {t['up']} 👍, {t['down']} 👎</p>",
        "<h2>Questions per day</h2>",
    ]
    if report.days:
        parts += [
            svg_chart(report.days),
            '<p><span class="key answered"></span>answered'
            '<span class="key unanswered"></span>not answered</p>',
            "<details><summary>Each day</summary>",
            _table(
                ("day", "answered", "not answered", "👍", "👎"),
                [
                    [f"<td>{esc(d.day)}</td>"]
                    + [f'<td class="n">{n}</td>' for n in (d.answered, d.unanswered, d.up, d.down)]
                    for d in report.days
                ],
                "No questions.",
            ),
            "</details>",
        ]
    else:
        parts.append('<p class="none">No questions yet.</p>')
    if not report.logged:
        parts.append(
            '<p class="none">Questions are not logged (DOCBOT_LOG_QUESTIONS=0): counts only.</p>'
        )
    else:
        parts += _html_lists(report)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_lists(report: Report) -> list[str]:
    unanswered, frequent = report.unanswered or [], report.frequent or []
    voted, documents = report.voted_down or [], report.documents or []
    return [
        f"<h2>Not answered ({len(unanswered)})</h2>",
        _table(("times", "question", "last asked"), _group_rows(unanswered), "None."),
        _html_more(unanswered),
        f"<h2>Voted down ({len(voted)})</h2>",
        _table(
            ("voted", "question", "passages shown"),
            [
                [
                    f"<td>{esc(_when(v.voted))}</td>",
                    f"<td>{esc(v.question) if v.question is not None else '(not logged)'}</td>",
                    "<td>" + "".join(_ref_html(report, r) for r in v.passages) + "</td>",
                ]
                for v in voted[:TEXT_LIMIT]
            ],
            "None.",
        ),
        _html_more(voted),
        f"<h2>Most frequent questions ({len(frequent)})</h2>",
        _table(("times", "question", "last asked"), _group_rows(frequent), "None."),
        f"<h2>Documents most quoted ({len(documents)})</h2>",
        _table(
            ("passages", "document", "title"),
            [
                [
                    f'<td class="n">{d.passages}</td>',
                    f"<td>{esc(d.doc)}</td>",
                    f"<td>{esc(d.title or '')}</td>",
                ]
                for d in documents[:TEXT_LIMIT]
            ],
            "None.",
        ),
        _html_more(documents),
        f'<p class="meta">Questions are kept {report.retention_days:g} days '
        "(DOCBOT_RETENTION_DAYS); the daily counts for good.</p>",
    ]
