"""Serving the browser snippet, `lotse.min.js`, byte for byte as built.

The file is the front-end build's output, found in the wheel
(`lotse_server/static/lotse.min.js`, force-included from `js_snippet/dist`) or
in a checkout (`js_snippet/dist/lotse.min.js`). It is served unchanged with a
strong ETag (conditional requests get 304), a short public cache lifetime
(the URL is not versioned, so browsers revalidate after a few minutes), CORS
for cross-origin `<script integrity=... crossorigin>` loading, and its
Subresource Integrity hash in the ``X-Lotse-Integrity`` header and at
``/lotse.js.sri``.
"""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

CACHE_CONTROL = "public, max-age=300"
INTEGRITY_HEADER = "X-Lotse-Integrity"
#: How often (seconds) to look whether the file was rebuilt.
RECHECK_SECONDS = 2.0


def snippet_candidates() -> list[Path]:
    """Where the built snippet may be, most specific first."""
    here = Path(__file__).resolve().parent
    return [
        here / "static" / "lotse.min.js",  # installed wheel
        here.parents[1] / "js_snippet" / "dist" / "lotse.min.js",  # source checkout
    ]


@dataclass(frozen=True, slots=True)
class Built:
    body: bytes
    etag: str
    integrity: str
    stamp: tuple[int, int]


class Snippet:
    """The built snippet, reread when the file changes.

    The handlers are plain functions, so Starlette runs them in its thread pool
    and the file's `stat` and occasional read never touch the event loop.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._explicit = path
        self._built: Built | None = None
        self._checked = float("-inf")

    @property
    def path(self) -> Path | None:
        if self._explicit is not None:
            return self._explicit
        return next((p for p in snippet_candidates() if p.is_file()), None)

    def current(self) -> Built | None:
        now = time.monotonic()
        if self._built is not None and now - self._checked < RECHECK_SECONDS:
            return self._built
        self._checked = now
        path = self.path
        try:
            stat = path.stat() if path else None
        except OSError:
            stat = None
        if path is None or stat is None:
            self._built = None
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if self._built is None or self._built.stamp != stamp:
            body = path.read_bytes()
            digest = hashlib.sha256(body).hexdigest()[:32]
            integrity = "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()
            self._built = Built(body, f'"{digest}"', integrity, stamp)
        return self._built

    def _missing(self) -> Response:
        return PlainTextResponse(
            "lotse.min.js is not built: run the snippet build (js_snippet/) so that "
            "js_snippet/dist/lotse.min.js exists",
            status_code=404,
        )

    def serve(self, request: Request) -> Response:
        built = self.current()
        if built is None:
            return self._missing()
        headers = {
            "ETag": built.etag,
            "Cache-Control": CACHE_CONTROL,
            INTEGRITY_HEADER: built.integrity,
            "Access-Control-Allow-Origin": "*",
            "Cross-Origin-Resource-Policy": "cross-origin",
            "X-Content-Type-Options": "nosniff",
        }
        if _matches(request.headers.get("if-none-match"), built.etag):
            return Response(status_code=304, headers=headers)
        return Response(built.body, media_type="text/javascript; charset=utf-8", headers=headers)

    def serve_integrity(self, request: Request) -> Response:
        built = self.current()
        if built is None:
            return self._missing()
        return PlainTextResponse(
            built.integrity + "\n",
            headers={
                "ETag": built.etag,
                "Cache-Control": CACHE_CONTROL,
                "Access-Control-Allow-Origin": "*",
            },
        )


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison against a list of entity tags, or ``*``."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False
