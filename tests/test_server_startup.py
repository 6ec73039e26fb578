"""Start-up problems: one line with the fix, an exit code per class, and no banner before serving.

Each case runs `python -m lotse_server.serve` as a process against a real
file system (a read-only or full one is a real tmpfs, mounted when the tests
run as root) or a real occupied port.
"""

from __future__ import annotations

import asyncio
import io
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from lotse_server import Settings, create_app
from lotse_server.demo import SITE_PATH
from lotse_server.serve import serve_until_stopped
from lotse_server.startup import (
    EXIT_ADDRESS,
    EXIT_DATA,
    EXIT_STORE,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file systems")

BANNER = "Lotse is serving"
READY = "Application startup complete."


def one_line(server: Any, exit_code: int) -> str:
    """The process exited with `exit_code`, having printed one line with a fix and no banner."""
    assert server.process.wait(timeout=30) == exit_code, server.text()
    server.wait_for("\n", timeout=1)  # the reader thread has the last line
    lines = server.text().splitlines()
    assert len(lines) == 1, server.text()
    assert lines[0].startswith("lotse serve: ") and ". Fix: " in lines[0]
    assert BANNER not in server.text()
    return lines[0]


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """``tmpfs("size=64k,ro")`` mounts a small tmpfs (root only; skips elsewhere)."""
    mounted: list[Path] = []

    def mount(options: str) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root")
        where = tmp_path / f"mount-{len(mounted)}"
        where.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_the_banner_appears_only_once_the_server_answers(
    start_process: Callable[..., Any],
) -> None:
    server = start_process()
    assert server.wait_for(BANNER), server.text()
    # Printed after the lifespan started and the socket listens: it answers at once.
    assert httpx.get(f"{server.origin}/healthz", timeout=10).status_code == 200
    text = server.text()
    assert text.index(READY) < text.index('"serving"') < text.index(BANNER)
    assert text.count(BANNER) == 1


def test_a_data_dir_that_is_a_file(start_process: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "not-a-dir").write_text("x")
    line = one_line(start_process("--data-dir", str(tmp_path / "not-a-dir")), EXIT_DATA)
    assert "is a file, not a directory" in line and "--data-dir" in line


def test_a_ledger_that_is_not_sqlite(start_process: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ledger.sqlite3").write_bytes(b"these are not the counts\n" * 100)
    line = one_line(start_process("--data-dir", str(tmp_path / "data")), EXIT_DATA)
    assert "not a usable SQLite database" in line and "ledger.sqlite3.broken" in line


def test_a_damaged_ledger(start_process: Callable[..., Any], tmp_path: Path) -> None:
    path = tmp_path / "data" / "ledger.sqlite3"
    path.parent.mkdir()
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE counts (site TEXT PRIMARY KEY, n INTEGER)")
        db.executemany(
            "INSERT INTO counts VALUES (?, ?)", [(f"s{i:05}" * 8, i) for i in range(2000)]
        )
    with path.open("r+b") as file:  # overwrite pages in the middle, as a bad disk would
        file.seek(3 * 4096)
        file.write(b"\xa5" * 3 * 4096)
    line = one_line(start_process("--data-dir", str(path.parent)), EXIT_DATA)
    assert "restore it from a backup" in line


def test_a_read_only_data_dir(
    start_process: Callable[..., Any], tmp_path: Path, tmpfs: Callable[[str], Path]
) -> None:
    if os.geteuid() == 0:  # root writes through file modes: a read-only mount it is
        read_only = tmpfs("size=64k,ro")
    else:
        read_only = tmp_path / "read-only"
        read_only.mkdir(mode=0o555)
    line = one_line(start_process("--data-dir", str(read_only / "lotse")), EXIT_DATA)
    assert ("read-only file system" in line or "permission denied" in line) and "writable" in line


def test_a_full_disk(start_process: Callable[..., Any], tmpfs: Callable[[str], Path]) -> None:
    full = tmpfs("size=64k")
    with (full / "filler").open("wb", buffering=0) as filler, pytest.raises(OSError):
        while True:
            filler.write(b"\0" * 4096)
    line = one_line(start_process("--data-dir", str(full)), EXIT_DATA)
    assert "no space left on device" in line and "free some space" in line


def test_a_port_in_use(start_process: Callable[..., Any]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_line(start_process(port=port), EXIT_ADDRESS)
    assert f"127.0.0.1:{port}: the port is already in use" in line and "--port" in line


class ClosedPortStore:
    """A network session store whose server is down: each call is a real refused TCP connect."""

    def __init__(self) -> None:
        with socket.socket() as probe:  # a port that nothing listens on
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]

    async def get(self, session_id: str) -> dict[str, Any] | None:
        _reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.close()
        return None

    async def put(self, session_id: str, state: dict[str, Any]) -> None:
        await self.get(session_id)

    async def delete(self, session_id: str) -> None:
        await self.get(session_id)

    async def close(self) -> None:
        return None


def test_an_unreachable_session_store(tmp_path: Path) -> None:
    # No command-line flag picks a store yet, so this runs what `lotse serve` runs
    # after building the app, with a store that cannot be reached.
    port = free_port()
    settings = Settings(demo_pages=True, port=port, data_dir=tmp_path / "data")
    app = create_app(SITE_PATH, settings=settings, store=ClosedPortStore())
    out, err = io.StringIO(), io.StringIO()
    assert serve_until_stopped(app, settings, err=err, out=out) == EXIT_STORE
    (line,) = err.getvalue().splitlines()
    assert line.startswith("lotse serve: the session store (ClosedPortStore) cannot be reached")
    assert "Fix: check that it is running" in line
    assert out.getvalue() == ""  # no banner
    with socket.socket() as again:  # the port was let go
        again.bind(("127.0.0.1", port))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
