"""Keeping the bot token and the webhook secret out of every log line, error
message and traceback, at every log level.

httpx logs each request URL (which holds ``bot<token>``) at INFO: it is
quieted to WARNING.  A filter on every root handler then masks the secrets in
whatever still carries them (python-telegram-bot logs each call's parameters
at DEBUG, ``secret_token`` included), formatted message and traceback alike,
and the process's excepthook masks uncaught tracebacks too.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Mapping
from types import TracebackType
from urllib.parse import quote

MASK = "<TOKEN>"
SECRET_MASK = "<SECRET>"


def mask(text: str, token: str) -> str:
    """Replace the token (and its ``bot`` URL form) with a marker.

    >>> mask("POST https://api.telegram.org/bot123:ABC/getMe", "123:ABC")
    'POST https://api.telegram.org/bot<TOKEN>/getMe'
    """
    return mask_all(text, {token: MASK})


def mask_all(text: str, secrets: Mapping[str, str]) -> str:
    """Replace each secret (also URL-encoded) with its marker.

    >>> mask_all("token=123%3AABC secret_token='s3'", {"123:ABC": "<T>", "s3": "<S>"})
    "token=<T> secret_token='<S>'"
    """
    for secret, marker in secrets.items():
        if not secret:
            continue
        text = text.replace(secret, marker)
        encoded = quote(secret, safe="")
        if encoded != secret:
            text = text.replace(encoded, marker)
    return text


class SecretFilter(logging.Filter):
    def __init__(self, secrets: Mapping[str, str]) -> None:
        super().__init__()
        self.secrets = dict(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_all(record.getMessage(), self.secrets)
        record.args = None
        if record.exc_info:
            text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = mask_all(text.rstrip("\n"), self.secrets)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask_all(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = mask_all(record.stack_info, self.secrets)
        return True


def install_log_masking(token: str, webhook_secret: str | None, level: str = "INFO") -> None:
    """Configure logging for the bot with the token and webhook secret masked everywhere."""
    secrets = {token: MASK}
    if webhook_secret:
        secrets[webhook_secret] = SECRET_MASK
    logging.basicConfig(
        level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "tornado.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    secret_filter = SecretFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(secret_filter)

    def excepthook(
        kind: type[BaseException], value: BaseException, tb: TracebackType | None
    ) -> None:
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(mask_all(text, secrets))

    sys.excepthook = excepthook
