"""The dashboard's HTML: a `Snapshot` in, one page out; and the login page.

Plain string building, like the demo site: a template engine would be a new
dependency for two pages. Every text from configuration (site, rule, goal,
slot and intent ids and names) goes through `html.escape` (`_e`); nothing a
visitor typed is ever in a snapshot (chat text is never kept). No script, no
``style`` attribute, no ``<style>``: the stylesheet is a file
(``/dashboard/dashboard.css``) and the charts are SVG with presentation
attributes, so the page runs under the server's strict CSP.

Every chart has a table with the same numbers beside it, so the page reads
the same with a screen reader, at 400 % zoom or with images off.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from .auth import VIEW_KEY_TTL
from .charts import Bar, IntervalBar, Progress, bar_chart, interval_chart, progress_chart
from .dashboard_data import FALLBACK_RESULTS, Count, Snapshot

#: Where the page and its forms post, and its stylesheet.
PATH = "/dashboard"
CSS_PATH = "/dashboard/dashboard.css"

STATUS_TEXT = {
    "collecting": "collecting",
    "significant": "significant",
    "no_difference": "no difference",
    "srm": "sample-ratio mismatch",
}
CHAT_TEXT = {
    "matched": "matched an intent",
    "chosen": "chose a quick reply",
    "clarified": "not understood, the bot asked back",
    "failed": "not understood after asking back",
}


def render_login(problem: str | None = None) -> str:
    """The sign-in form (the body of a 401): the token is posted once, never stored."""
    alert = f'<p class="problem" role="alert">{_e(problem)}</p>' if problem else ""
    body = f"""<main class="login">
<h1>Lotse dashboard</h1>
<p>The dashboard shows live sessions, chat and experiment figures to staff. Sign in with the
server's admin token (<code>LOTSE_ADMIN_TOKEN</code>).</p>
{alert}
<form method="post" action="{PATH}">
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required
 autofocus spellcheck="false">
<button type="submit">Open the dashboard</button>
</form>
<p class="hint">Nothing is stored in your browser: no cookie. The page you get keeps a key
for its refresh button that expires after {VIEW_KEY_TTL // 3600} hours. Tools send
<code>Authorization: Bearer &lt;token&gt;</code> with <code>GET {PATH}</code>.</p>
</main>"""
    return _document("Sign in · Lotse dashboard", body)


def render_dashboard(snapshot: Snapshot, view_key: str) -> str:
    """The whole dashboard for one snapshot; `view_key` goes into the refresh form."""
    expires = _clock(snapshot.taken + VIEW_KEY_TTL)
    header = f"""<header class="top">
<h1>Lotse dashboard <span class="site">{_e(snapshot.site_name)}
(<code>{_e(snapshot.site_id)}</code>)</span></h1>
<form method="post" action="{PATH}" class="refresh">
<input type="hidden" name="key" value="{_e(view_key)}">
<button type="submit">Refresh</button>
</form>
<p class="when">As of <time datetime="{_iso(snapshot.taken)}">{_clock(snapshot.taken)}</time>.
Refreshing works until {expires}; then sign in again.</p>
</header>"""
    sections = [
        _live(snapshot),
        _visitor_types(snapshot.visitor_types),
        _chat(snapshot),
        _swaps(snapshot.swaps),
        _experiments(snapshot),
    ]
    footer = """<footer>
<p>Live figures count since this server started (with several workers: all of them, since
the node started), as <code>/metrics</code> does. The experiments are read from the ledger,
about a second behind the visits; every process and node sharing the ledger adds to them.
<code>lotse report --json</code> prints the same figures.</p>
</footer>"""
    body = header + '<main class="board">' + "".join(sections) + "</main>" + footer
    return _document(f"Lotse dashboard · {snapshot.site_id}", body)


# -- live figures -------------------------------------------------------------------------------


def _live(snapshot: Snapshot) -> str:
    fallback = snapshot.fallback_rate
    tiles = [
        ("Live sessions", _count(snapshot.live_sessions), "open WebSocket connections"),
        ("Chat answers", _count(snapshot.chat_answers), "since start"),
        (
            "Chat fallback rate",
            "—" if fallback is None else _percent(fallback, 1),
            "answers not understood",
        ),
        ("Swaps sent", _count(sum(swap.n for swap in snapshot.swaps)), "since start"),
    ]
    items = "".join(
        f'<div class="tile"><dt>{name}</dt><dd><span class="figure" data-figure="{_slug(name)}">'
        f'{value}</span> <span class="unit">{note}</span></dd></div>'
        for name, value, note in tiles
    )
    return _section("live", "Live", f'<dl class="tiles">{items}</dl>', wide=True)


def _visitor_types(types: Sequence[Count]) -> str:
    total = sum(kind.n for kind in types)
    intro = (
        "<p>Sessions the server decided were of each visitor type (a session that changed "
        "its mind counts for each type it was decided as).</p>"
    )
    if not types:
        return _section("visitor-types", "Visitor types", intro + "<p>No visitor types.</p>")
    chart = bar_chart(
        "Visitor types decided",
        [Bar(kind.name, kind.n, _count_share(kind.n, total)) for kind in types],
    )
    table = _table(
        "Visitor types decided",
        ("visitor type", "sessions", "share"),
        [
            (f"{_e(kind.name)} (<code>{_e(kind.id)}</code>)", _count(kind.n), _share(kind.n, total))
            for kind in types
        ],
    )
    return _section("visitor-types", "Visitor types", intro + chart + table)


def _chat(snapshot: Snapshot) -> str:
    total = snapshot.chat_answers
    fallback = snapshot.fallback_rate
    parts = [
        "<p>Fallback rate: answers the bot did not understand (asked back, or failed after "
        "asking) out of all chat answers and quick replies: <strong>"
        + ("none yet" if fallback is None else _percent(fallback, 1))
        + "</strong>.</p>",
        _table(
            "Chat answers by result",
            ("result", "answers", "share"),
            [
                (
                    f"<code>{result}</code>: {CHAT_TEXT[result]}"
                    + (" (fallback)" if result in FALLBACK_RESULTS else ""),
                    _count(n),
                    _share(n, total),
                )
                for result, n in snapshot.chat.items()
            ],
        ),
        '<h3 id="top-intents">Top intents</h3>',
    ]
    if snapshot.intents:
        named = sum(intent.n for intent in snapshot.intents)
        parts.append(
            bar_chart(
                "Top chat intents",
                [Bar(intent.id, intent.n, _count(intent.n)) for intent in snapshot.intents],
            )
        )
        parts.append(
            _table(
                "Top chat intents",
                ("intent", "answers", "share of these"),
                [
                    (f"<code>{_e(i.id)}</code>", _count(i.n), _share(i.n, named))
                    for i in snapshot.intents
                ],
            )
        )
    else:
        parts.append("<p>No chat answer has named an intent yet.</p>")
    return _section("chat", "Chat", "".join(parts))


def _swaps(swaps: Sequence[Count]) -> str:
    if not swaps:
        return _section("swaps", "Swaps per slot", "<p>The site has no slots.</p>")
    total = sum(swap.n for swap in swaps)
    chart = bar_chart(
        "Swaps sent per slot", [Bar(swap.id, swap.n, _count(swap.n)) for swap in swaps]
    )
    table = _table(
        "Swaps sent per slot",
        ("slot", "swaps", "share"),
        [(f"<code>{_e(s.id)}</code>", _count(s.n), _share(s.n, total)) for s in swaps],
    )
    return _section("swaps", "Swaps per slot", chart + table)


# -- experiments --------------------------------------------------------------------------------


def _experiments(snapshot: Snapshot) -> str:
    report = snapshot.experiments
    if report is None:
        text = (
            '<p class="problem" role="alert">The experiments could not be read: '
            f"{_e(snapshot.experiments_error or 'unknown error')}. The live figures above are "
            "unaffected; the server log has a <code>dashboard_experiments_failed</code> line.</p>"
        )
        return _section("experiments", "Experiments", text, wide=True)
    parts = [
        _experiment(experiment, index, snapshot.goal_names)
        for index, experiment in enumerate(report["experiments"], 1)
    ]
    if not parts:
        parts.append(
            "<p>No experiment has counted a session yet. Every rule with a control group "
            "(<code>holdout</code>, a <code>control</code> arm, or the global holdout) is one.</p>"
        )
    if report["retired"]:
        names = ", ".join(f"<code>{_e(name)}</code>" for name in report["retired"])
        parts.append(f"<p>In the ledger but no longer configured: {names}.</p>")
    return _section("experiments", "Experiments", "".join(parts), wide=True)


def _experiment(experiment: Mapping[str, Any], index: int, goal_names: Mapping[str, str]) -> str:
    name = str(experiment["id"])
    anchor = f"experiment-{index}"
    status = str(experiment["status"])
    level = f"{1 - float(experiment['alpha']):.0%}"
    parts = [
        f'<article class="experiment" aria-labelledby="{anchor}">'
        f'<h3 id="{anchor}"><code>{_e(name)}</code> '
        f'<span class="status status-{_e(status)}">{_e(STATUS_TEXT.get(status, status))}</span>'
        "</h3>"
    ]
    if status == "srm":
        parts.append(
            '<p class="warning"><strong>Sample-ratio mismatch</strong> ('
            f"{_p_is(experiment['srm_p'])}): the arms' sessions do not match the configured split. "
            "Assignment or logging is broken (a cache serving one arm, a bot, an arm that "
            "drops sessions); no other figure of this experiment can be trusted until it is "
            "fixed.</p>"
        )
    parts.append(_facts(experiment))
    parts.append(_progress(experiment, name))
    goals = experiment["goals"]
    if not goals:
        parts.append("<p>No conversion yet on any goal.</p>")
    for goal in sorted(goals):
        parts.append(_goal(experiment, goal, goal_names.get(goal, goal), level))
    parts.append("</article>")
    return "".join(parts)


def _facts(experiment: Mapping[str, Any]) -> str:
    started = experiment.get("started")
    planned = experiment.get("planned_per_arm")
    days = experiment.get("days_needed")
    if experiment.get("planned_reached"):
        eta = "the plan is reached"
    elif days is None:
        eta = "not at today's traffic (an arm gets no sessions)"
    else:
        eta = f"about {days} more day{'s' if days != 1 else ''} at the traffic so far"
    facts = [
        ("Started", "—" if started is None else _clock(float(started))),
        ("Planned sample", "—" if planned is None else f"{_count(planned)} sessions per arm"),
        ("Expected end", eta),
        ("Sample ratio", _p_is(experiment["srm_p"])),
        (
            "Comparisons",
            f"{experiment['comparisons']}, p-values adjusted ({_e(experiment['adjustment'])})",
        ),
    ]
    items = "".join(f"<div><dt>{key}</dt><dd>{value}</dd></div>" for key, value in facts)
    return f'<dl class="facts">{items}</dl>'


def _progress(experiment: Mapping[str, Any], name: str) -> str:
    planned = experiment.get("planned_per_arm")
    arms: Mapping[str, Mapping[str, Any]] = experiment["arms"]
    rows = []
    for arm, figures in arms.items():
        sessions = int(figures["sessions"])
        progress = (
            f"{_count(sessions)} of {_count(planned)} ({_percent(sessions / planned, 0)})"
            if planned
            else _count(sessions)
        )
        rows.append((arm, sessions, progress, float(figures["share"]), int(figures["exposed"])))
    chart = (
        progress_chart(
            f"{name}: sessions per arm towards the planned {planned}",
            [Progress(arm, sessions, int(planned), text) for arm, sessions, text, _, _ in rows],
        )
        if planned
        else ""
    )
    table = _table(
        f"{name}: sessions per arm",
        ("arm", "configured share", "sessions", "exposed", "towards the plan"),
        [
            (f"<code>{_e(arm)}</code>", _percent(share, 1), _count(sessions), _count(exposed), text)
            for arm, sessions, text, share, exposed in rows
        ],
        numeric_from=1,
    )
    return f'<h4>Sessions towards the plan</h4><div class="pair">{chart}{table}</div>'


def _goal(experiment: Mapping[str, Any], goal: str, goal_name: str, level: str) -> str:
    name = str(experiment["id"])
    control = str(experiment["control"])
    arms: Mapping[str, Mapping[str, Any]] = experiment["arms"]
    by_arm: Mapping[str, Mapping[str, Any]] = experiment["goals"][goal]["by_arm"]
    bars, rows = [], []
    for arm, figures in arms.items():
        rate_figures = figures["rates"].get(goal, {})
        rate = rate_figures.get("rate")
        ci = rate_figures.get("ci")
        low, high = (float(ci[0]), float(ci[1])) if ci else (None, None)
        interval = "—" if ci is None else _span(ci[0], ci[1], 2)
        if rate is not None:
            note = _percent(rate, 2)
            if ci is not None:
                note += f" ({_span(ci[0], ci[1], 1)})"
            bars.append(IntervalBar(arm, float(rate), low, high, note, control=arm == control))
        comparison = by_arm.get(arm)
        rows.append(
            (
                f"<code>{_e(arm)}</code>" + (" (control)" if arm == control != "control" else ""),
                _count(figures["sessions"]),
                _count(figures["conversions"].get(goal, 0)),
                "—" if rate is None else _percent(rate, 2),
                interval,
                "—" if comparison is None else _lift(comparison.get("lift")),
                "—" if comparison is None else _p(comparison["always_valid_p"]),
                "—" if comparison is None else _p_or_dash(comparison.get("p_value")),
            )
        )
    title = f"{name}, goal {goal}: conversion rate per arm with {level} intervals"
    chart = interval_chart(title, bars) if bars else ""
    table = _table(
        f"{name}, goal {goal}: conversion rate per arm",
        (
            "arm",
            "sessions",
            "conversions",
            "rate",
            f"{level} interval",
            "lift",
            "always-valid p",
            "fixed-horizon p",
        ),
        rows,
        numeric_from=1,
    )
    heading = f"Goal: {_e(goal_name)}" + (
        f" (<code>{_e(goal)}</code>)" if goal_name != goal else ""
    )
    # Null until every arm has the planned sample: read earlier they would name false winners.
    note = (
        ""
        if experiment.get("planned_reached")
        else '<p class="note">Fixed-horizon p-values show once every arm has the planned '
        "sample; until then read the always-valid p, which holds at every look.</p>"
    )
    return f'<h4>{heading}</h4><div class="pair">{chart}<div>{table}{note}</div></div>'


# -- pieces -------------------------------------------------------------------------------------


def _section(anchor: str, title: str, content: str, *, wide: bool = False) -> str:
    cls = "card wide" if wide else "card"
    return (
        f'<section class="{cls}" aria-labelledby="{anchor}-heading">'
        f'<h2 id="{anchor}-heading">{title}</h2>{content}</section>'
    )


def _table(
    caption: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric_from: int = 1,
) -> str:
    """A table of already-escaped cells; the first column names the row.

    Wrapped in a focusable, labelled region, so a wide table scrolls sideways on a
    phone (by keyboard too) instead of widening the page.
    """
    head = "".join(
        f'<th scope="col"{_num(index, numeric_from)}>{_e(text)}</th>'
        for index, text in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<th scope="row">{cell}</th>'
            if index == 0
            else f"<td{_num(index, numeric_from)}>{cell}</td>"
            for index, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    label = _e(caption)
    return (
        f'<div class="scroll" role="region" aria-label="{label} (table)" tabindex="0">'
        f"<table><caption>{label}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def _num(index: int, numeric_from: int) -> str:
    return ' class="num"' if index >= numeric_from else ""


def _document(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{_e(title)}</title>
<link rel="stylesheet" href="{CSS_PATH}">
</head>
<body>
{body}
</body>
</html>
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _slug(text: str) -> str:
    return "-".join(text.lower().split())


def _count(n: float | int) -> str:
    return f"{round(n):,}"


def _share(n: float, total: float) -> str:
    return "—" if total <= 0 else _percent(n / total, 1)


def _count_share(n: float, total: float) -> str:
    return _count(n) if total <= 0 else f"{_count(n)} ({_percent(n / total, 0)})"


def _percent(value: float, decimals: int) -> str:
    return f"{value:.{decimals}%}"


def _span(low: float, high: float, decimals: int) -> str:
    """An interval of rates, ``8.76–11.39%``."""
    return f"{100 * low:.{decimals}f}–{_percent(high, decimals)}"


def _lift(value: float | None) -> str:
    # Undefined while the control has no conversion: not infinite, not zero.
    return "undefined" if value is None else f"{value:+.1%}"


def _p(value: float) -> str:
    """A p-value to four significant digits, as `lotse report` prints it."""
    return "< 0.0001" if value < 0.0001 else f"{value:.4g}"


def _p_is(value: float) -> str:
    return "p < 0.0001" if value < 0.0001 else f"p = {_p(value)}"


def _p_or_dash(value: float | None) -> str:
    return "—" if value is None else _p(value)


def _clock(when: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(when))


def _iso(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))
