"""The bot's settings and shared state: configuration from the environment,
the per-user flood limit, and the service the handlers share (searcher, state).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from telegram import (
    User,
)
from telegram.ext import (
    ContextTypes,
)

from docbot.index import (
    BuildReport,
    Searcher,
    build_index,
)

from .config import Paths
from .state import BotState

log = logging.getLogger("docbot.bot")

THROTTLE_BURST = 5
THROTTLE_REFILL_SECONDS = 3.0
SLOW_DOWN_EVERY = 10.0


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
