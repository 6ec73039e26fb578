"""The bundled demo site passes axe-core (WCAG 2.2 A and AA, and axe's best practices) in
real headless Chromium, with the snippet running, in light and dark colour schemes.

Every page of the demo (`lotse_server.demo.PAGES`, the leaflet search with and without
hits, the contact form's thank-you pages) is opened by a new visitor, under the server's
strict Content-Security-Policy, and audited once the snippet has said hello and its
anti-flicker window is over (some entry pages swap the hero right away: those are
audited with the swapped content). A separate test audits a page after its hero swap,
with the "Why am I seeing this?" control closed and open.

The demo has no dark theme of its own (no ``prefers-color-scheme`` in demo.css): the dark
runs check that the emulated preference changes nothing for the worse, and guard a dark
theme if one is ever added. axe-core runs in an isolated world (see tests/a11y.py), so the
pages' CSP stays in force and the probe's CSP check still holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")

from playwright.sync_api import Browser, BrowserContext, Page, expect

from a11y import AXE_JS, format_violations, run_axe
from e2e_support import (
    CHROMIUM,
    FLICKER_MS,
    VIEWPORT,
    Probe,
    wait_for_heading,
    wait_for_visible,
)

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.is_file(),
        reason="needs Debian's Chromium at /usr/bin/chromium (CI: apt-get install chromium)",
    ),
    # scripts/test (and so CI) always installs axe-core: there a missing copy fails.
    pytest.mark.skipif(
        not AXE_JS.is_file() and not os.environ.get("CI"),
        reason="needs axe-core: run `npm ci` in js_snippet/",
    ),
]

SCHEMES = ("light", "dark")

#: Left out of THIS test: the snippet's chat widget (`<lotse-chat>`, built by
#: js_snippet/src/chat.js). It is the snippet's own UI, not the demo site's, and is
#: audited on its own by the snippet's tests. The "Why am I seeing this?" control
#: (`<lotse-why>`, js_snippet/src/slots.js) is NOT left out: it sits inside the site's
#: slots after a swap, so it is part of every swapped page audited here.
SNIPPET_WIDGET = ["lotse-chat"]


def demo_paths() -> list[str]:
    from lotse_server.demo import PAGES

    searches = [
        "/patienten/beipackzettel?q=paracetamol",
        "/patienten/beipackzettel?q=gibtesnicht",
        "/en/patients/leaflets?q=ambroxol",
    ]
    return [page.path for page in PAGES] + searches


PATHS = demo_paths()


# -- browser, server, visitors ---------------------------------------------------------------


@dataclass
class Visitor:
    context: BrowserContext
    page: Page
    probe: Probe
    origin: str

    def open(self, path: str) -> None:
        self.page.goto(self.origin + path)
        self.settle()

    def settle(self) -> None:
        """Wait until the snippet has its welcome and the anti-flicker window is over."""
        page, probe = self.page, self.probe

        def loaded() -> list[dict[str, Any]]:
            doc = page.evaluate("performance.timeOrigin")
            return probe.of("load", doc=doc)

        probe.wait_for(page, loaded, f"the load event of {page.url}")
        probe.wait_for(page, lambda: probe.received("welcome"), f"the welcome on {page.url}")
        end = (loaded()[0]["load"] or 0) + FLICKER_MS + 50
        page.wait_for_function("(end) => performance.now() > end", arg=end)
        wait_for_visible(page, "hero")

    def axe(self, where: str) -> list[str]:
        """axe's findings on the page as shown now, as failure lines (none: [])."""
        violations = run_axe(self.page, exclude=SNIPPET_WIDGET, best_practice=True)
        return [format_violations(violations, where=where)] if violations else []

    def assert_csp_clean(self) -> None:
        """Nothing of the audit broke the page or ran into its CSP."""
        assert self.probe.csp_problems() == [], self.probe.csp_problems()
        assert self.probe.page_errors == [], self.probe.page_errors


@pytest.fixture
def visitor(browser: Browser, demo: str) -> Iterator[Callable[[str], Visitor]]:
    """A new visitor (fresh context: no session yet) preferring a colour scheme."""
    contexts: list[BrowserContext] = []

    def open_visitor(scheme: str) -> Visitor:
        context = browser.new_context(
            viewport=VIEWPORT,
            locale="de-DE",
            color_scheme="dark" if scheme == "dark" else "light",
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        probe = Probe()
        probe.attach(context)
        page = context.new_page()
        return Visitor(context, page, probe, demo)

    yield open_visitor
    for context in contexts:
        context.close()


def assert_scheme(v: Visitor, scheme: str) -> None:
    dark = v.page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    assert dark == (scheme == "dark")


# -- the pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_demo_page_is_axe_clean(scheme: str, visitor: Callable[[str], Visitor]) -> None:
    failures: list[str] = []
    for path in PATHS:
        v = visitor(scheme)  # a new visitor on each page: what a visitor landing there sees
        v.open(path)
        assert_scheme(v, scheme)
        failures += v.axe(f"{scheme} {path}")
        v.assert_csp_clean()
        v.context.close()
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("contact", ["/kontakt/", "/en/contact/"])
def test_the_contact_forms_thank_you_page_is_axe_clean(
    scheme: str, contact: str, visitor: Callable[[str], Visitor]
) -> None:
    v = visitor(scheme)
    v.open(contact)
    v.page.locator("form.contact textarea").fill("Eine Frage")
    v.page.locator("form.contact button[type=submit]").click()
    v.page.wait_for_url("**/thanks" if contact.startswith("/en/") else "**/danke")
    v.settle()
    expect(v.page.get_by_role("status")).to_be_visible()
    failures = v.axe(f"{scheme} thank-you page after {contact}")
    assert not failures, "\n\n".join(failures)
    v.assert_csp_clean()


# -- after a swap, with the "Why am I seeing this?" control -------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
def test_pages_after_a_swap_are_axe_clean_with_the_why_control(
    scheme: str, visitor: Callable[[str], Visitor]
) -> None:
    v = visitor(scheme)
    v.page.goto(v.origin + "/fachkreise/")
    wait_for_heading(v.page, "hero", "hero-hcp")
    wait_for_heading(v.page, "teaser", "teaser-hcp")
    v.settle()
    why = v.page.locator("[data-lotse-slot=hero] lotse-why button")
    expect(why).to_have_attribute("aria-expanded", "false")  # the control is there, audited
    failures = v.axe(f"{scheme} /fachkreise/ after the hero swap")

    why.click()  # open: the reason and the opt-out switch are audited as well
    expect(why).to_have_attribute("aria-expanded", "true")
    expect(v.page.locator("[data-lotse-slot=hero] lotse-why p.reason")).to_be_visible()
    failures += v.axe(f"{scheme} /fachkreise/ with 'Why am I seeing this?' open")
    why.press("Escape")

    # The same visitor on the home page: the sticky professional variant, shown at once.
    v.page.get_by_role("link", name="Lotse Demo Pharma").first.click()
    v.page.wait_for_url(v.origin + "/")
    wait_for_heading(v.page, "hero", "hero-hcp")
    v.settle()
    expect(v.page.locator("[data-lotse-slot=hero] lotse-why")).to_have_count(1)
    failures += v.axe(f"{scheme} / with the professionals' hero")
    assert not failures, "\n\n".join(failures)
    v.assert_csp_clean()


# -- the harness itself --------------------------------------------------------------------------


def test_the_axe_harness_finds_violations_and_leaves_the_page_alone(
    visitor: Callable[[str], Visitor],
) -> None:
    """run_axe is not vacuous: it reports planted violations, honours include and
    exclude, and runs without a global `axe` in the page or any CSP violation."""
    v = visitor("light")
    v.open("/")
    v.page.evaluate(
        """() => {
            const box = document.createElement('div')
            box.id = 'planted'
            const img = document.createElement('img')  // no alt text: WCAG 1.1.1
            img.src = '/assets/logo.svg'
            const h4 = document.createElement('h4')  // h1 -> h4: a best practice only
            h4.textContent = 'Planted'
            box.append(img, h4)
            document.querySelector('main').append(box)
        }"""
    )
    found = run_axe(v.page)
    ids = {violation["id"] for violation in found}
    assert ids == {"image-alt"}, format_violations(found)
    image_alt = next(violation for violation in found if violation["id"] == "image-alt")
    assert [node["target"] for node in image_alt["nodes"]] == [["#planted > img"]]
    assert image_alt["impact"] == "critical" and image_alt["help"]
    message = format_violations(found, where="planted")
    assert "image-alt (critical)" in message and "at #planted > img" in message

    with_practice = {violation["id"] for violation in run_axe(v.page, best_practice=True)}
    assert with_practice == {"image-alt", "heading-order"}
    assert run_axe(v.page, exclude=["#planted"], best_practice=True) == []
    inside = run_axe(v.page, include="#planted")
    assert {violation["id"] for violation in inside} == {"image-alt"}
    assert run_axe(v.page, include=".site-header") == []

    # axe ran in its own world: the page's scripts never see it.
    assert v.page.evaluate("typeof window.axe") == "undefined"
    v.assert_csp_clean()
