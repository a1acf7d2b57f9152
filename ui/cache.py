"""A small LRU cache bounded by entries and bytes (no Streamlit), behind the per-session stores."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np


class BoundedCache:
    """A small LRU mapping limited by number of entries and total bytes (numpy arrays / bytes)."""

    def __init__(self, max_entries: int, max_bytes: int):
        self.max_entries = int(max_entries)
        self.max_bytes = int(max_bytes)
        self._data: OrderedDict[Hashable, object] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self.nbytes = 0

    @staticmethod
    def _size(value) -> int:
        """Bytes of a value: a numpy array's or any value's ``nbytes``, a bytes' length, else 64."""
        if isinstance(value, (bytes, bytearray)):
            return len(value)
        nbytes = getattr(value, "nbytes", None)
        return int(nbytes) if isinstance(nbytes, (int, np.integer)) else 64

    def get(self, key, default=None):
        if key in self._data:
            self._data.move_to_end(key)
            return self._data[key]
        return default

    def __contains__(self, key) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def keys(self):
        return list(self._data)

    def values(self):
        return list(self._data.values())

    def put(self, key, value) -> None:
        if key in self._data:
            self.nbytes -= self._sizes.pop(key)
            del self._data[key]
        size = self._size(value)
        self._data[key] = value
        self._sizes[key] = size
        self.nbytes += size
        while len(self._data) > 1 and (len(self._data) > self.max_entries or self.nbytes > self.max_bytes):
            old, _ = self._data.popitem(last=False)
            self.nbytes -= self._sizes.pop(old)

    def get_or_put(self, key, make: Callable[[], object]):
        """The cached value of ``key``, computed by ``make()`` and kept on a miss."""
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    def discard_where(self, predicate: Callable[[Hashable], bool]) -> None:
        for k in [k for k in self._data if predicate(k)]:
            del self._data[k]
            self.nbytes -= self._sizes.pop(k)

    def clear(self) -> None:
        self._data.clear()
        self._sizes.clear()
        self.nbytes = 0
