"""``/dashboard`` over HTTP: the admin token (header or form, never a cookie), the view key
of the refresh button, the strict CSP, and the numbers it shows.

A real server (`serve_app`) with the dashboard's test site and a seeded ledger
(`dashboard_support`); the browser's view of the same page is tests/test_e2e_dashboard.py.
"""

from __future__ import annotations

import html
import io
import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from websockets.sync.client import connect

import lotse
from dashboard_support import SEED, SITE_ID, expected_report, p_phrase, p_text, seed_ledger
from dashboard_support import write_site as write_dashboard_site
from lotse_server import Settings
from lotse_server.app import CONTENT_SECURITY_POLICY
from lotse_server.auth import (
    VIEW_KEY_TTL,
    bearer_ok,
    check_view_key,
    issue_view_key,
    token_ok,
)
from lotse_server.dashboard_data import Count, Snapshot
from lotse_server.dashboard_page import render_dashboard

TOKEN = "dashboard-test-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def board(serve_app: Callable[..., Any], tmp_path: Path) -> Any:
    """A server for the dashboard's test site, its ledger seeded before it starts."""
    seed_ledger(tmp_path / "data")
    settings = replace(Settings(), admin_token=TOKEN, data_dir=tmp_path / "data")
    return serve_app(write_dashboard_site(tmp_path), settings=settings)


def view_key(page: str) -> str:
    found = re.search(r'<input type="hidden" name="key" value="([^"]+)">', page)
    assert found, "the page has no refresh form"
    return html.unescape(found.group(1))


def figure(page: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', page)
    assert found, f"no figure {name}"
    return found.group(1)


def row(page: str, caption: str, arm: str) -> list[str]:
    """The cells of the row headed `arm` in the table captioned `caption`, as text."""
    table = page[page.index(f"<caption>{html.escape(caption)}</caption>") :]
    table = table[: table.index("</table>")]
    for tr in re.findall(r"<tr>(.*?)</tr>", table):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr)
        cells = [html.unescape(re.sub(r"<[^>]+>", "", cell)) for cell in cells]
        if cells[0].split(" ")[0] == arm:
            return cells
    raise AssertionError(f"no row {arm} under {caption}")


# -- who may see it ---------------------------------------------------------------------------


def test_without_a_token_it_answers_401_with_the_sign_in_form(board: Any) -> None:
    response = httpx.get(board.http + "/dashboard")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert "set-cookie" not in response.headers
    page = response.text
    assert '<form method="post" action="/dashboard">' in page
    assert '<input id="token" name="token" type="password"' in page
    assert '<label for="token">' in page
    assert "2,010" not in page  # nothing of the dashboard itself


@pytest.mark.parametrize(
    "request_options",
    [
        {"headers": {"Authorization": "Bearer wrong-token"}},
        {"headers": {"Authorization": f"Bearer {TOKEN}x"}},
        {"headers": {"Authorization": f"Basic {TOKEN}"}},
        {"headers": {"Authorization": "Bearer"}},
        {"method": "POST", "data": {"token": "wrong-token"}},
        {"method": "POST", "data": {"token": TOKEN[:-1]}},
        {"method": "POST", "data": {"token": ""}},
        {"method": "POST", "data": {"key": "1999999999.00ff"}},
        {"method": "POST", "data": {"something": "else"}},
        {"method": "POST", "content": TOKEN, "headers": {"Content-Type": "text/plain"}},
    ],
    ids=[
        "wrong-bearer",
        "longer-bearer",
        "basic",
        "empty-bearer",
        "wrong-form",
        "shorter-form",
        "empty-form",
        "forged-key",
        "no-field",
        "not-a-form",
    ],
)
def test_a_wrong_or_missing_token_is_refused(board: Any, request_options: dict[str, Any]) -> None:
    method = request_options.pop("method", "GET")
    response = httpx.request(method, board.http + "/dashboard", **request_options)
    assert response.status_code == 401
    assert '<input id="token" name="token"' in response.text
    assert TOKEN not in response.text


def test_the_form_says_what_went_wrong_without_repeating_the_attempt(board: Any) -> None:
    response = httpx.post(board.http + "/dashboard", data={"token": "my-guess-<b>"})
    assert response.status_code == 401
    assert 'role="alert"' in response.text and "That token is not right" in response.text
    assert "my-guess" not in response.text


def test_the_token_in_a_header_or_the_form_opens_the_dashboard(board: Any) -> None:
    by_header = httpx.get(board.http + "/dashboard", headers=BEARER)
    by_form = httpx.post(board.http + "/dashboard", data={"token": TOKEN})
    for response in (by_header, by_form):
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert "set-cookie" not in response.headers
        assert "<h1>Lotse dashboard" in response.text
        assert TOKEN not in response.text  # the page carries a view key, not the token


def test_the_refresh_button_posts_a_view_key_that_works_until_the_token_changes(
    board: Any, serve_app: Callable[..., Any], tmp_path: Path
) -> None:
    page = httpx.post(board.http + "/dashboard", data={"token": TOKEN}).text
    key = view_key(page)
    assert '<form method="post" action="/dashboard" class="refresh">' in page
    again = httpx.post(board.http + "/dashboard", data={"key": key})
    assert again.status_code == 200 and "<h1>Lotse dashboard" in again.text
    expires, _, mac = key.partition(".")
    later = f"{int(expires) + 3600}.{mac}"  # a longer life cannot be forged
    tampered = httpx.post(board.http + "/dashboard", data={"key": later})
    assert tampered.status_code == 401
    # The same key means nothing to a server with another admin token.
    other = serve_app(
        write_dashboard_site(tmp_path),
        settings=replace(Settings(), admin_token="another-token", data_dir=tmp_path / "other"),
    )
    refused = httpx.post(other.http + "/dashboard", data={"key": key})
    assert refused.status_code == 401
    assert "no longer valid" in refused.text


def test_an_oversized_form_is_refused_before_it_is_read_whole(board: Any) -> None:
    response = httpx.post(board.http + "/dashboard", data={"token": "x" * 10_000})
    assert response.status_code == 413


def test_the_token_never_reaches_the_log(board: Any, log_lines: io.StringIO) -> None:
    httpx.post(board.http + "/dashboard", data={"token": TOKEN})
    httpx.post(board.http + "/dashboard", data={"token": "a-wrong-guess"})
    httpx.get(board.http + "/dashboard", headers=BEARER)
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    text = log_lines.getvalue()
    assert TOKEN not in text and "a-wrong-guess" not in text
    refused = [line for line in lines if line["event"] == "dashboard_refused"]
    assert [line["reason"] for line in refused] == ["wrong_token"]
    requests = [line for line in lines if line["event"] == "http_request"]
    assert {line["path"] for line in requests} == {"/dashboard"}


# -- the page: CSP, accessibility, numbers ------------------------------------------------------


def test_the_page_runs_under_the_strict_csp_with_its_own_stylesheet(board: Any) -> None:
    response = httpx.get(board.http + "/dashboard", headers=BEARER)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    page = response.text
    assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=", page)
    assert '<link rel="stylesheet" href="/dashboard/dashboard.css">' in page
    css = httpx.get(board.http + "/dashboard/dashboard.css")  # public, like any stylesheet
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert ".board" in css.text and ".chart" in css.text
    for login in (httpx.get(board.http + "/dashboard").text,):
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=", login)


def test_the_page_is_structured_for_assistive_technology(board: Any) -> None:
    page = httpx.get(board.http + "/dashboard", headers=BEARER).text
    assert '<html lang="en">' in page
    assert page.count("<h1>") == 1
    headings = re.findall(r'<h2 id="[^"]+">([^<]+)</h2>', page)
    assert headings == ["Live", "Visitor types", "Chat", "Swaps per slot", "Experiments"]
    charts = re.findall(r"<svg [^>]*>", page)
    assert len(charts) >= 8
    assert all('role="img"' in svg and 'aria-label="' in svg for svg in charts)
    # Every chart has its numbers in a table right beside it.
    assert page.count("<table>") >= len(charts)
    assert page.count("<caption>") == page.count("<table>")
    assert '<th scope="col"' in page and '<th scope="row">' in page


def test_the_experiments_are_the_ledger_s_with_their_statistics(board: Any) -> None:
    page = httpx.get(board.http + "/dashboard", headers=BEARER).text
    hero = expected_report("hero-hcp")
    for arm, (sessions, conversions) in SEED["hero-hcp"].items():
        assert row(page, "hero-hcp: sessions per arm", arm)[2] == f"{sessions:,}"
        cells = row(page, "hero-hcp, goal newsletter: conversion rate per arm", arm)
        assert cells[1:4] == [
            f"{sessions:,}",
            f"{conversions['newsletter']:,}",
            f"{conversions['newsletter'] / sessions:.2%}",
        ]
        by_arm = hero["goals"]["newsletter"]["by_arm"]  # type: ignore[index]
        if arm in by_arm:
            assert cells[6] == p_text(by_arm[arm]["always_valid_p"])
    srm = float(expected_report("teaser-patient")["srm_p"])  # type: ignore[arg-type]
    assert srm < 0.001
    teaser = page[page.index("<code>teaser-patient</code> <span") :]
    assert teaser.index('class="warning"') < teaser.index("</article>")
    assert f"Sample-ratio mismatch</strong> ({p_phrase(srm)})" in teaser
    assert "no longer configured: <code>old-rule</code>" in page
    assert "about " in page and " more day" in page  # the ETA of a collecting experiment


def test_the_live_figures_are_the_same_as_on_metrics(board: Any) -> None:
    with connect(board.ws) as socket:
        hello = {"type": "hello", "site": SITE_ID, "url": "/", "slots": ["hero", "teaser"]}
        socket.send(json.dumps(hello))
        socket.recv(timeout=10)
        socket.send(json.dumps({"type": "chat", "text": "Ich bin Apothekerin"}))
        while json.loads(socket.recv(timeout=10))["type"] != "say":
            pass
        page = httpx.get(board.http + "/dashboard", headers=BEARER).text
        metrics = httpx.get(board.http + "/metrics").text
    assert figure(page, "live-sessions") == "1"
    assert figure(page, "chat-answers") == "1"
    assert figure(page, "chat-fallback-rate") == "0.0%"
    assert 'lotse_chat_answers_total{result="matched"} 1.0' in metrics
    assert row(page, "Chat answers by result", "matched:")[1] == "1"
    assert 'lotse_chat_intents_total{intent="pharmacist.availability"} 1.0' in metrics
    assert row(page, "Top chat intents", "pharmacist.availability")[1] == "1"
    assert 'lotse_visitor_types_total{visitor_type="pharmacist"} 1.0' in metrics
    assert row(page, "Visitor types decided", "Pharmacist")[1] == "1"
    swaps = re.search(r'lotse_swaps_total\{slot="hero"\} (\S+)', metrics)
    hero_swaps = float(swaps.group(1)) if swaps else 0.0  # none in the global holdout
    assert row(page, "Swaps sent per slot", "hero")[1] == f"{hero_swaps:,.0f}"


class UnreadableLedger:
    """A ledger that takes records but cannot be read, as a full disk or a lost network store."""

    def __init__(self, problem: Exception) -> None:
        self.problem = problem

    def add(self, site_id: str, records: Any) -> None:
        pass

    def rows(self, site_id: str) -> list[Any]:
        raise self.problem

    def started(self, site_id: str) -> dict[str, float]:
        return {}

    def flush(self, timeout: float = 10.0) -> bool:
        return True

    def close(self, timeout: float = 10.0) -> None:
        pass


@pytest.mark.parametrize(
    "problem",
    [sqlite3.OperationalError("disk I/O error"), ConnectionError("store unreachable")],
    ids=["sqlite", "network"],
)
def test_a_ledger_that_cannot_be_read_leaves_the_live_figures(
    serve_app: Callable[..., Any], tmp_path: Path, problem: Exception, log_lines: io.StringIO
) -> None:
    settings = replace(Settings(), admin_token=TOKEN)
    ledger = UnreadableLedger(problem)
    server = serve_app(write_dashboard_site(tmp_path), settings=settings, ledger=ledger)
    response = httpx.get(server.http + "/dashboard", headers=BEARER)
    assert response.status_code == 200
    assert f"The experiments could not be read: {problem}" in response.text
    assert figure(response.text, "live-sessions") == "0"
    assert "Visitor types" in response.text
    failed = [
        json.loads(line)
        for line in log_lines.getvalue().splitlines()
        if '"dashboard_experiments_failed"' in line
    ]
    assert [line["error"] for line in failed] == [str(problem)]


def test_every_id_from_configuration_is_escaped() -> None:
    hostile = '<img src=x onerror="alert(1)">'
    tallies = {
        "control": lotse.ArmTally(100, 90, {hostile: 10}),
        hostile: lotse.ArmTally(100, 90, {hostile: 12}),
    }
    report = lotse.analyse(hostile, tallies, {"control": 1, hostile: 1}, planned_per_arm=500)
    report |= {"started": None, "days_needed": 3}
    snapshot = Snapshot(
        site_id=hostile,
        site_name=hostile,
        taken=0.0,
        live_sessions=0,
        visitor_types=(Count(hostile, hostile, 1),),
        intents=(Count(hostile, hostile, 2),),
        chat={"matched": 2, "chosen": 0, "clarified": 0, "failed": 0},
        swaps=(Count(hostile, hostile, 3),),
        experiments={"site": hostile, "experiments": [report], "retired": [hostile]},
        experiments_error=None,
        goal_names={hostile: hostile},
    )
    page = render_dashboard(snapshot, view_key='"><b>')
    assert "<img" not in page and "<b>" not in page
    assert html.escape(hostile) in page


# -- the admin token and view keys, without a server --------------------------------------------


def test_tokens_are_compared_in_full_and_an_empty_token_opens_nothing() -> None:
    assert token_ok("s3cret", "s3cret")
    assert not token_ok("s3cre", "s3cret")
    assert not token_ok("s3cret" + "x" * 100, "s3cret")
    assert not token_ok("", "s3cret")
    assert not token_ok("", "")  # a server configured without a token has no dashboard
    assert not token_ok("ä", "a")
    undecodable = b"tok\xff".decode("utf-8", "surrogateescape")  # as os.environ has it
    assert token_ok(undecodable, undecodable) and not token_ok("tok", undecodable)
    key = issue_view_key(undecodable, 0.0)
    assert check_view_key(key, undecodable, 1.0) == "ok"


def test_bearer_headers_are_read_strictly() -> None:
    def request(value: str) -> Request:
        header = [(b"authorization", value.encode("latin-1"))]
        return Request({"type": "http", "method": "GET", "headers": header, "path": "/"})

    assert bearer_ok(request("Bearer s3cret"), "s3cret")
    assert bearer_ok(request("bearer   s3cret "), "s3cret")
    assert not bearer_ok(request("Basic s3cret"), "s3cret")
    assert not bearer_ok(request("Bearers3cret"), "s3cret")


def test_a_view_key_lasts_a_workday_and_only_for_its_token() -> None:
    now = 1_800_000_000.0
    key = issue_view_key("s3cret", now)
    assert check_view_key(key, "s3cret", now) == "ok"
    assert check_view_key(key, "s3cret", now + VIEW_KEY_TTL - 1) == "ok"
    assert check_view_key(key, "s3cret", now + VIEW_KEY_TTL) == "expired"
    assert check_view_key(key, "other", now) == "wrong"
    assert check_view_key(key, "", now) == "wrong"
    expires, _, mac = key.partition(".")
    for forged in (
        f"{int(expires) + 1}.{mac}",
        f"{expires}.{mac[:-1]}",
        "",
        ".",
        "x.y",
        "²." + mac,
    ):
        assert check_view_key(forged, "s3cret", now) == "wrong", forged
