"""The snippet's hand-off to the site's analytics, in real headless Chromium against the real
server and the demo site: with ``data-datalayer`` on the script tag, `window.dataLayer`
receives ``lotse_swap`` for every swap applied in the page (docs/snippet.md, "Hand-off to the
site's analytics"); without it, nothing is pushed and no global is created.

The demo pages embed the snippet without the attribute, so the page with it is the demo's own
``/fachkreise/``, fetched from the server and fulfilled with the attribute added to the script
tag (same origin, same Content-Security-Policy header). ``lotse_exposure`` is checked on the
demo's one experiment (the patients' teaser), whichever arm the visitor gets; every arm and
timing case is in js_snippet/test/datalayer.test.mjs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")

from playwright.sync_api import Browser, Page, Route

from e2e_support import (
    CHROMIUM,
    VIEWPORT,
    Probe,
    wait_for_heading,
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason="needs Debian's Chromium at /usr/bin/chromium (CI: apt-get install chromium)",
)

SCRIPT_TAG = 'data-site="demo"'
#: The keys an event may carry: ids from the site's configuration, nothing about the visitor.
EVENT_KEYS = {
    "lotse_swap": {"event", "lotse_slot", "lotse_variant"},
    "lotse_exposure": {"event", "lotse_experiment", "lotse_arm", "lotse_variant"},
}


@pytest.fixture
def visitor(browser: Browser) -> Iterator[Callable[[], tuple[Page, Probe]]]:
    """A new visitor (fresh browser context) with the probe: page errors, CSP violations,
    layout shifts and WebSocket frames."""
    contexts = []

    def open_visitor() -> tuple[Page, Probe]:
        context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
        context.set_default_timeout(15_000)
        contexts.append(context)
        probe = Probe()
        probe.attach(context)
        return context.new_page(), probe

    yield open_visitor
    for context in contexts:
        context.close()


def with_datalayer_attribute(value: str | None) -> Callable[[Route], None]:
    """Serve the demo page as the server sends it, with `data-datalayer` (or
    `data-datalayer="value"`) added to the snippet's script tag."""
    attribute = "data-datalayer" + (f'="{value}"' if value else "")

    def handle(route: Route) -> None:
        response = route.fetch()
        body = response.text()
        assert SCRIPT_TAG in body, "the demo page no longer embeds the snippet as expected"
        route.fulfill(
            response=response, body=body.replace(SCRIPT_TAG, f"{SCRIPT_TAG} {attribute}", 1)
        )

    return handle


def layer(page: Page, name: str = "dataLayer") -> Any:
    return page.evaluate("(name) => window[name]", name)


def wait_for_pushes(page: Page, name: str, event: str, count: int) -> None:
    """Wait for `count` pushes of `event`: the chat's file pushes them, which the first
    swap loads, so they arrive a moment after the swaps they tell of."""
    page.wait_for_function(
        "([name, event, count]) => (window[name] || []).filter((x) => x.event === event)"
        ".length >= count",
        arg=[name, event, count],
    )


def test_datalayer_receives_lotse_swap_when_the_script_tag_asks_for_it(
    demo: str, visitor: Callable[[], tuple[Page, Probe]]
) -> None:
    page, probe = visitor()
    # A page fulfilled by Playwright counts as coming from a public address; its socket to
    # 127.0.0.1 needs what a real deployment (site and Lotse both public) never needs.
    page.context.grant_permissions(["local-network-access"], origin=demo)
    page.route(demo + "/fachkreise/", with_datalayer_attribute(None))
    page.goto(demo + "/fachkreise/")
    wait_for_heading(page, "hero", "hero-hcp")
    wait_for_heading(page, "teaser", "teaser-hcp")
    wait_for_pushes(page, "dataLayer", "lotse_swap", 2)

    events = layer(page)
    assert isinstance(events, list), events
    swaps = [e for e in events if e.get("event") == "lotse_swap"]
    assert {"event": "lotse_swap", "lotse_slot": "hero", "lotse_variant": "hero-hcp"} in swaps
    assert {"event": "lotse_swap", "lotse_slot": "teaser", "lotse_variant": "teaser-hcp"} in swaps
    # Once per swap applied, only for swaps the server sent; nothing but configuration ids.
    pushed = [(e["lotse_slot"], e["lotse_variant"]) for e in swaps]
    assert len(pushed) == len(set(pushed)), pushed
    assert set(pushed) <= {(m["slot"], m["variant"]) for m in probe.received("swap")}
    for e in events:
        assert set(e) == EVENT_KEYS[e["event"]], e

    # Exposures: for every swap that names its experiment (once the server sends
    # `experiment`/`arm`) and whose slot the snippet reported seen with that variant.
    seen = {(m["slot"], m["variant"]) for m in probe.sent("seen")}
    for m in probe.received("swap"):
        if "experiment" in m and (m["slot"], m["variant"]) in seen:
            expected = {
                "event": "lotse_exposure",
                "lotse_experiment": m["experiment"],
                "lotse_arm": m.get("arm"),
                "lotse_variant": m["variant"],
            }
            assert expected in events, (expected, events)
    probe.assert_clean(page)


def test_exposure_names_the_experiment_and_arm_once_the_slot_is_seen(
    demo: str, visitor: Callable[[], tuple[Page, Probe]]
) -> None:
    """The demo's patients' teaser is an experiment (`teaser-patient`, 10 % control): a patient
    gets its variant in a swap naming experiment and arm, or an `arm` message for the control
    arm. Either way `lotse_exposure` follows when the (below-the-fold) teaser is seen."""
    page, probe = visitor()
    page.context.grant_permissions(["local-network-access"], origin=demo)
    page.route(demo + "/patienten/", with_datalayer_attribute(None))
    page.goto(demo + "/patienten/")
    wait_for_heading(page, "hero", "hero-patient")

    def teaser_arm() -> dict[str, Any] | None:
        for m in probe.received("swap") + probe.received("arm"):
            if m.get("slot") == "teaser" and m.get("experiment") == "teaser-patient":
                return m
        return None

    probe.wait_for(page, teaser_arm, "the teaser's experiment and arm")
    arm = teaser_arm()
    assert arm is not None
    variant = arm["variant"] if arm["type"] == "swap" else "default"
    assert arm["arm"] == ("control" if variant == "default" else variant), arm
    exposure = {
        "event": "lotse_exposure",
        "lotse_experiment": "teaser-patient",
        "lotse_arm": arm["arm"],
        "lotse_variant": variant,
    }
    assert exposure not in (layer(page) or []), "not seen yet: no exposure"

    page.evaluate("document.querySelector('main [data-lotse-slot=teaser]').scrollIntoView()")
    page.wait_for_function(
        "(e) => (window.dataLayer || []).some((x) => x.event === e.event)", arg=exposure
    )
    assert {"type": "seen", "slot": "teaser", "variant": variant} in probe.sent("seen")
    exposures = [e for e in layer(page) if e["event"] == "lotse_exposure"]
    # Only the teaser is in an experiment (the hero's rule has no control group).
    assert exposures == [exposure], exposures
    probe.assert_clean(page)


def test_datalayer_named_by_the_attribute(
    demo: str, visitor: Callable[[], tuple[Page, Probe]]
) -> None:
    page, probe = visitor()
    page.context.grant_permissions(["local-network-access"], origin=demo)
    page.route(demo + "/fachkreise/", with_datalayer_attribute("_mtm"))
    page.goto(demo + "/fachkreise/")
    wait_for_heading(page, "hero", "hero-hcp")
    wait_for_pushes(page, "_mtm", "lotse_swap", 1)
    swap = {"event": "lotse_swap", "lotse_slot": "hero", "lotse_variant": "hero-hcp"}
    assert swap in layer(page, "_mtm")
    assert layer(page) is None
    probe.assert_clean(page)


def test_no_datalayer_without_the_attribute(
    demo: str, visitor: Callable[[], tuple[Page, Probe]]
) -> None:
    page, probe = visitor()
    page.goto(demo + "/fachkreise/")
    wait_for_heading(page, "hero", "hero-hcp")
    wait_for_heading(page, "teaser", "teaser-hcp")
    probe.flush(page)
    assert probe.received("swap"), "the server swapped nothing: the test proves nothing"
    assert page.evaluate("() => !('dataLayer' in window)")
    probe.assert_clean(page)
