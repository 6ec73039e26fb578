"""Issue 11, preview for review: `lotse preview URL --as TYPE` prints a signed, expiring link;
opened in real Chromium it shows the demo page as that visitor type sees it, with a small
banner saying so, and nothing of it reaches the experiment ledger or the metrics. An altered
link is ignored: the page behaves as without it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("playwright.sync_api", reason="the browser tests need playwright")

from playwright.sync_api import Browser, expect

from a11y import format_violations, run_axe
from e2e_support import (
    CHROMIUM,
    VIEWPORT,
    LotseProcess,
    Probe,
    free_port,
    wait_for_heading,
    wait_for_visible,
)

pytestmark = pytest.mark.skipif(
    not CHROMIUM.is_file(),
    reason="needs Debian's Chromium at /usr/bin/chromium (CI: apt-get install chromium)",
)

ROOT = Path(__file__).resolve().parents[1]
#: Each visitor type of the demo site and the variants its home page shows that type.
TYPES = ("patient", "hcp", "pharmacist", "applicant")


def lotse_command(*args: str) -> subprocess.CompletedProcess[str]:
    """The `lotse` command line, with the environment `LotseProcess` gives the server (no
    LOTSE_* variables: both use the demo's token key)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTSE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "sdk"), str(ROOT / "server")])
    return subprocess.run(
        [sys.executable, "-m", "lotse_server.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )


def test_preview_links_show_each_visitor_type_with_a_banner_and_count_nothing(
    browser: Browser, tmp_path: Path
) -> None:
    from lotse_server.demo import SITE_PATH

    data = tmp_path / "data"
    server = LotseProcess(free_port(), data)
    server.start()
    try:
        for kind in TYPES:
            link = lotse_command("preview", server.origin + "/", "--as", kind).stdout.strip()
            assert "?lotse_preview=" in link
            context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
            context.set_default_timeout(15_000)
            probe = Probe()
            probe.attach(context)
            page = context.new_page()
            page.goto(link)
            wait_for_heading(page, "hero", f"hero-{kind}")
            wait_for_heading(page, "teaser", f"teaser-{kind}")
            hello = probe.sent("hello")[0]
            assert hello["preview"] == link.split("lotse_preview=", 1)[1]
            assert "token" not in hello and "lotse_preview" not in hello["url"]
            welcome = probe.received("welcome")[0]
            banner = page.get_by_role("status")
            expect(banner).to_have_text(welcome["preview"])
            assert welcome["chat"] is None
            violations = run_axe(page, include="lotse-preview", best_practice=True)
            assert violations == [], format_violations(violations, where=f"banner, {kind}")
            # Nothing of the preview is kept in the browser.
            stored = page.evaluate("() => [sessionStorage.length, localStorage.length]")
            assert stored == [0, 0]
            probe.assert_clean(page)
            context.close()

        # An altered link is ignored: the page behaves as for anybody (the home page's
        # defaults, no banner).
        link = lotse_command("preview", server.origin + "/", "--as", "hcp").stdout.strip()
        context = browser.new_context(viewport=VIEWPORT, locale="de-DE")
        probe = Probe()
        probe.attach(context)
        page = context.new_page()
        page.goto(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
        probe.wait_for(page, lambda: probe.received("welcome"), "the welcome")
        wait_for_visible(page, "hero")
        assert "preview" not in probe.received("welcome")[0]
        assert probe.received("swap") == []
        expect(page.locator("lotse-preview")).to_have_count(0)
        context.close()
        swaps = server.metric("lotse_swaps_total", slot="hero")
    finally:
        server.stop()

    # The previews swapped eight slots, and not one swap was counted; the ledger has no
    # session, exposure or conversion of them.
    assert swaps == 0
    report = json.loads(
        lotse_command("report", "--site", str(SITE_PATH), "--data-dir", str(data), "--json").stdout
    )
    for experiment in report["experiments"]:
        for arm, counts in experiment["arms"].items():
            assert counts["sessions"] == 0, (experiment["id"], arm, counts)
