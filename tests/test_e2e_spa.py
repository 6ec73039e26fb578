"""Issue 11, pages that render themselves: a single-page app whose own script renders the slots
after DOMContentLoaded (and after every route change, once its "data" has come), in real
Chromium against the real server.

- Entry: the snippet finds no slot at start; its hello waits for the app's first render and
  lists the slots, so the entry route is personalised (inside the anti-flicker window).
- Route change: the page view waits for the new route's slots, rendered well after the
  change settled, and the server's variant shows.
- Reload: the remembered variant is in the slot the moment the app renders it, before any
  server reply: no frame shows the app's default.

The app is the demo server's origin with its pages replaced by Playwright (the snippet, the
socket and the server are the real ones), so its paths are the demo site's sections.
"""

from __future__ import annotations

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")

from playwright.sync_api import Browser, Route

from e2e_support import (
    CHROMIUM,
    HEADINGS,
    VIEWPORT,
    Probe,
    wait_for_heading,
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason="needs Debian's Chromium at /usr/bin/chromium (CI: apt-get install chromium)",
)

#: How long the app "fetches" before it renders a route (after DOMContentLoaded, and after
#: pushState): longer than the snippet's wait for a route change to settle (a frame).
RENDER_MS = 250
DEFAULT_HEADING = "Willkommen in der App"

APP = f"""<!doctype html>
<html lang="de">
<head>
<meta charset="utf-8">
<title>App – Lotse Demo Pharma</title>
<script src="/lotse.js" data-site="demo" async></script>
</head>
<body>
<header><nav><a href="/" data-route>Start</a> <a href="/fachkreise/" data-route>Fachkreise</a>
<a href="/kontakt/" data-route>Kontakt</a></nav></header>
<main id="app"><p>Laden …</p></main>
<script>
  const app = document.getElementById('app')
  const render = () => setTimeout(() => {{
    app.innerHTML =
      '<h1>' + location.pathname + '</h1>' +
      '<section data-lotse-slot="hero" style="min-height:320px">' +
      '<h2>{DEFAULT_HEADING}</h2></section>' +
      '<div style="height:1200px"></div>' +
      '<section data-lotse-slot="teaser" style="min-height:240px"><h2>Standard</h2></section>'
  }}, {RENDER_MS})
  document.addEventListener('click', (e) => {{
    const link = e.target.closest('a[data-route]')
    if (!link) return
    e.preventDefault()
    history.pushState(null, '', link.getAttribute('href'))
    app.innerHTML = '<p>Laden …</p>'
    render()
  }})
  addEventListener('popstate', render)
  render()
</script>
</body>
</html>
"""


def serve_app(route: Route) -> None:
    route.fulfill(status=200, content_type="text/html; charset=utf-8", body=APP)


def test_a_single_page_app_is_personalised_on_entry_route_change_and_reload(
    demo: str, browser: Browser
) -> None:
    context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
    context.set_default_timeout(15_000)
    # A page fulfilled by Playwright counts as public; its socket to 127.0.0.1 needs this.
    context.grant_permissions(["local-network-access"], origin=demo)
    for path in ("/", "/fachkreise/", "/kontakt/"):
        context.route(demo + path, serve_app)
    probe = Probe()
    probe.attach(context)
    page = context.new_page()

    # Entry: no slot at DOMContentLoaded; the hello waits for the app and lists its slots.
    page.goto(demo + "/fachkreise/")
    wait_for_heading(page, "hero", "hero-hcp")
    wait_for_heading(page, "teaser", "teaser-hcp")
    hello = probe.sent("hello")[0]
    assert hello["slots"] == ["hero", "teaser"] and hello["url"] == "/fachkreise/"
    assert hello["title"] == "App – Lotse Demo Pharma" and hello["heading"] == "/fachkreise/"

    # Route change: the app renders the new route RENDER_MS after pushState; the page view
    # waits for its slots and carries them, and the session's variant comes back.
    page.get_by_role("link", name="Kontakt").click()
    page.wait_for_url(demo + "/kontakt/")
    probe.wait_for(page, lambda: probe.sent("page"), "the page message")
    assert probe.sent("page")[0] == {
        "type": "page",
        "url": "/kontakt/",
        "slots": ["hero", "teaser"],
        "title": "App – Lotse Demo Pharma",
        "heading": "/kontakt/",
    }
    wait_for_heading(page, "hero", "hero-hcp")

    # Reload: the remembered variant is shown as the app renders the slot, before any reply.
    page.reload()
    wait_for_heading(page, "hero", "hero-hcp")
    probe.flush(page)
    doc = page.evaluate("performance.timeOrigin")
    frames = [e for e in probe.of("frame", doc=doc) if e["heading"] is not None]
    assert frames and all(e["heading"] == HEADINGS["hero-hcp"] for e in frames), frames
    assert DEFAULT_HEADING not in [e["heading"] for e in frames]
    assert probe.page_errors == []
    context.close()
