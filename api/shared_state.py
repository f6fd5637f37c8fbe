"""Where the rate limits and the model-answer cache live: Redis when REPLY_COACH_REDIS_URL is set
and it answers, shared by every worker and replica; this process's memory otherwise.

Redis going away never stops the service: a failed call marks it down for a few seconds, during
which each process keeps its own limits and cache (a warning is logged once), and /readyz says so.
"""

import logging
import time
from typing import TYPE_CHECKING

from api.observability import REDIS_UP
from api.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("reply_coach")

# After a failure, Redis is tried again after this long; meanwhile requests do not wait on it.
RETRY_AFTER_FAILURE_S = 5.0


class SharedState:
    def __init__(self, settings: Settings) -> None:
        self.url = settings.redis_url
        self.prefix = settings.redis_key_prefix
        self.timeout_s = settings.redis_timeout_s
        self._client: Redis | None = None
        self._down_until = 0.0
        self._down = False

    @property
    def configured(self) -> bool:
        return self.url is not None

    def client(self) -> "Redis":
        """The Redis client, made on first use (redis is imported only when configured)."""
        if self._client is None:
            from redis.asyncio import Redis

            self._client = Redis.from_url(
                self.url or "", socket_timeout=self.timeout_s, socket_connect_timeout=self.timeout_s,
                health_check_interval=30,
            )
        return self._client

    def in_use(self) -> bool:
        """Redis is configured and not marked down: calls go to it."""
        return self.configured and time.monotonic() >= self._down_until

    def failed(self, what: str, error: BaseException) -> None:
        """A Redis call failed: use this process's memory for a while, and say so once."""
        self._down_until = time.monotonic() + RETRY_AFTER_FAILURE_S
        REDIS_UP.set(0)
        if not self._down:
            self._down = True
            logger.warning("Redis is unreachable (%s during %s); rate limits and the answer cache are per process "
                           "until it answers again", type(error).__name__, what)

    def answered(self) -> None:
        REDIS_UP.set(1)
        if self._down:
            self._down = False
            logger.warning("Redis answers again; rate limits and the answer cache are shared once more")

    @property
    def down(self) -> bool:
        return self._down

    async def check(self) -> bool | None:
        """Whether Redis answers now (None when none is configured); for /readyz."""
        if not self.configured:
            return None
        try:
            await self.client().ping()
        except Exception as error:  # redis raises its own errors and OSError subclasses alike
            self.failed("a readiness check", error)
            return False
        self._down_until = 0.0
        self.answered()
        return True

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
