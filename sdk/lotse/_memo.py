"""One bounded memo, shared by the core's caches of words, paths and pages.

Every cache in the core is keyed by what recurs across visitors (a word, a path
segment, a host) and must stay bounded whatever visitors send. A full memo is
emptied rather than evicted entry by entry: cheaper on the hot path, and the
entries that recur are back after a few events.
"""

from __future__ import annotations

from typing import TypeVar

_K = TypeVar("_K")
_V = TypeVar("_V")


def remember_in(memo: dict[_K, _V], key: _K, value: _V, size: int) -> _V:
    """Keep `value` under `key` in `memo`, emptied first when it holds `size` entries."""
    if len(memo) >= size:
        memo.clear()
    memo[key] = value
    return value
