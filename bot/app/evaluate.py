"""``docbot eval``: check a corpus against questions whose answers are known.

Pure functions: load a question file (JSON Lines or CSV) into ``Question``
records, score an engine ``Answer`` against its question, sum the outcomes up
per language, and format the summary as text or JSON.  The command itself
(``bot/cli/commands.py``) only asks the questions.

The rule, as the README states it: a result counts for a question when

- its passage text or its quote contains one of the ``expect`` phrases, with
  case, white space, typographic quotation marks and compatibility forms
  (ligatures, full-width letters) folded; and
- when ``docs`` is given, its passage comes from one of those documents.

With both given, both must hold (the phrase, found in the right document);
with only ``docs``, any passage of those documents counts; with neither, the
question is off-topic and is right when nothing is answered.

>>> fold("gauge ROI") in fold("It can be used to  GAUGE\\n roi.")
True
"""

from __future__ import annotations

import csv
import io
import json
import math
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docbot.index import MAX_QUESTION_CHARS, Answer, Hit, UsageError

DEPTH = 10  # results asked for per question: MRR is MRR@10
FIELDS = ("question", "lang", "expect", "docs", "id", "note")  # a note is ignored
SEPARATOR = "|"  # between phrases (or documents) in one CSV cell
UNDETERMINED = "und"  # BCP 47: a question too short to tell its language
LISTED_PROBLEMS = 100  # bad lines listed before the rest are only counted
EXCERPT = 72  # characters of a first result's quote shown for a miss

_QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "‹": "'",
        "›": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "″": '"',
        "«": '"',
        "»": '"',
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
    }
)


def fold(text: str) -> str:
    """``text`` as matching sees it: typographic quotes straight, compatibility
    forms plain (NFKC), case folded, white space runs one space.

    >>> fold("You  can’t\\nautomate “ﬁve” STRASSE")
    'you can\\'t automate "five" strasse'
    """
    plain = unicodedata.normalize("NFKC", text.translate(_QUOTES))
    return " ".join(plain.casefold().split())


def doc_path(name: str) -> str:
    """A document name as the index writes it: forward slashes, no leading ``./``.

    >>> doc_path(".\\\\guides\\\\setup.md")
    'guides/setup.md'
    """
    path = name.strip().replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return path


# --- the question file --------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """One line of a question file."""

    line: int  # where it starts in the file (1-based)
    question: str
    expect: tuple[str, ...] = ()  # phrases an answering passage contains
    docs: tuple[str, ...] = ()  # documents an answering passage comes from
    lang: str | None = None  # the question's language as written; None: detect
    id: str | None = None

    @property
    def off_topic(self) -> bool:
        """Nothing in the corpus answers it: right when nothing is answered."""
        return not self.expect and not self.docs


class QuestionFileError(Exception):
    """The question file cannot be evaluated; the message says why and where."""


Problem = tuple[int, str]  # (line, what is wrong with it)


def problems_message(path: str, problems: Sequence[Problem]) -> str:
    """Every bad line (up to ``LISTED_PROBLEMS``), one per line.

    >>> print(problems_message("q.jsonl", [(2, "not JSON"), (5, "no question")]))
    q.jsonl has 2 bad lines; nothing was evaluated. Fix them and run again:
      line 2: not JSON
      line 5: no question
    """
    count = len(problems)
    lines = [
        f"{path} has {count} bad line{'s' if count != 1 else ''}; nothing was evaluated. "
        f"Fix {'them' if count != 1 else 'it'} and run again:"
    ]
    lines += [f"  line {line}: {what}" for line, what in problems[:LISTED_PROBLEMS]]
    if count > LISTED_PROBLEMS:
        lines.append(f"  … and {count - LISTED_PROBLEMS} more")
    return "\n".join(lines)


def load_questions(path: Path, shown: str | None = None) -> tuple[Question, ...]:
    """The questions of a JSON Lines or CSV file; ``QuestionFileError`` naming
    every bad line when any line is bad (nothing half-read).

    The format comes from the extension (``.csv``, ``.tsv``; ``.jsonl``,
    ``.ndjson``, ``.json``), else from the first character (``{``: JSON Lines).
    ``shown`` is the name to use in messages (default: ``path``).
    """
    questions, problems = read_questions(path, shown)
    if problems:
        raise QuestionFileError(problems_message(shown or str(path), problems))
    return questions


def read_questions(
    path: Path, shown: str | None = None
) -> tuple[tuple[Question, ...], list[Problem]]:
    """The good questions of a question file and its bad lines, so that a
    caller can add its own checks (``check_languages``) and list every bad
    line at once; ``QuestionFileError`` when the file as a whole cannot be
    used (missing, not UTF-8, no questions)."""
    name = shown or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise QuestionFileError(f"There is no question file {name}.") from None
    except IsADirectoryError:
        raise QuestionFileError(f"{name} is a folder; name a question file.") from None
    except OSError as error:
        raise QuestionFileError(f"Cannot read {name}: {error.strerror or error}.") from None
    text = decode(data, name)
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv"}:
        questions, problems = parse_csv(text)
    elif suffix in {".jsonl", ".ndjson", ".json"} or text.lstrip().startswith(("{", "[")):
        questions, problems = parse_jsonl(text)
    else:
        questions, problems = parse_csv(text)
    if not questions and not problems:
        raise QuestionFileError(
            f"{name} holds no questions. Write one per line; the README's "
            "'Checking your corpus' shows the format."
        )
    return questions, problems


def decode(data: bytes, name: str) -> str:
    """UTF-8 with or without a BOM; anything else is refused with the line
    where it stops being UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise QuestionFileError(
            f"{name} is UTF-16; save it as UTF-8 (in Excel: 'CSV UTF-8 (Comma delimited)')."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise QuestionFileError(
            f"{name} is not UTF-8 (line {line}); save it as UTF-8 "
            "(in Excel: 'CSV UTF-8 (Comma delimited)')."
        ) from None


def parse_jsonl(text: str) -> tuple[tuple[Question, ...], list[Problem]]:
    """JSON Lines: one object per line; blank lines are skipped.

    >>> qs, bad = parse_jsonl('{"question": "Why?", "expect": ["because"]}\\n\\n{"lang": 1}')
    >>> qs[0].expect
    ('because',)
    >>> bad[0][0], bad[0][1].split("; ")[0]
    (3, 'no question')
    """
    questions: list[Question] = []
    problems: list[Problem] = []
    for number, raw in enumerate(text.split("\n"), start=1):  # not at U+2028 in a string
        if not raw.strip():
            continue
        try:
            fields = json.loads(raw)
        except json.JSONDecodeError as error:
            problems.append((number, f"not valid JSON ({error.msg}, column {error.colno})"))
            continue
        if not isinstance(fields, dict):
            hint = " (write one question object per line)" if isinstance(fields, list) else ""
            problems.append((number, f"not a JSON object{hint}"))
            continue
        question, wrong = make_question(number, fields)
        if question is None:
            problems.append((number, "; ".join(wrong)))
        else:
            questions.append(question)
    return tuple(questions), problems


def parse_csv(text: str) -> tuple[tuple[Question, ...], list[Problem]]:
    """CSV with a header row naming the columns (``question,lang,expect,docs``,
    any order, ``id`` optional), separated by commas, semicolons or tabs, quoted
    as Excel does; several phrases or documents in one cell are separated by
    ``|``.  Empty rows are skipped.

    >>> qs, bad = parse_csv('question;expect\\n"Why, then?";because | since\\n')
    >>> qs[0].question, qs[0].expect, qs[0].line, bad
    ('Why, then?', ('because', 'since'), 2, [])
    """
    header = next((line for line in text.split("\n") if line.strip()), "")
    delimiter, header_problem = _header(header)
    if header_problem:
        return (), [(1, header_problem)]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: list[str] | None = None
    questions: list[Question] = []
    problems: list[Problem] = []
    start = 1
    try:
        for row in reader:
            number, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if columns is None:
                columns = [cell.strip().lower() for cell in row]
                continue
            if len(row) > len(columns) and any(cell.strip() for cell in row[len(columns) :]):
                problems.append(
                    (
                        number,
                        f"{len(row)} cells for {len(columns)} columns (a cell holding "
                        f"{delimiter!r} must be in double quotes)",
                    )
                )
                continue
            cells = dict(zip(columns, (cell.strip() for cell in row), strict=False))
            question, wrong = make_question(number, _csv_fields(cells))
            if question is None:
                problems.append((number, "; ".join(wrong)))
            else:
                questions.append(question)
    except csv.Error as error:
        problems.append((start, f"not valid CSV ({error})"))
    return tuple(questions), problems


def _header(header: str) -> tuple[str, str]:
    """The separator of a CSV file, from its header row, and what is wrong with
    that row ("" when nothing is)."""
    for delimiter in (",", ";", "\t"):
        names = {cell.strip().lower() for cell in next(csv.reader([header], delimiter=delimiter))}
        if "question" not in names:
            continue
        unknown = sorted(names - set(FIELDS) - {""})
        if unknown:
            listed = ", ".join(repr(name) for name in unknown)
            return delimiter, f"unknown column {listed} (the columns are {', '.join(FIELDS)})"
        if not names & {"expect", "docs"}:
            return delimiter, "no expect column (an empty cell there means off-topic)"
        return delimiter, ""
    found = header.strip()[:80] or "nothing"
    return ",", (
        "the first row must name the columns: question, expect, and optionally lang, "
        f"docs, id, note (found: {found})"
    )


def _csv_fields(cells: Mapping[str, str]) -> dict[str, Any]:
    """A CSV row as the fields of a JSON line: empty cells are absent values."""

    def split(cell: str) -> list[str]:
        return [part.strip() for part in cell.split(SEPARATOR)] if cell else []

    fields: dict[str, Any] = {
        "question": cells.get("question", ""),
        "expect": split(cells.get("expect", "")),
    }
    if cells.get("docs"):
        fields["docs"] = split(cells["docs"])
    for name in ("lang", "id"):
        if cells.get(name):
            fields[name] = cells[name]
    return fields


def make_question(line: int, fields: Mapping[str, Any]) -> tuple[Question | None, list[str]]:
    """A ``Question`` from one line's fields, or ``None`` and what is wrong.

    >>> make_question(4, {"question": "Why?", "expect": "because"})[1]
    ['expect must be a list of phrases, like ["…"] ([] when nothing may answer)']
    """
    wrong: list[str] = []
    unknown = [name for name in fields if name not in FIELDS]
    wrong += [f"unknown field {name!r} (the fields are {', '.join(FIELDS)})" for name in unknown]
    question = fields.get("question")
    if question is None:
        wrong.append("no question")
    elif not isinstance(question, str):
        wrong.append("question must be text")
    elif not any(ch.isalnum() for ch in question):
        wrong.append("the question is empty")
    elif (length := len(" ".join(question.split()))) > MAX_QUESTION_CHARS:
        wrong.append(f"the question has {length:,} characters; the limit is {MAX_QUESTION_CHARS:,}")
    if "expect" not in fields and fields.get("docs") is None:
        wrong.append('no expect (write "expect": [] for a question nothing may answer)')
    expect = _phrases(fields.get("expect"), "expect", 'like ["…"] ([] when nothing may answer)')
    docs = _phrases(fields.get("docs"), "docs", 'like ["guide.md"]')
    for result in (expect, docs):
        if isinstance(result, str):
            wrong.append(result)
    lang = fields.get("lang")
    if lang is not None and not isinstance(lang, str):
        wrong.append('lang must be a language tag or name, like "de" or "German"')
    ident = fields.get("id")
    if ident is not None and (isinstance(ident, bool) or not isinstance(ident, str | int)):
        wrong.append("id must be text or a number")
    if wrong or not isinstance(expect, tuple) or not isinstance(docs, tuple):
        return None, wrong
    assert isinstance(question, str)
    lang_text = lang.strip() if isinstance(lang, str) else ""
    return Question(
        line=line,
        question=question,
        expect=expect,
        docs=tuple(doc_path(doc) for doc in docs),
        lang=None if lang_text.lower() in {"", "auto"} else lang_text,
        id=None if ident is None else str(ident),
    ), []


def _phrases(value: object, name: str, example: str) -> tuple[str, ...] | str:
    """A list of non-blank strings as a tuple, else what is wrong with it."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return f"{name} must be a list of {'phrases' if name == 'expect' else 'files'}, {example}"
    if any(not item.strip() for item in value):
        what = "phrase, which every passage contains" if name == "expect" else "file name"
        return f"{name} holds an empty {what}"
    return tuple(item.strip() for item in value)


def check_languages(
    questions: Iterable[Question], resolve: Callable[[str], str], available: Sequence[str]
) -> list[Problem]:
    """The lines whose ``lang`` is not a language a question can be asked in
    (``resolve`` raises for those: neither the corpus's nor one docbot has a
    module for), so that a file is refused before it is half evaluated."""
    problems: list[Problem] = []
    for q in questions:
        if q.lang is None:
            continue
        try:
            resolve(q.lang)
        except UsageError:
            choices = ", ".join(available) or "none"
            problems.append(
                (
                    q.line,
                    f"lang {q.lang!r} is not a language docbot answers in (this corpus: "
                    f"{choices}; or auto)",
                )
            )
    return problems


def unknown_docs(questions: Iterable[Question], known: Iterable[str]) -> list[tuple[int, str]]:
    """(line, document) for every ``docs`` entry that is not in the index."""
    present = set(known)
    return [(q.line, doc) for q in questions for doc in q.docs if doc not in present]


# --- scoring ------------------------------------------------------------------------


def counts(question: Question, hit: Hit) -> bool:
    """Whether ``hit`` answers ``question`` (see the module's docstring)."""
    if question.docs and hit.passage.doc not in question.docs:
        return False
    if not question.expect:
        return bool(question.docs)
    texts = (fold(hit.passage.text), fold(hit.quote.text))
    return any(fold(phrase) in text for phrase in question.expect for text in texts)


@dataclass(frozen=True)
class Outcome:
    """What one question got."""

    question: Question
    lang: str  # the language it was asked in (``UNDETERMINED``: too short to tell)
    rank: int | None  # the first result that counts; None: none of them
    first: Hit | None  # what came first; None: no answer

    @property
    def miss(self) -> bool:
        """An answerable question whose first result does not count, or an
        off-topic question that got an answer."""
        if self.question.off_topic:
            return self.first is not None
        return self.rank != 1


def score(question: Question, answer: Answer) -> Outcome:
    rank = None
    if not question.off_topic:
        rank = next((hit.rank for hit in answer.hits if counts(question, hit)), None)
    lang = UNDETERMINED if answer.lang_reason == "ambiguous" else answer.lang
    return Outcome(question, lang, rank, answer.hits[0] if answer.hits else None)


@dataclass(frozen=True)
class Stats:
    """Counts over a group of questions; the rates are over answerable ones."""

    n: int = 0  # answerable questions
    hit1: int = 0  # ... whose first result counts
    hit3: int = 0  # ... with a result that counts among the first three
    reciprocal: float = 0.0  # sum of 1/rank of the first result that counts
    off_topic: int = 0
    off_topic_answered: int = 0

    def add(self, outcome: Outcome) -> Stats:
        if outcome.question.off_topic:
            return Stats(
                self.n,
                self.hit1,
                self.hit3,
                self.reciprocal,
                self.off_topic + 1,
                self.off_topic_answered + (outcome.first is not None),
            )
        rank = outcome.rank
        return Stats(
            self.n + 1,
            self.hit1 + (rank == 1),
            self.hit3 + (rank is not None and rank <= 3),
            self.reciprocal + (1 / rank if rank else 0.0),
            self.off_topic,
            self.off_topic_answered,
        )

    def rate(self, count: float) -> float | None:
        return count / self.n if self.n else None

    @property
    def hit1_rate(self) -> float | None:
        return self.rate(self.hit1)


@dataclass(frozen=True)
class Summary:
    overall: Stats
    by_lang: tuple[tuple[str, Stats], ...]  # in order of first appearance
    misses: tuple[Outcome, ...]  # in file order

    @property
    def questions(self) -> int:
        return self.overall.n + self.overall.off_topic


def summarise(outcomes: Iterable[Outcome]) -> Summary:
    overall = Stats()
    by_lang: dict[str, Stats] = {}
    misses: list[Outcome] = []
    for outcome in outcomes:
        overall = overall.add(outcome)
        by_lang[outcome.lang] = by_lang.get(outcome.lang, Stats()).add(outcome)
        if outcome.miss:
            misses.append(outcome)
    return Summary(overall, tuple(by_lang.items()), tuple(misses))


def below(summary: Summary, minimum: float) -> bool:
    """Whether overall hit@1 is under ``minimum`` (no answerable question: it is)."""
    rate = summary.overall.hit1_rate
    return rate is None or rate < minimum


# --- output ---------------------------------------------------------------------------

NameOf = Callable[[str], str]


def _rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def stats_json(stats: Stats) -> dict[str, Any]:
    return {
        "n": stats.n,
        "hit1": _rounded(stats.rate(stats.hit1)),
        "hit3": _rounded(stats.rate(stats.hit3)),
        "mrr": _rounded(stats.rate(stats.reciprocal)),
        "off_topic": stats.off_topic,
        "off_topic_answered": stats.off_topic_answered,
    }


def miss_json(outcome: Outcome) -> dict[str, Any]:
    q, first = outcome.question, outcome.first
    return {
        "line": q.line,
        "id": q.id,
        "question": q.question,
        "lang": outcome.lang,
        "expect": list(q.expect),
        "docs": list(q.docs),
        "off_topic": q.off_topic,
        "rank": outcome.rank,
        "first": None
        if first is None
        else {
            "doc": first.passage.doc,
            "title": first.passage.title,
            "section": first.passage.section,
            "lang": first.passage.lang,
            "quote": first.quote.text,
        },
    }


def summary_json(summary: Summary, file: str, min_hit1: float | None = None) -> dict[str, Any]:
    """``docbot eval --json``: rates are fractions rounded to 4 digits (``null``
    without answerable questions); ``mrr`` is MRR@10."""
    return {
        "file": file,
        "questions": summary.questions,
        "depth": DEPTH,
        "overall": stats_json(summary.overall),
        "by_lang": {lang: stats_json(stats) for lang, stats in summary.by_lang},
        "misses": [miss_json(outcome) for outcome in summary.misses],
        "min_hit1": min_hit1,
        "passed": None if min_hit1 is None else not below(summary, min_hit1),
    }


def _fraction(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _language(tag: str, name_of: NameOf) -> str:
    if tag == UNDETERMINED:
        return "undetermined"
    name = name_of(tag)
    return f"{name} ({tag})" if name != tag else tag


def format_table(summary: Summary, name_of: NameOf) -> str:
    """hit@1, hit@3 and MRR@10 per language and overall, as aligned columns.

    >>> s = Stats(n=4, hit1=3, hit3=4, reciprocal=3.5, off_topic=1)
    >>> print(format_table(Summary(s, (("en", s),), ()), {"en": "English"}.get))
    language        n  hit@1  hit@3  MRR@10  off-topic answered
    English (en)    4   0.75   1.00    0.88  0 of 1
    overall         4   0.75   1.00    0.88  0 of 1
    """
    rows = [(_language(lang, name_of), stats) for lang, stats in summary.by_lang]
    rows.append(("overall", summary.overall))
    width = max(len("language"), *(len(label) for label, _ in rows))
    lines = [f"{'language':<{width}}  {'n':>3}  hit@1  hit@3  MRR@10  off-topic answered"]
    for label, stats in rows:
        off = f"{stats.off_topic_answered} of {stats.off_topic}" if stats.off_topic else "-"
        lines.append(
            f"{label:<{width}}  {stats.n:>3}  {_fraction(stats.rate(stats.hit1)):>5}  "
            f"{_fraction(stats.rate(stats.hit3)):>5}  "
            f"{_fraction(stats.rate(stats.reciprocal)):>6}  {off}"
        )
    return "\n".join(lines)


def _expected(q: Question) -> str:
    if q.off_topic:
        return "no answer (off-topic)"
    phrases = " or ".join(f"“{p}”" for p in q.expect)
    docs = " or ".join(q.docs)
    if phrases and docs:
        return f"{phrases}, in {docs}"
    return phrases or f"a passage of {docs}"


def format_miss(outcome: Outcome, name_of: NameOf) -> str:
    """One miss: the question, what was expected, where a result that counts
    came (if it did) and what came first.

    >>> q = Question(line=7, question="Why?", expect=("because",), id="x1")
    >>> print(format_miss(Outcome(q, "en", None, None), {"en": "English"}.get))
    line 7 (x1, English (en)): Why?
      expected: “because”
      found:    not in the first 10 results
      first:    (no answer)
    """
    q, first = outcome.question, outcome.first
    label = ", ".join(part for part in (q.id, _language(outcome.lang, name_of)) if part)
    lines = [f"line {q.line} ({label}): {q.question}", f"  expected: {_expected(q)}"]
    if not q.off_topic:
        found = f"at rank {outcome.rank}" if outcome.rank else f"not in the first {DEPTH} results"
        lines.append(f"  found:    {found}")
    if first is None:
        lines.append("  first:    (no answer)")
    else:
        p = first.passage
        where = f"{p.doc} — {p.section}" if p.section else p.doc
        lines.append(f"  first:    {where}")
        lines.append(f"            “{_clip(first.quote.text, EXCERPT)}”")
    return "\n".join(lines)


def format_summary(summary: Summary, file: str, name_of: NameOf) -> str:
    """The whole report ``docbot eval`` prints."""
    o = summary.overall
    head = (
        f"{summary.questions} question{'s' if summary.questions != 1 else ''} from {file}: "
        f"{o.n} answerable, {o.off_topic} off-topic."
    )
    parts = [head, format_table(summary, name_of)]
    if not summary.misses:
        parts.append("No misses.")
    else:
        count = len(summary.misses)
        listed = "\n\n".join(format_miss(outcome, name_of) for outcome in summary.misses)
        parts.append(f"{count} miss{'es' if count != 1 else ''}:\n\n{listed}")
    return "\n\n".join(parts)


def below_message(summary: Summary, minimum: float) -> str:
    """The one line ``--min-hit1`` says when the corpus falls short."""
    o = summary.overall
    rate = o.hit1_rate
    if rate is None:
        return f"no answerable question, so hit@1 cannot reach --min-hit1 {minimum:g}."
    shown = f"{math.floor(rate * 1000) / 1000:.3f}"
    return f"hit@1 is {shown} ({o.hit1} of {o.n}), below --min-hit1 {minimum:g}."
