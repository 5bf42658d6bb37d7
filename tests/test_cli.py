"""The docbot command as a user runs it: real files, a real index.

Commands run in-process through ``main(argv, env=..., streams=...)`` with
in-memory streams; only what needs the process boundary (a closed pipe, a
terminal) runs ``python -m docbot.bot.cli.commands`` as a subprocess.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import termios
from dataclasses import dataclass
from pathlib import Path

import pytest

from docbot.bot.cli.commands import Streams, main

from .botapi import clean_env
from .conftest import CORPUS, ROOT
from .test_formats import WATER, make_pdf

LEXICAL = {"DOCBOT_SEMANTIC": "0"}  # tests of the index's life cycle, not of its vectors
RESULT_KEYS = {"rank", "score", "doc", "title", "section", "lang", "text", "quote", "page"}


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.out.splitlines()]


def docbot(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None) -> Run:
    """``docbot ARGS`` in this process, with its own streams and environment."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), env=env or {}, streams=Streams(io.BytesIO(stdin), out, err))
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def seed(seed_db: Path) -> list[str]:
    """Options naming the seed corpus and its session-wide index."""
    return ["--corpus", str(CORPUS), "--db", str(seed_db)]


def one_line(text: str) -> bool:
    return len(text.strip().splitlines()) == 1 and "Traceback" not in text


# --- docbot index ------------------------------------------------------------


def test_index_reports_what_it_did(tmp_path: Path) -> None:
    first = docbot("index", "--corpus", str(CORPUS), "--db", str(tmp_path / "i.db"), env=LEXICAL)
    assert first.code == 0
    assert "5 added, 0 changed, 0 removed" in first.out
    assert "de: 15, en: 6, es: 6" in first.out
    assert "  added: 002_38366ab575c2df6f.txt" in first.out  # few files: named
    again = docbot("index", "--corpus", str(CORPUS), "--db", str(tmp_path / "i.db"), env=LEXICAL)
    assert "Index up to date (5 documents" in again.out


def test_index_report_of_many_files_is_a_summary(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(40):
        (corpus / f"note-{i:02}.txt").write_text(f"Note {i}\n\nThe meeting room {i} has a beamer.")
    for i in range(25):
        (corpus / f"photo-{i:02}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (corpus / "bad.md").write_text("---\nlang: 12345\n---\nSome notes.\n")
    args = ["index", "--corpus", str(corpus), "--db", str(tmp_path / "i.db")]
    report = docbot(*args, env=LEXICAL)
    assert report.code == 0
    lines = report.out.splitlines()
    assert lines[0].startswith("Indexed in") and "40 added" in lines[0]
    assert "added:" not in report.out
    assert "Skipped 26 files:" in report.out
    assert "  25 files: unsupported file type .png (photo-00.png, photo-01.png, …)" in lines
    assert "  bad.md: its front matter says lang: 12345, which is not a language" in report.out
    assert len(lines) <= 6
    verbose = docbot(*args, "--rebuild", "--verbose", env=LEXICAL)
    assert verbose.out.count("  added: ") == 40 and verbose.out.count(".png: unsupported") == 25


def test_unreadable_database_is_one_line_that_repeats_the_users_options(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    db.write_bytes(b"garbage" * 1000)
    result = docbot("ask", "ROI", "--corpus", str(CORPUS), "--db", str(db), env=LEXICAL)
    assert result.code == 1 and one_line(result.err), result.err
    assert f"docbot index --rebuild --corpus {CORPUS} --db {db}" in result.err
    fixed = docbot("index", "--rebuild", "--corpus", str(CORPUS), "--db", str(db), env=LEXICAL)
    assert fixed.code == 0


def test_one_shot_ask_says_how_to_see_more_passages(seed: list[str]) -> None:
    result = docbot("ask", "Social Networking Kommunikation", "--top", "1", *seed, env=LEXICAL)
    assert result.code == 0
    assert re.search(r"\(\d+ more: --top N\)$", result.out.rstrip()), result.out[-200:]
    assert ":more" not in result.out  # an interactive session's command, not this one's


def test_another_programs_database_is_only_replaced_with_force(tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (name TEXT)")
    args = ["--corpus", str(CORPUS), "--db", str(db)]
    refused = docbot("index", "--rebuild", *args, env=LEXICAL)
    assert refused.code == 1 and one_line(refused.err)
    assert f"docbot index --rebuild --force {' '.join(args)}" in refused.err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("customers",)]
    assert docbot("index", "--force", *args, env=LEXICAL).code == 2  # --force alone is not enough
    assert docbot("index", "--rebuild", "--force", *args, env=LEXICAL).code == 0


def test_db_naming_a_folder_has_its_own_message(tmp_path: Path) -> None:
    result = docbot("ask", "ROI", "--corpus", str(CORPUS), "--db", str(tmp_path))
    assert result.code == 2 and one_line(result.err)
    assert f"--db {tmp_path} is a folder, not an index file" in result.err
    assert f"--db {tmp_path}/index.db" in result.err


def test_unwritable_index_location_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = docbot("ask", "ROI", "--corpus", str(CORPUS), "--db", str(blocker / "sub" / "i.db"))
    assert result.code == 1 and one_line(result.err), result.err
    assert "Cannot write the index at" in result.err and "--db or DOCBOT_DB" in result.err


def test_missing_corpus_folder(tmp_path: Path) -> None:
    result = docbot("ask", "ROI", "--corpus", str(tmp_path / "nope"), "--db", str(tmp_path / "i"))
    assert result.code == 2 and one_line(result.err)
    assert "does not exist" in result.err


def test_empty_corpus_says_so_instead_of_answering_nothing(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    args = ["--corpus", str(tmp_path / "corpus"), "--db", str(tmp_path / "i.db")]
    result = docbot("ask", "ROI", "--json", *args)
    assert result.code == 2 and result.out == "" and one_line(result.err)
    assert "has no document docbot can read yet" in result.err
    assert ".txt, .md, .html, .pdf or .docx" in result.err
    sources = docbot("sources", *args)
    assert sources.code == 2 and sources.out == "" and one_line(sources.err)
    assert ".txt, .md, .html, .pdf or .docx" in sources.err and ".txt or .md" not in sources.err
    index = docbot("index", *args, env=LEXICAL)
    assert index.code == 2 and one_line(index.err), index.err
    assert "has no document docbot can read yet" in index.err
    assert "the files above were skipped" in index.err  # not: run the command just run
    assert "scan.png" in index.out  # what it skipped, and why
    assert "up to date" not in index.out  # neither the index nor its (no) vectors


def test_first_run_builds_then_reuses_the_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "latin1.txt").write_bytes(
        "Größe zählt\n\nÜber Qualität und Quantität.".encode("latin-1")
    )
    (corpus / "binary.txt").write_bytes(os.urandom(2048))
    env = {
        "DOCBOT_CORPUS": str(corpus),
        "DOCBOT_DB": str(tmp_path / "db" / "i.db"),
        "DOCBOT_SEMANTIC": "0",  # vectors on a first run: test_new_passages_get_their_vectors
    }
    first = docbot("ask", "How do I measure ROI for networking?", env=env)
    assert first.code == 0
    assert first.err.startswith("Indexing") and "6 added" in first.err
    assert "Return on Investment" in first.out
    second = docbot("ask", "How do I measure ROI for networking?", env=env)
    assert second.err == ""
    sources = docbot("sources", env=env).out
    assert "binary.txt" not in sources and "latin1.txt" in sources
    assert "binary.txt: binary content" in docbot("index", env=env).out


def test_new_passages_get_their_vectors_before_the_answer(seed_db: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    db = tmp_path / "db" / "index.db"
    shutil.copytree(seed_db.parent, db.parent)  # the seed's index, vectors included
    (corpus / "wifi.txt").write_text(
        "Office notes\n\nThe guest wireless network is called Lobby and needs no password.\n"
    )
    args = ["--corpus", str(corpus), "--db", str(db)]
    first = docbot("ask", "What is the guest wireless network called?", *args)
    assert first.code == 0, first.err
    assert "Computing vectors for 1 passage and its sentences" in first.err  # only the new
    assert "wifi.txt" in first.out
    again = docbot("ask", "What is the guest wireless network called?", *args)
    assert again.err == "" and "wifi.txt" in again.out
    assert "every passage has its vectors" in docbot("sources", *args).out
    (corpus / "wifi.txt").unlink()
    removed = docbot("ask", "What is the guest wireless network called?", *args)
    assert "0 added, 0 changed, 1 removed" in removed.err  # said, as an addition is
    assert "wifi.txt" not in removed.out


def test_index_computes_the_vectors_of_what_it_added(seed_db: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    db = tmp_path / "db" / "index.db"
    shutil.copytree(seed_db.parent, db.parent)  # the seed's index, vectors included
    (corpus / "wifi.txt").write_text("Office notes\n\nThe guest wireless network is Lobby.\n")
    report = docbot("index", "--corpus", str(corpus), "--db", str(db))
    assert report.code == 0, report.err
    assert "1 added" in report.out and "Semantic layer: up to date." in report.out


def test_bulk_change_answers_from_the_current_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    args = ["--corpus", str(corpus), "--db", str(tmp_path / "i.db")]
    assert docbot("index", *args, env=LEXICAL).code == 0
    for i in range(60):
        (corpus / f"bulk-{i}.txt").write_text(f"Bulk note {i}\n\nA short note about bulk item {i}.")
    result = docbot("ask", "ROI networking?", "--json", *args, env=LEXICAL)
    assert result.code == 0
    assert "60 files changed since the last build" in result.err
    assert f"Run `docbot index {' '.join(args)}` to include them" in result.err
    assert result.json[0]["results"]


def test_ask_does_not_wait_for_a_running_rebuild(tmp_path: Path) -> None:
    from docbot.index.storage.store import build_lock

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    db = tmp_path / "i.db"
    assert docbot("index", "--corpus", str(corpus), "--db", str(db), env=LEXICAL).code == 0
    (corpus / "new.txt").write_text("New note\n\nSomething new about networking events.")
    with build_lock(db, wait=True):
        args = ["--json", "--corpus", str(corpus), "--db", str(db)]
        result = docbot("ask", "ROI networking?", *args, env=LEXICAL)
    assert result.code == 0
    assert "a rebuild is running; answering from the current index" in result.err
    assert result.json[0]["results"]


# --- docbot ask --------------------------------------------------------------


def test_json_contract(seed: list[str]) -> None:
    result = docbot("ask", "How do I measure ROI for networking?", "--json", *seed)
    assert result.code == 0, result.err
    [obj] = result.json
    assert obj["question"] == "How do I measure ROI for networking?"
    assert (obj["lang"], obj["lang_reason"]) == ("en", "detected")
    assert obj["searched"][0] == "en"
    assert obj["results"]
    for i, res in enumerate(obj["results"], 1):
        assert set(res) >= RESULT_KEYS
        assert res["rank"] == i
        assert isinstance(res["score"], float)
        assert not Path(res["doc"]).is_absolute() and (CORPUS / res["doc"]).is_file()
        assert isinstance(res["title"], str) and res["title"]
        assert res["section"] is None or isinstance(res["section"], str)
        assert res["quote"].rstrip("…") in res["text"] or res["quote"].endswith("…")
        assert res["page"] is None
    assert obj["results"][0]["section"] == "3. Return on Investment"


def test_json_does_not_claim_a_language_it_could_not_tell(seed: list[str]) -> None:
    [obj] = docbot("ask", "Social Media", "--json", *seed).json
    assert obj["lang"] is None and obj["lang_reason"] == "ambiguous"
    assert set(obj["searched"]) == {"de", "en", "es"}
    [chosen] = docbot("ask", "Social Media", "--json", "--lang", "German", *seed).json
    assert (chosen["lang"], chosen["lang_reason"]) == ("de", "explicit")


def test_no_passage_is_cross_lingual_when_no_question_language_was_decided(
    seed: list[str],
) -> None:
    [obj] = docbot("ask", "ROI networking?", "--json", *seed).json
    assert obj["lang"] is None and obj["lang_reason"] == "ambiguous"
    assert {r["lang"] for r in obj["results"]} - {"en"}, (
        "the case needs passages in several languages"
    )
    assert not any(r["cross_lingual"] for r in obj["results"])
    text = docbot("ask", "ROI networking?", *seed)
    assert "passage]" not in text.out


def test_json_no_answer_is_an_empty_list(seed: list[str]) -> None:
    [obj] = docbot("ask", "What is the capital of Australia?", "--json", *seed).json
    assert obj["results"] == [] and obj["lang"] == "en"
    text = docbot("ask", "What is the capital of Australia?", *seed)
    assert "Nothing in the corpus answers this" in text.out


def test_an_argument_that_is_not_utf8_is_asked_without_its_bad_bytes(seed: list[str]) -> None:
    # what Python makes of `docbot ask "$(printf 'ROI \xff\xfe networking')"`
    question = b"ROI \xff\xfe networking".decode("utf-8", "surrogateescape")
    result = docbot("ask", question, "--json", *seed)
    assert result.code == 0, result.err
    [obj] = result.json
    assert obj["question"] == "ROI networking" and obj["results"]


def test_batch_mode_keeps_one_output_line_per_input_line(seed: list[str]) -> None:
    questions = (
        "How do I measure ROI for networking?\nWas ist Social Networking?\n\n"
        "¿Cómo hago crecer mi red de referidos?\nWie backe ich einen Käsekuchen?\n"
    )
    result = docbot("ask", "--json", *seed, stdin=questions.encode())
    objs = result.json
    assert len(objs) == 5
    assert [o["question"] for o in objs] == questions.splitlines()
    assert [o["lang"] for o in objs] == ["en", "de", None, "es", "de"]
    assert "no words" in objs[2]["error"]
    assert [bool(o["results"]) for o in objs] == [True, True, False, True, False]
    assert result.code == 1  # a line that is no question is an error, as the README says


def test_batch_mode_survives_bad_lines(seed: list[str]) -> None:
    stdin = b"\x00\xff\xfe\x01\n" + b"a" * 10_000 + b"\nROI networking?\n"
    result = docbot("ask", "--json", *seed, stdin=stdin)
    objs = result.json
    assert len(objs) == 3
    assert "no words" in objs[0]["error"] and "limit" in objs[1]["error"]
    assert objs[2]["results"]
    assert result.code == 1


def test_batch_text_mode(seed: list[str]) -> None:
    result = docbot("ask", *seed, stdin=b"Can I automate individual conversations?\n")
    assert "? Can I automate individual conversations?" in result.out
    assert "4. Timely Responses" in result.out and "\033[" not in result.out


def test_batch_help_promises_one_line_per_answer_only_with_json(seed: list[str]) -> None:
    help_text = " ".join(docbot("ask", "--help").out.split())
    assert "with --json it writes one answer per line" in help_text
    questions = b"Can I automate individual conversations?\nWas ist Social Networking?\n"
    blocks = docbot("ask", *seed, stdin=questions).out.rstrip("\n").split("\n\n? ")
    assert len(blocks) == 2 and blocks[0].startswith("? Can I automate")  # as the help says
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "With `--json`, one answer per line out" in readme


def test_piped_quotes_are_wrapped_and_indented(seed: list[str]) -> None:
    out = docbot("ask", "Which microblogs are mentioned?", *seed).out
    quote_lines = [line for line in out.splitlines() if line.startswith("    ")]
    assert quote_lines and all(len(line) <= 88 for line in quote_lines)
    assert any(line.startswith("     ") for line in quote_lines)  # continuation lines


def test_piped_source_lines_are_wrapped_between_words(seed: list[str]) -> None:
    out = docbot("ask", "Which microblogs are mentioned?", *seed).out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 88, max(lines, key=len)
    assert any("001_2d344c75e50ed637.txt" in line for line in lines)  # a file name stays whole
    heads = [i for i, line in enumerate(lines) if line.startswith("[")]
    assert heads and all(lines[i + 1].startswith("    ") for i in heads)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", ""], "The question has no words"),
        (["ask", "x" * 10_000], "10,000 characters"),
        (["ask", "ROI", "--lang", "klingon"], "Unknown or unsupported language"),
        (["ask", "ROI", "--top", "0"], "--top must be 1 or more"),
    ],
)
def test_usage_errors_exit_2_with_one_line(seed: list[str], args: list[str], message: str) -> None:
    result = docbot(*args, *seed)
    assert result.code == 2
    assert message in result.err and one_line(result.err)


def test_lang_auto_detects(seed: list[str]) -> None:
    [obj] = docbot("ask", "Was ist Social Networking?", "--lang", "AUTO", "--json", *seed).json
    assert obj["lang"] == "de" and obj["lang_reason"] == "detected"


def test_a_wrapped_pdf_paragraph_is_quoted_whole_with_its_page_in_json(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "water.pdf").write_bytes(make_pdf([["Water Quality Report"], WATER[2:]]))
    result = docbot(
        "ask",
        "What lead levels were measured at the tap?",
        "--json",
        "--corpus",
        str(corpus),
        "--db",
        str(tmp_path / "i.db"),
    )
    top = result.json[0]["results"][0]
    assert "below 3 parts per billion" in top["quote"]
    assert (top["doc"], top["page"]) == ("water.pdf", 2)


def test_a_one_line_note_and_an_html_page_are_answered(tmp_path: Path) -> None:
    from .test_formats import PAGE

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wifi.txt").write_text("Guest Wi-Fi password: sunflower42\n")
    (corpus / "kitchen.txt").write_text("Die Teeküche ist im zweiten Stock.\n")
    (corpus / "page.html").write_text(PAGE)
    args = ["--json", "--corpus", str(corpus), "--db", str(tmp_path / "i.db")]
    wifi = docbot("ask", "What is the guest Wi-Fi password?", *args).json[0]["results"][0]
    assert (wifi["doc"], wifi["lang"]) == ("wifi.txt", "en")
    page = docbot("ask", "What should I count to measure networking?", *args).json[0]
    assert page["results"][0]["doc"] == "page.html"


# --- the command line itself ------------------------------------------------


def test_version() -> None:
    result = docbot("--version")
    assert result.code == 0 and re.fullmatch(r"docbot \d+\.\d+\.\d+\S*\n", result.out)


def test_options_before_the_command(seed: list[str]) -> None:
    before = docbot(*seed, "sources")
    assert before.code == 0 and before.out.count(".txt") == 5
    mixed = docbot("--corpus", str(CORPUS), "ask", "ROI networking?", "--db", seed[3], "--json")
    assert mixed.code == 0 and mixed.json[0]["results"]


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("index", "Build the index of the corpus folder"),
        ("ask", "Answer a question by quoting"),
        ("sources", "List the indexed documents"),
        ("bot", "Run the Telegram bot"),
    ],
)
def test_every_command_describes_itself(command: str, words: str) -> None:
    result = docbot(command, "--help")
    assert result.code == 0 and words in result.out


def test_sources_lists_documents(seed: list[str]) -> None:
    out = docbot("sources", *seed).out
    assert "2015-04-13" in out and "English" in out and "German" in out and "Spanish" in out
    assert out.count(".txt") == 5


def test_every_command_is_documented_in_the_readme() -> None:
    from docbot.bot.cli.commands import COMMANDS

    readme = (ROOT / "README.md").read_text()
    for command in COMMANDS:
        assert f"docbot {command}" in readme, command


def test_every_option_is_documented_in_the_readme() -> None:
    import argparse

    from docbot.bot.cli.commands import _parser

    readme = (ROOT / "README.md").read_text()
    commands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in commands.choices.items():
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    assert option in readme, f"docbot {name} {option}"


def test_every_setting_is_in_env_example_and_the_readme() -> None:
    from docbot.bot.app.config import SETTINGS

    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in SETTINGS:
        assert name in example, name
        assert f"`{name}`" in readme, name
    assert "TELEGRAM_BOT_TOKEN=\n" in example  # never a real token in the repository


def test_settings_come_from_a_dotenv_file_and_the_environment_wins(
    seed_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    shutil.copytree(seed_db.parent, index)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not an index" * 100)
    monkeypatch.chdir(tmp_path)
    for name in ("DOCBOT_CORPUS", "DOCBOT_DB"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text(f"DOCBOT_CORPUS={CORPUS}\nDOCBOT_DB={index / seed_db.name}\n")
    out, err = io.StringIO(), io.StringIO()
    streams = Streams(io.BytesIO(), out, err)
    assert main(["ask", "ROI networking?", "--json"], streams=streams) == 0, err.getvalue()
    assert json.loads(out.getvalue())["results"]
    (tmp_path / ".env").write_text(f"DOCBOT_CORPUS={CORPUS}\nDOCBOT_DB={garbage}\n")
    monkeypatch.setenv("DOCBOT_DB", str(index / seed_db.name))
    assert main(["ask", "ROI networking?", "--json"], streams=streams) == 0, err.getvalue()


# --- the process boundary: pipes and terminals ------------------------------


def test_a_closed_pipe_ends_quietly_with_0(seed: list[str]) -> None:
    read, write = os.pipe()
    os.close(read)  # `docbot sources | head -1`, head long gone: every write fails
    try:
        process = subprocess.run(
            [sys.executable, "-m", "docbot.bot.cli.commands", "sources", *seed],
            stdout=write,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=clean_env(),
            timeout=60,
            check=False,
        )
    finally:
        os.close(write)
    assert process.stderr.decode() == ""
    assert process.returncode == 0


def run_in_pty(args: list[str], env: dict[str, str], columns: int = 60) -> tuple[str, int]:
    """``docbot ARGS`` on a pseudo-terminal of ``columns``: all it showed, and
    its exit code."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    full_env = {k: v for k, v in clean_env().items() if k not in {"NO_COLOR", "COLUMNS"}}
    process = subprocess.Popen(
        [sys.executable, "-m", "docbot.bot.cli.commands", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=full_env | env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=120)
    os.close(master)
    return b"".join(chunks).decode(), process.returncode


def test_on_a_terminal_bold_and_wrapped_to_its_width(seed: list[str]) -> None:
    def asked(env: dict[str, str]) -> str:
        return run_in_pty(["ask", "Which microblogs?", *seed], env)[0]

    colored = asked({"TERM": "xterm"})
    assert "\033[1m" in colored
    quote_lines = [
        re.sub(r"\033\[\d+m", "", line)
        for line in colored.replace("\r", "").splitlines()
        if line.startswith("    ")
    ]
    assert len(quote_lines) > 3 and all(len(line) <= 60 for line in quote_lines)
    assert "\033[" not in asked({"TERM": "xterm", "NO_COLOR": "1"})


def test_lang_is_the_questions_language_and_in_chooses_the_passages(seed: list[str]) -> None:
    """--lang says what language the question is in; --in which passages answer."""
    question = "How do I measure ROI for networking?"
    german = docbot("ask", *seed, "--json", "--in", "de", question)
    results = german.json[0]["results"]
    assert german.code == 0 and results
    assert {r["lang"] for r in results} == {"de"}
    assert any("Kapitalrendite" in str(r["quote"]) for r in results)
    told = docbot("ask", *seed, "--lang", "de", question)
    assert "reads as English" in told.err and "--in de" in told.err
    both = docbot("ask", *seed, "--lang", "de", "--in", "es", question)
    assert "reads as English" in both.err and "--in es where to search" in both.err
    unknown = docbot("ask", *seed, "--in", "xx", question)
    assert unknown.code != 0 and "Traceback" not in unknown.err


def test_a_long_build_on_a_terminal_shows_its_rate_and_time_left(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(6000):
        body = f"Note {n}\n\nThe locker {n} behind reception holds parcel {n * 7} until Friday.\n"
        (corpus / f"note{n:04d}.txt").write_text(f"---\nlang: en\n---\n{body}")
    where = ["--corpus", str(corpus), "--db", str(tmp_path / "index.db")]
    shown, code = run_in_pty(["index", *where], {"DOCBOT_SEMANTIC": "0"}, columns=120)
    assert code == 0
    assert re.search(r"\] \d+/6000 \d+\.\d/s, \d+ (?:s|min \d+ s) left", shown), shown[-400:]


def test_long_vectors_are_announced_once_with_an_estimate_on_any_stream() -> None:
    """The pace after the first seconds of vectors, turned into a time; a pipe
    gets the line too (no bar there), and a short computation says nothing."""
    from docbot.bot.cli.commands import ESTIMATE_AFTER, _Progress

    stream = io.StringIO()
    progress = _Progress(stream)
    start = progress.started
    progress(1, 1, "notes.md")  # files first: no estimate
    progress(0, 9_000, "vectors")
    progress._tell_if_long(32, 9_000, "vectors", start + 1.0)  # too soon to trust the pace
    progress._tell_if_long(64, 9_000, "vectors", start + ESTIMATE_AFTER + 1)
    progress._tell_if_long(96, 9_000, "vectors", start + ESTIMATE_AFTER + 2)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Computing 9,000 vectors takes about 13 min")
    quick = io.StringIO()
    short = _Progress(quick)
    short(0, 100, "vectors")
    short._tell_if_long(90, 100, "vectors", short.started + ESTIMATE_AFTER + 1)
    assert quick.getvalue() == ""
