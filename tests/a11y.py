"""axe-core in a Playwright page: ``run_axe(page)`` -> the page's WCAG 2.2 AA violations.

axe-core (``js_snippet/node_modules/axe-core``, a devDependency installed by ``npm ci``
in scripts/test) is a test tool only: nothing of it is shipped in the product.

How it gets into the page. The demo site (and any site the snippet runs on) sends a strict
Content-Security-Policy, ``script-src 'self'``:

- ``page.add_script_tag(content=...)`` adds an inline ``<script>``: refused by the CSP;
- ``page.add_script_tag(path=...)`` is inline as well (Playwright reads the file and
  inlines it): refused too;
- ``bypass_csp=True`` on the browser context would work, but it turns off the very policy
  the browser tests check (the e2e probe asserts no CSP violation): the page would no
  longer be the page a visitor gets;
- ``page.evaluate(source)`` runs in the page's own JavaScript world: it works (DevTools
  evaluation is not subject to CSP), but leaves a global ``axe`` that the page's scripts
  can see and change, and axe would use whatever the page did to built-ins.

So axe runs in an *isolated world* of the page's main frame, made over the Chrome DevTools
Protocol (``Page.createIsolatedWorld``), as browser extensions run axe: the same DOM (open
shadow roots included), computed styles and layout, but its own globals. The page's CSP,
its scripts and its state are untouched, and the page cannot see or tamper with axe. This
needs Chromium (the only browser of these tests). Frames inside the page are not audited
(the demo has none; axe would need its own copy in every frame).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import CDPSession, Page

ROOT = Path(__file__).resolve().parents[1]
AXE_JS = ROOT / "js_snippet" / "node_modules" / "axe-core" / "axe.min.js"

#: WCAG 2.0, 2.1 and 2.2, levels A and AA: the rules axe tags with these.
WCAG22_AA: tuple[str, ...] = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
#: axe's best practices beyond WCAG's success criteria (e.g. ``heading-order``,
#: ``region``: all content in landmarks, ``landmark-one-main``).
BEST_PRACTICE = "best-practice"

WORLD = "lotse-axe"

#: Runs in the isolated world, where `axe` is the copy loaded there. Only what a failure
#: message needs comes back: rule, impact, help, and each node's target and summary.
RUN_JS = """
(async (context, options) => {
  // Colours are measured as painted: wait for finite animations (the snippet fades a
  // swapped slot in over 200 ms) to end, so a half-transparent frame is not judged.
  const running = document.getAnimations().filter((a) => {
    const end = a.effect && a.effect.getComputedTiming().endTime
    return a.playState === 'running' && Number.isFinite(end)
  })
  await Promise.race([
    Promise.allSettled(running.map((a) => a.finished)),
    new Promise((done) => setTimeout(done, 5000)),
  ])
  const result = await axe.run(context, options)
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    tags: v.tags,
    nodes: v.nodes.map((n) => ({
      target: n.target,
      html: n.html,
      summary: n.failureSummary,
    })),
  }))
})
"""


@cache
def axe_source() -> str:
    if not AXE_JS.is_file():
        raise FileNotFoundError(
            f"{AXE_JS} is missing: run `npm ci` in js_snippet/ (scripts/test does)"
        )
    return AXE_JS.read_text(encoding="utf-8")


def _evaluate(cdp: CDPSession, context_id: int, expression: str) -> Any:
    answer = cdp.send(
        "Runtime.evaluate",
        {
            "expression": expression,
            "contextId": context_id,
            "awaitPromise": True,
            "returnByValue": True,
        },
    )
    if "exceptionDetails" in answer:
        details = answer["exceptionDetails"]
        error = details.get("exception", {}).get("description") or details.get("text")
        raise RuntimeError(f"axe-core failed in the page: {error}")
    return answer["result"].get("value")


def run_axe(
    page: Page,
    *,
    include: str | None = None,
    exclude: list[str] | None = None,
    tags: tuple[str, ...] | list[str] = WCAG22_AA,
    best_practice: bool = False,
) -> list[dict[str, Any]]:
    """Run axe-core on what `page` shows now and return its violations.

    `include` is a CSS selector for the part to audit (default: the whole document);
    `exclude` are CSS selectors of parts to leave out (with what is inside them,
    shadow roots included). The rules are those tagged with `tags` (WCAG 2.2 A and AA by
    default), plus axe's best practices with ``best_practice=True``.

    Each violation is a dict: ``id`` (axe's rule), ``impact``, ``help``, ``helpUrl``,
    ``tags`` and ``nodes``, each node with its ``target`` (axe's selector path: a list
    of selectors, one per shadow root on the way), ``html`` and ``summary``.
    """
    context: dict[str, Any] = {}
    if include is not None:
        context["include"] = [include]
    if exclude:
        context["exclude"] = list(exclude)
    values = [*tags, BEST_PRACTICE] if best_practice else list(tags)
    options = {
        "runOnly": {"type": "tag", "values": values},
        "resultTypes": ["violations"],
    }
    cdp = page.context.new_cdp_session(page)
    try:
        main = cdp.send("Page.getFrameTree")["frameTree"]["frame"]["id"]
        world = cdp.send("Page.createIsolatedWorld", {"frameId": main, "worldName": WORLD})
        context_id = int(world["executionContextId"])
        _evaluate(cdp, context_id, axe_source() + "\n;undefined")
        target = json.dumps(context) if context else "document"
        call = f"{RUN_JS}({target}, {json.dumps(options)})"
        violations: list[dict[str, Any]] = _evaluate(cdp, context_id, call)
    finally:
        cdp.detach()
    return violations


def _target(target: Any) -> str:
    """axe's node target as one string: ``a > b`` for shadow roots on the way."""
    if isinstance(target, list):
        return " >>> ".join(_target(part) for part in target)
    return str(target)


def format_violations(violations: list[dict[str, Any]], *, where: str = "") -> str:
    """Violations as readable lines for an assertion message."""
    if not violations:
        return f"{where}: no axe violations" if where else "no axe violations"
    lines = [f"{where}: {len(violations)} axe violation(s)" if where else "axe violations:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} <{v.get('helpUrl', '')}>")
        for node in v["nodes"]:
            lines.append(f"    at {_target(node['target'])}")
            lines.append(f"       {node.get('html', '')[:200]}")
            for line in (node.get("summary") or "").splitlines():
                if line.strip():
                    lines.append(f"       {line.strip()}")
    return "\n".join(lines)
