"""The dashboard in real headless Chromium: signed in through its form, seeded experiments,
live WebSocket sessions, under the server's strict CSP, on a laptop and on a phone.

The ledger is seeded before the server starts (`dashboard_support`); three visitors
keep WebSockets open while the page is looked at. The test reads what the page shows
(the figures people read) and compares them with the seed's own statistics and with
``/metrics``; it saves the screenshots the README shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")

from playwright.sync_api import Browser, ConsoleMessage, Page
from websockets.sync.client import ClientConnection, connect

from dashboard_support import (
    PLANNED_PER_ARM,
    SEED,
    SITE_ID,
    expected_report,
    p_phrase,
    p_text,
    seed_ledger,
    write_site,
)
from e2e_support import CHROMIUM, VIEWPORT
from lotse_server import Settings

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason="needs Debian's Chromium at /usr/bin/chromium (CI: apt-get install chromium)",
)

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "docs" / "screenshots"
TOKEN = "e2e-admin-token-7Qm2wXz"
PHONE = {"width": 390, "height": 844}

#: Records every CSP violation the page reports; Playwright runs it before the page's own
#: (absent) scripts, and init scripts are not subject to the page's CSP.
CSP_WATCH = """
window.__csp = []
document.addEventListener('securitypolicyviolation', (e) =>
  window.__csp.push({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample}))
"""


@contextmanager
def watched_page(browser: Browser, **options: Any) -> Iterator[tuple[Page, list[ConsoleMessage]]]:
    """A page in a fresh context (no stored state), with its console and CSP reports kept."""
    context = browser.new_context(**options)
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    console: list[ConsoleMessage] = []
    page.on("console", lambda message: console.append(message))
    try:
        yield page, console
    finally:
        context.close()


def visit(sockets: ExitStack, ws_url: str, url: str, chat: str | None = None) -> ClientConnection:
    """One visitor (open until `sockets` closes): hello on `url`, and a chat answer; returns
    once the server answered."""
    socket = sockets.enter_context(connect(ws_url))
    hello = {
        "type": "hello",
        "site": SITE_ID,
        "url": url,
        "lang": "de",
        "slots": ["hero", "teaser"],
    }
    socket.send(json.dumps(hello))
    assert json.loads(socket.recv(timeout=10))["type"] == "welcome"
    if chat is not None:
        socket.send(json.dumps({"type": "chat", "text": chat}))
        # Counters are counted before the messages are sent: after the bot's reply they hold.
        while json.loads(socket.recv(timeout=10))["type"] != "say":
            pass
    return socket


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    sample = f"{name}{{{wanted}}}" if labels else name
    for line in text.splitlines():
        head, _, value = line.rpartition(" ")
        if head == sample:
            return float(value)
    return 0.0


def sign_in(page: Page, origin: str) -> None:
    """Open /dashboard as a person does: the sign-in form first (a 401), then the page."""
    response = page.goto(origin + "/dashboard")
    assert response is not None and response.status == 401
    assert page.get_by_label("Admin token").is_visible()
    page.get_by_label("Admin token").fill(TOKEN)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Open the dashboard").click()
    assert navigation.value is not None and navigation.value.status == 200
    assert page.get_by_role("heading", level=1).inner_text().startswith("Lotse dashboard")


def figure(page: Page, name: str) -> str:
    return page.locator(f'[data-figure="{name}"]').inner_text()


def row_cells(page: Page, caption: str, arm: str) -> list[str]:
    """The cells of `arm`'s row in the table captioned `caption`."""
    table = page.locator("table", has=page.locator("caption", has_text=caption))
    row = table.locator("tbody tr", has=page.locator("th", has_text=re.compile(f"^{arm}\\b")))
    return [cell.strip() for cell in row.first.locator("th, td").all_inner_texts()]


def assert_clean(page: Page, console: list[ConsoleMessage]) -> None:
    """No CSP violation (as an event or a console error), the stylesheet applied, no overflow."""
    assert page.evaluate("window.__csp") == []
    complaints = [m.text for m in console if m.type in ("error", "warning")]
    assert not [text for text in complaints if "Content Security Policy" in text], complaints
    assert page.evaluate("getComputedStyle(document.querySelector('main')).display") == "grid"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


@pytest.fixture
def dashboard_server(
    serve_app: Callable[..., Any], tmp_path: Path
) -> Iterator[tuple[Any, list[ClientConnection]]]:
    seed_ledger(tmp_path / "data", started_days_ago=6)
    settings = replace(Settings(), admin_token=TOKEN, data_dir=tmp_path / "data")
    server = serve_app(write_site(tmp_path), settings=settings)
    # Visitors who touch no seeded experiment (no hcp, no patient), so the seed's counts
    # stay exact: a pharmacist who says so, a chat answer nobody understands, an applicant.
    with ExitStack() as stack:
        sockets = [
            visit(stack, server.ws, "https://pharma.example/apotheke/", "Ich bin Apothekerin"),
            visit(stack, server.ws, "https://pharma.example/", chat="qwertz asdf"),
            visit(stack, server.ws, "https://pharma.example/karriere/"),
        ]
        yield server, sockets


def test_the_dashboard_shows_the_seeded_experiments_and_the_live_sessions(
    browser: Browser, dashboard_server: tuple[Any, list[ClientConnection]]
) -> None:
    server, sockets = dashboard_server
    metrics = httpx.get(server.http + "/metrics").text
    with watched_page(browser, viewport=VIEWPORT) as (page, console):
        sign_in(page, server.origin)

        # Live: the open sockets, and the chat counted exactly as /metrics counts it.
        assert figure(page, "live-sessions") == str(len(sockets))
        results = ("matched", "chosen", "clarified", "failed")
        answers = {r: metric(metrics, "lotse_chat_answers_total", result=r) for r in results}
        assert answers["matched"] == 1 and answers["clarified"] == 1
        assert figure(page, "chat-answers") == f"{sum(answers.values()):,.0f}"
        fallback = (answers["clarified"] + answers["failed"]) / sum(answers.values())
        assert figure(page, "chat-fallback-rate") == f"{fallback:.1%}"
        pharmacists = metric(metrics, "lotse_visitor_types_total", visitor_type="pharmacist")
        assert row_cells(page, "Visitor types decided", "Pharmacist")[1] == f"{pharmacists:,.0f}"
        intent = row_cells(page, "Top chat intents", "pharmacist")
        assert intent[1] == "1"
        swaps = metric(metrics, "lotse_swaps_total", slot="hero")
        assert row_cells(page, "Swaps sent per slot", "hero")[1] == f"{swaps:,.0f}"

        # The A/B/n experiment: sessions per arm, rates and always-valid p-values per goal.
        hero = expected_report("hero-hcp")
        for arm, (sessions, conversions) in SEED["hero-hcp"].items():
            progress = row_cells(page, "hero-hcp: sessions per arm", arm)
            assert progress[2] == f"{sessions:,}"
            assert progress[4].startswith(f"{sessions:,} of {PLANNED_PER_ARM:,}")
            lead = row_cells(page, "hero-hcp, goal lead: conversion rate per arm", arm)
            assert lead[1:4] == [
                f"{sessions:,}",
                f"{conversions['lead']:,}",
                f"{conversions['lead'] / sessions:.2%}",
            ]
            comparison = hero["goals"]["lead"]["by_arm"].get(arm)  # type: ignore[index]
            if comparison is not None:
                assert lead[6] == p_text(comparison["always_valid_p"])
                assert lead[7] == "—"  # the plan is not reached yet: no fixed-horizon p
        article = page.locator("article", has=page.locator("h3", has_text="hero-hcp"))
        status = article.locator(".status").inner_text()
        assert (
            status
            == {"significant": "significant", "collecting": "collecting"}[str(hero["status"])]
        )
        assert "more day" in article.inner_text()

        # The broken split is called out, with its p-value.
        teaser = page.locator("article", has=page.locator("h3", has_text="teaser-patient"))
        assert teaser.locator(".status").inner_text() == "sample-ratio mismatch"
        warning = teaser.locator(".warning").inner_text()
        assert p_phrase(float(expected_report("teaser-patient")["srm_p"])) in warning  # type: ignore[arg-type]
        experiments = page.locator("section", has=page.locator("#experiments-heading"))
        assert "no longer configured: old-rule" in experiments.inner_text()

        # Charts are there for the eye, labelled for everyone else.
        charts = page.locator("svg.chart")
        assert charts.count() >= 8
        for index in range(charts.count()):
            chart = charts.nth(index)
            assert chart.get_attribute("role") == "img"
            assert chart.get_attribute("aria-label")
        assert_clean(page, console)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)

        # Refresh posts the view key, not the token: the page comes back, still signed in.
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name="Refresh").click()
        assert navigation.value is not None and navigation.value.status == 200
        assert figure(page, "live-sessions") == str(len(sockets))
        assert TOKEN not in page.content()
        assert_clean(page, console)


def test_the_dashboard_reads_on_a_phone(
    browser: Browser, dashboard_server: tuple[Any, list[ClientConnection]]
) -> None:
    server, _sockets = dashboard_server
    phone = {"viewport": PHONE, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
    with watched_page(browser, **phone) as (page, console):
        sign_in(page, server.origin)
        assert_clean(page, console)
        # One column: every card as wide as the screen allows, charts scaled down to it.
        widths = page.evaluate(
            "Array.from(document.querySelectorAll('svg.chart'), "
            "(chart) => chart.getBoundingClientRect().width)"
        )
        assert widths and all(0 < width <= PHONE["width"] for width in widths)
        font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('td')).fontSize)")
        assert font >= 14
        page.screenshot(path=str(SCREENSHOTS / "dashboard-phone.png"), full_page=True)
