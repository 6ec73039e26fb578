"""Serving the browser snippet's two built files, byte for byte as built.

- ``/lotse.js``: the core, `lotse.min.js` (events, slots, swaps, the "why" box, opt-out);
- ``/lotse-chat.js``: the chat's file, `lotse-chat.min.js` (the chat widget, the privacy
  panel, the preview banner, the dataLayer hand-off), which the core loads only when one of
  them is due, as ``lotse-chat.js?v=VERSION`` with its Subresource Integrity hash (the build
  writes both into the core).

Each file is found in the wheel (`lotse_server/static/`, force-included from
`js_snippet/dist`) or in a checkout (`js_snippet/dist/`), and served unchanged with a
strong ETag (conditional requests get 304), CORS for cross-origin
``<script integrity=... crossorigin>`` loading, and its SRI hash in the
``X-Lotse-Integrity`` header and at ``/lotse.js.sri`` / ``/lotse-chat.js.sri``.

Caching: a URL whose ``?v=`` names the file's current version (the first 16 hex digits
of its SHA-384, as `js_snippet/scripts/build-options.mjs` computes it) is immutable and
cached for a year; any other URL of the file (the plain ``/lotse.js`` a site embeds)
for five minutes, after which browsers revalidate with the ETag.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

CORE_FILE = "lotse.min.js"
CHAT_FILE = "lotse-chat.min.js"
#: The "why" control's stylesheet and markup, built from js_snippet/src/why-box.js.
WHY_FILE = "lotse-why.json"
CACHE_CONTROL = "public, max-age=300"
IMMUTABLE = "public, max-age=31536000, immutable"
INTEGRITY_HEADER = "X-Lotse-Integrity"
#: How often (seconds) to look whether the file was rebuilt.
RECHECK_SECONDS = 2.0


def snippet_candidates(name: str = CORE_FILE) -> list[Path]:
    """Where a built file of the snippet may be, most specific first."""
    here = Path(__file__).resolve().parent
    return [
        here / "static" / name,  # installed wheel
        here.parents[1] / "js_snippet" / "dist" / name,  # source checkout
    ]


def file_version(body: bytes) -> str:
    """The version in a built file's URL (``?v=``): 16 hex digits of its SHA-384."""
    return hashlib.sha384(body).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Built:
    body: bytes
    etag: str
    integrity: str
    version: str
    stamp: tuple[int, int]


class Snippet:
    """One built file of the snippet, reread when the file changes.

    The handlers are plain functions, so Starlette runs them in its thread pool
    and the file's `stat` and occasional read never touch the event loop.
    """

    def __init__(self, path: Path | None = None, *, name: str = CORE_FILE) -> None:
        self._explicit = path
        self.name = name
        self._built: Built | None = None
        self._checked = float("-inf")

    @property
    def path(self) -> Path | None:
        if self._explicit is not None:
            return self._explicit
        return next((p for p in snippet_candidates(self.name) if p.is_file()), None)

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
            self._built = Built(body, f'"{digest}"', integrity, file_version(body), stamp)
        return self._built

    def _missing(self) -> Response:
        return PlainTextResponse(
            f"{self.name} is not built: run the snippet build (js_snippet/) so that "
            f"js_snippet/dist/{self.name} exists",
            status_code=404,
        )

    def serve(self, request: Request) -> Response:
        built = self.current()
        if built is None:
            return self._missing()
        versioned = request.query_params.get("v") == built.version
        headers = {
            "ETag": built.etag,
            "Cache-Control": IMMUTABLE if versioned else CACHE_CONTROL,
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


def chat_routes(directory: Path | None = None) -> list[Route]:
    """``/lotse-chat.js`` and ``/lotse-chat.js.sri`` (the core's routes are `Snippet()`'s).

    `directory`: where the built files are (default: the wheel's or the checkout's)."""
    chat = Snippet(directory / CHAT_FILE if directory else None, name=CHAT_FILE)
    return [
        Route("/lotse-chat.js", chat.serve, methods=["GET"]),
        Route("/lotse-chat.js.sri", chat.serve_integrity, methods=["GET"]),
    ]


class WhyControl:
    """The "why" control of the core, for `welcome.why`: ``{"css": …, "html": …}`` in the
    visitor's language (German for ``de``, else English), from `WHY_FILE`.

    The core draws the control only with the server's stylesheet and markup: a swap
    needs the server anyway, and they would cost the core about 350 bytes gzipped.
    Reread when the file is rebuilt, like the scripts; None when it is missing or
    not what the build writes (then the core shows swaps without the control).
    """

    def __init__(self, path: Path | None = None) -> None:
        self._file = Snippet(path, name=WHY_FILE)
        #: The file's ETag and what it gives per language.
        self._read: tuple[str, dict[str, dict[str, str]]] | None = None

    def for_lang(self, lang: str) -> dict[str, str] | None:
        built = self._file.current()
        if built is None:
            return None
        if self._read is None or self._read[0] != built.etag:
            self._read = (built.etag, _why_table(built.body))
        table = self._read[1]
        return table.get(lang) or table.get("en")


def _why_table(body: bytes) -> dict[str, dict[str, str]]:
    """``{"de": {"css", "html"}, "en": …}`` from the built file; empty if it is not one."""
    try:
        data: Any = json.loads(body)
        css, html = data["css"], data["html"]
        table = {lang: {"css": css, "html": html[lang]} for lang in ("de", "en")}
    except (ValueError, KeyError, TypeError):
        return {}
    if all(isinstance(v, str) for entry in table.values() for v in entry.values()):
        return table
    return {}


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison against a list of entity tags, or ``*``."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False
