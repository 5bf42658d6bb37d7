"""The Telegram bot's settings, read and checked once at start-up.

Every problem is one line (``SettingError``) naming the setting and what it
accepts; nothing is guessed: an allowlist entry that is empty or not a user id
or username is refused rather than skipped or matched loosely.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from docbot.index import DEFAULT_ENCODER

from ..app.config import SettingError, flag, positive, question_log, semantic_spec

__all__ = ["BotConfig", "SettingError", "user_list"]

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_TIMEOUT = 10.0
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_USER_ID = re.compile(r"[0-9]{1,20}")
_USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{0,31})")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token


@dataclass(frozen=True)
class BotConfig:
    token: str
    api_url: str = DEFAULT_API_URL
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    allowed: frozenset[str] = frozenset()
    admins: frozenset[str] = frozenset()
    log_questions: bool = True
    watch: bool = True
    log_level: str = "INFO"
    retention_days: float = 30.0
    timeout: float = DEFAULT_TIMEOUT  # seconds a Bot API call may take to send or answer
    semantic: str | None = DEFAULT_ENCODER  # the encoder, or None: BM25 alone

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> BotConfig:
        """The settings from ``env``; ``SettingError`` for the first unusable one."""

        def get(key: str) -> str:
            return (env.get(key) or "").strip()

        log = question_log(env)
        webhook_url = get("TELEGRAM_WEBHOOK_URL") or None
        if webhook_url:
            _check_url("TELEGRAM_WEBHOOK_URL", webhook_url)
        secret = get("TELEGRAM_WEBHOOK_SECRET") or None
        if secret and not _SECRET.fullmatch(secret):
            raise SettingError(
                "TELEGRAM_WEBHOOK_SECRET may only hold letters, digits, _ and - "
                "(1 to 256 characters), as Telegram requires."
            )
        api_url = (get("TELEGRAM_API_URL") or DEFAULT_API_URL).rstrip("/")
        _check_url("TELEGRAM_API_URL", api_url)
        return cls(
            token=get("TELEGRAM_BOT_TOKEN"),
            api_url=api_url,
            webhook_url=webhook_url,
            webhook_secret=secret,
            webhook_listen=get("TELEGRAM_WEBHOOK_LISTEN") or "127.0.0.1",
            webhook_port=_port(get("TELEGRAM_WEBHOOK_PORT")),
            allowed=user_list("DOCBOT_ALLOWED_USERS", env.get("DOCBOT_ALLOWED_USERS", "")),
            admins=user_list("DOCBOT_ADMINS", env.get("DOCBOT_ADMINS", "")),
            log_questions=log.enabled,
            watch=flag("DOCBOT_WATCH", get("DOCBOT_WATCH"), True),
            log_level=_log_level(get("DOCBOT_LOG_LEVEL")),
            retention_days=log.retention_days,
            timeout=_timeout(get("TELEGRAM_TIMEOUT")),
            semantic=semantic_spec(env),
        )


def user_list(key: str, raw: str) -> frozenset[str]:
    """Comma-separated numeric ids and (@)usernames, as matched: ids as digits,
    usernames case-folded without the ``@``.  Unset or blank means none.

    >>> sorted(user_list("K", "7001, @Ana"))
    ['7001', 'ana']
    >>> try:
    ...     user_list("K", "7001, @")
    ... except SettingError as error:
    ...     print(error)
    K: entry 2 ("@") is not a numeric user id or a @username.
    """
    if not raw.strip():
        return frozenset()
    names = set()
    for number, part in enumerate(raw.split(","), start=1):
        entry = part.strip()
        if not entry:
            raise SettingError(
                f"{key}: entry {number} is empty; list user ids or @usernames separated by "
                "commas, with nothing between two commas or after the last."
            )
        if _USER_ID.fullmatch(entry):
            names.add(entry)
            continue
        match = _USERNAME.fullmatch(entry)
        if match is None:
            raise SettingError(
                f'{key}: entry {number} ("{entry}") is not a numeric user id or a @username.'
            )
        names.add(match.group(1).casefold())
    return frozenset(names)


def _check_url(key: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SettingError(f"{key} must be an http:// or https:// URL, not {url!r}.")


def _port(raw: str) -> int:
    if not raw:
        return 8443
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingError(f"TELEGRAM_WEBHOOK_PORT must be a port number (1-65535), not {raw!r}.")
    return int(raw)


def _log_level(raw: str) -> str:
    level = (raw or "INFO").upper()
    if level not in LOG_LEVELS:
        raise SettingError(f"DOCBOT_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {raw!r}.")
    return level


def _timeout(raw: str) -> float:
    """Seconds a Bot API call may take (a slow link or a self-hosted server
    may need more; past it, a reply is retried or, if it may have arrived,
    not sent twice).

    >>> _timeout(""), _timeout("2.5")
    (10.0, 2.5)
    >>> try:
    ...     _timeout("soon")
    ... except SettingError as error:
    ...     print(error)
    TELEGRAM_TIMEOUT must be seconds above 0 (at most 300), not 'soon'.
    """
    return positive("TELEGRAM_TIMEOUT", raw, DEFAULT_TIMEOUT, 300, "seconds")
