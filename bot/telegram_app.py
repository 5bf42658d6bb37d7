"""``docbot bot``: the Telegram front end (python-telegram-bot v22).

Handlers are a few lines each: parse the update, ask the engine, format with
``tg_format``, reply.  One error handler logs and apologises.  The index is
loaded once and swapped in whole when the corpus changes (watching) or an
admin sends /reindex; a question in flight keeps the searcher it started with.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeDefault,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
    User,
)
from telegram.constants import ChatAction, ChatType, MessageEntityType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from index import (
    Answer,
    BuildReport,
    DocbotError,
    EmptyQuestion,
    QuestionTooLong,
    Searcher,
    UnknownLanguage,
    build_index,
)

from . import tg_format as fmt
from .config import Paths
from .logsafety import install_token_filter, mask
from .state import BotState, StoredAnswer
from .tg_format import Callback, t

log = logging.getLogger("docbot.bot")

TOP = 3
SEND_RETRIES = 3
THROTTLE_BURST = 5
THROTTLE_REFILL_SECONDS = 3.0
SLOW_DOWN_EVERY = 10.0
EXIT_USAGE = 2
EXIT_FAILURE = 1

NO_TOKEN = (
    "docbot: TELEGRAM_BOT_TOKEN is not set. In Telegram, talk to @BotFather, send /newbot, "
    "then put the token in the environment or in .env (see .env.example)."
)


@dataclass(frozen=True)
class BotConfig:
    token: str
    api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    allowed: frozenset[str] = frozenset()
    admins: frozenset[str] = frozenset()
    log_questions: bool = True
    watch: bool = True
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> BotConfig:
        def names(key: str) -> frozenset[str]:
            raw = env.get(key, "")
            return frozenset(p.strip().lstrip("@").casefold() for p in raw.split(",") if p.strip())

        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN", "").strip(),
            api_url=(env.get("TELEGRAM_API_URL") or "https://api.telegram.org").rstrip("/"),
            webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
            webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
            webhook_listen=env.get("TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1",
            webhook_port=int(env.get("TELEGRAM_WEBHOOK_PORT") or 8443),
            allowed=names("DOCBOT_ALLOWED_USERS"),
            admins=names("DOCBOT_ADMINS"),
            log_questions=env.get("DOCBOT_LOG_QUESTIONS", "1").strip() not in {"0", "false", "no"},
            watch=env.get("DOCBOT_WATCH", "1").strip() not in {"0", "false", "no"},
            log_level=(env.get("DOCBOT_LOG_LEVEL") or "INFO").upper(),
        )


def _matches(user: User | None, names: frozenset[str]) -> bool:
    if user is None:
        return False
    return str(user.id) in names or (user.username or "").casefold() in names


@dataclass
class Throttle:
    """Per-user token bucket: a burst of ``THROTTLE_BURST``, then one question per
    ``THROTTLE_REFILL_SECONDS``.  Other users are unaffected."""

    buckets: dict[int, tuple[float, float]] = field(default_factory=dict)
    warned: dict[int, float] = field(default_factory=dict)

    def allow(self, user_id: int, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self.buckets.get(user_id, (float(THROTTLE_BURST), now))
        tokens = min(float(THROTTLE_BURST), tokens + (now - last) / THROTTLE_REFILL_SECONDS)
        if tokens < 1.0:
            self.buckets[user_id] = (tokens, now)
            return False
        self.buckets[user_id] = (tokens - 1.0, now)
        return True

    def should_warn(self, user_id: int, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if now - self.warned.get(user_id, -SLOW_DOWN_EVERY) < SLOW_DOWN_EVERY:
            return False
        self.warned[user_id] = now
        return True


class Service:
    """What the handlers share: the searcher (swappable), state, settings."""

    def __init__(self, config: BotConfig, paths: Paths, searcher: Searcher, state: BotState):
        self.config, self.paths, self.searcher, self.state = config, paths, searcher, state
        self.throttle = Throttle()
        self._rebuild_lock = asyncio.Lock()

    def name_of(self, ui: str) -> Callable[[str], str]:
        searcher = self.searcher
        return lambda tag: searcher.language_name(tag, ui)

    def allowed(self, user: User | None) -> bool:
        return not self.config.allowed or _matches(user, self.config.allowed)

    def is_admin(self, user: User | None) -> bool:
        return _matches(user, self.config.admins)

    async def rebuild(self) -> BuildReport:
        """Refresh the index in a worker thread and swap the new searcher in."""
        async with self._rebuild_lock:
            report = await asyncio.to_thread(build_index, self.paths.corpus, self.paths.db)
            if report.changed_anything or not self.searcher.passages:
                self.searcher = await asyncio.to_thread(Searcher, self.paths.db)
            return report


def service_of(context: ContextTypes.DEFAULT_TYPE) -> Service:
    svc: Service = context.application.bot_data["service"]
    return svc


def summary(report: BuildReport) -> str:
    return (
        f"{len(report.added)} added, {len(report.changed)} changed, "
        f"{len(report.removed)} removed, {len(report.skipped)} skipped"
    )


async def send_html(
    send: Callable[..., Awaitable[Message]], text: str, **kwargs: Any
) -> Message | None:
    """Send with bounded retries on network errors (429s are the rate limiter's)."""
    for attempt in range(SEND_RETRIES):
        try:
            return await send(text, parse_mode=ParseMode.HTML, **kwargs)
        except (TimedOut, NetworkError) as error:
            if isinstance(error, BadRequest | Forbidden) or attempt == SEND_RETRIES - 1:
                raise
            await asyncio.sleep(0.5 * 2**attempt)
    return None


def answer_keyboard(answer_id: int, ui: str, more: bool, section: bool) -> InlineKeyboardMarkup:
    row = []
    if more:
        row.append(
            InlineKeyboardButton(t(ui, "more"), callback_data=Callback("m", (answer_id,)).encode())
        )
    if section:
        row.append(
            InlineKeyboardButton(
                t(ui, "section"), callback_data=Callback("s", (answer_id,)).encode()
            )
        )
    votes = [
        InlineKeyboardButton("👍", callback_data=Callback("f", (answer_id, 1)).encode()),
        InlineKeyboardButton("👎", callback_data=Callback("f", (answer_id, 0)).encode()),
    ]
    return InlineKeyboardMarkup([row, votes] if row else [votes])


def _refs(answer: Answer) -> list[list[object]]:
    return [[h.passage.doc, h.passage.ordinal] for h in answer.hits]


def _error_text(error: DocbotError, ui: str) -> str:
    if isinstance(error, EmptyQuestion):
        return t(ui, "empty")
    if isinstance(error, QuestionTooLong):
        return t(ui, "too_long", length=error.length, limit=error.limit)
    return str(error)


@dataclass(frozen=True)
class Turn:
    """One user's message to the bot, with what every handler needs."""

    message: Message
    user: User
    svc: Service
    ui: str

    async def say(self, key: str, quote: bool = False, **values: Any) -> None:
        await send_html(self.message.reply_text, fmt.esc(t(self.ui, key, **values)), do_quote=quote)


async def turn_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Turn | None:
    """The turn, or ``None`` (after a polite refusal) for users not allowed; bots are ignored."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return None
    svc = service_of(context)
    turn = Turn(message, user, svc, fmt.ui_language(user.language_code))
    if not svc.allowed(user):
        await turn.say("not_allowed")
        return None
    return turn


async def reply_answer(turn: Turn, question: str, quote: bool) -> None:
    """Ask the engine and reply: quotes, sources, buttons."""
    svc, ui, message = turn.svc, turn.ui, turn.message
    lang = svc.state.language(turn.user.id)
    try:
        answer = svc.searcher.ask(question, lang=lang, top=TOP)
    except (EmptyQuestion, QuestionTooLong, UnknownLanguage) as error:
        await send_html(message.reply_text, fmt.esc(_error_text(error, ui)), do_quote=quote)
        return
    messages = fmt.answer_messages(answer, ui, svc.name_of(ui))
    markup = None
    if answer.hits:
        answer_id = svc.state.save_answer(
            chat_id=message.chat_id,
            user_id=turn.user.id,
            question=answer.question,
            lang=lang,
            shown=len(answer.hits),
            passages=_refs(answer),
        )
        markup = answer_keyboard(answer_id, ui, answer.total > len(answer.hits), True)
    for i, text in enumerate(messages):
        last = i == len(messages) - 1
        await send_html(
            message.reply_text,
            text,
            do_quote=quote and i == 0,
            reply_markup=markup if last else None,
        )


async def answer_question(
    turn: Turn, context: ContextTypes.DEFAULT_TYPE, question: str, quote: bool
) -> None:
    """Flood check, "typing…", then the answer."""
    if not turn.svc.throttle.allow(turn.user.id):
        if turn.svc.throttle.should_warn(turn.user.id):
            await turn.say("slow_down", quote=quote)
        return
    await show_typing(context, turn.message.chat_id)
    await reply_answer(turn, question, quote)


def addressed_text(message: Message, bot_id: int, username: str) -> str | None:
    """In a group: the question if the bot is mentioned or replied to, else ``None``."""
    text = message.text or ""
    mention = f"@{username}".casefold()
    for entity in message.entities:
        part = text[entity.offset : entity.offset + entity.length]
        if (entity.type == MessageEntityType.MENTION and part.casefold() == mention) or (
            entity.type == MessageEntityType.TEXT_MENTION
            and entity.user
            and entity.user.id == bot_id
        ):
            return (text[: entity.offset] + text[entity.offset + entity.length :]).strip()
    reply = message.reply_to_message
    if reply and reply.from_user and reply.from_user.id == bot_id:
        return text
    return None


async def show_typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    """The "typing…" indicator, best effort: an answer never fails for its sake."""
    try:
        await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
    except TelegramError as error:
        log.info("Could not show typing in %s: %s", chat_id, error)


def chat_sender(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int
) -> Callable[..., Awaitable[Message]]:
    """A ``send(text, **kwargs)`` into one chat, for ``send_html``."""

    async def send(text: str, **kwargs: Any) -> Message:
        return await context.bot.send_message(chat_id, text, **kwargs)

    return send


# --- handlers ------------------------------------------------------------------


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    question: str | None = message.text or ""
    in_group = chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    if in_group:
        question = addressed_text(message, context.bot.id, context.bot.username)
        if question is None:
            return
    turn = await turn_of(update, context)
    if turn:
        await answer_question(turn, context, question or "", quote=in_group)


async def on_ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turn_of(update, context)
    if turn is None:
        return
    question = " ".join(context.args or [])
    if not question:
        await turn.say("ask_usage")
        return
    await answer_question(turn, context, question, quote=True)


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turn_of(update, context)
    if turn is None:
        return
    searcher, ui = turn.svc.searcher, turn.ui
    langs = ", ".join(searcher.language_name(tag, ui) for tag in searcher.languages)
    text = fmt.esc(
        t(ui, "hello", name=turn.user.first_name, docs=len(searcher.documents), langs=langs)
    )
    examples = example_questions(searcher, ui)
    buttons = [
        [
            InlineKeyboardButton(
                q, callback_data=Callback("e", (turn.svc.state.example_id(q),)).encode()
            )
        ]
        for q in examples
    ]
    if examples:
        text += "\n\n" + fmt.esc(t(ui, "try"))
    await send_html(
        turn.message.reply_text,
        text,
        reply_markup=InlineKeyboardMarkup(buttons) if buttons else None,
    )


def example_questions(searcher: Searcher, ui: str, count: int = 3) -> list[str]:
    """Section headings in the user's language (else any), as example questions."""
    seen: list[str] = []
    passages = sorted(searcher.passages.values(), key=lambda p: (p.lang != ui, p.doc, p.ordinal))
    for passage in passages:
        heading = (passage.section or "").strip()
        heading = heading.split(". ", 1)[-1] if heading[:1].isdigit() else heading
        if 3 <= len(heading) <= 60 and heading not in seen:
            seen.append(heading)
        if len(seen) == count:
            break
    return seen


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turn_of(update, context)
    if turn:
        await turn.say("help")


async def on_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turn_of(update, context)
    if turn is None:
        return
    name_of = turn.svc.name_of(turn.ui)
    blocks = [fmt.esc(t(turn.ui, "sources"))]
    by_lang: dict[str, list[str]] = {}
    for doc in turn.svc.searcher.documents:
        line = f"• {fmt.esc(doc.title)} ({doc.passages})"
        if doc.url:
            line += " – " + fmt.link(doc.url, "link")
        by_lang.setdefault(doc.lang, []).append(line)
    for lang, lines in by_lang.items():
        blocks.append(f"<b>{fmt.esc(name_of(lang))}</b>\n" + "\n".join(lines))
    for text in fmt.pack(blocks):
        await send_html(turn.message.reply_text, text)


async def on_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turn_of(update, context)
    if turn is None:
        return
    ui, name_of = turn.ui, turn.svc.name_of(turn.ui)
    current = turn.svc.state.language(turn.user.id)
    buttons = [[InlineKeyboardButton(t(ui, "lang_auto"), callback_data=fmt.lang_callback(None))]]
    buttons += [
        [InlineKeyboardButton(name_of(tag), callback_data=fmt.lang_callback(tag))]
        for tag in turn.svc.searcher.languages
    ]
    now = name_of(current) if current else t(ui, "lang_auto")
    await send_html(
        turn.message.reply_text,
        fmt.esc(t(ui, "lang_choose", current=now)),
        reply_markup=InlineKeyboardMarkup(buttons),
    )


async def on_reindex(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    turn = await turn_of(update, context)
    if turn is None:
        return
    if not turn.svc.is_admin(turn.user):
        await turn.say("reindex_denied")
        return
    await show_typing(context, turn.message.chat_id)
    report = await turn.svc.rebuild()
    await turn.say("reindex_done", summary=summary(report))


# --- buttons -------------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    """One button press, with what every button handler needs."""

    query: CallbackQuery
    user: User
    svc: Service
    ui: str
    chat_id: int

    async def expired(self) -> None:
        await self.query.answer(t(self.ui, "expired"))

    async def stored(self, args: tuple[int, ...]) -> StoredAnswer | None:
        """The answer behind the button, or ``None`` after saying it expired."""
        found = self.svc.state.answer(args[0]) if args else None
        if found is None:
            await self.expired()
        return found


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.message is None:
        return
    svc = service_of(context)
    press = Press(query, user, svc, fmt.ui_language(user.language_code), query.message.chat.id)
    if not svc.allowed(user):
        await query.answer(t(press.ui, "not_allowed"), show_alert=True)
        return
    data = query.data or ""
    if data.startswith("l:"):
        await on_lang_button(press, data[2:])
        return
    callback = Callback.decode(data)
    handler = BUTTONS.get(callback.action) if callback else None
    if callback is None or handler is None:
        await press.expired()
        return
    await handler(press, context, callback.args)


async def on_lang_button(press: Press, tag: str) -> None:
    chosen = None if tag == "auto" else tag
    if chosen is not None and chosen not in press.svc.searcher.languages:
        await press.expired()
        return
    press.svc.state.set_language(press.user.id, chosen)
    name = press.svc.name_of(press.ui)(chosen) if chosen else t(press.ui, "lang_auto")
    await press.query.answer()
    await press.query.edit_message_text(
        fmt.esc(t(press.ui, "lang_set", lang=name)), parse_mode=ParseMode.HTML
    )


async def on_more(press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[int, ...]) -> None:
    stored = await press.stored(args)
    if stored is None:
        return
    await press.query.answer()
    svc, ui = press.svc, press.ui
    send = chat_sender(context, press.chat_id)
    answer = svc.searcher.ask(stored.question, lang=stored.lang, top=TOP, offset=stored.shown)
    if not answer.hits:
        await send_html(send, fmt.esc(t(ui, "no_more")))
        return
    svc.state.add_shown(stored.id, stored.shown + len(answer.hits), _refs(answer))
    more = answer.total > stored.shown + len(answer.hits)
    markup = answer_keyboard(stored.id, ui, more, False)
    messages = fmt.answer_messages(answer, ui, svc.name_of(ui))
    for i, text in enumerate(messages):
        await send_html(send, text, reply_markup=markup if i == len(messages) - 1 else None)


async def on_section(
    press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[int, ...]
) -> None:
    stored = await press.stored(args)
    if stored is None:
        return
    searcher = press.svc.searcher
    doc, ordinal = stored.passages[0] if stored.passages else ("", -1)
    passage = searcher.find_passage(str(doc), int(str(ordinal)))
    if passage is None:
        await press.expired()
        return
    await press.query.answer()
    send = chat_sender(context, press.chat_id)
    for text in fmt.section_messages(
        searcher.section_passages(passage), press.svc.name_of(press.ui)
    ):
        await send_html(send, text)


async def on_feedback(
    press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[int, ...]
) -> None:
    stored = await press.stored(args)
    if stored is None or len(args) != 2:
        return
    press.svc.state.add_feedback(stored.id, press.user.id, 1 if args[1] else -1)
    await press.query.answer(t(press.ui, "thanks"))


async def on_example(
    press: Press, context: ContextTypes.DEFAULT_TYPE, args: tuple[int, ...]
) -> None:
    question = press.svc.state.example(args[0]) if args else None
    message = press.query.message
    if question is None or not isinstance(message, Message):
        await press.expired()
        return
    await press.query.answer()
    await answer_question(
        Turn(message, press.user, press.svc, press.ui), context, question, quote=False
    )


ButtonHandler = Callable[[Press, ContextTypes.DEFAULT_TYPE, tuple[int, ...]], Awaitable[None]]
BUTTONS: dict[str, ButtonHandler] = {
    "m": on_more,
    "s": on_section,
    "f": on_feedback,
    "e": on_example,
}


async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, user = update.inline_query, update.effective_user
    if query is None or user is None:
        return
    svc = service_of(context)
    ui = fmt.ui_language(user.language_code)
    if not svc.allowed(user) or not query.query.strip():
        await query.answer([], cache_time=0, is_personal=True)
        return
    try:
        answer = svc.searcher.ask(query.query, lang=svc.state.language(user.id), top=5)
    except DocbotError:
        await query.answer([], cache_time=0, is_personal=True)
        return
    name_of = svc.name_of(ui)
    results = [
        InlineQueryResultArticle(
            id=str(hit.rank),
            title=(hit.passage.section or hit.passage.title)[:100],
            description=fmt.inline_description(hit),
            input_message_content=InputTextMessageContent(
                fmt.hit_html(hit, ui, name_of), parse_mode=ParseMode.HTML
            ),
        )
        for hit in answer.hits
    ]
    await query.answer(results, cache_time=0, is_personal=True)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure with its traceback (token masked by the log filter), apologise."""
    error = context.error
    if isinstance(error, RetryAfter | TimedOut | NetworkError) and not isinstance(
        error, BadRequest | Forbidden
    ):
        log.warning("Telegram is not reachable right now (%s); retrying", error)
        return
    log.error("Error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.effective_chat and update.effective_user:
        ui = fmt.ui_language(update.effective_user.language_code)
        try:
            await context.bot.send_message(
                update.effective_chat.id, fmt.esc(t(ui, "error")), parse_mode=ParseMode.HTML
            )
        except Exception:  # the apology is best effort
            log.warning("Could not tell the user about the error")


# --- start-up ------------------------------------------------------------------


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The command menu in English, German and Spanish; best effort (a server
    without setMyCommands still gets a working bot)."""
    for ui, commands in fmt.COMMANDS.items():
        try:
            await application.bot.set_my_commands(
                [BotCommand(name, description) for name, description in commands],
                scope=BotCommandScopeDefault(),
                language_code=None if ui == "en" else ui,
            )
        except TelegramError as error:
            log.warning("Could not register the %s command menu: %s", ui, error)


async def watch_corpus(
    svc: Service, application: Application[Any, Any, Any, Any, Any, Any], stop: asyncio.Event
) -> None:
    """Rebuild when the corpus changes; tell admins with numeric ids."""
    from watchfiles import awatch

    async for _changes in awatch(svc.paths.corpus, debounce=800, step=100, stop_event=stop):
        try:
            report = await svc.rebuild()
        except DocbotError as error:
            log.warning("Reindex after a corpus change failed: %s", error)
            continue
        if not report.changed_anything:
            continue
        log.info("Corpus changed, index refreshed: %s", summary(report))
        for admin in svc.config.admins:
            if admin.isdigit():
                try:
                    await application.bot.send_message(
                        int(admin), f"Index refreshed: {summary(report)}"
                    )
                except (BadRequest, Forbidden, NetworkError):
                    log.warning("Could not notify admin %s", admin)


def build_application(svc: Service) -> Application[Any, Any, Any, Any, Any, Any]:
    config = svc.config
    stop = asyncio.Event()

    async def post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        await register_commands(application)
        # The first question would otherwise pay for loading the language models.
        await asyncio.to_thread(svc.searcher.ask, "warm up the language detector", None, 1)
        if config.watch:
            application.bot_data["watcher"] = asyncio.create_task(
                watch_corpus(svc, application, stop)
            )
        log.info(
            "docbot is up: %d documents, languages %s",
            len(svc.searcher.documents),
            ", ".join(svc.searcher.languages),
        )

    async def post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        stop.set()
        task = application.bot_data.get("watcher")
        if task:
            task.cancel()
        svc.state.close()

    application = (
        Application.builder()
        .token(config.token)
        .base_url(f"{config.api_url}/bot")
        .base_file_url(f"{config.api_url}/file/bot")
        .rate_limiter(AIORateLimiter(max_retries=5))
        .concurrent_updates(True)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data["service"] = svc
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(CommandHandler("help", on_help))
    application.add_handler(CommandHandler("sources", on_sources))
    application.add_handler(CommandHandler("lang", on_lang))
    application.add_handler(CommandHandler("reindex", on_reindex))
    application.add_handler(CommandHandler("ask", on_ask))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(InlineQueryHandler(on_inline))
    application.add_error_handler(on_error)
    return application


def run_bot(paths: Paths, env: Mapping[str, str]) -> int:
    config = BotConfig.from_env(env)
    if not config.token:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_USAGE
    if config.webhook_url and not config.webhook_secret:
        print(
            "docbot: TELEGRAM_WEBHOOK_SECRET must be set with TELEGRAM_WEBHOOK_URL.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    install_token_filter(config.token, config.log_level)
    problem = preflight(config)
    if problem:
        print(f"docbot: {problem}", file=sys.stderr)
        return EXIT_FAILURE
    report = build_index(paths.corpus, paths.db)
    log.info("Index ready: %s", summary(report))
    state = BotState(paths.db.with_name(paths.db.stem + ".bot.sqlite"), config.log_questions)
    svc = Service(config, paths, Searcher(paths.db), state)
    application = build_application(svc)
    try:
        serve(application, config)
    except InvalidToken:
        print(
            "docbot: Telegram rejected TELEGRAM_BOT_TOKEN. Check it with @BotFather "
            "(/token) and TELEGRAM_API_URL.",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    except NetworkError as error:
        print(
            f"docbot: cannot reach the Bot API at {config.api_url} "
            f"({mask(str(error), config.token)}). Check TELEGRAM_API_URL and the network.",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    return 0


def preflight(config: BotConfig) -> str | None:
    """Check the token and the server with one getMe before starting, so that a
    wrong token or an unreachable server is one clear line, not a traceback."""
    import httpx

    url = f"{config.api_url}/bot{config.token}/getMe"
    try:
        response = httpx.post(url, timeout=15)
    except httpx.HTTPError as error:
        reason = mask(str(error), config.token) or type(error).__name__
        return (
            f"cannot reach the Bot API at {config.api_url} ({reason}). "
            "Check TELEGRAM_API_URL and the network."
        )
    if response.status_code in (401, 404):
        return (
            "Telegram rejected TELEGRAM_BOT_TOKEN. Check it with @BotFather (/token) "
            "and TELEGRAM_API_URL."
        )
    return None


def serve(application: Application[Any, Any, Any, Any, Any, Any], config: BotConfig) -> None:
    """Long polling, or a webhook server when ``TELEGRAM_WEBHOOK_URL`` is set."""
    if config.webhook_url:
        application.run_webhook(
            listen=config.webhook_listen,
            port=config.webhook_port,
            url_path="telegram",
            webhook_url=config.webhook_url,
            secret_token=config.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES, poll_interval=0.0, timeout=10)
