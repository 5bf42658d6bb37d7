"""Admins' tools through the real bot: documents sent in Telegram, /remove, /stats
(``docbot bot`` against the Bot API emulator, which serves the files)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docbot.bot.app.corpus import safe_name

from .botapi import Emulator, running_bot
from .conftest import CORPUS

TOKEN = "123456789:AAFakeTokenForDocumentTests_q7RmZ-NeverInLogs"
ADMIN = {"id": 9001, "is_bot": False, "first_name": "Ada", "username": "ada", "language_code": "en"}
ADMINS = "@ada," + ",".join(str(9000 + n) for n in range(2, 10))


def person(uid: int, name: str = "Sam") -> dict[str, Any]:
    """Another user (ids 9002-9009 are admins): each test has its own, so that
    flood control (5 updates at once per user) never meets a test's clicks."""
    return {"id": uid, "is_bot": False, "first_name": name, "language_code": "en"}


QUOKKA = (
    b"Quokka Onboarding\n\nEvery new member gets a quokka buddy who explains how the team "
    b"shares notes, answers questions and keeps the wiki tidy during the first month.\n"
)
ROSTER = b"\nFrom March the locker key is kept by the office manager.\n"
WOMBAT = (
    b"Wombat Deliveries\n\nParcels for the wombat office are collected from the blue "
    b"locker behind the reception desk every Tuesday afternoon.\n"
)


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, Path, Path]]:
    work = tmp_path_factory.mktemp("docs")
    corpus = work / "data" / "corpus"
    shutil.copytree(CORPUS, corpus)
    log_path = work / "bot.log"
    settings = {
        "DOCBOT_CORPUS": str(corpus),
        "DOCBOT_DB": str(work / "db" / "index.db"),
        "DOCBOT_ADMINS": ADMINS,
        "DOCBOT_LOG_LEVEL": "DEBUG",
    }
    with open(log_path, "wb") as log, running_bot(TOKEN, settings, log) as emulator:
        yield emulator, corpus, log_path


def replies(emulator: Emulator, who: dict[str, Any], before: int, count: int = 1) -> list[Any]:
    """The bot's messages to ``who`` since ``before``, but the corpus watcher's
    notes to numeric admins ("Index refreshed: …", when a test writes a file)."""

    def arrived() -> list[dict[str, Any]] | None:
        got = [
            m
            for m in emulator.messages_to(who["id"], before)
            if not m["text"].startswith("Index refreshed")
        ]
        return got if len(got) >= count else None

    result: list[dict[str, Any]] = emulator.wait_for(arrived, 30)
    return result


def send(
    emulator: Emulator, who: dict[str, Any], name: str | None, data: bytes, **kwargs: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Send a document; returns it and the bot's first reply."""
    before = len(emulator.sent)
    document = emulator.send_document(who, name, data, **kwargs)
    return document, replies(emulator, who, before)[0]


def buttons(message: dict[str, Any]) -> dict[str, str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def press(
    emulator: Emulator, who: dict[str, Any], message: dict[str, Any], label: str
) -> dict[str, Any]:
    """Press a button; returns the message as the bot edited it."""
    before = len(emulator.sent)
    emulator.press(who, message, buttons(message)[label])

    def edited() -> list[dict[str, Any]]:
        return [
            m
            for m in emulator.sent[before:]
            if m.get("method") == "editMessageText" and m["message_id"] == message["message_id"]
        ]

    result: dict[str, Any] = emulator.wait_for(edited, 30)[-1]
    return result


def ask(emulator: Emulator, who: dict[str, Any], text: str) -> dict[str, Any]:
    before = len(emulator.sent)
    emulator.send_text(who, text)
    result: dict[str, Any] = replies(emulator, who, before)[0]
    return result


def files_outside(corpus: Path) -> list[Path]:
    """Files in the folders around the corpus that the bot may have written."""
    root = corpus.parent.parent
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and corpus not in p.parents and p.parent.name not in ("db",)
        if p.name != "bot.log"
    ]


@pytest.mark.parametrize(
    ("raw", "mime", "expected"),
    [
        ("../../etc/x.txt", None, "x.txt"),
        ("..\\..\\windows\\win.ini.md", None, "win.ini.md"),
        ("/etc/passwd", None, None),
        (".hidden.txt", None, "hidden.txt"),
        ("~$draft.docx", None, "$draft.docx"),
        ("nul\x00byte\x1b[31m.txt", None, "nulbyte[31m.txt"),
        ("Cafe\u0301 menu.HTML", None, "Café menu.html"),
        ("notes", "text/markdown", "notes.md"),
        ("report.pdf.exe", None, None),
        ("..", "text/plain", "document.txt"),
    ],
)
def test_safe_names(raw: str, mime: str | None, expected: str | None) -> None:
    assert safe_name(raw, mime) == expected
    long = safe_name("ü" * 400 + ".txt")
    assert long is not None and long.endswith(".txt") and len(long.encode()) <= 150


def test_an_admins_document_is_indexed_and_answered_from(
    bot: tuple[Emulator, Path, Path],
) -> None:
    emulator, corpus, _ = bot
    _, reply = send(emulator, ADMIN, "quokka-onboarding.txt", QUOKKA, mime_type="text/plain")
    assert "Added quokka-onboarding.txt" in reply["text"]
    assert "Quokka Onboarding" in reply["text"] and "English" in reply["text"]
    assert re.search(r"· [1-9] passages?\.", reply["text"])
    assert (corpus / "quokka-onboarding.txt").read_bytes() == QUOKKA
    assert not [p for p in corpus.iterdir() if p.name.startswith(".")]  # no temporary file left
    answer = ask(emulator, person(3006), "Who explains how the team shares notes?")
    assert "quokka" in answer["text"].lower() and "<blockquote>" in answer["html"]


def test_a_non_admins_file_is_refused_politely(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, corpus, _ = bot
    document, reply = send(emulator, person(3005), "wombat.txt", WOMBAT)
    assert "Only the bot's admins can add documents" in reply["text"]
    assert not (corpus / "wombat.txt").exists()
    assert not emulator.fetched(document)


def test_a_path_in_the_file_name_lands_inside_the_corpus(
    bot: tuple[Emulator, Path, Path],
) -> None:
    emulator, corpus, _ = bot
    _, reply = send(emulator, ADMIN, "../../etc/x.txt", WOMBAT)
    assert "Added x.txt" in reply["text"]
    assert (corpus / "x.txt").read_bytes() == WOMBAT
    assert files_outside(corpus) == []


def test_an_existing_name_is_replaced_kept_twice_or_left_only_after_a_button(
    bot: tuple[Emulator, Path, Path],
) -> None:
    emulator, corpus, _ = bot
    target = corpus / "notes-twice.txt"
    target.write_bytes(QUOKKA)
    admins = [person(9002, "Bo"), person(9003, "Cy"), person(9004, "Di"), person(9005, "Ed")]
    prompts = []
    for who in admins:  # a new version of the roster (x.txt, another test's, holds the old)
        document, prompt = send(emulator, who, "notes-twice.txt", WOMBAT + ROSTER)
        assert "already in the corpus" in prompt["text"]
        assert set(buttons(prompt)) == {"Replace", "Keep both", "Cancel"}
        assert all(len(d.encode()) <= 64 for d in buttons(prompt).values())
        assert not emulator.fetched(document)  # nothing fetched before the admin decides
        prompts.append(prompt)
    assert target.read_bytes() == QUOKKA

    for intruder in (person(3002), admins[1]):  # a user, another admin: not theirs
        query = emulator.press(intruder, prompts[0], buttons(prompts[0])["Replace"])
        alert = emulator.wait_for(lambda q=query: emulator.callback_answers_for(q))[0]
        assert "someone else" in alert["text"] and alert.get("show_alert")

    assert "not saved" in press(emulator, admins[0], prompts[0], "Cancel")["text"]
    assert target.read_bytes() == QUOKKA

    before = len(emulator.sent)
    press(emulator, admins[1], prompts[1], "Keep both")
    kept = replies(emulator, admins[1], before)[0]
    assert "Added notes-twice (2).txt" in kept["text"] and "Wombat Deliveries" in kept["text"]
    assert (corpus / "notes-twice (2).txt").read_bytes() == WOMBAT + ROSTER
    assert target.read_bytes() == QUOKKA

    before = len(emulator.sent)
    press(emulator, admins[2], prompts[2], "Replace")
    replaced = replies(emulator, admins[2], before)[0]
    assert "Replaced notes-twice.txt" in replaced["text"]
    assert "the same as notes-twice (2).txt" in replaced["text"]  # the copy kept before
    assert target.read_bytes() == WOMBAT + ROSTER

    query = emulator.press(admins[2], prompts[2], buttons(prompts[2])["Replace"])  # used up
    answered = emulator.wait_for(lambda: emulator.callback_answers_for(query))[0]
    assert "no longer have" in answered["text"]
    press(emulator, admins[3], prompts[3], "Cancel")
    assert sorted(p.name for p in corpus.glob("notes-twice*")) == [
        "notes-twice (2).txt",
        "notes-twice.txt",
    ]


def test_a_too_large_or_unreadable_file_is_refused_without_downloading(
    bot: tuple[Emulator, Path, Path],
) -> None:
    emulator, corpus, _ = bot
    admin = person(9006, "Flo")
    large, reply = send(emulator, admin, "huge.pdf", b"%PDF-1.4", file_size=25 * 1024 * 1024)
    assert "up to 20 MB" in reply["text"] and "25.0 MB" in reply["text"]
    program, refused = send(emulator, admin, "setup.exe", b"MZ\x90\x00")
    assert "can't read .exe files" in refused["text"]
    assert not emulator.fetched(large) and not emulator.fetched(program)
    assert not (corpus / "huge.pdf").exists() and not (corpus / "setup.exe").exists()


def test_an_unusable_file_is_saved_and_the_reason_given(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, corpus, _ = bot
    _, reply = send(emulator, person(9007, "Gil"), "empty-notes.md", b"   \n")
    assert "Saved empty-notes.md, but I cannot use it" in reply["text"]
    assert "/remove" in reply["text"]
    assert (corpus / "empty-notes.md").exists()


def test_remove_asks_then_deletes_the_file_and_its_sidecar(
    bot: tuple[Emulator, Path, Path],
) -> None:
    emulator, corpus, _ = bot
    sam, admin = person(3003), person(9008, "Hal")
    refused = ask(emulator, sam, "/remove")
    assert "Only the bot's admins can use /remove" in refused["text"]

    (corpus / "zz-leaving.txt").write_bytes(WOMBAT)
    for number in range(10 - len(list(corpus.iterdir()))):  # more than a page of documents
        (corpus / f"filler-{number}.txt").write_text(f"Filler number {number} for the list.")
    (corpus / "zz-leaving.txt.meta.json").write_text('{"title": "Leaving Soon"}')
    menu = ask(emulator, admin, "/remove")
    assert "Which document should I delete?" in menu["text"]
    assert all(len(d.encode()) <= 64 for d in buttons(menu).values())
    page = menu
    while not any("zz-leaving.txt" in label for label in buttons(page)):
        assert "Next ›" in buttons(page), "zz-leaving.txt is not offered"
        page = press(emulator, admin, page, "Next ›")
    assert "page 2 of" in page["text"]  # seed documents and uploads: more than one page
    label = next(label for label in buttons(page) if "zz-leaving.txt" in label)

    query = emulator.press(sam, page, buttons(page)[label])
    assert (
        "someone else" in emulator.wait_for(lambda: emulator.callback_answers_for(query))[0]["text"]
    )
    confirm = press(emulator, admin, page, label)
    assert "Delete zz-leaving.txt" in confirm["text"]
    assert (corpus / "zz-leaving.txt").exists()
    done = press(emulator, admin, confirm, "Delete")
    assert "Deleted zz-leaving.txt" in done["text"] and "documents left" in done["text"]
    assert not (corpus / "zz-leaving.txt").exists()
    assert not (corpus / "zz-leaving.txt.meta.json").exists()
    answer = ask(emulator, sam, "Where are wombat office parcels collected on Tuesdays?")
    assert "zz-leaving.txt" not in answer["text"]

    other = person(9009, "Ida")
    menu = ask(emulator, other, "/remove")
    assert "Nothing deleted" in press(emulator, other, menu, "Cancel")["text"]


def stats_numbers(text: str) -> tuple[int, int, int]:
    docs = re.search(r"Documents: ([\d,]+)", text)
    questions = re.search(r"Questions today \(UTC\): ([\d,]+), unanswered: ([\d,]+)", text)
    assert docs and questions, text
    return int(docs[1]), int(questions[1]), int(questions[2])


def test_stats_for_admins(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, corpus, _ = bot
    sam = person(3004)
    assert "Only the bot's admins can use /stats" in ask(emulator, sam, "/stats")["text"]
    before = ask(emulator, ADMIN, "/stats")["text"]
    docs, questions, unanswered = stats_numbers(before)
    readable = {
        p.read_bytes()  # a copy of another file's content is indexed once
        for p in corpus.iterdir()
        if p.suffix in (".txt", ".md") and p.read_text().strip()
    }
    assert docs == len(readable)
    for language in ("English", "German", "Spanish"):
        assert re.search(rf"• {language}: \d+", before)

    ask(emulator, sam, "How do I measure ROI for networking?")
    ask(emulator, sam, "What is the capital of Australia?")
    after = ask(emulator, ADMIN, "/stats")["text"]
    assert stats_numbers(after) == (docs, questions + 2, unanswered + 1)


def test_the_token_never_appears_in_the_bots_output(bot: tuple[Emulator, Path, Path]) -> None:
    emulator, _, log_path = bot
    send(emulator, ADMIN, "token-check.txt", WOMBAT)
    output = log_path.read_text(errors="replace")
    assert "token-check.txt" in output  # the log is really there
    assert TOKEN.split(":")[1] not in output
