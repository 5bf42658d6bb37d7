"""Settings, read once at the edge from the environment and an optional .env file.

Every setting is listed in ``.env.example``; ``SETTINGS`` documents them and a
test checks that both agree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from docbot.index import DEFAULT_ENCODER

SETTINGS: dict[str, str] = {
    "DOCBOT_CORPUS": "Folder of documents to answer from (default: ./corpus).",
    "DOCBOT_DB": "Index file (SQLite) (default: ./.docbot/index.db). Never commit it.",
    "DOCBOT_LOG_LEVEL": "Log level of the bot: DEBUG, INFO, WARNING, ERROR (default: INFO).",
    "TELEGRAM_BOT_TOKEN": "Bot token from @BotFather. Required for `docbot bot` only.",
    "TELEGRAM_API_URL": "Bot API server root (default: https://api.telegram.org).",
    "TELEGRAM_TIMEOUT": "Seconds a Bot API call may take to send or answer (default: 10).",
    "TELEGRAM_WEBHOOK_URL": "Public HTTPS URL for webhook mode; unset means long polling.",
    "TELEGRAM_WEBHOOK_SECRET": "Secret token Telegram sends with each webhook call.",
    "TELEGRAM_WEBHOOK_LISTEN": "Address the webhook server listens on (default: 127.0.0.1).",
    "TELEGRAM_WEBHOOK_PORT": "Port the webhook server listens on (default: 8443).",
    "DOCBOT_ALLOWED_USERS": "Comma-separated user ids or @usernames allowed (default: everyone).",
    "DOCBOT_ADMINS": "Comma-separated user ids or @usernames who may use /reindex.",
    "DOCBOT_LOG_QUESTIONS": "1 keeps questions and the passages shown; 0: off (default 1).",
    "DOCBOT_RETENTION_DAYS": "Days answers (and their buttons) and votes are kept (default 30).",
    "DOCBOT_SEMANTIC": "1 adds the semantic layer (meaning, other languages); 0: BM25 only "
    "(default 1).",
    "DOCBOT_ENCODER": "Semantic encoder: e5-small (bundled, default), "
    "sentence-transformers:MODEL or fastembed:MODEL.",
    "DOCBOT_CLUSTER": "Dask scheduler address (tcp://HOST:8786) where `docbot index` computes "
    "the vectors; unset: on this machine.",
    "DOCBOT_WATCH": "1 makes the running bot reindex when the corpus changes; 0: off (default 1).",
    "NO_COLOR": "Set to anything to turn off bold and colour in the terminal.",
}

DEFAULT_CORPUS = "corpus"
DEFAULT_DB = ".docbot/index.db"


def load_environment(env_file: Path | None = None) -> dict[str, str]:
    """The process environment, completed by a .env file (the environment wins)."""
    from dotenv import dotenv_values

    path = env_file or Path(".env")
    values: dict[str, str] = {}
    if path.is_file():
        values = {k: v for k, v in dotenv_values(path).items() if v is not None}
    values.update(os.environ)
    return values


@dataclass(frozen=True)
class Paths:
    corpus: Path
    db: Path


def semantic_spec(env: Mapping[str, str], disabled: bool = False) -> str | None:
    """The encoder the semantic layer uses, or ``None`` when it is off
    (``DOCBOT_SEMANTIC=0``, or ``disabled`` by a command-line flag).

    >>> semantic_spec({}), semantic_spec({"DOCBOT_SEMANTIC": "0"})
    ('e5-small', None)
    >>> semantic_spec({"DOCBOT_ENCODER": "fastembed:m"})
    'fastembed:m'
    """
    if disabled or env.get("DOCBOT_SEMANTIC", "1").strip().lower() in {"0", "false", "no", "off"}:
        return None
    return (env.get("DOCBOT_ENCODER") or "").strip() or DEFAULT_ENCODER


def cluster_address(env: Mapping[str, str], option: str | None) -> str | None:
    """The Dask scheduler that computes a build's vectors: ``--cluster``, then
    ``DOCBOT_CLUSTER``; ``None`` (empty too): this machine's worker processes.

    >>> cluster_address({"DOCBOT_CLUSTER": "tcp://10.0.0.5:8786"}, None)
    'tcp://10.0.0.5:8786'
    >>> cluster_address({"DOCBOT_CLUSTER": " "}, None), cluster_address({}, "host:8786")
    (None, 'host:8786')
    """
    return (option or env.get("DOCBOT_CLUSTER") or "").strip() or None


def resolve_paths(env: Mapping[str, str], corpus: str | None, db: str | None) -> Paths:
    """Command-line options first, then the environment, then the defaults."""
    return Paths(
        corpus=Path(corpus or env.get("DOCBOT_CORPUS") or DEFAULT_CORPUS).expanduser(),
        db=Path(db or env.get("DOCBOT_DB") or DEFAULT_DB).expanduser(),
    )


DEFAULT_RETENTION_DAYS = 30.0
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class SettingError(ValueError):
    """A setting that cannot be used, as one line."""


@dataclass(frozen=True)
class QuestionLog:
    """Whether questions are kept for ``docbot report``, and for how many days:
    the bot writes the log, the report reads it, both with these settings."""

    enabled: bool = True
    retention_days: float = DEFAULT_RETENTION_DAYS


def question_log(env: Mapping[str, str]) -> QuestionLog:
    """``DOCBOT_LOG_QUESTIONS`` and ``DOCBOT_RETENTION_DAYS``; ``SettingError`` if unusable.

    >>> question_log({"DOCBOT_LOG_QUESTIONS": "0", "DOCBOT_RETENTION_DAYS": "7"})
    QuestionLog(enabled=False, retention_days=7.0)
    """

    def get(key: str) -> str:
        return (env.get(key) or "").strip()

    return QuestionLog(
        flag("DOCBOT_LOG_QUESTIONS", get("DOCBOT_LOG_QUESTIONS"), True),
        positive(
            "DOCBOT_RETENTION_DAYS",
            get("DOCBOT_RETENTION_DAYS"),
            DEFAULT_RETENTION_DAYS,
            3650,
            "a number of days",
        ),
    )


def flag(key: str, raw: str, default: bool) -> bool:
    if not raw:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise SettingError(f"{key} must be 1 or 0 (also true/false, yes/no, on/off), not {raw!r}.")


def positive(key: str, raw: str, default: float, most: float, what: str) -> float:
    """A number above 0 and at most ``most``; ``default`` when unset."""
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= most or not raw.isascii():
        raise SettingError(f"{key} must be {what} above 0 (at most {most:g}), not {raw!r}.")
    return value
