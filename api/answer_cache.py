"""The model-answer cache: a coach answer kept for cache_ttl_s, so the same request sent again
costs no model call. In Redis when configured (every worker and replica shares it), else, and
whenever Redis is down, in this process's memory, bounded by entries and by bytes."""

import time
from collections import OrderedDict

from api.observability import CACHE
from api.schemas import CoachResponse
from api.settings import Settings
from api.shared_state import SharedState


class AnswerCache:
    def __init__(self, settings: Settings, shared: SharedState | None = None) -> None:
        self.size = settings.cache_size
        self.max_bytes = settings.cache_bytes
        self.ttl_s = settings.cache_ttl_s
        self.shared = shared
        self.bytes = 0
        self._entries: OrderedDict[str, tuple[float, str, int]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.size > 0 and self.ttl_s > 0

    async def get(self, key: str) -> CoachResponse | None:
        if not self.enabled:
            return None
        stored = await self._shared_get(key) if self._shared() else self._local_get(key)
        CACHE.labels("miss" if stored is None else "hit").inc()
        return CoachResponse.model_validate_json(stored) if stored is not None else None

    async def put(self, key: str, response: CoachResponse) -> None:
        if not self.enabled:
            return
        stored = response.model_dump_json()
        if self._shared():
            await self._shared_put(key, stored)
        else:
            self._local_put(key, stored)

    def _shared(self) -> bool:
        return self.shared is not None and self.shared.in_use()

    async def _shared_get(self, key: str) -> str | None:
        assert self.shared is not None
        try:
            stored = await self.shared.client().get(self._redis_key(key))
        except Exception as error:
            self.shared.failed("a cache read", error)
            return self._local_get(key)
        self.shared.answered()
        return stored.decode() if stored is not None else None

    async def _shared_put(self, key: str, stored: str) -> None:
        assert self.shared is not None
        try:
            await self.shared.client().set(self._redis_key(key), stored, px=max(1, int(self.ttl_s * 1000)))
        except Exception as error:
            self.shared.failed("a cache write", error)
            self._local_put(key, stored)
            return
        self.shared.answered()

    def _redis_key(self, key: str) -> str:
        assert self.shared is not None
        return f"{self.shared.prefix}answer:{key}"

    def _local_get(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        stored_at, stored, _ = entry
        if time.monotonic() - stored_at > self.ttl_s:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return stored

    def _local_put(self, key: str, stored: str) -> None:
        size = len(stored.encode())
        if size > self.max_bytes:
            return
        self._drop(key)
        self._entries[key] = (time.monotonic(), stored, size)
        self.bytes += size
        while len(self._entries) > self.size or self.bytes > self.max_bytes:
            _, (_, _, dropped) = self._entries.popitem(last=False)
            self.bytes -= dropped

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.bytes -= entry[2]

    def __len__(self) -> int:
        return len(self._entries)
