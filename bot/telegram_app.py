"""``docbot bot``: starting the Telegram front end (python-telegram-bot v22).

Settings and shared state live in ``tg_service``, the handlers in
``tg_handlers``, formatting in ``tg_format``; this module checks the token,
builds the index, wires the handlers into an ``Application``, registers the
command menu, watches the corpus and runs long polling or a webhook.  The index
is loaded once and swapped in whole when the corpus changes or an admin sends
/reindex; a question in flight keeps the searcher it started with.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    TelegramError,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from docbot.index import (
    DocbotError,
    Searcher,
    build_index,
)

from . import tg_format as fmt
from .config import Paths
from .logsafety import install_token_filter, mask
from .state import BotState
from .tg_handlers import (
    on_ask,
    on_button,
    on_error,
    on_help,
    on_inline,
    on_lang,
    on_reindex,
    on_sources,
    on_start,
    on_text,
)
from .tg_service import BotConfig, Service, log, summary

EXIT_USAGE = 2
EXIT_FAILURE = 1

NO_TOKEN = (
    "docbot: TELEGRAM_BOT_TOKEN is not set. In Telegram, talk to @BotFather, send /newbot, "
    "then put the token in the environment or in .env (see .env.example)."
)


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
        # Let the watcher see the stop event and end by itself: cancelling it
        # would leave its worker thread waiting, and the process would not exit.
        stop.set()
        task = application.bot_data.get("watcher")
        if task:
            try:
                await asyncio.wait_for(task, timeout=5)
            except (TimeoutError, asyncio.CancelledError):
                log.warning("The corpus watcher did not stop in time")
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
