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

from lotse_server.logs import JsonFormatter, PrivacyFilter


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
