"""The docbot command as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .botapi import clean_env
from .conftest import CORPUS, ROOT

RESULT_KEYS = {"rank", "score", "doc", "title", "section", "lang", "text", "quote"}


def docbot(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    full_env = clean_env(**(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "docbot.bot.cli", *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        cwd=ROOT,
        env=full_env,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def index_args(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    db = tmp_path_factory.mktemp("cli") / "index.db"
    result = docbot("index", "--corpus", str(CORPUS), "--db", str(db))
    assert result.returncode == 0, result.stderr
    return ["--corpus", str(CORPUS), "--db", str(db)]


def test_index_reports_what_it_did(tmp_path: Path) -> None:
    result = docbot("index", "--corpus", str(CORPUS), "--db", str(tmp_path / "i.db"))
    out = result.stdout.decode()
    assert result.returncode == 0
    assert "5 added, 0 changed, 0 removed" in out
    assert "de: 15, en: 6, es: 6" in out
    again = docbot("index", "--corpus", str(CORPUS), "--db", str(tmp_path / "i.db"))
    assert "Index up to date (5 documents" in again.stdout.decode()


def test_json_contract(index_args: list[str]) -> None:
    result = docbot("ask", "How do I measure ROI for networking?", "--json", *index_args)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert obj["question"] == "How do I measure ROI for networking?"
    assert obj["lang"] == "en"
    assert obj["results"]
    for i, res in enumerate(obj["results"], 1):
        assert set(res) >= RESULT_KEYS
        assert res["rank"] == i
        assert isinstance(res["score"], float)
        assert not Path(res["doc"]).is_absolute() and (CORPUS / res["doc"]).is_file()
        assert isinstance(res["title"], str) and res["title"]
        assert res["section"] is None or isinstance(res["section"], str)
        assert res["quote"].rstrip("…") in res["text"] or res["quote"].endswith("…")
    assert obj["results"][0]["section"] == "3. Return on Investment"


def test_json_no_answer_is_an_empty_list(index_args: list[str]) -> None:
    result = docbot("ask", "What is the capital of Australia?", "--json", *index_args)
    assert json.loads(result.stdout)["results"] == []
    text = docbot("ask", "What is the capital of Australia?", *index_args)
    assert "Nothing in the corpus answers this" in text.stdout.decode()


def test_batch_mode_one_answer_per_line(index_args: list[str]) -> None:
    questions = (
        "How do I measure ROI for networking?\nWas ist Social Networking?\n\n"
        "¿Cómo hago crecer mi red de referidos?\nWie backe ich einen Käsekuchen?\n"
    )
    result = docbot("ask", "--json", *index_args, stdin=questions.encode())
    assert result.returncode == 0, result.stderr
    objs = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [o["lang"] for o in objs] == ["en", "de", "es", "de"]
    assert [bool(o["results"]) for o in objs] == [True, True, True, False]


def test_batch_mode_survives_bad_lines(index_args: list[str]) -> None:
    stdin = b"\x00\xff\xfe\x01\n" + b"a" * 10_000 + b"\nROI networking?\n"
    result = docbot("ask", "--json", *index_args, stdin=stdin)
    objs = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(objs) == 3
    assert "empty" in objs[0]["error"] and "limit" in objs[1]["error"]
    assert objs[2]["results"]
    assert result.returncode == 1


def test_batch_text_mode(index_args: list[str]) -> None:
    result = docbot("ask", *index_args, stdin=b"Can I automate individual conversations?\n")
    out = result.stdout.decode()
    assert "? Can I automate individual conversations?" in out
    assert "4. Timely Responses" in out and "\033[" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", ""], "The question is empty"),
        (["ask", "x" * 10_000], "10,000 characters"),
        (["ask", "ROI", "--lang", "klingon"], "Unknown or unsupported language"),
        (["ask", "ROI", "--top", "0"], "--top must be 1 or more"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    index_args: list[str], args: list[str], message: str
) -> None:
    result = docbot(*args, *index_args)
    err = result.stderr.decode()
    assert result.returncode == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_corpus_folder(tmp_path: Path) -> None:
    result = docbot(
        "ask", "ROI", "--corpus", str(tmp_path / "nope"), "--db", str(tmp_path / "i.db")
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_unreadable_database_is_a_failure_with_a_way_out(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    db.write_bytes(b"garbage" * 1000)
    result = docbot("ask", "ROI", "--corpus", str(CORPUS), "--db", str(db))
    err = result.stderr.decode()
    assert result.returncode == 1
    assert "docbot index --rebuild" in err and "Traceback" not in err
    fixed = docbot("index", "--rebuild", "--corpus", str(CORPUS), "--db", str(db))
    assert fixed.returncode == 0


def test_empty_corpus_answers_nothing(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    result = docbot(
        "ask", "ROI", "--json", "--corpus", str(tmp_path / "corpus"), "--db", str(tmp_path / "i.db")
    )
    assert result.returncode == 0
    assert json.loads(result.stdout)["results"] == []


def test_first_run_builds_then_reuses_the_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "latin1.txt").write_bytes(
        "Größe zählt\n\nÜber Qualität und Quantität.".encode("latin-1")
    )
    (corpus / "binary.txt").write_bytes(os.urandom(2048))
    env = {"DOCBOT_CORPUS": str(corpus), "DOCBOT_DB": str(tmp_path / "db" / "i.db")}
    first = docbot("ask", "How do I measure ROI for networking?", env=env)
    assert first.returncode == 0
    assert "Indexing" in first.stderr.decode() and "6 added" in first.stderr.decode()
    assert "Return on Investment" in first.stdout.decode()
    second = docbot("ask", "How do I measure ROI for networking?", env=env)
    assert second.stderr.decode() == ""
    sources = docbot("sources", env=env).stdout.decode()
    assert "binary.txt" not in sources and "latin1.txt" in sources
    report = docbot("index", env=env).stdout.decode()
    assert "binary.txt: binary content" in report


def test_bold_on_a_terminal_plain_with_no_color(index_args: list[str]) -> None:
    def run_in_pty(env: dict[str, str]) -> str:
        master, slave = pty.openpty()
        full_env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env
        proc = subprocess.Popen(
            [sys.executable, "-m", "docbot.bot.cli", "ask", "ROI networking?", *index_args],
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
            cwd=ROOT,
            env=full_env,
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
        proc.wait(timeout=60)
        os.close(master)
        return b"".join(chunks).decode()

    assert "\033[1mROI\033[0m" in run_in_pty({"TERM": "xterm"})
    assert "\033[" not in run_in_pty({"TERM": "xterm", "NO_COLOR": "1"})


def test_sources_lists_documents(index_args: list[str]) -> None:
    out = docbot("sources", *index_args).stdout.decode()
    assert "2015-04-13" in out and "English" in out and "German" in out and "Spanish" in out
    assert out.count(".txt") == 5


def test_every_command_is_documented_in_the_readme() -> None:
    from docbot.bot.cli import COMMANDS

    readme = (ROOT / "README.md").read_text()
    for command in COMMANDS:
        assert f"docbot {command}" in readme, command


def test_bulk_change_answers_from_the_current_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    db = tmp_path / "i.db"
    assert docbot("index", "--corpus", str(corpus), "--db", str(db)).returncode == 0
    for i in range(60):
        (corpus / f"bulk-{i}.txt").write_text(f"Bulk note {i}\n\nA short note about bulk item {i}.")
    result = docbot("ask", "ROI networking?", "--json", "--corpus", str(corpus), "--db", str(db))
    assert result.returncode == 0
    assert "60 files changed since the last build" in result.stderr.decode()
    assert json.loads(result.stdout)["results"]


def test_ask_does_not_wait_for_a_running_rebuild(tmp_path: Path) -> None:
    from docbot.index.store import build_lock

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    db = tmp_path / "i.db"
    assert docbot("index", "--corpus", str(corpus), "--db", str(db)).returncode == 0
    (corpus / "new.txt").write_text("New note\n\nSomething new about networking events.")
    with build_lock(db, wait=True):
        result = docbot(
            "ask", "ROI networking?", "--json", "--corpus", str(corpus), "--db", str(db)
        )
    assert result.returncode == 0
    assert "a rebuild is running; answering from the current index" in result.stderr.decode()
    assert json.loads(result.stdout)["results"]


def test_every_setting_is_in_env_example_and_the_readme() -> None:
    from docbot.bot.config import SETTINGS

    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in SETTINGS:
        assert name in example, name
        assert f"`{name}`" in readme, name
    assert "TELEGRAM_BOT_TOKEN=\n" in example  # never a real token in the repository


def test_unwritable_index_location_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = docbot("ask", "ROI", "--corpus", str(CORPUS), "--db", str(blocker / "sub" / "i.db"))
    err = result.stderr.decode()
    assert result.returncode == 1
    assert "Cannot write the index at" in err and "--db or DOCBOT_DB" in err
    assert "Traceback" not in err


def test_settings_come_from_a_dotenv_file_and_the_environment_wins(tmp_path: Path) -> None:
    db = tmp_path / "from-dotenv.db"
    (tmp_path / ".env").write_text(f"DOCBOT_CORPUS={CORPUS}\nDOCBOT_DB={db}\n")
    env = clean_env()
    run = subprocess.run(
        [sys.executable, "-m", "docbot.bot.cli", "ask", "ROI networking?", "--json"],
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["results"] and db.exists()
    other = tmp_path / "from-env.db"
    run = subprocess.run(
        [sys.executable, "-m", "docbot.bot.cli", "ask", "ROI networking?", "--json"],
        cwd=tmp_path,
        env=env | {"PYTHONPATH": str(ROOT), "DOCBOT_DB": str(other)},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0 and other.exists()
