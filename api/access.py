"""Who may call /v1 and how often (SPEC §2): API keys and the rate limit, before a body is parsed.

Keys come from REPLY_COACH_API_KEYS and are sent as `Authorization: Bearer <key>`. The limit,
REPLY_COACH_RATE_LIMIT, counts per key, or per client address when there are no keys, with the
`limits` library's sliding window counter, in Redis when one is shared (every worker and replica
counts together), else in this process. Only the /v1 routes are guarded: /healthz, /readyz and
/metrics stay open.
"""

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from api.middleware import send_error
from api.settings import Settings
from api.shared_state import SharedState


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_after_s: int
    window_s: int


class RateLimiter:
    """One limit (e.g. 60/minute) per identity, counted in Redis when in use, else in memory."""

    def __init__(self, rate: str, shared: SharedState) -> None:
        from limits import parse
        from limits.aio.storage import MemoryStorage
        from limits.aio.strategies import SlidingWindowCounterRateLimiter

        self.item = parse(rate)
        self.shared = shared
        self._strategy = SlidingWindowCounterRateLimiter
        self._local = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._redis: SlidingWindowCounterRateLimiter | None = None

    def _shared_limiter(self):
        if self._redis is None:
            from limits.aio.storage import RedisStorage

            url = self.shared.url or ""
            storage = RedisStorage(
                "async+" + url if not url.startswith("unix") else "async+redis+" + url,
                implementation="redispy", key_prefix=f"{self.shared.prefix}limits", wrap_exceptions=True,
                socket_timeout=self.shared.timeout_s, socket_connect_timeout=self.shared.timeout_s,
            )
            self._redis = self._strategy(storage)
        return self._redis

    async def hit(self, identity: str) -> Decision:
        if self.shared.in_use():
            try:
                decision = await self._decide(self._shared_limiter(), identity)
            except Exception as error:  # limits wraps the storage's errors in StorageError
                self.shared.failed("a rate-limit check", getattr(error, "storage_error", error))
            else:
                self.shared.answered()
                return decision
        return await self._decide(self._local, identity)

    async def _decide(self, limiter, identity: str) -> Decision:
        allowed = await limiter.hit(self.item, identity)
        stats = await limiter.get_window_stats(self.item, identity)
        window_s = self.item.get_expiry()
        reset_after = max(0, math.ceil(stats.reset_time - time.time()))
        return Decision(allowed, self.item.amount, max(0, stats.remaining), min(reset_after, window_s), window_s)


def _identity_of_key(key: bytes) -> str:
    # The key itself is never kept in a store or a log: a short digest stands for it.
    return "key:" + hashlib.sha256(key).hexdigest()[:24]


class AccessMiddleware:
    """401 without a valid key when keys are set, 429 over the limit when one is set; both in the envelope."""

    def __init__(self, app: ASGIApp, settings: Settings, shared: SharedState,
                 guarded: dict[str, frozenset[str]], on_refusal=None) -> None:
        self.app = app
        self.guarded = guarded
        self.keys = [key.encode() for key in settings.api_keys]
        self.limiter = RateLimiter(settings.rate_limit, shared) if settings.rate_limit else None
        self.on_refusal = on_refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Only what a /v1 route answers is guarded; the rest (a CORS preflight, an unknown path or
        # method) goes on to CORS, a 404 or a 405, doing no work.
        if scope["type"] != "http" or scope["method"] not in self.guarded.get(scope["path"], ()):
            await self.app(scope, receive, send)
            return
        key = self._presented_key(scope)
        if self.keys and not self._valid(key):
            self._refused("unauthorized")
            await send_error(send, 401, "unauthorized",
                             "Send a valid API key as `Authorization: Bearer <key>`." if key is None
                             else "This API key is not valid.",
                             [(b"www-authenticate", b'Bearer realm="reply-coach"')])
            return
        if self.limiter is None:
            await self.app(scope, receive, send)
            return
        identity = _identity_of_key(key) if self.keys and key else "addr:" + (scope.get("client") or ("?",))[0]
        decision = await self.limiter.hit(identity)
        headers = [
            (b"ratelimit-limit", str(decision.limit).encode()),
            (b"ratelimit-remaining", str(decision.remaining).encode()),
            (b"ratelimit-reset", str(decision.reset_after_s).encode()),
            (b"ratelimit-policy", f"{decision.limit};w={decision.window_s}".encode()),
        ]
        if not decision.allowed:
            self._refused("rate_limited")
            retry_after = str(max(1, decision.reset_after_s)).encode()
            await send_error(send, 429, "rate_limited",
                             f"Too many requests: the limit is {decision.limit} per {decision.window_s} s. "
                             "Try again after Retry-After seconds.",
                             [(b"retry-after", retry_after), *headers])
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _refused(self, code: str) -> None:
        if self.on_refusal is not None:
            self.on_refusal(code)

    @staticmethod
    def _presented_key(scope: Scope) -> bytes | None:
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, token = value.partition(b" ")
                if scheme.lower() == b"bearer" and token.strip():
                    return token.strip()
                return None
        return None

    def _valid(self, key: bytes | None) -> bool:
        if key is None:
            return False
        # Every key is compared, in constant time, so timing tells nothing about which nearly matched.
        return any([hmac.compare_digest(key, known) for known in self.keys])
