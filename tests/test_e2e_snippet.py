"""Issue 4 acceptance: the snippet in real headless Chromium, against the real server and the
bundled demo site (served by the real uvicorn app, with its strict Content-Security-Policy).

Every test runs in a fresh browser context (a new visitor: empty sessionStorage and
localStorage) with the probe from `e2e_support` installed before any page script, and ends
with `Probe.assert_clean`: no page errors, no CSP violation (events or console), not one
layout-shift entry, no mutation inside navigation/header/footer, and the page itself never
hidden. On top of that each test proves one guarantee of docs/snippet.md.

Times are measured in the page with ``performance.now()``; waits use `wait_for_function`
or Playwright's own waiting, with generous timeouts, never fixed sleeps.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")

from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    WebSocketRoute,
    expect,
)

from e2e_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FLICKER_MS,
    HEADINGS,
    NO_BFCACHE_SWITCH,
    VIEWPORT,
    LotseProcess,
    Probe,
    RestartableServer,
    free_port,
    page_origin_fetcher,
    slot_state,
    wait_for_heading,
    wait_for_visible,
    wait_past_window,
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason="needs Debian's Chromium at /usr/bin/chromium (CI: apt-get install chromium)",
)

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "docs" / "screenshots"
SNIPPET = ROOT / "js_snippet" / "dist" / "lotse.min.js"
#: The chat launcher appears after welcome.chat.delay_ms (4 s on the demo site).
CHAT_TIMEOUT = 15_000


# -- browsers and visitors -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bfcache_browser(playwright: Playwright) -> Iterator[Browser]:
    """Chromium with its back/forward cache on, as browsers ship (Playwright turns it off)."""
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        ignore_default_args=[NO_BFCACHE_SWITCH],
    )
    yield browser
    browser.close()


@dataclass
class Visitor:
    """One visitor: a browser context with the probe, and its page."""

    context: BrowserContext
    page: Page
    probe: Probe
    origin: str

    def goto(self, path: str) -> None:
        self.page.goto(self.origin + path)

    def hero(self) -> dict[str, Any]:
        return slot_state(self.page, "hero")

    def teaser(self) -> dict[str, Any]:
        return slot_state(self.page, "teaser")

    def doc_events(self, kind: str, **match: Any) -> list[dict[str, Any]]:
        """The probe's reports of `kind` from the document now shown."""
        doc = self.page.evaluate("performance.timeOrigin")
        return self.probe.of(kind, doc=doc, **match)

    def window_start(self) -> float:
        """When this document's anti-flicker window opened: the snippet hid the hero."""
        held = [e for e in self.doc_events("slot", slot="hero") if e["visibility"] == "hidden"]
        assert held, "the hero was never held by the anti-flicker window"
        return float(held[0]["t"])

    def wait_for_welcome(self, since: int = 0) -> dict[str, Any]:
        self.probe.wait_for(
            self.page, lambda: self.probe.received("welcome", since=since), "the server's welcome"
        )
        return self.probe.received("welcome", since=since)[-1]

    def assert_navigation_unchanged(self) -> None:
        """Header, navigation (with its marked nav-cta slot) and footer are byte for byte
        what the server sent."""
        same = self.page.evaluate(
            """() => {
                const now = Array.from(
                    document.querySelectorAll(
                        'nav,header,footer,[role=navigation],[role=banner],[role=contentinfo]'),
                    (el) => el.outerHTML)
                return JSON.stringify(now) === JSON.stringify(window.__lotseE2E.protectedHtml)
            }"""
        )
        assert same, "navigation, header or footer changed"


@pytest.fixture
def visitor(browser: Browser) -> Iterator[Callable[..., Visitor]]:
    contexts: list[BrowserContext] = []

    def open_visitor(origin: str, *, on: Browser | None = None) -> Visitor:
        context = (on or browser).new_context(viewport=VIEWPORT, locale="de-DE")
        context.set_default_timeout(15_000)
        contexts.append(context)
        probe = Probe()
        probe.attach(context)
        return Visitor(context, context.new_page(), probe, origin)

    yield open_visitor
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LotseProcess]:
    """`lotse serve` with the bundled demo site, one process for the module (each test
    is a new visitor with a new session). The outage tests run their own servers."""
    if not SNIPPET.is_file():
        pytest.skip("js_snippet/dist/lotse.min.js is not built (cd js_snippet && npm run build)")
    server = LotseProcess(free_port(), tmp_path_factory.mktemp("lotse-data"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def demo(demo_server: LotseProcess) -> str:
    """The demo server's origin."""
    return demo_server.origin


def open_chat(v: Visitor) -> None:
    """Wait for the chat launcher (after welcome.chat.delay_ms) and open the dialog."""
    launcher = v.page.locator("lotse-chat button.open")
    launcher.wait_for(timeout=CHAT_TIMEOUT)
    launcher.click()
    expect(v.page.get_by_role("dialog")).to_be_visible()


def scroll_out_of_view(v: Visitor, slot: str) -> None:
    """Scroll with the mouse wheel until `slot` has left the viewport (upwards)."""
    state = slot_state(v.page, slot)
    v.page.mouse.move(640, 600)
    v.page.mouse.wheel(0, state["bottom"] + 100)
    v.page.wait_for_function(
        "(id) => !window.__lotseE2E.state(id).inView", arg=slot, timeout=10_000
    )


# -- 1. anti-flicker window ------------------------------------------------------------------------


def test_professional_landing_swaps_hero_inside_the_anti_flicker_window(
    demo: str, visitor: Callable[..., Visitor]
) -> None:
    v = visitor(demo)
    v.goto("/fachkreise/")
    wait_for_heading(v.page, "hero", "hero-hcp")
    wait_for_heading(v.page, "teaser", "teaser-hcp")
    v.probe.flush(v.page)

    start = v.window_start()
    load = v.doc_events("load")[0]
    changes = [e for e in v.doc_events("slot", slot="hero") if e["content"]]
    assert len(changes) == 1, changes  # one swap, straight from the default to the variant
    swap = changes[0]
    assert swap["heading"] == HEADINGS["hero-hcp"] and swap["why"] and swap["inView"]

    # The snippet swaps a slot in view only while performance.now() < start + 300 ms, and
    # the probe reads the same clock. Each probe time comes from a MutationObserver
    # callback, a microtask at the end of the task that made the change, so it is late by
    # at most the rest of that task (a few statements of the snippet): 15 ms covers that
    # even on a slow CI machine, and is far below what a visitor would notice.
    tolerance = 15.0
    assert swap["t"] - start <= FLICKER_MS + tolerance, (start, swap["t"])
    # Measured from the page's load event as well: an async script runs before `load`,
    # so the window opened no later than load and closes no later than load + 300 ms.
    assert start <= load["load"] + tolerance
    assert swap["t"] <= load["load"] + FLICKER_MS + tolerance, (load, swap["t"])

    # In between, only the hero was hidden (never the page: assert_clean), and no frame
    # painted after the hold showed the default again: (hidden, then) hero-hcp for good.
    # (Frames before the hold may show the default: an async script can start after the
    # first paint of a cold page load.)
    frames = [e for e in v.doc_events("frame") if e["t"] >= start]
    shown = [e["heading"] for e in frames if e["visible"]]
    assert shown == [HEADINGS["hero-hcp"]], frames
    assert all(not e["visible"] for e in frames if e["t"] < swap["t"]), frames
    # The snippet reported the exposure of what it showed.
    assert {"type": "seen", "slot": "hero", "variant": "hero-hcp"} in v.probe.sent("seen")
    v.probe.assert_clean(v.page)


# -- 2. no layout shift ----------------------------------------------------------------------------


def test_swaps_on_several_pages_shift_nothing(demo: str, visitor: Callable[..., Visitor]) -> None:
    v = visitor(demo)
    v.goto("/karriere/")
    wait_for_heading(v.page, "hero", "hero-applicant")
    wait_for_heading(v.page, "teaser", "teaser-applicant")
    v.page.get_by_role("link", name="Lotse Demo Pharma").first.click()  # the brand: home
    v.page.wait_for_url(demo + "/")
    wait_for_heading(v.page, "hero", "hero-applicant")
    # Scroll the teaser (already swapped while below the fold) into view and back.
    v.page.mouse.move(640, 600)
    v.page.mouse.wheel(0, 900)
    v.page.wait_for_function("() => window.__lotseE2E.state('teaser').inView")
    v.page.mouse.wheel(0, -900)
    v.page.wait_for_function("() => window.__lotseE2E.state('hero').inView")
    # Two more sections: whatever the engine decides there, no swap moves anything.
    v.page.get_by_role("navigation").get_by_role("link", name="Fachkreise").click()
    v.page.wait_for_url(demo + "/fachkreise/")
    wait_for_visible(v.page, "hero")
    v.page.get_by_role("navigation").get_by_role("link", name="Apotheken").click()
    v.page.wait_for_url(demo + "/apotheker-service/")
    wait_for_visible(v.page, "hero")
    v.probe.flush(v.page)

    swaps = [e for e in v.probe.of("slot") if e["content"]]
    pages = {e["path"] for e in swaps}
    assert len(swaps) >= 6 and len(pages) >= 3, swaps  # the observer watched real swaps
    # Every layout-shift entry, with or without recent input, over the whole visit.
    assert v.probe.layout_shifts() == []
    v.probe.assert_clean(v.page)

    # Control: the observer does see a shift in this browser when there is one.
    v.page.evaluate(
        """() => {
            const block = document.createElement('div')
            block.style.height = '120px'
            document.querySelector('main').prepend(block)
        }"""
    )
    v.probe.wait_for(v.page, v.probe.layout_shifts, "the control layout shift")
    assert sum(e["value"] for e in v.probe.layout_shifts()) > 0


# -- 3. navigation never changes -------------------------------------------------------------------


def test_navigation_and_a_slot_inside_nav_never_change(
    demo: str, visitor: Callable[..., Visitor]
) -> None:
    v = visitor(demo)
    sockets: list[WebSocketRoute] = []
    # The snippet leaves nav slots out of `hello`, so the server never decides them. To
    # prove the snippet refuses one anyway, the page's socket is routed through
    # Playwright: the real server's frames pass both ways untouched (Playwright forwards
    # them itself), and the test adds swaps for nav-cta, the demo site's own nav-cta-hcp
    # variant, as a server configured for that slot would send them: one before the
    # server's welcome, inside the anti-flicker window, and one long after.
    nav_swap = json.dumps(
        {
            "type": "swap",
            "slot": "nav-cta",
            "variant": "nav-cta-hcp",
            "html": '<a href="/fachkreise/">DocCheck-Login</a>',
            "reason": "Sie haben den Bereich für Fachkreise besucht",
        }
    )

    def relay(ws: WebSocketRoute) -> None:
        ws.connect_to_server()
        ws.send(nav_swap)
        sockets.append(ws)

    v.context.route_web_socket("**/ws", relay)
    nav_cta = v.page.locator("nav [data-lotse-slot=nav-cta]")
    v.goto("/fachkreise/")
    # Forwarding adds a hop, so on a busy machine the hero's swap may come after the
    # anti-flicker window and wait (see the late-decision test); the teaser, below the
    # fold, is swapped whenever its swap comes.
    wait_for_heading(v.page, "teaser", "teaser-hcp")
    v.probe.wait_for(v.page, lambda: "hero-hcp" in v.probe.swaps_received("hero"), "hero swap")
    # Frames added by a route are not reported as received, so a marker follows the late
    # nav swap: the teaser (out of view) back to its default. Frames are handled in
    # order, so once the teaser shows its default, the nav swap has been handled too.
    sockets[-1].send(nav_swap)
    sockets[-1].send(
        json.dumps(
            {"type": "swap", "slot": "teaser", "variant": "default", "html": "", "reason": ""}
        )
    )
    v.page.wait_for_function("() => window.__lotseE2E.state('teaser').isDefault")
    hello = v.probe.sent("hello")[0]
    assert "nav-cta" not in hello["slots"] and hello["slots"] == ["hero", "teaser"]
    expect(nav_cta).to_have_text("Kontakt")
    v.assert_navigation_unchanged()

    # The next page: swaps again, the header untouched again.
    v.page.get_by_role("link", name="Lotse Demo Pharma").first.click()
    v.page.wait_for_url(demo + "/")
    wait_for_heading(v.page, "teaser", "teaser-hcp")
    expect(nav_cta).to_have_text("Kontakt")
    expect(nav_cta.locator("lotse-why")).to_have_count(0)
    v.assert_navigation_unchanged()
    v.probe.assert_clean(v.page)  # includes: no mutation at all inside header/nav/footer


# -- 4. a slot in view is not swapped under the visitor's eyes -------------------------------------


def test_late_decision_waits_until_the_slot_is_out_of_view(
    demo: str, visitor: Callable[..., Visitor]
) -> None:
    v = visitor(demo)
    v.goto("/")
    welcome = v.wait_for_welcome()
    wait_for_visible(v.page, "hero")
    wait_past_window(v.page, v.window_start())
    assert v.probe.received("swap") == []  # undecided: nothing to swap
    hero = v.hero()
    assert hero["isDefault"] and hero["inView"] and not v.teaser()["inView"]

    # The decision comes long after the window: a quick reply in the chat.
    open_chat(v)
    choice = next(c for c in welcome["chat"]["choices"] if c["id"] == "hcp")
    v.page.get_by_role("dialog").get_by_role("button", name=choice["label"]).click()
    # The teaser is below the fold: it may change at once, and does.
    wait_for_heading(v.page, "teaser", "teaser-hcp")
    # The hero's swap arrived (before the teaser's, in the same batch) but waits.
    v.probe.wait_for(v.page, lambda: "hero-hcp" in v.probe.swaps_received("hero"), "hero swap")
    hero = v.hero()
    assert hero["isDefault"] and hero["inView"], hero

    scroll_out_of_view(v, "hero")
    wait_for_heading(v.page, "hero", "hero-hcp")
    swaps = [e for e in v.doc_events("slot", slot="hero") if e["content"]]
    assert len(swaps) == 1 and not swaps[0]["inView"], swaps  # swapped where nobody saw it
    v.probe.assert_clean(v.page)


# -- 5. chat answer, swap and its reason -----------------------------------------------------------


def test_chat_answer_swaps_with_a_visible_reason(
    demo: str, visitor: Callable[..., Visitor]
) -> None:
    v = visitor(demo)
    v.goto("/")
    v.wait_for_welcome()
    open_chat(v)
    dialog = v.page.get_by_role("dialog")
    field = dialog.get_by_role("textbox")
    expect(field).to_be_visible()
    field.fill("Ich bin Apothekerin")
    field.press("Enter")

    v.probe.wait_for(v.page, lambda: v.probe.received("say"), "the bot's reply")
    say = v.probe.received("say")[0]
    assert say["text"]
    log = v.page.locator("lotse-chat .log")
    expect(log.locator("p.me")).to_have_text(["Ich bin Apothekerin"])
    # After a short typing pause, as a bubble, and announced in the live region.
    expect(log.locator("p.bot").last).to_have_text(say["text"])
    expect(v.page.locator("lotse-chat [aria-live=polite]")).to_have_text(say["text"])
    assert {"type": "chat", "text": "Ich bin Apothekerin"} in v.probe.sent("chat")

    # The hero is in view and the window is long over: it waits until scrolled away.
    wait_for_heading(v.page, "teaser", "teaser-pharmacist")
    v.probe.wait_for(
        v.page, lambda: "hero-pharmacist" in v.probe.swaps_received("hero"), "hero swap"
    )
    assert v.hero()["isDefault"]
    scroll_out_of_view(v, "hero")
    wait_for_heading(v.page, "hero", "hero-pharmacist")
    v.page.mouse.wheel(0, -5000)
    v.page.wait_for_function("() => window.__lotseE2E.state('hero').inView")

    # "Why am I seeing this?" discloses the reason the server gave for this swap.
    reason = next(
        m["reason"] for m in v.probe.received("swap") if m["variant"] == "hero-pharmacist"
    )
    assert reason
    why = v.page.locator("[data-lotse-slot=hero] lotse-why button")
    expect(why).to_have_attribute("aria-label", "Warum sehe ich das?")
    expect(why).to_have_attribute("aria-expanded", "false")
    box_reason = v.page.locator("[data-lotse-slot=hero] lotse-why p.reason")
    expect(box_reason).to_be_hidden()
    why.click()
    expect(why).to_have_attribute("aria-expanded", "true")
    expect(box_reason).to_be_visible()
    expect(box_reason).to_have_text(reason)
    why.press("Escape")
    expect(box_reason).to_be_hidden()

    v.assert_navigation_unchanged()
    v.probe.assert_clean(v.page)


# -- 6. opt-out ------------------------------------------------------------------------------------


def test_optout_restores_defaults_at_once_and_survives_a_reload(
    demo: str, visitor: Callable[..., Visitor]
) -> None:
    v = visitor(demo)
    v.goto("/fachkreise/")
    wait_for_heading(v.page, "hero", "hero-hcp")
    wait_for_heading(v.page, "teaser", "teaser-hcp")
    why = v.page.locator("[data-lotse-slot=hero] lotse-why button")
    why.click()
    switch = v.page.locator("[data-lotse-slot=hero] lotse-why").get_by_role("switch")
    expect(switch).to_be_visible()
    expect(switch).not_to_be_checked()

    # Flip the switch and look at the slots in the same task: the defaults are back
    # before the page could have heard anything from the server.
    after = v.page.evaluate(
        """() => {
            const why = document.querySelector('[data-lotse-slot=hero] lotse-why')
            why.shadowRoot.querySelector('input[role=switch]').click()
            const e2e = window.__lotseE2E
            return {hero: e2e.state('hero'), teaser: e2e.state('teaser'),
                    optout: localStorage.getItem('lotse.optout'),
                    token: sessionStorage.getItem('lotse.token'),
                    sticky: sessionStorage.getItem('lotse.sticky')}
        }"""
    )
    assert after["hero"]["isDefault"] and not after["hero"]["why"], after
    assert after["teaser"]["isDefault"] and not after["teaser"]["why"], after
    assert after["optout"] == "1" and after["token"] is None and after["sticky"] is None
    v.probe.wait_for(v.page, lambda: v.probe.sent("optout"), "the optout message")
    sockets = len(v.probe.sockets)

    v.page.reload()
    wait_for_visible(v.page, "hero")
    v.page.wait_for_function("() => window.lotse && window.lotse.version")
    v.page.wait_for_function(
        "(end) => performance.now() > end", arg=FLICKER_MS + 100, timeout=10_000
    )
    assert v.hero()["isDefault"] and v.teaser()["isDefault"]
    # Opted out: no connection at all, and the slots were never even hidden.
    assert len(v.probe.sockets) == sockets
    assert v.doc_events("slot") == []
    expect(v.page.locator("lotse-why, lotse-chat")).to_have_count(0)

    # Also on a page that would personalise at once.
    v.page.get_by_role("navigation").get_by_role("link", name="Karriere").click()
    v.page.wait_for_url(demo + "/karriere/")
    v.page.wait_for_function(
        "(end) => performance.now() > end", arg=FLICKER_MS + 100, timeout=10_000
    )
    assert v.hero()["isDefault"] and v.doc_events("slot") == []
    assert len(v.probe.sockets) == sockets
    v.probe.assert_clean(v.page)


def serve_pages_from(v: Visitor, site_origin: str) -> None:
    """Pages and assets of `v.origin` come from the always-up `site_origin`; see
    `page_origin_fetcher`. Chromium treats a page fulfilled by Playwright as coming from
    an unknown (public) address and would then block its WebSocket to 127.0.0.1 (Local
    Network Access); a real site and its Lotse server are both public, so the test grants
    what such a deployment never needs."""
    v.context.grant_permissions(["local-network-access"], origin=v.origin)
    v.context.route(v.origin + "/**", page_origin_fetcher(site_origin))


# -- 7. server down, server back -------------------------------------------------------------------


def land_as_professional(v: Visitor) -> str:
    """Land on /fachkreise/ and wait until the server decided (not necessarily shown: the
    outage tests are not about the anti-flicker window); the session's token."""
    v.goto("/fachkreise/")
    wait_for_heading(v.page, "teaser", "teaser-hcp")
    v.probe.wait_for(v.page, lambda: "hero-hcp" in v.probe.swaps_received("hero"), "hero swap")
    return str(v.page.evaluate("sessionStorage.getItem('lotse.token')"))


def test_server_outage_keeps_defaults_and_the_session_resumes(
    demo_server: LotseProcess,
    visitor: Callable[..., Visitor],
    tmp_path: Path,
) -> None:
    site = demo_server  # the website itself: stays up
    lotse = RestartableServer(free_port(), tmp_path / "lotse-data")
    lotse.start()
    try:
        v = visitor(lotse.origin)
        serve_pages_from(v, site.origin)
        token = land_as_professional(v)
        assert token

        lotse.stop()  # open sockets get 1001; nothing listens on the port any more
        before = len(v.probe.sockets)
        # Links still work, and a page never seen before shows its defaults.
        v.page.get_by_role("link", name="Datenschutz").first.click()
        v.page.wait_for_url(lotse.origin + "/datenschutz")
        wait_for_visible(v.page, "hero")
        v.probe.wait_for(v.page, lambda: len(v.probe.sockets) > before, "a connection attempt")
        assert v.hero()["isDefault"] and v.teaser()["isDefault"]
        v.page.get_by_role("navigation").get_by_role("link", name="Kontakt").click()
        v.page.wait_for_url(lotse.origin + "/kontakt/")
        wait_for_visible(v.page, "hero")
        assert v.hero()["isDefault"] and v.teaser()["isDefault"]
        assert v.page.get_by_role("heading", name="Kontakt", exact=True).is_visible()
        assert v.probe.page_errors == []
        reconnect_from = len(v.probe.sockets)

        lotse.start()  # the same port, the same session store
        # The snippet retries with backoff, resumes with the token from before the outage,
        # and gets the session's decisions for this page.
        v.probe.wait_for(
            v.page,
            lambda: v.probe.received("welcome", since=reconnect_from),
            "the reconnect",
            timeout=40,
        )
        hello = v.probe.sent("hello", since=reconnect_from)[0]
        assert hello["token"] == token and hello["url"] == "/kontakt/"
        # The teaser is below the fold: the professional's variant at once; the hero is in
        # view and the window long over: after scrolling away.
        wait_for_heading(v.page, "teaser", "teaser-hcp")
        assert v.hero()["isDefault"]
        scroll_out_of_view(v, "hero")
        wait_for_heading(v.page, "hero", "hero-hcp")
        v.probe.assert_clean(v.page)

        # Control: a fresh visitor on the same page sees only defaults, so the
        # professional's variants came from the resumed session, not from the page.
        fresh = visitor(lotse.origin)
        serve_pages_from(fresh, site.origin)
        fresh.goto("/kontakt/")
        fresh.wait_for_welcome()
        wait_for_visible(fresh.page, "hero")
        wait_past_window(fresh.page, fresh.window_start())
        assert fresh.probe.received("swap") == []
        assert fresh.hero()["isDefault"]
    finally:
        lotse.stop()


def test_server_killed_hard_page_works_and_reconnects(
    demo_server: LotseProcess,
    start_process: Callable[..., Any],
    visitor: Callable[..., Visitor],
) -> None:
    """The crash case: `lotse serve` killed with SIGKILL (no close frame: 1006)."""
    site = demo_server
    lotse = start_process()
    assert lotse.wait_for("Lotse is serving"), lotse.text()
    v = visitor(lotse.origin)
    serve_pages_from(v, site.origin)
    token = land_as_professional(v)

    lotse.process.kill()
    lotse.process.wait()
    v.page.get_by_role("link", name="Datenschutz").first.click()
    v.page.wait_for_url(lotse.origin + "/datenschutz")
    wait_for_visible(v.page, "hero")
    assert v.hero()["isDefault"] and v.teaser()["isDefault"]
    # The page's own script still works: the demo's consent buttons.
    v.page.get_by_role("button", name="Einwilligen").click()
    expect(v.page.locator("#consent-status")).to_have_text("Eingewilligt: Besuche werden gezählt.")
    assert v.probe.page_errors == []
    reconnect_from = len(v.probe.sockets)

    again = start_process(port=lotse.port)
    assert again.wait_for("Lotse is serving"), again.text()
    v.probe.wait_for(
        v.page,
        lambda: v.probe.received("welcome", since=reconnect_from),
        "the reconnect",
        timeout=40,
    )
    # Back with the token from before the crash. (The killed process kept its sessions in
    # memory, so this server starts a fresh one: see the graceful restart test for a
    # session that survives.) The consent given while offline goes along.
    hello = v.probe.sent("hello", since=reconnect_from)[0]
    assert hello["token"] == token and hello["url"] == "/datenschutz"
    assert hello["consent"] is True
    assert v.probe.received("error") == []
    v.probe.assert_clean(v.page)


# -- 8. Content-Security-Policy --------------------------------------------------------------------


def test_no_csp_violations_under_the_demo_sites_strict_policy(
    demo: str, visitor: Callable[..., Visitor]
) -> None:
    v = visitor(demo)
    response = v.page.goto(demo + "/fachkreise/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    wait_for_heading(v.page, "hero", "hero-hcp")
    # The snippet's own style writes (min-height, position, visibility, the why control
    # in a shadow root with a constructed stylesheet, the fade-in animation), its API,
    # and the demo's professional login with its own swap.
    v.page.locator("[data-lotse-slot=hero] lotse-why button").click()
    v.page.evaluate("() => window.lotse('convert', 'newsletter')")
    v.probe.wait_for(v.page, lambda: v.probe.sent("convert"), "the convert message")
    v.page.get_by_role("button", name="Als Ärztin/Arzt anmelden (Demo)").click()
    v.probe.wait_for(v.page, lambda: v.probe.sent("verify"), "the verify message")
    v.probe.wait_for(v.page, lambda: "hero-hcp-rx" in v.probe.swaps_received("hero"), "the rx swap")
    v.goto("/patienten/")
    wait_for_visible(v.page, "hero")
    v.probe.assert_clean(v.page)  # no securitypolicyviolation event, no CSP console message

    # Control: the listener does catch a violation on these pages.
    v.page.evaluate(
        """() => {
            const script = document.createElement('script')
            script.textContent = 'window.inlineRan = true'
            document.body.append(script)
        }"""
    )
    v.probe.wait_for(v.page, v.probe.csp_problems, "the control violation")
    assert v.page.evaluate("window.inlineRan") is None


# -- 9. back and forward ---------------------------------------------------------------------------


def slot_default_heading(v: Visitor, slot: str) -> str:
    """The heading of `slot`'s default content on the current page, as the server sent it."""
    return str(
        v.page.evaluate(
            """(id) => {
                const box = document.createElement('div')
                box.innerHTML = window.__lotseE2E.defaults[id]
                const h2 = box.querySelector('h2')
                return h2 ? h2.textContent.replace(/\\s+/g, ' ').trim() : null
            }""",
            slot,
        )
    )


def slots_html(v: Visitor) -> list[str]:
    return list(
        v.page.evaluate(
            "() => ['hero', 'teaser'].map((id) => window.__lotseE2E.slotEl(id).innerHTML)"
        )
    )


@pytest.mark.parametrize("bfcache", [False, True], ids=["new-document", "bfcache"])
def test_back_and_forward_show_the_same_variants(
    demo_server: LotseProcess,
    visitor: Callable[..., Visitor],
    bfcache: bool,
    request: pytest.FixtureRequest,
) -> None:
    demo = demo_server.origin
    count = demo_server.metric

    on = request.getfixturevalue("bfcache_browser") if bfcache else None
    v = visitor(demo, on=on)
    v.goto("/fachkreise/")
    wait_for_heading(v.page, "hero", "hero-hcp")
    v.page.get_by_role("link", name="Lotse Demo Pharma").first.click()
    v.page.wait_for_url(demo + "/")
    wait_for_heading(v.page, "hero", "hero-hcp")
    wait_for_heading(v.page, "teaser", "teaser-hcp")
    home = slots_html(v)
    v.page.get_by_role("navigation").get_by_role("link", name="Kontakt").click()
    v.page.wait_for_url(demo + "/kontakt/")
    wait_for_heading(v.page, "hero", "hero-hcp")
    wait_for_heading(v.page, "teaser", "teaser-hcp")
    contact = slots_html(v)

    steps = ((v.page.go_back, "/", home), (v.page.go_forward, "/kontakt/", contact))
    for go, path, shown in steps:
        resumed = count("lotse_sessions_total", how="resumed")
        swaps = count("lotse_swaps_total", slot="teaser")
        go(wait_until="commit")
        v.page.wait_for_url(demo + path, wait_until="commit")
        wait_for_heading(v.page, "hero", "hero-hcp")
        assert slots_html(v) == shown
        # The snippet reconnects for this page view, resumes the session with its token,
        # and the server re-sends the page's swaps (hero, then teaser): they change nothing.
        # (Counted on the server: Playwright does not report the WebSocket of a page
        # restored from the bfcache.)

        def resent(resumed: float = resumed, swaps: float = swaps) -> bool:
            return (
                count("lotse_sessions_total", how="resumed") > resumed
                and count("lotse_swaps_total", slot="teaser") > swaps
            )

        v.probe.wait_for(v.page, resent, f"the resumed session's swaps on {path}")
        v.probe.flush(v.page)
        assert slots_html(v) == shown
        pageshow = v.doc_events("pageshow")[-1]
        assert pageshow["persisted"] is bfcache
        since = pageshow["t"] if bfcache else 0.0
        frames = [e for e in v.doc_events("frame") if e["t"] >= since]
        variant = HEADINGS["hero-hcp"]
        changes = [e for e in v.doc_events("slot") if e["t"] >= since]
        if bfcache:
            # The very DOM the visitor left: every frame painted since shows the same
            # variant, visibly, and nothing changed (the re-sent swaps were no-ops).
            assert all(e["visible"] and e["heading"] == variant for e in frames), frames
            assert changes == []
        else:
            # A new document: the snippet put each remembered variant in at once, in one
            # step, visibly (no anti-flicker hold, no server round trip), and from then on
            # every frame shows it. Before that step the page can only show its own
            # default, and only when the browser paints before the async script has run
            # (seen on a loaded machine, a frame or three); never a hidden slot and never
            # another variant.
            content = [e for e in changes if e["content"]]
            assert sorted(e["slot"] for e in content) == ["hero", "teaser"], changes
            assert all(e["visibility"] == "visible" for e in changes), changes
            applied = max(e["t"] for e in content)
            after = [e for e in frames if e["t"] > applied]
            assert after and all(e["visible"] and e["heading"] == variant for e in after), frames
            default = slot_default_heading(v, "hero")
            before = [e for e in frames if e["t"] <= applied]
            assert all(e["visible"] and e["heading"] == default for e in before), frames
    v.probe.assert_clean(v.page)


# -- 10. screenshots -------------------------------------------------------------------------------

#: Each visitor type by a realistic path: an entry page of the site's sections, then home.
ENTRY_PAGES = {
    "patient": ("/patienten/", "hero-patient"),
    "hcp": ("/fachkreise/", "hero-hcp"),
    "pharmacist": ("/apotheker-service/", "hero-pharmacist"),
    "applicant": ("/karriere/", "hero-applicant"),
}


def _screenshot(v: Visitor, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    v.page.mouse.move(1, VIEWPORT["height"] - 1)  # no hover effect on the link clicked
    # The chat launcher appears 4 s after the welcome, so it would be in some images and
    # not in others: the screenshots show the visitor who already saw the offer (the
    # snippet's own "offered in this session" mark). Playwright's `style` option cannot
    # be used instead: it injects an inline <style>, which the page's CSP refuses.
    v.page.evaluate(
        """() => {
            sessionStorage.setItem('lotse.chat', '1')
            for (const el of document.querySelectorAll('lotse-chat')) el.remove()
        }"""
    )
    v.page.screenshot(path=SCREENSHOTS / f"home-{name}.png", animations="disabled")


def test_screenshots_of_the_home_page_for_each_visitor_type(
    demo: str, visitor: Callable[..., Visitor]
) -> None:
    v = visitor(demo)
    v.goto("/")
    v.wait_for_welcome()
    wait_past_window(v.page, v.window_start())
    assert v.hero()["isDefault"]
    _screenshot(v, "default")
    v.probe.assert_clean(v.page)

    for kind, (entry, variant) in ENTRY_PAGES.items():
        v = visitor(demo)
        v.goto(entry)
        wait_for_heading(v.page, "hero", variant)
        v.page.get_by_role("link", name="Lotse Demo Pharma").first.click()
        v.page.wait_for_url(demo + "/")
        wait_for_heading(v.page, "hero", variant)
        assert v.page.evaluate("window.scrollY") == 0
        _screenshot(v, kind)
        v.probe.assert_clean(v.page)
    for name in ("default", *ENTRY_PAGES):
        assert (SCREENSHOTS / f"home-{name}.png").stat().st_size > 10_000
