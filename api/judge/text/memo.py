"""The one place the judge keeps what it has read: every per-sentence reading, in an LRU store
bounded by the bytes it holds.

A draft being typed is sent again and again with one sentence changed; its other sentences'
readings (word counts, sentiment, signals, rule matches) are found here, so only the
edited sentence is read again (and a draft sent again whole finds its readability figures).
Readings of one draft that depend on more than its text, such as what the other rules found in
it, live on the draft itself (api.judge.text.draft.Draft.reading) and go with it.
"""

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, TypeVar

T = TypeVar("T")

MEMO_BYTES = 32 * 2**20


def estimated_bytes(value: object) -> int:
    """Memory held by a key or reading: the object and, for containers, what they hold."""
    size = sys.getsizeof(value)
    if isinstance(value, tuple | list | frozenset | set):
        size += sum(estimated_bytes(item) for item in value)
    return size


class Memo:
    """Readings by (reading name, key), least recently used dropped first once over max_bytes."""

    def __init__(self, max_bytes: int = MEMO_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[tuple[str, Hashable], tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, reading: str, key: Hashable, compute: Callable[[], T],
            size_of: Callable[[T], int] | None = None) -> T:
        """The reading, computed and kept if it is not kept yet; size_of, when given, says what a
        value holds in bytes (for values that estimated_bytes cannot see into)."""
        entry_key = (reading, key)
        entry = self._entries.get(entry_key)
        if entry is not None:
            self._touch(entry_key)
            return entry[0]
        # Computed outside the lock: a reading may ask for others.
        value = compute()
        self._store(entry_key, value, None if size_of is None else size_of(value))
        return value

    def peek(self, reading: str, key: Hashable) -> Any | None:
        """The reading if it is kept, else None; for callers that read many keys in one batch."""
        entry = self._entries.get((reading, key))
        if entry is None:
            return None
        self._touch((reading, key))
        return entry[0]

    def put(self, reading: str, key: Hashable, value: object) -> None:
        self._store((reading, key), value)

    def _touch(self, entry_key: tuple[str, Hashable]) -> None:
        # A hit takes no lock: each dictionary operation is atomic, and an entry another thread
        # has just dropped is simply not touched.
        try:
            self._entries.move_to_end(entry_key)
        except KeyError:
            pass

    def _store(self, entry_key: tuple[str, Hashable], value: object, value_size: int | None = None) -> None:
        size = estimated_bytes(entry_key) + (estimated_bytes(value) if value_size is None else value_size)
        with self._lock:
            previous = self._entries.pop(entry_key, None)
            if previous is not None:
                self.bytes -= previous[1]
            self._entries[entry_key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes and self._entries:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


MEMO = Memo()


def sentence_reading(function: Callable[..., T]) -> Callable[..., T]:
    """Keeps a reading of a sentence (or other short text) in MEMO, under the function's name.
    The function takes positional arguments only; they are the reading's key."""
    name = f"{function.__module__}.{function.__qualname__}"

    # Hits are most calls on the scoring path, so they skip every call they can.
    entries, touch, store = MEMO._entries, MEMO._entries.move_to_end, MEMO._store

    @wraps(function)
    def read(*args: Hashable) -> T:
        entry_key = (name, args)
        try:
            value = entries[entry_key][0]
            touch(entry_key)
            return value
        except KeyError:  # not read yet, or dropped by another thread since
            pass
        value = function(*args)
        store(entry_key, value)
        return value

    return read
