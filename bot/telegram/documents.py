"""Admins' tools in Telegram: documents sent to the bot, /remove and /stats.

An admin (``DOCBOT_ADMINS``) sends a file in a private chat: it is refused
before anything is downloaded when Telegram says it is larger than
``MAX_UPLOAD_MB`` (Telegram's limit for bots' downloads) or when docbot does
not read its type; otherwise it is saved in the corpus folder under a safe
name (``safe_name``: the base name only, no path separators or control
characters, NFC, no leading dot, at most ``MAX_NAME_BYTES``), indexed, and the
reply gives the document's title, language and passages, or why it cannot be
used.  A name already in the corpus is never overwritten without a press on
"Replace"; "Keep both" saves it as ``NAME (2).txt``.  The file is downloaded
to a hidden temporary name inside the corpus folder (which neither the index
nor the watcher reads) and renamed when complete, so a half-downloaded file
is never indexed.

``/remove`` lists the corpus files as buttons (``PAGE`` a page) and deletes
the one chosen after a confirmation, with its sidecar ``NAME.meta.json``.
``/stats``: documents, passages per language, today's questions and those
nothing answered.  Everyone else gets a polite refusal.  The confirmation
buttons carry a random id (``Service.hold``) owned by the admin's chat and
user, like answer buttons.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from docbot.index import BuildReport, DocbotError, corpus_documents

from ..app.corpus import delete_document, exists, kind_of, place, safe_name
from ..app.state import StateError, StateStore, utc_day
from . import format as fmt
from .format import Callback, t
from .handlers import (
    MAX_UPLOAD_MB,
    ButtonHandler,
    Press,
    Turn,
    answer_press,
    chat_sender,
    send_html,
    show_typing,
    turn_of,
)
from .service import Service, log

MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
PAGE = 8  # documents per /remove page
DOWNLOAD_TIMEOUT = 120.0
TEMP_PREFIX = ".docbot-upload-"


# --- names and files (pure, or plain file system work for a worker thread) ------------------


def today_counts(state: StateStore, now: float | None = None) -> tuple[int, int]:
    """Questions asked today (UTC) and those nothing answered, from the bot's state."""
    day = utc_day(time.time() if now is None else now)
    days = [d for d in state.days(day) if d.day == day]
    if not days:
        return 0, 0
    return days[0].answered + days[0].unanswered, days[0].unanswered


# --- uploads ----------------------------------------------------------------------------------


async def refuse_unless_admin(turn: Turn, command: str) -> bool:
    """``True`` (after a polite refusal) when the user is no admin."""
    if turn.svc.is_admin(turn.user):
        return False
    await turn.say("admins_only", command=command)
    return True


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = turn_of(update, context)
    if turn is None or turn.message.document is None:
        return
    if turn.message.chat.type != ChatType.PRIVATE:
        return
    svc, ui, document = turn.svc, turn.ui, turn.message.document
    if not svc.is_admin(turn.user):
        log.info("User %s sent a file but is no admin", turn.user.id)
        await turn.say("upload_denied")
        return
    name = safe_name(document.file_name, document.mime_type)
    if name is None:
        await turn.say("upload_type", kind=kind_of(document.file_name, document.mime_type))
        return
    if document.file_size is not None and document.file_size > MAX_UPLOAD_BYTES:
        size = f"{document.file_size / 1024 / 1024:.1f}"
        await turn.say("upload_too_big", size=size, limit=MAX_UPLOAD_MB)
        return
    upload = Upload(turn.message.chat_id, turn.user.id, ui, document.file_id, name)
    if await svc.run(exists, svc.paths.corpus, name):
        await ask_before_replacing(svc, turn.message.reply_text, upload)
        return
    await show_typing(context, turn.message.chat_id)
    await save_upload(svc, context, upload, "new")


@dataclass(frozen=True)
class Upload:
    """A file an admin sent: where to answer, what to fetch, the name to save it as."""

    chat_id: int
    user_id: int
    ui: str
    file_id: str
    name: str


async def ask_before_replacing(
    svc: Service, send: Callable[..., Awaitable[Message]], upload: Upload
) -> None:
    """Replace, keep both or cancel: buttons owned by the admin's chat and user."""
    data = {"file_id": upload.file_id, "name": upload.name}
    held = svc.hold(upload.chat_id, upload.user_id, "upload", data)
    ui = upload.ui
    buttons = [
        [
            InlineKeyboardButton(t(ui, key), callback_data=Callback("u", (held, code)).encode())
            for key, code in (("replace", "r"), ("keep_both", "k"), ("cancel", "c"))
        ]
    ]
    await send_html(
        send,
        fmt.esc(t(ui, "upload_exists", name=fmt.clip(upload.name, fmt.MAX_DOC))),
        reply_markup=InlineKeyboardMarkup(buttons),
    )


async def save_upload(
    svc: Service, context: ContextTypes.DEFAULT_TYPE, upload: Upload, how: str
) -> None:
    """Download, move into the corpus (``how``: see ``place``), index, and say
    what came of it."""
    send = chat_sender(context, upload.chat_id)

    async def say(key: str, **values: Any) -> None:
        await send_html(send, fmt.esc(t(upload.ui, key, **values)))

    try:
        telegram_file = await context.bot.get_file(upload.file_id)
    except BadRequest as error:
        if "too big" in str(error).lower():
            await say("upload_too_big", size=f"> {MAX_UPLOAD_MB}", limit=MAX_UPLOAD_MB)
        else:
            log.warning("getFile failed for an upload: %s", error)
            await say("upload_failed")
        return
    size = telegram_file.file_size
    if size is not None and size > MAX_UPLOAD_BYTES:
        await say("upload_too_big", size=f"{size / 1024 / 1024:.1f}", limit=MAX_UPLOAD_MB)
        return
    corpus = svc.paths.corpus
    await svc.run(corpus.mkdir, parents=True, exist_ok=True)
    temp = corpus / f"{TEMP_PREFIX}{secrets.token_hex(8)}.part"
    try:
        try:
            await telegram_file.download_to_drive(temp, read_timeout=DOWNLOAD_TIMEOUT)
        except BadRequest as error:
            log.warning("Downloading an upload failed: %s", error)
            await say("upload_failed")
            return
        if temp.stat().st_size > MAX_UPLOAD_BYTES:
            await say("upload_too_big", size=f"> {MAX_UPLOAD_MB}", limit=MAX_UPLOAD_MB)
            return
        saved = await svc.run(place, temp, corpus, upload.name, how)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    if saved is None:  # the name was taken meanwhile: ask
        await ask_before_replacing(svc, send, upload)
        return
    log.info("An admin added %s to the corpus (%s)", saved, how)
    try:
        report = await svc.rebuild()
    except DocbotError as error:
        await send_html(send, fmt.esc(fmt.clip(str(error), 1000)))
        return
    await send_html(send, fmt.esc(outcome_text(svc, upload.ui, saved, report, how)))


def outcome_text(svc: Service, ui: str, name: str, report: BuildReport, how: str) -> str:
    """Title, language, passages of a saved document, or why it is skipped."""
    shown = fmt.clip(name, fmt.MAX_DOC)
    doc = next((d for d in svc.searcher.documents if d.path == name), None)
    if doc is not None:
        key = "upload_replaced" if how == "replace" else "upload_added"
        return t(
            ui,
            key,
            name=shown,
            title=fmt.clip(doc.title, fmt.MAX_TITLE),
            lang=svc.name_of(ui)(doc.lang),
            passages=t(ui, "passages_1" if doc.passages == 1 else "passages_n", count=doc.passages),
        )
    original = next((o for path, o in report.copies if path == name), None)
    if original is not None:
        key = "upload_copy_replaced" if how == "replace" else "upload_copy_added"
        return t(ui, key, name=shown, original=fmt.clip(original, fmt.MAX_DOC))
    reason = next((r for path, r in report.skipped if path == name), "it is not in the index")
    return t(ui, "upload_skipped", name=shown, reason=fmt.clip(reason, 300))


async def owned_hold(press: Press, held_id: str, kind: str) -> dict[str, Any] | None:
    """What an admin's confirmation is about, if this press may act on it;
    otherwise ``None`` after an alert."""
    held = press.svc.held(held_id)
    if held is None or held.kind != kind:
        await press.expired()
        return None
    if not await press.belongs_here(held.chat_id, held.user_id, "confirmation"):
        return None
    if not press.svc.is_admin(press.user):
        await answer_press(press.query, t(press.ui, "admins_only", command=kind), alert=True)
        return None
    return held.data


async def edit(press: Press, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the message a button is on (the same text again, after a retry, is fine)."""
    try:
        await press.query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise


async def on_upload_button(
    press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]
) -> None:
    held_id, choice = args
    data = await owned_hold(press, held_id, "upload")
    if data is None:
        return
    await answer_press(press.query)
    name = str(data["name"])
    shown = fmt.clip(name, fmt.MAX_DOC)
    if choice == "c":
        press.svc.release(held_id)
        await edit(press, fmt.esc(t(press.ui, "upload_cancelled", name=shown)))
        return
    await edit(press, fmt.esc(t(press.ui, "upload_saving", name=shown)))
    how = "replace" if choice == "r" else "keep"
    upload = Upload(press.chat_id, press.user.id, press.ui, str(data["file_id"]), name)
    await save_upload(press.svc, context, upload, how)
    # one decision per upload; kept until here so that an update tried again
    # (Telegram unreachable during the download) can still carry it out
    press.svc.release(held_id)


# --- /remove ------------------------------------------------------------------------------------


def remove_keyboard(
    held_id: str, files: list[str], titles: dict[str, str], page: int, ui: str
) -> InlineKeyboardMarkup:
    rows = []
    for index in range(page * PAGE, min(len(files), (page + 1) * PAGE)):
        path = files[index]
        title = titles.get(path)
        label = f"{fmt.clip(title, 36)} · {fmt.clip(path, 24)}" if title else fmt.clip(path, 60)
        data = Callback("d", (held_id, f"a{index}")).encode()
        rows.append([InlineKeyboardButton(label, callback_data=data)])
    nav = []
    if page > 0:
        data = Callback("d", (held_id, f"p{page - 1}")).encode()
        nav.append(InlineKeyboardButton(t(ui, "previous"), callback_data=data))
    if (page + 1) * PAGE < len(files):
        data = Callback("d", (held_id, f"p{page + 1}")).encode()
        nav.append(InlineKeyboardButton(t(ui, "next"), callback_data=data))
    nav.append(
        InlineKeyboardButton(t(ui, "cancel"), callback_data=Callback("d", (held_id, "c")).encode())
    )
    return InlineKeyboardMarkup([*rows, nav])


def pages(files: list[str]) -> int:
    return max(1, (len(files) + PAGE - 1) // PAGE)


async def on_remove(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = turn_of(update, context)
    if turn is None or await refuse_unless_admin(turn, "/remove"):
        return
    svc, ui = turn.svc, turn.ui
    files = await svc.run(corpus_documents, svc.paths.corpus, svc.paths.db)
    if not files:
        await turn.say("remove_empty")
        return
    held_id = svc.hold(turn.message.chat_id, turn.user.id, "remove", {"files": files})
    titles = {d.path: d.title for d in turn.snapshot.searcher.documents}
    await send_html(
        turn.message.reply_text,
        fmt.esc(t(ui, "remove_choose", page=1, pages=pages(files))),
        reply_markup=remove_keyboard(held_id, files, titles, 0, ui),
    )


async def on_remove_button(
    press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[str, ...]
) -> None:
    """``p<n>``: show page n; ``a<n>``: ask about document n; ``y<n>``: delete
    it; ``c``: cancel."""
    held_id, step = args
    data = await owned_hold(press, held_id, "remove")
    if data is None:
        return
    files: list[str] = list(data["files"])
    ui = press.ui
    if step == "c":
        press.svc.release(held_id)
        await answer_press(press.query)
        await edit(press, fmt.esc(t(ui, "remove_cancelled")))
        return
    number = int(step[1:])
    if number >= (pages(files) if step[0] == "p" else len(files)):
        await press.expired()
        return
    await answer_press(press.query)
    if step[0] == "p":
        titles = {d.path: d.title for d in press.snapshot.searcher.documents}
        await edit(
            press,
            fmt.esc(t(ui, "remove_choose", page=number + 1, pages=pages(files))),
            remove_keyboard(held_id, files, titles, number, ui),
        )
    elif step[0] == "a":
        buttons = [
            InlineKeyboardButton(t(ui, key), callback_data=Callback("d", (held_id, code)).encode())
            for key, code in (("delete", f"y{number}"), ("cancel", "c"))
        ]
        name = fmt.clip(files[number], fmt.MAX_DOC)
        await edit(
            press, fmt.esc(t(ui, "remove_confirm", name=name)), InlineKeyboardMarkup([buttons])
        )
    else:
        press.svc.release(held_id)  # deleted once
        await edit(press, await delete_and_rebuild(press.svc, ui, files[number]))


async def delete_and_rebuild(svc: Service, ui: str, rel: str) -> str:
    """Delete a document, refresh the index; the HTML that says what happened."""
    name = fmt.clip(rel, fmt.MAX_DOC)
    if not await svc.run(delete_document, svc.paths.corpus, rel):
        return fmt.esc(t(ui, "remove_gone", name=name))
    log.info("An admin deleted %s from the corpus", rel)
    try:
        await svc.rebuild()
    except DocbotError as error:
        return fmt.esc(fmt.clip(str(error), 1000))
    return fmt.esc(t(ui, "removed", name=name, docs=len(svc.searcher.documents)))


# --- /stats ---------------------------------------------------------------------------------------


async def on_stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = turn_of(update, context)
    if turn is None or await refuse_unless_admin(turn, "/stats"):
        return
    svc, ui, searcher = turn.svc, turn.ui, turn.snapshot.searcher
    documents = searcher.documents
    per_lang: Counter[str] = Counter()
    for doc in documents:
        per_lang[doc.lang] += doc.passages
    try:
        questions, unanswered = await svc.run(today_counts, svc.state)
    except StateError as error:
        log.warning("/stats cannot read the question counts: %s", error)
        questions, unanswered = 0, 0
    name_of = svc.name_of(ui, turn.snapshot)
    lines = [
        f"<b>{fmt.esc(t(ui, 'stats_title'))}</b>",
        fmt.esc(t(ui, "stats_documents", docs=len(documents))),
        fmt.esc(t(ui, "stats_passages", passages=sum(per_lang.values()))),
    ]
    lines += [
        f"• {fmt.esc(fmt.clip(name_of(lang), 40))}: {count:,}"
        for lang, count in sorted(per_lang.items(), key=lambda item: -item[1])
    ]
    lines.append(fmt.esc(t(ui, "stats_questions", questions=questions, unanswered=unanswered)))
    for text in fmt.pack(lines, joiner="\n"):
        await send_html(turn.message.reply_text, text)


DOCUMENT_BUTTONS: dict[str, ButtonHandler] = {"u": on_upload_button, "d": on_remove_button}
