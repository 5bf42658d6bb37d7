"""The ``docbot`` command: index, ask, sources, bot.

Each command is a thin wrapper over the engine's public API (``index``).
Expected problems print one line and exit 2 (usage) or 1 (failure), never a
traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TextIO

from docbot.index import (
    Answer,
    CorpusError,
    DocbotError,
    IndexBusy,
    Searcher,
    UsageError,
    build_index,
    check_staleness,
)

from . import render
from .config import Paths, load_environment, resolve_paths

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
DEFAULT_TOP = 3


class CliError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="docbot",
        description="Answer questions from a folder of documents, quoting the best passages.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--corpus", metavar="DIR", help="folder of documents (DOCBOT_CORPUS)")
        p.add_argument("--db", metavar="FILE", help="index file (DOCBOT_DB)")

    p_index = sub.add_parser("index", help="build or refresh the index")
    common(p_index)
    p_index.add_argument("--rebuild", action="store_true", help="rebuild from scratch")
    p_index.add_argument(
        "--watch", action="store_true", help="keep running and refresh when the corpus changes"
    )

    p_ask = sub.add_parser("ask", help="answer a question (batch from stdin, or interactive)")
    common(p_ask)
    p_ask.add_argument("question", nargs="*", metavar="QUESTION")
    p_ask.add_argument("--lang", metavar="TAG", help="question language (default: detect)")
    p_ask.add_argument(
        "--top",
        type=int,
        default=DEFAULT_TOP,
        metavar="K",
        help=f"number of passages (default {DEFAULT_TOP})",
    )
    p_ask.add_argument("--json", action="store_true", help="one JSON object per question")

    p_sources = sub.add_parser("sources", help="list the indexed documents")
    common(p_sources)

    p_bot = sub.add_parser("bot", help="run the Telegram bot (TELEGRAM_BOT_TOKEN)")
    common(p_bot)

    return parser


def _use_color(stream: TextIO, env: Mapping[str, str]) -> bool:
    return "NO_COLOR" not in env and stream.isatty() and env.get("TERM") != "dumb"


class _Progress:
    """A one-line progress bar on stderr, shown only when a build takes a while."""

    def __init__(self, stream: TextIO, delay: float = 0.5) -> None:
        self.stream, self.delay = stream, delay
        self.started = time.monotonic()
        self.shown = False
        self.last = 0.0

    def __call__(self, done: int, total: int, path: str) -> None:
        now = time.monotonic()
        if not self.stream.isatty() or now - self.started < self.delay:
            return
        if now - self.last < 0.1 and done < total:
            return
        self.last, self.shown = now, True
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total} {path[-40:]:<40}")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 80 + "\r")
            self.stream.flush()


def _build(paths: Paths, rebuild: bool = False) -> str:
    """Build, waiting (and saying so) if another build holds the index."""
    progress = _Progress(sys.stderr)
    try:
        try:
            report = build_index(
                paths.corpus, paths.db, rebuild=rebuild, wait=False, progress=progress
            )
        except IndexBusy:
            print(
                "Another rebuild of this index is running; waiting for it to finish…",
                file=sys.stderr,
                flush=True,
            )
            report = build_index(paths.corpus, paths.db, rebuild=rebuild, progress=progress)
    finally:
        progress.close()
    return render.format_report(report)


BULK_CHANGE = 50


def ensure_fresh(paths: Paths, quiet: bool) -> None:
    """Build or refresh the index when it is missing or stale.

    A question should not wait minutes: when an index exists and another
    build is running, or the corpus changed in bulk, docbot answers from the
    index as it is and says how to bring it up to date.
    """
    staleness = check_staleness(paths.corpus, paths.db)
    if staleness.reason is None:
        return
    if staleness.usable and staleness.changed > BULK_CHANGE:
        print(
            f"docbot: {staleness.changed} files changed since the last build; answering from "
            "the current index. Run `docbot index` to include them.",
            file=sys.stderr,
        )
        return
    if not quiet:
        print(f"Indexing {paths.corpus} ({staleness.reason})…", file=sys.stderr)
    if staleness.usable:
        try:
            report = render.format_report(build_index(paths.corpus, paths.db, wait=False))
        except IndexBusy:
            print(
                "docbot: a rebuild is running; answering from the current index.", file=sys.stderr
            )
            return
    else:
        report = _build(paths)
    if not quiet:
        print(report.splitlines()[0], file=sys.stderr)


def cmd_index(args: argparse.Namespace, paths: Paths, env: Mapping[str, str]) -> int:
    print(_build(paths, rebuild=args.rebuild))
    if args.watch:
        from .watch import watch_corpus

        watch_corpus(paths, lambda: print(_build(paths), flush=True))
    return EXIT_OK


def _questions_from_stdin() -> Iterator[str]:
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if line.strip():
            yield line


def _name_of(searcher: Searcher) -> Callable[[str], str]:
    return lambda tag: searcher.language_name(tag, "en")


def _print_answer(answer: Answer, searcher: Searcher, as_json: bool, color: bool) -> None:
    if as_json:
        print(render.dumps(render.answer_json(answer)), flush=True)
    else:
        print(render.format_answer(answer, _name_of(searcher), color), flush=True)


def cmd_ask(args: argparse.Namespace, paths: Paths, env: Mapping[str, str]) -> int:
    if args.top < 1:
        raise CliError("--top must be 1 or more.", EXIT_USAGE)
    question = " ".join(args.question).strip()
    interactive = not question and sys.stdin.isatty()
    if args.question and not question:
        raise CliError(
            "The question is empty: type a few words about what you want to know.", EXIT_USAGE
        )
    ensure_fresh(paths, quiet=args.json)
    searcher = Searcher(paths.db)
    lang = args.lang
    if lang and lang.strip().lower() != "auto":
        searcher.resolve_language(lang)
    color = _use_color(sys.stdout, env)
    if question:
        answer = searcher.ask(question, lang=lang, top=args.top)
        _print_answer(answer, searcher, args.json, color)
        return EXIT_OK
    if interactive:
        from .interactive import run_session

        return run_session(searcher, lang, args.top, color)
    return _batch(searcher, lang, args.top, args.json, color)


def _batch(searcher: Searcher, lang: str | None, top: int, as_json: bool, color: bool) -> int:
    failed = 0
    for line in _questions_from_stdin():
        try:
            answer = searcher.ask(line, lang=lang, top=top)
        except UsageError as error:
            failed += 1
            if as_json:
                print(render.dumps(render.error_json(line, str(error))), flush=True)
            else:
                print(f"? {line[:80]}\n{error}\n", flush=True)
            continue
        if not as_json:
            print(f"? {answer.question}")
        _print_answer(answer, searcher, as_json, color)
        if not as_json:
            print()
    return EXIT_FAILURE if failed else EXIT_OK


def cmd_sources(args: argparse.Namespace, paths: Paths, env: Mapping[str, str]) -> int:
    ensure_fresh(paths, quiet=False)
    searcher = Searcher(paths.db)
    print(render.format_sources(searcher.documents, _name_of(searcher)))
    return EXIT_OK


def cmd_bot(args: argparse.Namespace, paths: Paths, env: Mapping[str, str]) -> int:
    from .telegram_app import run_bot

    return run_bot(paths, env)


COMMANDS: dict[str, Callable[[argparse.Namespace, Paths, Mapping[str, str]], int]] = {
    "index": cmd_index,
    "ask": cmd_ask,
    "sources": cmd_sources,
    "bot": cmd_bot,
}


def main(argv: Sequence[str] | None = None) -> int:  # noqa: PLR0911 - one exit per outcome
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    env = load_environment()
    paths = resolve_paths(env, args.corpus, args.db)
    try:
        return COMMANDS[args.command](args, paths, env)
    except CliError as error:
        print(f"docbot: {error}", file=sys.stderr)
        return error.code
    except (UsageError, CorpusError) as error:
        print(f"docbot: {error}", file=sys.stderr)
        return EXIT_USAGE
    except DocbotError as error:
        print(f"docbot: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as error:  # a file system refusal the engine did not foresee
        print(
            f"docbot: {error.strerror or error}: {error.filename or ''}".rstrip(": "),
            file=sys.stderr,
        )
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
