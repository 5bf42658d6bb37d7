"""The ``docbot`` command: index, ask, eval, sources, bot, report.

Each command is a thin wrapper over the engine's public API (``index``).
Expected problems print one line and exit 2 (usage) or 1 (failure), never a
traceback; a closed output pipe (``docbot sources | head -1``) ends quietly
with 0.

``main(argv, env=..., streams=...)`` runs a command in-process: the tests
give it their own environment and in-memory streams.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
import re
import shlex
import shutil
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, TextIO

from docbot.index import (
    Answer,
    BuildReport,
    CorpusError,
    DocbotError,
    EmptyQuestion,
    EncoderUnavailable,
    IndexBusy,
    LockHolder,
    Searcher,
    UsageError,
    build_index,
    check_staleness,
    refresh_vectors,
    vector_progress,
    vectors_missing,
    verify_index,
)

from ..app.config import Paths, cluster_address, load_environment, resolve_paths, semantic_spec
from ..app.conversation import misread
from . import render

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143
DEFAULT_TOP = 3
BULK_CHANGE = 50
SEMANTIC_INLINE_LIMIT = 300  # passages: about a minute of vectors on 2 cores
ESTIMATE_AFTER = 5.0  # seconds of computing vectors before their pace is trusted
LONG_VECTORS = 120.0  # seconds: vectors that take longer are announced with an estimate
MAX_WIDTH = 100  # quotes wrap at the terminal's width, up to this many columns


@dataclass
class Streams:
    """Where a command reads questions (bytes) and writes its output."""

    stdin: IO[bytes]
    stdout: TextIO
    stderr: TextIO

    @classmethod
    def system(cls) -> Streams:
        stdin = sys.stdin.buffer if sys.stdin is not None else io.BytesIO()
        return cls(stdin, sys.stdout, sys.stderr)


class CliError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("docbot")
    except PackageNotFoundError:
        return "unknown (not installed)"


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked for
    (importlib.metadata costs 20 ms on every command otherwise)."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        parser._print_message(f"docbot {version()}\n", sys.stdout)
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """argparse that writes help, usage and errors to the command's streams."""

    def __init__(self, *args: Any, streams: Streams | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.streams = streams

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if not message:
            return
        if self.streams is None:
            super()._print_message(message, file)
            return
        target = self.streams.stderr if file is sys.stderr else self.streams.stdout
        target.write(message)

    def add_subparsers_to(self) -> argparse._SubParsersAction[_Parser]:
        return self.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)


INDEX_HELP = """\
Build the index of the corpus folder, or bring it up to date: only files whose
size or modification time changed are read again, and deleted files are
dropped. Says what changed, passages per language, and which files were
skipped, and why."""

ASK_HELP = """\
Answer a question by quoting the passages of the corpus that answer it.
Without a question, reads one question per line from standard input (batch
mode): with --json it writes one answer per line, so output line N answers
input line N; without it, each answer under a line "? QUESTION", followed by a
blank line. On a terminal, without a question, starts an interactive session."""

ASK_EXAMPLES = """\
examples:
  docbot ask "How do I measure ROI for networking?"
  docbot ask "Was ist Social Networking?" --lang de --top 5
  docbot ask --json < questions.txt > answers.jsonl"""

EVAL_HELP = """\
Ask every question of a question file and report how well the corpus answers:
hit@1, hit@3 and MRR@10 per language and overall, off-topic questions that got
an answer, and each miss with what came first. A result counts when its passage
or quote contains an expected phrase (case, white space and quotation marks
folded) and, when docs are given, comes from one of them. Uses the same index
and settings as `docbot ask`. A file with a bad line is refused (exit 2), every
bad line listed. The README's "Checking your corpus" describes the format."""

EVAL_EXAMPLES = """\
question file, JSON Lines (lang, docs, id optional; "expect": [] means off-topic):
  {"question": "Can I automate conversations?", "lang": "en",
   "expect": ["You can't automate individual conversations"]}   (on one line)
  {"question": "What is the weather in Madrid tomorrow?", "expect": []}
or CSV with the header question,lang,expect,docs (several phrases: a | b)

examples:
  docbot eval examples/questions.jsonl
  docbot eval questions.csv --json
  docbot eval questions.jsonl --min-hit1 0.9    # exit 1 below 0.9: for CI"""

SOURCES_HELP = "List the indexed documents: language, date, passages, title and file."

BOT_HELP = """\
Run the Telegram bot over the same index. Needs TELEGRAM_BOT_TOKEN (from
@BotFather) in the environment or a .env file; see the README."""

REPORT_HELP = """\
What people asked the Telegram bot, from its state file next to the index
(read only; the bot may be running): questions per day, answered and not; the
questions nothing answered, near-identical ones grouped; the answers voted
down with the passages shown; the most frequent questions; the documents
most quoted. With DOCBOT_LOG_QUESTIONS=0, counts per day only. Days are UTC.
Exit 1 when the bot has no state file yet."""

REPORT_EXAMPLES = """\
examples:
  docbot report
  docbot report --since 7d              # the last 7 days, today included
  docbot report --since 2024-05-01 --json
  docbot report --html report.html      # a page with a chart, no external files"""


def _parser(streams: Streams | None = None) -> _Parser:
    # --corpus and --db work before the command and after it; SUPPRESS keeps
    # a value given before the command when the command's parser has none.
    common = _Parser(add_help=False)
    common.add_argument(
        "--corpus", metavar="DIR", default=argparse.SUPPRESS, help="folder of documents"
    )
    common.add_argument("--db", metavar="FILE", default=argparse.SUPPRESS, help="index file")
    parser = _Parser(
        prog="docbot",
        description="Answer questions from a folder of documents, quoting the best passages.",
        epilog="Settings come from the environment or a .env file: DOCBOT_CORPUS, DOCBOT_DB, …",
        parents=[common],
        streams=streams,
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    sub = parser.add_subparsers_to()

    def command(name: str, summary: str, description: str, epilog: str | None = None) -> _Parser:
        return sub.add_parser(
            name,
            help=summary,
            description=description,
            epilog=epilog,
            parents=[common],
            formatter_class=argparse.RawDescriptionHelpFormatter,
            streams=streams,
        )

    p_index = command("index", "build or refresh the index", INDEX_HELP)
    p_index.add_argument(
        "--rebuild",
        action="store_true",
        help="start from scratch (also replaces a damaged index file)",
    )
    p_index.add_argument(
        "--force",
        action="store_true",
        help="with --rebuild: replace the index file even if it is another program's "
        "SQLite database (its tables are lost)",
    )
    p_index.add_argument(
        "--watch", action="store_true", help="keep running and refresh when the corpus changes"
    )
    p_index.add_argument(
        "-v", "--verbose", action="store_true", help="list every file added, changed or skipped"
    )
    p_index.add_argument(
        "--check",
        action="store_true",
        help="read the whole index and check it (SQLite, sizes and checksums); change nothing",
    )
    p_index.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="compute the vectors on the Dask cluster whose scheduler is at ADDRESS "
        "(tcp://HOST:8786; as DOCBOT_CLUSTER)",
    )
    p_index.add_argument(
        "--no-semantic",
        action="store_true",
        help="BM25 only: compute no vectors, load no model (as DOCBOT_SEMANTIC=0)",
    )

    p_ask = command(
        "ask", "answer a question (batch from stdin, or interactive)", ASK_HELP, ASK_EXAMPLES
    )
    p_ask.add_argument("question", nargs="*", metavar="QUESTION")
    p_ask.add_argument(
        "--lang",
        metavar="TAG",
        help="the language the question is written in: a tag or name (de, de-AT, German) "
        "or auto (default: detect)",
    )
    p_ask.add_argument(
        "--in",
        dest="within",
        metavar="TAG",
        help="answer only with passages in this language (default: every language)",
    )
    p_ask.add_argument(
        "--top",
        type=int,
        default=DEFAULT_TOP,
        metavar="K",
        help=f"number of passages (default {DEFAULT_TOP})",
    )
    p_ask.add_argument("--json", action="store_true", help="one JSON object per question")

    p_eval = command(
        "eval", "score the answers to a question file (hit@1, hit@3, MRR)", EVAL_HELP, EVAL_EXAMPLES
    )
    p_eval.add_argument("questions", metavar="QUESTIONS", help="question file (.jsonl or .csv)")
    p_eval.add_argument(
        "--json", action="store_true", help="one JSON object with the numbers and the misses"
    )
    p_eval.add_argument(
        "--min-hit1",
        type=_fraction,
        metavar="X",
        help="exit 1 when overall hit@1 is below X (0 to 1)",
    )

    command("sources", "list the indexed documents", SOURCES_HELP)
    command("bot", "run the Telegram bot (TELEGRAM_BOT_TOKEN)", BOT_HELP)

    p_report = command(
        "report", "what people asked the bot (from its state)", REPORT_HELP, REPORT_EXAMPLES
    )
    p_report.add_argument(
        "--since", metavar="WHEN", help="from this day (YYYY-MM-DD) or the last N days (7d)"
    )
    p_report.add_argument("--json", action="store_true", help="one JSON object")
    p_report.add_argument(
        "--html", metavar="FILE", help="write a self-contained HTML page with a chart to FILE"
    )
    return parser


def _fraction(text: str) -> float:
    """A number from 0 to 1, for ``--min-hit1``."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number from 0 to 1, like 0.9")
    return value


def _use_color(stream: TextIO, env: Mapping[str, str]) -> bool:
    return "NO_COLOR" not in env and stream.isatty() and env.get("TERM") != "dumb"


def _width(stream: TextIO, env: Mapping[str, str]) -> int:
    """Columns to wrap quotes at: the terminal's (up to ``MAX_WIDTH``), else
    ``render.WIDTH`` for files and pipes."""
    if not stream.isatty():
        return render.WIDTH
    columns = env.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return min(int(columns), MAX_WIDTH)
    try:
        size = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, io.UnsupportedOperation):
        size = shutil.get_terminal_size((render.WIDTH, 24)).columns
    return min(size or render.WIDTH, MAX_WIDTH)  # 0: a terminal that does not say


class _Progress:
    """A one-line progress bar on stderr, shown only when a build takes a while;
    ``first`` is called once, when the build reaches its first file."""

    def __init__(
        self,
        stream: TextIO,
        first: Callable[[], None] | None = None,
        where: str = "on this machine",  # where the vectors are computed
    ) -> None:
        self.stream, self.first, self.where = stream, first, where
        self.delay = 0.5
        self.started = time.monotonic()
        self.shown = False
        self.last = 0.0
        self.calls = 0  # files read and batches of vectors computed: work this process did
        self.phase: tuple[int, float, int] = (-1, self.started, 0)  # total, start, done then
        self.told = False  # how long the vectors take: said once

    def __call__(self, done: int, total: int, path: str) -> None:
        self.calls += 1
        if self.first is not None:
            self.first()
            self.first = None
        now = time.monotonic()
        if total != self.phase[0]:  # files, then vectors: each its own rate
            self.phase = (total, now, done)
        self._tell_if_long(done, total, path, now)
        if not self.stream.isatty() or now - self.started < self.delay:
            return
        if now - self.last < 0.1 and done < total:
            return
        self.last, self.shown = now, True
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "-" * (width - filled)
        _, since, before = self.phase
        pace = render.pace(done - before, total - done, now - since)
        self.stream.write(f"\r[{bar}] {done}/{total} {pace:<22} {path[-30:]:<30}")
        self.stream.flush()

    def _tell_if_long(self, done: int, total: int, label: str, now: float) -> None:
        """Once the pace of computing vectors is known (``ESTIMATE_AFTER``
        seconds), say how long they will take if that is long, on any stream."""
        _, since, before = self.phase
        if self.told or label != "vectors" or now - since < ESTIMATE_AFTER:
            return
        self.told = True
        left = (total - done) * (now - since) / max(done - before, 1)
        if left >= LONG_VECTORS:
            self.close()
            self.stream.write(
                render.long_vectors(done - before, total - before, now - since, self.where)
            )
            self.stream.write("\n")
            self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()


def _name_of(searcher: Searcher) -> Callable[[str], str]:
    return lambda tag: searcher.language_name(tag, "en")


# A command a message suggests: at its end, or quoted in backticks.
_SUGGESTED = re.compile(r"docbot index(?: --rebuild)?(?: --force)?(?=`|\.?$)")


class Cli:
    """One run of the command: its arguments, settings and streams."""

    def __init__(self, args: argparse.Namespace, env: Mapping[str, str], streams: Streams) -> None:
        self.args, self.env, self.streams = args, env, streams
        self.corpus_arg: str | None = getattr(args, "corpus", None)
        self.db_arg: str | None = getattr(args, "db", None)
        self.paths: Paths = resolve_paths(env, self.corpus_arg, self.db_arg)
        self.semantic = semantic_spec(env, disabled=getattr(args, "no_semantic", False))
        self.cluster = cluster_address(env, getattr(args, "cluster", None))  # docbot index only

    # --- output ------------------------------------------------------------

    def out(self, text: str) -> None:
        print(text, file=self.streams.stdout, flush=True)

    def note(self, text: str) -> None:
        print(text, file=self.streams.stderr, flush=True)

    def options(self) -> str:
        """The --corpus/--db the user gave, to repeat in a suggested command."""
        given = [("--corpus", self.corpus_arg), ("--db", self.db_arg)]
        return "".join(f" {flag} {shlex.quote(value)}" for flag, value in given if value)

    def with_options(self, message: str) -> str:
        """``message`` with the user's --corpus/--db added to the commands it suggests."""
        extra = self.options()
        return _SUGGESTED.sub(lambda m: m.group(0) + extra, message) if extra else message

    def fail(self, message: str, code: int) -> NoReturn:
        raise CliError(message, code)

    # --- the index ---------------------------------------------------------

    def check_db_path(self) -> None:
        db = self.paths.db
        if db.is_dir():
            self.fail(
                f"--db {db} is a folder, not an index file. Name a file for the index, "
                f"for example --db {shlex.quote(str(db / 'index.db'))}",
                EXIT_USAGE,
            )

    def build(self, rebuild: bool = False, force: bool = False) -> BuildReport:
        """Build, waiting (and saying at once whom for) if another build runs."""
        where = f"on the Dask cluster at {self.cluster}" if self.cluster else "on this machine"
        progress = _Progress(self.streams.stderr, where=where)
        waited: list[LockHolder | None] = []

        def on_wait(holder: LockHolder | None) -> None:
            waited.append(holder)
            self.note(render.waiting(holder))

        try:
            report = build_index(
                self.paths.corpus,
                self.paths.db,
                rebuild=rebuild,
                force=force,
                progress=progress,
                semantic=self.semantic,
                on_wait=on_wait,
                cluster=self.cluster,
            )
        finally:
            progress.close()
        if waited and not progress.calls and not report.changed_anything and not rebuild:
            self.note("Nothing was left to do: the other build did it all.")
        return report

    def ensure_fresh(self, quiet: bool) -> None:
        """Build or refresh the index when it is missing or stale.

        A question should not wait minutes: when an index exists and another
        build is running, or the corpus changed in bulk, docbot answers from
        the index as it is and says how to bring it up to date; so it does
        when many passages still lack vectors (answers are BM25 meanwhile).
        "Indexing…" is said once the build has started on a file, so a build
        that fails at once is one line: its error.
        """
        staleness = check_staleness(self.paths.corpus, self.paths.db)
        command = f"docbot index{self.options()}"
        if staleness.reason is None:
            self._ensure_vectors(quiet, command)
            return
        if staleness.usable and staleness.changed > BULK_CHANGE:
            self.note(
                f"docbot: {staleness.changed} files changed since the last build; answering "
                f"from the current index. Run `{command}` to include them."
            )
            return
        started: list[bool] = []

        def announce() -> None:
            started.append(True)
            if not quiet:
                self.note(f"Indexing {self.paths.corpus} ({staleness.reason})…")

        progress = _Progress(self.streams.stderr, first=announce)
        try:
            report = build_index(self.paths.corpus, self.paths.db, wait=False, progress=progress)
        except IndexBusy as busy:
            if not staleness.usable:
                self.note(render.waiting(busy.holder))
                report = build_index(self.paths.corpus, self.paths.db, progress=progress)
            else:
                self.note("docbot: a rebuild is running; answering from the current index.")
                return
        finally:
            progress.close()
        if (started or report.removed) and not quiet:  # a file removed is news too
            self.note(render.format_report(report).splitlines()[0])
        for what in report.repaired:
            self.note(f"docbot: repaired: {what}; written again from the index.")
        self._ensure_vectors(quiet, command)

    def _ensure_vectors(self, quiet: bool, command: str) -> None:
        """Compute the vectors of a few new passages now; for many, answer with
        BM25 and say how to compute them."""
        if self.semantic is None:
            return
        missing = vectors_missing(self.paths.db, self.semantic)
        if not missing:
            return
        if missing > SEMANTIC_INLINE_LIMIT:
            self.note(
                f"docbot: {missing:,} passages have no vectors yet; those are searched with "
                f"BM25 alone. Run `{command}` to compute them."
            )
            return
        if not quiet:
            what = "1 passage and its" if missing == 1 else f"{missing:,} passages and their"
            self.note(f"Computing vectors for {what} sentences…")
        progress = _Progress(self.streams.stderr)
        try:
            refresh_vectors(self.paths.db, self.semantic, progress=progress, wait=False)
        except IndexBusy:
            self.note("docbot: a rebuild is running; answering from the current index.")
        except EncoderUnavailable as error:
            self.note(f"docbot: {error}")
        finally:
            progress.close()

    def open_searcher(self) -> Searcher:
        searcher = Searcher.open(self.paths.db, self.semantic)
        if searcher.semantic_problem:
            self.note(f"docbot: {self.with_options(searcher.semantic_problem)}")
        if not searcher.documents:
            self.fail(render.empty_corpus(str(self.paths.corpus)), EXIT_USAGE)
        return searcher

    # --- commands ----------------------------------------------------------

    def cmd_index(self) -> int:
        if self.args.force and not self.args.rebuild:
            self.fail(
                "--force only goes with --rebuild: docbot index --rebuild --force", EXIT_USAGE
            )
        if self.args.cluster and self.semantic is None:
            self.fail(
                "--cluster computes the semantic layer's vectors; with --no-semantic "
                "(or DOCBOT_SEMANTIC=0) there are none to compute.",
                EXIT_USAGE,
            )
        if self.args.check:
            check = verify_index(self.paths.db)
            (self.out if check.ok else self.note)(self.with_options(render.format_check(check)))
            return EXIT_OK if check.ok else EXIT_FAILURE
        report = self.build(self.args.rebuild, self.args.force)
        self.out(render.format_report(report, verbose=self.args.verbose))
        if not report.documents and not self.args.watch:
            self.fail(render.empty_corpus(str(self.paths.corpus), bool(report.skipped)), EXIT_USAGE)
        if self.args.watch:
            from ..app.watch import watch_corpus

            watch_corpus(
                self.paths,
                lambda: self.out(render.format_report(self.build(), verbose=self.args.verbose)),
            )
        return EXIT_OK

    def cmd_ask(self) -> int:
        args = self.args
        if args.top < 1:
            self.fail("--top must be 1 or more.", EXIT_USAGE)
        question = " ".join(args.question).strip()
        if args.question and not question:
            self.fail(EmptyQuestion.MESSAGE, EXIT_USAGE)
        interactive = not question and self.streams.stdin.isatty()
        self.ensure_fresh(quiet=args.json)
        searcher = self.open_searcher()
        lang = args.lang
        if lang and lang.strip().lower() == "auto":
            lang = None
        if lang:
            searcher.question_language(lang)
        within = args.within and searcher.resolve_language(args.within)
        color = _use_color(self.streams.stdout, self.env)
        width = _width(self.streams.stdout, self.env)
        if question:
            if lang:
                self.warn_if_written_in_another(searcher, question, lang, within)
            answer = searcher.ask(question, lang=lang, top=args.top, within=within)
            self.print_answer(searcher, answer, width)
            return EXIT_OK
        if interactive:
            from .interactive import run_session

            return run_session(searcher, lang, args.top, color, width)
        return self.batch(searcher, lang, width)

    def warn_if_written_in_another(
        self, searcher: Searcher, question: str, lang: str, within: str | None
    ) -> None:
        """``--lang de`` on an English question: say what --lang means and, when
        no ``--in`` is given, how to get passages in that language."""
        wrong = misread(searcher, question, lang)
        if wrong is not None:
            self.note(render.misread_note(wrong, searcher.language_name, "--", within))

    def print_answer(self, searcher: Searcher, answer: Answer, width: int) -> None:
        if self.args.json:
            self.out(render.dumps(render.answer_json(answer)))
        else:
            color = _use_color(self.streams.stdout, self.env)
            self.out(render.format_answer(answer, _name_of(searcher), color, width))

    def questions(self) -> Iterator[str]:
        """Every input line, blank ones too: output line N answers input line N."""
        for raw in self.streams.stdin:
            yield raw.decode("utf-8", errors="replace").rstrip("\r\n")

    def batch(self, searcher: Searcher, lang: str | None, width: int) -> int:
        failed = 0
        for line in self.questions():
            try:
                answer = searcher.ask(line, lang=lang, top=self.args.top, within=self.args.within)
            except UsageError as error:
                failed += 1
                if self.args.json:
                    self.out(render.dumps(render.error_json(line, str(error))))
                else:
                    self.out(f"? {line[:80]}\n{error}\n")
                continue
            if not self.args.json:
                self.out(f"? {answer.question}")
            self.print_answer(searcher, answer, width)
            if not self.args.json:
                self.out("")
        return EXIT_FAILURE if failed else EXIT_OK

    def cmd_eval(self) -> int:
        """Ask every question of a question file; the numbers, the misses, and
        with --min-hit1 an exit code a CI job can check."""
        from ..app import evaluate

        args, shown = self.args, self.args.questions
        try:
            questions, problems = evaluate.read_questions(Path(shown), shown)
        except evaluate.QuestionFileError as error:
            self.fail(str(error), EXIT_USAGE)
        if problems and not any(q.lang for q in questions):
            self.fail(evaluate.problems_message(shown, problems), EXIT_USAGE)
        if not problems and args.min_hit1 is not None and all(q.off_topic for q in questions):
            self.fail(
                f"{shown} has no answerable question, so --min-hit1 cannot apply.", EXIT_USAGE
            )
        # A bad `lang` is known only with the corpus's languages: listed with the rest.
        self.ensure_fresh(quiet=args.json)
        searcher = self.open_searcher()
        problems += evaluate.check_languages(
            questions, searcher.question_language, searcher.languages
        )
        if problems:
            self.fail(evaluate.problems_message(shown, sorted(problems)), EXIT_USAGE)
        for line, doc in evaluate.unknown_docs(questions, (d.path for d in searcher.documents)):
            self.note(f"docbot: {shown} line {line}: {doc} is not in the corpus.")
        progress = _Progress(self.streams.stderr)
        outcomes = []
        try:
            for done, q in enumerate(questions, start=1):
                answer = searcher.ask(q.question, lang=q.lang, top=evaluate.DEPTH)
                outcomes.append(evaluate.score(q, answer))
                progress(done, len(questions), q.question)
        finally:
            progress.close()
        summary = evaluate.summarise(outcomes)
        if args.json:
            self.out(render.dumps(evaluate.summary_json(summary, shown, args.min_hit1)))
        else:
            self.out(evaluate.format_summary(summary, shown, _name_of(searcher)))
        if args.min_hit1 is not None and evaluate.below(summary, args.min_hit1):
            self.note(f"docbot: {evaluate.below_message(summary, args.min_hit1)}")
            return EXIT_FAILURE
        return EXIT_OK

    def cmd_sources(self) -> int:
        self.ensure_fresh(quiet=False)
        searcher = Searcher(self.paths.db)
        documents = searcher.documents
        if not documents:
            self.fail(render.empty_corpus(str(self.paths.corpus)), EXIT_USAGE)
        self.out(render.format_sources(documents, _name_of(searcher), str(self.paths.corpus)))
        self.out(render.format_semantic(self.semantic, searcher.vectors_missing))
        return EXIT_OK

    def cmd_bot(self) -> int:
        from ..telegram.application import run_bot

        return run_bot(self.paths, self.env)

    def cmd_report(self) -> int:
        """The bot's state, read only, aggregated by ``report``."""
        from ..app import report
        from ..app.config import SettingError, question_log
        from ..app.state import StateError, StateReader, state_path

        args, now = self.args, time.time()
        try:
            config = question_log(self.env)
            since = None
            if args.since is not None:
                since = report.parse_since(args.since, report.utc_date(now))
        except (SettingError, report.SinceError) as error:
            self.fail(str(error), EXIT_USAGE)
        path = state_path(self.paths.db)
        if not path.is_file():
            self.fail(f"no bot state yet ({path}): run docbot bot", EXIT_FAILURE)
        retention = config.retention_days * 86400
        start = now - retention if since is None else max(now - retention, report.day_start(since))
        try:
            with StateReader(path) as reader:
                days = reader.days(None if since is None else str(since))
                questions = reader.questions(start) if config.enabled else None
                votes = reader.votes(start) if config.enabled else None
        except StateError as error:
            self.fail(str(error), EXIT_FAILURE)
        result = report.build(
            state=str(path),
            days=days,
            questions=questions,
            votes=votes,
            since=since,
            now=now,
            retention_days=config.retention_days,
            titles=self.document_titles() if config.enabled else None,
        )
        if args.html:
            Path(args.html).write_text(report.format_html(result), encoding="utf-8")
            self.note(f"docbot: wrote {args.html}")
        if args.json:
            self.out(render.dumps(report.report_json(result)))
        elif not args.html:
            self.out(report.format_text(result))
        return EXIT_OK

    def document_titles(self) -> dict[str, str] | None:
        """The indexed documents' titles by path, when the index can be read
        as it is (a report never builds it)."""
        if not self.paths.db.is_file():
            return None
        try:
            searcher = Searcher(self.paths.db)
        except (DocbotError, OSError):
            return None
        try:
            return {d.path: d.title for d in searcher.documents}
        finally:
            searcher.close()

    def after_interrupt(self) -> None:
        """Say what an interrupted build kept and how to go on; nothing when
        the index is current (or cannot be read)."""
        if self.args.command not in BUILDING or not self.paths.db.is_file():
            return
        try:
            staleness = check_staleness(self.paths.corpus, self.paths.db)
            vectors = None
            semantic = self.semantic if staleness.reason is None else None
            if semantic is not None and vectors_missing(self.paths.db, semantic):
                vectors = vector_progress(self.paths.db, semantic)
        except (DocbotError, OSError, sqlite3.Error):
            return
        message = render.interrupted(staleness, vectors, f"docbot index{self.options()}")
        if message:
            self.note(message)

    def run(self) -> int:
        self.check_db_path()
        command: Callable[[], int] = getattr(self, f"cmd_{self.args.command}")
        return command()


COMMANDS = ("index", "ask", "eval", "sources", "bot", "report")


def main(  # noqa: PLR0911 - one exit per outcome
    argv: Sequence[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    streams: Streams | None = None,
) -> int:
    """Run one ``docbot`` command; the exit code.  ``env`` defaults to the
    process environment completed by ``.env``, ``streams`` to sys's."""
    streams = streams or Streams.system()
    cli: Cli | None = None
    try:
        try:
            args = _parser(streams).parse_args(argv)
        except SystemExit as done:  # --help, --version, or a usage error argparse printed
            return done.code if isinstance(done.code, int) else EXIT_USAGE
        if not args.command:
            _parser(streams).print_help()
            return EXIT_USAGE
        cli = Cli(args, load_environment() if env is None else env, streams)
        try:
            with _terminate_as_interrupt(args.command in BUILDING):
                return cli.run()
        except CliError as error:
            cli.note(f"docbot: {cli.with_options(str(error))}")
            return error.code
        except (UsageError, CorpusError) as error:
            cli.note(f"docbot: {cli.with_options(str(error))}")
            return EXIT_USAGE
        except DocbotError as error:
            cli.note(f"docbot: {cli.with_options(str(error))}")
            return EXIT_FAILURE
    except BrokenPipeError:
        _quiet_closed_pipe(streams.stdout)
        return EXIT_OK
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM (Terminated)
        if cli is not None:
            cli.after_interrupt()
        return EXIT_TERMINATED if isinstance(stop, Terminated) else EXIT_INTERRUPTED
    except OSError as error:  # a file system refusal the engine did not foresee
        print(
            f"docbot: {error.strerror or error}: {error.filename or ''}".rstrip(": "),
            file=streams.stderr,
        )
        return EXIT_FAILURE


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, as Ctrl-C is: a build rolls back
    and removes what it wrote, and its workers end with it."""


BUILDING = ("index", "ask", "eval", "sources")  # the commands that may build the index


@contextlib.contextmanager
def _terminate_as_interrupt(wanted: bool) -> Iterator[None]:
    """SIGTERM raises ``Terminated`` meanwhile (in the main thread, for the
    commands that build; the bot has its own handling)."""
    if not wanted or threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(_signum: int, _frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _quiet_closed_pipe(stream: TextIO) -> None:
    """The reader of our output went away (``| head``): point the stream at
    /dev/null so that flushing it at exit does not complain again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


if __name__ == "__main__":
    sys.exit(main())
