"""Helpers for the browser tests (tests/test_e2e_*.py): Chromium, the in-page probe, servers.

The probe is an init script that every page of a test's browser context runs before any
of its own scripts. It watches, from the first byte of every document:

- layout shifts (a ``layout-shift`` PerformanceObserver with ``buffered: true``; *every*
  entry is reported, including those after recent input, which CLS itself would ignore);
- Content-Security-Policy violations (``securitypolicyviolation`` events);
- every DOM mutation inside navigation, header and footer (there must be none);
- every change of a slot element: its content (with the heading shown afterwards) and its
  inline style (the anti-flicker ``visibility``), each with ``performance.now()`` and the
  slot's position relative to the viewport at that moment;
- what the ``hero`` slot shows in each rendered frame (``requestAnimationFrame`` runs right
  before the frame is painted), to catch a flash of another variant.

Reports reach Python through a binding (`Probe`), so they survive navigations; page
errors, console messages and WebSocket frames are collected from Playwright's events.
"""

from __future__ import annotations

import html
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    ViewportSize,
    WebSocket,
)

CHROMIUM = Path("/usr/bin/chromium")
#: Playwright cannot download its own browser here (nor in CI); Debian's Chromium is used.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Playwright launches Chromium with the back/forward cache disabled; the bfcache runs of
#: the back/forward test drop that one default switch to get the browser's normal behaviour.
NO_BFCACHE_SWITCH = "--disable-back-forward-cache"
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
#: The snippet's default anti-flicker window (data-flicker-ms), in milliseconds.
FLICKER_MS = 300

PROBE_BINDING = "__lotseProbe"

PROBE_JS = r"""
(() => {
  if (window.__lotseE2E || window.top !== window) return
  const PROTECTED = 'nav,header,footer,[role=navigation],[role=banner],[role=contentinfo]'
  const base = () => ({
    doc: performance.timeOrigin,
    path: location.pathname,
    t: performance.now(),
  })
  const log = []
  const send = (kind, data) => {
    const event = Object.assign(base(), data)
    if (kind !== 'protected-mutation') log.push(Object.assign({ kind }, event))
    try {
      window.__lotseProbe(kind, event)
    } catch (_) {
      /* the binding is missing only on pages Playwright does not control */
    }
  }
  const text = (el) => (el ? el.textContent.replace(/\s+/g, ' ').trim() : null)
  const describe = (node) => {
    if (!node || node.nodeType !== 1) return node ? node.nodeName : '?'
    const cls = typeof node.className === 'string' ? node.className.trim() : ''
    return node.nodeName.toLowerCase() + (cls ? '.' + cls.split(/\s+/).join('.') : '')
  }
  const slotEl = (id) => {
    const all = document.querySelectorAll('[data-lotse-slot="' + id + '"]')
    for (const el of all) if (!el.closest(PROTECTED)) return el
    return null
  }
  const state = (id) => {
    const el = slotEl(id)
    if (!el) return null
    const r = el.getBoundingClientRect()
    return {
      heading: text(el.querySelector('h2')),
      why: !!el.querySelector('lotse-why'),
      visibility: getComputedStyle(el).visibility,
      isDefault: el.innerHTML === e2e.defaults[id],
      top: r.top,
      bottom: r.bottom,
      height: r.height,
      viewport: innerHeight,
      inView: r.bottom > 0 && r.top < innerHeight,
    }
  }
  const e2e = (window.__lotseE2E = { defaults: {}, protectedHtml: null, state, slotEl, log })

  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        send('layout-shift', {
          value: e.value,
          recentInput: e.hadRecentInput,
          start: e.startTime,
          sources: Array.from(e.sources || [], (s) => {
            const r = (x) => [x.x, x.y, x.width, x.height].map(Math.round)
            const where = s.node && s.node.parentElement && s.node.parentElement.closest('[class]')
            return describe(s.node) + (where ? ' in ' + describe(where) : '') +
              ' ' + JSON.stringify(r(s.previousRect)) + '->' + JSON.stringify(r(s.currentRect))
          }),
        })
      }
    }).observe({ type: 'layout-shift', buffered: true })
  } catch (err) {
    send('probe-error', { message: 'layout-shift: ' + err })
  }

  document.addEventListener('securitypolicyviolation', (e) =>
    send('csp', { directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample }),
  )

  const observer = new MutationObserver((records) => {
    const slots = new Map()
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement
      if (!el) continue
      const attribute = r.attributeName
      const root = r.target === document.body || r.target === document.documentElement
      if (root && r.type === 'attributes') {
        send('page-attribute', { target: describe(r.target), attribute })
      }
      if (el.closest(PROTECTED)) {
        send('protected-mutation', { type: r.type, target: describe(el), attribute })
      }
      if (r.target === el && el.hasAttribute('data-lotse-slot') && !el.closest(PROTECTED)) {
        const seen = slots.get(el) || { content: false, style: false }
        if (r.type === 'childList') seen.content = true
        if (r.type === 'attributes' && r.attributeName === 'style') seen.style = true
        slots.set(el, seen)
      }
    }
    for (const [el, seen] of slots) {
      const id = el.getAttribute('data-lotse-slot')
      if (slotEl(id) === el) send('slot', Object.assign({ slot: id }, seen, state(id)))
    }
  })

  // The parser has just finished (readyState "interactive"): the snippet has not started
  // yet (it starts at this point at the earliest), so these are the page's defaults as the
  // server sent them, and from here on every mutation is somebody's script.
  document.addEventListener('readystatechange', () => {
    if (document.readyState !== 'interactive') return
    for (const el of document.querySelectorAll('[data-lotse-slot]')) {
      const id = el.getAttribute('data-lotse-slot')
      if (!(id in e2e.defaults)) e2e.defaults[id] = el.innerHTML
    }
    e2e.protectedHtml = Array.from(document.querySelectorAll(PROTECTED), (el) => el.outerHTML)
    const all = { subtree: true, childList: true, attributes: true, characterData: true }
    observer.observe(document, all)
    send('parsed', {})
  })
  addEventListener('load', () =>
    setTimeout(() => {
      const nav = performance.getEntriesByType('navigation')[0]
      send('load', {
        dcl: nav ? nav.domContentLoadedEventStart : null,
        load: nav ? nav.loadEventStart : null,
      })
    }),
  )
  addEventListener('pageshow', (e) => send('pageshow', { persisted: e.persisted }))
  addEventListener('pagehide', (e) => send('pagehide', { persisted: e.persisted }))

  // What the hero shows in each rendered frame: rAF callbacks run just before paint, and
  // nothing else runs between them and the paint, so this is what the visitor saw.
  let last = ''
  const frame = () => {
    const el = slotEl('hero')
    if (el) {
      const visible = getComputedStyle(el).visibility !== 'hidden'
      const heading = text(el.querySelector('h2'))
      const sig = visible + '|' + heading
      if (sig !== last) {
        last = sig
        send('frame', { slot: 'hero', visible, heading })
      }
    }
    requestAnimationFrame(frame)
  }
  requestAnimationFrame(frame)
})()
"""

#: Console messages that mean a Content-Security-Policy problem (Chromium's wording).
CSP_CONSOLE = re.compile(r"Content[- ]Security[- ]Policy|Refused to", re.IGNORECASE)


@dataclass
class Frame:
    """One WebSocket frame: ``sent`` by the snippet or ``received`` from the server."""

    direction: str
    message: dict[str, Any]
    socket: int

    @property
    def type(self) -> str:
        return str(self.message.get("type"))


@dataclass
class Probe:
    """What one browser context's pages report; see the module docstring."""

    events: list[dict[str, Any]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    sockets: list[WebSocket] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.expose_binding(PROBE_BINDING, self._report)
        context.add_init_script(PROBE_JS)
        context.on("page", self._watch)

    def _report(self, source: Any, kind: str, data: dict[str, Any]) -> None:
        self.events.append({"kind": kind, **data})

    def _watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.page_errors.append(f"{error.name}: {error}"))
        page.on("console", self._console)
        page.on("websocket", self._socket)

    def _console(self, message: ConsoleMessage) -> None:
        self.console.append((message.type, message.text))

    def _socket(self, ws: WebSocket) -> None:
        index = len(self.sockets)
        self.sockets.append(ws)

        def frame(direction: str) -> Callable[[str | bytes], None]:
            def record(payload: str | bytes) -> None:
                try:
                    message = json.loads(payload)
                except ValueError:
                    message = {"type": "?", "raw": str(payload)}
                self.frames.append(Frame(direction, message, index))

            return record

        ws.on("framesent", frame("sent"))
        ws.on("framereceived", frame("received"))

    # -- queries ------------------------------------------------------------------------

    def of(self, kind: str, **match: Any) -> list[dict[str, Any]]:
        return [
            e
            for e in self.events
            if e["kind"] == kind and all(e.get(k) == v for k, v in match.items())
        ]

    def sent(self, type_: str, *, since: int = 0) -> list[dict[str, Any]]:
        return [
            f.message
            for f in self.frames
            if f.direction == "sent" and f.type == type_ and f.socket >= since
        ]

    def received(self, type_: str, *, since: int = 0) -> list[dict[str, Any]]:
        return [
            f.message
            for f in self.frames
            if f.direction == "received" and f.type == type_ and f.socket >= since
        ]

    def swaps_received(self, slot: str, *, since: int = 0) -> list[str]:
        return [m["variant"] for m in self.received("swap", since=since) if m.get("slot") == slot]

    def wait_for(
        self, page: Page, predicate: Callable[[], object], what: str, timeout: float = 15.0
    ) -> None:
        """Wait for Python-side state (reports, frames) while Playwright delivers events."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            page.wait_for_timeout(20)  # lets Playwright dispatch the events we wait for

    def flush(self, page: Page) -> None:
        """Collect what the current page has observed but not yet reported."""
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done)))")

    def _explain(self, shifts: list[dict[str, Any]]) -> str:
        """Layout shifts with what else happened on their page, and when."""
        lines = []
        for shift in shifts:
            lines.append(json.dumps(shift, ensure_ascii=False))
            for e in self.events:
                if e["doc"] == shift["doc"] and e["kind"] in ("parsed", "load", "slot"):
                    lines.append(f"    {e['t']:8.1f} {e['kind']} {e.get('slot', '')}")
        return "layout shifts (page times in ms):\n" + "\n".join(lines)

    # -- the guarantees every browser test checks -----------------------------------------

    def layout_shifts(self) -> list[dict[str, Any]]:
        return self.of("layout-shift")

    def csp_problems(self) -> list[str]:
        found = [f"{e['path']}: {e['directive']} blocked {e['blocked']!r}" for e in self.of("csp")]
        found += [text for _, text in self.console if CSP_CONSOLE.search(text)]
        return found

    def assert_clean(self, page: Page | None = None) -> None:
        """No page errors, no CSP violations, no layout shift, no change in navigation."""
        if page is not None and not page.is_closed():
            self.flush(page)
        assert not self.of("probe-error"), self.of("probe-error")
        assert self.of("parsed"), "the probe saw no page at all"
        assert self.page_errors == [], self.page_errors
        assert self.csp_problems() == [], self.csp_problems()
        shifts = self.layout_shifts()
        assert sum(e["value"] for e in shifts) == 0.0 and shifts == [], self._explain(shifts)
        assert self.of("protected-mutation") == [], self.of("protected-mutation")
        # Anti-flicker hides single slots, never the page.
        assert self.of("page-attribute") == [], self.of("page-attribute")


# -- the demo site's variants ---------------------------------------------------------------


def _heading(fragment: str) -> str | None:
    found = re.search(r"<h2>(.*?)</h2>", fragment, re.DOTALL)
    if not found:
        return None
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def demo_headings() -> dict[str, str]:
    """Variant id -> the text of its ``<h2>`` on the German pages, from the demo site's
    configuration (a variant's `html` is one string or a table by language)."""
    from lotse_server.demo import SITE_PATH

    site = tomllib.loads(Path(SITE_PATH).read_text(encoding="utf-8"))
    headings: dict[str, str] = {}
    for slot in site["slot"]:
        for variant in slot.get("variant", []):
            fragment = variant["html"]
            heading = _heading(fragment if isinstance(fragment, str) else fragment["de"])
            if heading:
                headings[variant["id"]] = heading
    return headings


HEADINGS = demo_headings()


def slot_state(page: Page, slot: str) -> dict[str, Any]:
    state: dict[str, Any] | None = page.evaluate("(id) => window.__lotseE2E.state(id)", slot)
    assert state is not None, f"no slot {slot!r} on {page.url}"
    return state


def page_log(page: Page) -> str:
    """What the probe saw on the current page, for a failure message."""
    try:
        entries = page.evaluate("() => window.__lotseE2E ? window.__lotseE2E.log : []")
    except Error as exc:
        return f"(no page log: {exc})"
    return "\n".join(json.dumps(e, ensure_ascii=False) for e in entries)


def wait_for_heading(page: Page, slot: str, variant: str, timeout: float = 15_000) -> None:
    """Wait until `slot` shows `variant` (by its heading), visibly."""
    try:
        page.wait_for_function(
            """([id, heading]) => {
                const s = window.__lotseE2E && window.__lotseE2E.state(id)
                return !!s && s.heading === heading && s.visibility === 'visible'
            }""",
            arg=[slot, HEADINGS[variant]],
            timeout=timeout,
        )
    except Error as exc:
        raise AssertionError(
            f"{slot} did not show {variant} on {page.url}: {exc.message}\n{page_log(page)}"
        ) from None


def wait_for_visible(page: Page, slot: str, timeout: float = 15_000) -> None:
    page.wait_for_function(
        """(id) => {
            const s = window.__lotseE2E && window.__lotseE2E.state(id)
            return !!s && s.visibility === 'visible'
        }""",
        arg=slot,
        timeout=timeout,
    )


def wait_past_window(page: Page, since: float) -> None:
    """Wait until the anti-flicker window that opened at page time `since` has closed."""
    page.wait_for_function(
        "(end) => performance.now() > end", arg=since + FLICKER_MS + 50, timeout=10_000
    )


# -- servers ------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


class LotseProcess:
    """``python -m lotse_server.serve`` (what `lotse serve` runs) with the demo site, in its
    own process, as in production: the browser tests then time a server that does not
    share an interpreter (and its GIL) with the test's own Playwright client."""

    def __init__(self, port: int, data_dir: Path) -> None:
        self.port = port
        self.data_dir = data_dir
        self.output: list[str] = []
        self.process: subprocess.Popen[str] | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOTSE_")}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT / "sdk"), str(ROOT / "server"), env.get("PYTHONPATH", "")]
        )
        env["PYTHONUNBUFFERED"] = "1"
        argv = [sys.executable, "-m", "lotse_server.serve", "--port", str(self.port)]
        argv += ["--data-dir", str(self.data_dir), "--log-level", "warning"]
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        self.process = process

        def read() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                self.output.append(line)

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not any("Lotse is serving" in line for line in self.output):
            if time.monotonic() > deadline or process.poll() is not None:
                self.stop()
                raise RuntimeError("lotse serve did not start:\n" + "".join(self.output))
            time.sleep(0.02)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def metric(self, name: str, **labels: str) -> float:
        """One sample from the server's /metrics (Prometheus text); 0 when absent."""
        with urllib.request.urlopen(self.origin + "/metrics", timeout=5) as response:
            text = response.read().decode()
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        for line in text.splitlines():
            sample, _, value = line.rpartition(" ")
            if sample == (f"{name}{{{wanted}}}" if labels else name):
                return float(value)
        return 0.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RestartableServer:
    """A real Lotse server (the demo site, uvicorn in a thread) that stops and starts again
    on the same port with the same session store, as a deployment with a shared store
    (Redis) does when one process is restarted.

    `stop` is uvicorn's graceful shutdown, the one a deploy or `kill -TERM` triggers: the
    listening socket closes, open WebSockets get 1001 ("going away"), the process is gone.
    """

    def __init__(self, port: int, data_dir: Path) -> None:
        from lotse_server import Settings
        from lotse_server.store import MemoryStore

        self.port = port
        self.settings = replace(
            Settings(demo_pages=True), host="127.0.0.1", port=port, data_dir=data_dir
        )

        class SharedStore(MemoryStore):
            """Outlives a server, as Redis does: shutting down closes no data away
            (`MemoryStore.close` empties itself, being the process's own memory)."""

            async def close(self) -> None:
                pass

        self.store = SharedStore()
        self._running: tuple[Any, threading.Thread] | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        from lotse_server import create_app
        from lotse_server.demo import SITE_PATH
        from lotse_server.serve import LotseServer, uvicorn_config

        app = create_app(SITE_PATH, settings=self.settings, store=self.store)
        server = LotseServer(uvicorn_config(app, self.settings), app)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError(f"the Lotse server did not start on port {self.port}")
            time.sleep(0.01)
        self._running = (server, thread)

    def stop(self) -> None:
        if self._running is None:
            return
        server, thread = self._running
        server.should_exit = True
        thread.join(timeout=15)
        assert not thread.is_alive(), "the Lotse server did not stop"
        self._running = None


def page_origin_fetcher(site_origin: str) -> Callable[[Any], None]:
    """A route handler that fetches every page and asset from the always-up `site_origin`.

    The site and the Lotse server are different services in a real deployment: when Lotse
    is down, the website is not. The demo pages carry no port of their own, so serving
    them from another demo server is byte for byte what the Lotse server would send
    (CSP header included). WebSockets are not routed: they still go to the Lotse server.
    """

    def handle(route: Any) -> None:
        url = route.request.url
        path = url.split("/", 3)[3] if url.count("/") >= 3 else ""
        try:
            response = route.fetch(url=f"{site_origin}/{path}")
        except Error:
            route.abort()
            return
        route.fulfill(response=response)

    return handle
