"""ui.cache.BoundedCache: the LRU store behind the per-session results and downloads."""

from __future__ import annotations

import numpy as np

from ui.cache import BoundedCache


def test_bounded_cache_limits_entries_and_bytes():
    c = BoundedCache(max_entries=3, max_bytes=10_000)
    for i in range(5):
        c.put(i, np.zeros(1000, np.uint8))
    assert c.keys() == [2, 3, 4] and c.nbytes == 3000
    c.get(2)                                                         # used: becomes the newest
    c.put(5, np.zeros(1000, np.uint8))
    assert c.keys() == [4, 2, 5]
    c.put("big", np.zeros(9500, np.uint8))                          # bytes limit pushes the others out
    assert c.keys() == ["big"] and c.nbytes == 9500
    c.discard_where(lambda k: k == "big")
    assert len(c) == 0 and c.nbytes == 0


def test_get_or_put_computes_once_and_counts_bytes():
    c = BoundedCache(max_entries=4, max_bytes=1_000_000)
    calls = []

    def make():
        calls.append(1)
        return b"x" * 100

    assert c.get_or_put("k", make) == b"x" * 100
    assert c.get_or_put("k", make) == b"x" * 100
    assert len(calls) == 1 and c.nbytes == 100 and "k" in c
    c.put("k", np.zeros(10, np.uint8))                 # replacing a key re-counts its bytes
    assert c.nbytes == 10 and len(c) == 1
    c.clear()
    assert len(c) == 0 and c.nbytes == 0 and c.get("k", "none") == "none"


def test_a_value_with_nbytes_counts_its_bytes():
    class Record:
        nbytes = 4000

    c = BoundedCache(max_entries=10, max_bytes=10_000)
    c.put("a", Record())
    c.put("b", Record())
    c.put("c", Record())                                # 12,000 bytes: the oldest goes
    assert c.keys() == ["b", "c"] and c.nbytes == 8000 and len(c.values()) == 2
