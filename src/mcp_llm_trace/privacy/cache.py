"""A bounded, thread-safe LRU of scrub results keyed by a hash of the input text.

Keys are 16-byte BLAKE2b digests (no raw text is kept as a key); entries are bounded both
in number and in total characters, so a few huge values cannot pin memory.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any

__all__ = ["Counts", "PieceCache", "ScrubCache", "text_key"]

#: Redactions made in one text, by entity type (sorted, hashable).
Counts = tuple[tuple[str, int], ...]


def text_key(text: str) -> bytes:
    """The cache key of ``text``."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class ScrubCache:
    """LRU ``key -> (scrubbed text, counts)``; also remembers outputs as already clean."""

    def __init__(self, max_entries: int = 8192, max_chars: int = 8_000_000) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._data: OrderedDict[bytes, tuple[str, Counts]] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: bytes) -> tuple[str, Counts] | None:
        """The cached result for ``key`` (and mark it recently used), or ``None``."""
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return hit

    def put(self, key: bytes, scrubbed: str, counts: Counts) -> None:
        """Store a result, and the scrubbed output as clean so it is never re-scanned."""
        if self.max_entries <= 0 or len(scrubbed) > self.max_chars // 8:
            return
        with self._lock:
            self._store(key, scrubbed, counts)
            if counts:
                self._store(text_key(scrubbed), scrubbed, ())
            while self._data and (
                len(self._data) > self.max_entries or self._chars > self.max_chars
            ):
                _, (old, _) = self._data.popitem(last=False)
                self._chars -= len(old)

    def _store(self, key: bytes, scrubbed: str, counts: Counts) -> None:
        old = self._data.pop(key, None)
        if old is not None:
            self._chars -= len(old[0])
        self._data[key] = (scrubbed, counts)
        self._chars += len(scrubbed)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._data.clear()
            self._chars = 0


class PieceCache:
    """LRU ``key -> findings`` of the context-free PII detectors per piece of text (a
    whole value or one string of a JSON document): positions and entity names only."""

    def __init__(self, max_entries: int = 16384) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[bytes, tuple[Any, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> tuple[Any, ...] | None:
        """The findings stored for ``key`` (marked recently used), or ``None``."""
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
            return hit

    def put(self, key: bytes, findings: tuple[Any, ...]) -> None:
        """Remember ``findings`` for ``key``, dropping the least recently used beyond the bound."""
        if self.max_entries <= 0:
            return
        with self._lock:
            self._data[key] = findings
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)
