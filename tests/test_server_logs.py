"""Structured logs: one JSON object per line, ids to correlate, and nothing personal."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import connect

from lotse_server.logs import JsonFormatter, PrivacyFilter, RepeatThrottle


def test_a_record_is_one_line_of_json_with_its_extra_fields() -> None:
    record = logging.LogRecord("lotse.ws", logging.INFO, __file__, 1, "ws_hello", None, None)
    record.session = "abc"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = orjson.loads(line)
    assert entry["event"] == "ws_hello"
    assert entry["level"] == "info"
    assert entry["session"] == "abc"


def test_uvicorn_lines_with_client_addresses_are_dropped() -> None:
    def record(name: str, msg: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, None)

    keep = PrivacyFilter().filter
    assert not keep(record("uvicorn.error", '%s - "WebSocket %s" [accepted]', "1.2.3.4:5", "/ws"))
    assert not keep(record("uvicorn.error", '%s - "WebSocket %s" 403', "1.2.3.4:5", "/ws?a=b"))
    assert not keep(record("uvicorn.access", '%s - "%s %s HTTP/%s" %d', "1.2.3.4:5"))
    frame = record("uvicorn.error", "< TEXT %s", '{"type":"chat","text":"private"}')
    frame.levelno, frame.levelname = logging.DEBUG, "DEBUG"
    assert not keep(frame)  # websockets logs frame contents at debug level
    assert keep(record("uvicorn.error", "Application startup complete."))
    assert keep(record("lotse.ws", "ws_hello"))


async def test_server_logs_carry_ids_but_no_personal_data(
    serve_app: Callable[..., Any], log_lines: io.StringIO
) -> None:
    server = serve_app()
    secret_chat = "Ich bin Apothekerin, Erika Mustermann, erika@example.org"
    headers = {"User-Agent": "SecretAgent/9.9"}
    async with connect(server.ws, origin=server.origin, user_agent_header="SecretAgent/9.9") as ws:
        client_port = ws.local_address[1]
        hello = {
            "type": "hello",
            "site": "demo",
            "url": "/patienten/beipackzettel?q=secret-diagnosis&utm_source=newsletter",
            "slots": ["hero"],
        }
        await ws.send(orjson.dumps(hello).decode())
        await ws.send(orjson.dumps({"type": "chat", "text": secret_chat}).decode())
        await ws.send("{not json")
        while orjson.loads(await ws.recv())["type"] != "error":
            pass
    async with httpx.AsyncClient(base_url=server.http, headers=headers) as http:
        await http.get("/patienten/beipackzettel", params={"q": "secret-search"})
    server.stop()
    for _ in range(100):
        if "ws_close" in log_lines.getvalue():
            break
        await asyncio.sleep(0.02)
    text = log_lines.getvalue()
    entries = [orjson.loads(line) for line in text.splitlines()]
    for forbidden in (
        "Erika",
        "erika@example.org",
        "secret-diagnosis",
        "secret-search",
        "SecretAgent",
        f":{client_port}",
        "q=",
    ):
        assert forbidden not in text, forbidden
    http_lines = [e for e in entries if e["event"] == "http_request"]
    assert http_lines and all(len(e["request_id"]) == 16 for e in http_lines)
    assert {e["path"] for e in http_lines} == {"/patienten/beipackzettel"}
    hello_lines = [e for e in entries if e["event"] == "ws_hello"]
    assert len(hello_lines) == 1 and hello_lines[0]["session"]
    session = hello_lines[0]["session"]
    errors = [e for e in entries if e["event"] == "ws_error"]
    assert errors and all(e["session"] == session for e in errors)
    assert [e["code"] for e in errors] == ["bad_json"]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def warning(msg: str = "socket_limit_reached", **fields: object) -> logging.LogRecord:
    record = logging.LogRecord("lotse.edge", logging.WARNING, __file__, 1, msg, None, None)
    for key, value in fields.items():
        setattr(record, key, value)
    return record


def test_repeated_warnings_pass_once_then_as_a_summary_at_most_every_interval() -> None:
    clock = Clock()
    throttle = RepeatThrottle(interval=5.0, clock=clock)
    assert throttle.filter(warning(max_sockets=10))
    assert not any(throttle.filter(warning(max_sockets=10)) for _ in range(999))
    clock.now += 5.0
    summary = warning(max_sockets=10)
    assert throttle.filter(summary)
    assert summary.repeated == 999  # type: ignore[attr-defined]
    assert not throttle.filter(warning(max_sockets=10))
    # The repeats stop: the next flush after the interval reports what was held back.
    flushed: list[logging.LogRecord] = []
    throttle.flush(flushed.append)
    assert flushed == []
    clock.now += 5.0
    throttle.flush(flushed.append)
    assert [r.repeated for r in flushed] == [1]  # type: ignore[attr-defined]
    throttle.flush(flushed.append)
    assert len(flushed) == 1


def test_what_differs_between_problems_is_never_merged_but_connection_ids_are() -> None:
    throttle = RepeatThrottle(clock=Clock())
    first = warning("config_rejected", where="site.toml: rule[0]", problem="a")
    other = warning("config_rejected", where="site.toml: rule[1]", problem="b")
    assert throttle.filter(first) and throttle.filter(other)
    assert throttle.filter(warning("ws_internal_error", conn="c1", session="s1"))
    assert not throttle.filter(warning("ws_internal_error", conn="c2", session="s2"))
    info = logging.LogRecord("lotse.http", logging.INFO, __file__, 1, "http_request", None, None)
    assert all(throttle.filter(info) for _ in range(10))  # one per request: never held back


def test_the_throttle_remembers_a_bounded_number_of_kinds() -> None:
    clock = Clock()
    throttle = RepeatThrottle(interval=5.0, max_runs=100, clock=clock)
    for i in range(10_000):
        clock.now += 0.001
        throttle.filter(warning(kind=i))
    assert len(throttle._runs) <= 100


async def test_a_client_cannot_make_the_server_repeat_a_warning_at_will(
    serve_app: Callable[..., Any],
) -> None:
    server = serve_app()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RepeatThrottle())
    handler.addFilter(lambda record: record.name.startswith("uvicorn"))
    logging.getLogger().addHandler(handler)
    try:
        for _ in range(200):  # not HTTP at all: uvicorn warns "Invalid HTTP request received."
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"\x16\x03\x01 definitely not HTTP\r\n\r\n")
            assert (await reader.read()).startswith(b"HTTP/1.1 400")
            writer.close()
    finally:
        logging.getLogger().removeHandler(handler)
    invalid = [line for line in stream.getvalue().splitlines() if "Invalid HTTP" in line]
    assert 1 <= len(invalid) <= 2, invalid
