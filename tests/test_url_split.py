"""The page reader's own split of plain http(s) URLs agrees with `urllib.parse.urlsplit`."""

from __future__ import annotations

import random
from urllib.parse import urlsplit

from lotse._signals import _split_plain

_PIECES = [
    *"aZ09/-_.:@?#&=%[]\t\n\r \x01\x7fé",
    "https://", "http://", "//", "user:pw@", ":8080", "[::1]", "?q=1", "#frag", "utm_source=x",
]  # fmt: skip


def _expected(url: str) -> tuple[str, ...]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ("ValueError",)
    return (parts.path, (parts.hostname or "").lower(), parts.query)


def test_plain_urls_split_as_urlsplit_splits_them() -> None:
    rng = random.Random(2)
    fast = 0
    for _ in range(30_000):
        start = rng.choice(["https://", "http://", "HTTPS://", "https:", "http:/", "", "/", "//"])
        url = start + "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 20)))
        url = url.strip()
        split = _split_plain(url)
        if split is not None:
            fast += 1
            assert split == _expected(url), url
    assert fast > 1_000  # the fast path was tried


def test_odd_urls_are_left_to_urlsplit() -> None:
    odd = (
        "https://[::1]/x",
        "https://ex.com/a\tb",
        "HTTPS://ex.com/",
        "ftp://ex.com/",
        "//ex.com/",
    )
    for url in (*odd, "é", "/é"):
        assert _split_plain(url) is None
