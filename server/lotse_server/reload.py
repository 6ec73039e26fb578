"""The current site, and replacing it while the server runs.

`SiteHolder` holds one compiled `lotse.Engine`. A reload (SIGHUP, or polling
the site files' modification times with ``--reload-config``) reads and checks
the files in a worker thread, compiles a new engine there, and only then
swaps the one reference on the event loop: a session sees the old site or
the new one, never half of each. A configuration with errors is rejected,
every problem is logged with its file, key and fix, and the old site keeps
serving.

With several processes or nodes (a shared Redis store) a reload spreads: a
process that reloads because of SIGHUP or a changed file announces it to its
`Peers` (a Redis pub/sub channel), and every other one that hears it
(`follow`) reloads its own site file too — unless none of that process's site
files changed since it last read them, so an announcement never makes a
process reload the same files twice, and a storm of announcements settles.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

import lotse

from .metrics import Metrics

log = logging.getLogger("lotse.reload")


def site_files(site: lotse.Site, path: Path | None) -> set[Path]:
    """Every file the site was read from: the site file, its includes, the catalogue."""
    files = {Path(origin.file) for origin in site.sources.values() if origin.file != "<python>"}
    if path is not None:
        files.add(path)
    return {f for f in files if f.suffix == ".toml"}


def _mtimes(files: set[Path]) -> dict[Path, int]:
    stamps = {}
    for file in files:
        try:
            stamps[file] = os.stat(file).st_mtime_ns
        except OSError:
            stamps[file] = -1
    return stamps


def _load(path: Path) -> tuple[lotse.Engine, list[lotse.Problem]]:
    """Read, check and compile a site; runs in a worker thread. Raises ConfigError."""
    site = lotse.load_site(path)
    warnings = [p for p in site.check() if p.severity == "warning"]
    return site.engine(), warnings


class Peers(Protocol):
    """The other processes and nodes serving the same site (`redis_store.RedisPeers`)."""

    async def announce(self, why: str) -> None:
        """Tell every other process that this one reloaded (never raises)."""
        ...

    def messages(self) -> AsyncIterator[str]:
        """Why another process reloaded, for each announcement (until cancelled)."""
        ...


class SiteHolder:
    """The engine in use now; `engine` is read on every event, replaced by `reload`."""

    def __init__(self, engine: lotse.Engine, path: Path | None, metrics: Metrics) -> None:
        self.engine = engine
        self.path = path
        self.metrics = metrics
        #: Told about each reload this process makes of its own accord (several nodes).
        self.peers: Peers | None = None
        self._lock = asyncio.Lock()
        self._stamps = _mtimes(site_files(engine.site, path))

    @classmethod
    def from_site(cls, site: lotse.Site | str | Path, metrics: Metrics) -> SiteHolder:
        """Load a site file (raising `lotse.ConfigError`) or take a `lotse.Site` as it is."""
        if isinstance(site, lotse.Site):
            return cls(site.engine(), None, metrics)
        path = Path(site).resolve()
        engine, warnings = _load(path)
        for problem in warnings:
            log.warning("config_warning", extra=_problem(problem))
        return cls(engine, path, metrics)

    async def reload(self, why: str, *, from_peer: bool = False) -> bool:
        """Load the site file again; True if the new site replaced the old one.

        A reload of this process's own accord (SIGHUP, changed files) is
        announced to the `peers`; one a peer asked for (`from_peer`) is not, and
        is skipped when none of the site's files changed since they were read.
        """
        replaced = await self._reload(why, from_peer)
        if not from_peer and self.peers is not None:
            await self.peers.announce(why)
        return replaced

    async def _reload(self, why: str, from_peer: bool) -> bool:
        if self.path is None:
            log.warning("reload_skipped", extra={"why": why, "reason": "site not from a file"})
            return False
        async with self._lock:
            files = site_files(self.engine.site, self.path)
            if from_peer and await asyncio.to_thread(_mtimes, files) == self._stamps:
                log.info("reload_skipped", extra={"why": why, "reason": "no site file changed"})
                return False
            try:
                engine, warnings = await asyncio.to_thread(_load, self.path)
            except lotse.ConfigError as exc:
                for problem in exc.problems:
                    log.error("config_rejected", extra=_problem(problem))
                log.error(
                    "reload_failed",
                    extra={"why": why, "errors": len(exc.problems), "kept": self.engine.site_id},
                )
                self.metrics.reloads.labels("rejected").inc()
                self._stamps = _mtimes(files)  # do not retry the same broken files every poll
                return False
            except Exception:
                log.exception("reload_failed", extra={"why": why, "kept": self.engine.site_id})
                self.metrics.reloads.labels("failed").inc()
                self._stamps = _mtimes(files)
                return False
            for problem in warnings:
                log.warning("config_warning", extra=_problem(problem))
            self.engine = engine  # the atomic swap
            self._stamps = _mtimes(site_files(engine.site, self.path))
            self.metrics.reloads.labels("ok").inc()
            log.info("config_reloaded", extra={"why": why, "site": engine.site_id})
            return True

    async def poll(self, interval: float) -> None:
        """Reload whenever a site file's modification time changes (runs until cancelled)."""
        while True:
            await asyncio.sleep(interval)
            files = set(self._stamps) | site_files(self.engine.site, self.path)
            stamps = await asyncio.to_thread(_mtimes, files)
            if stamps != self._stamps:
                await self.reload("files changed")


async def follow(holder: SiteHolder, peers: Peers) -> None:
    """Reload whenever another process announces a reload (runs until cancelled)."""
    async for why in peers.messages():
        try:
            await holder.reload(why, from_peer=True)
        except Exception:  # a bug here must not stop hearing the next announcement
            log.exception("reload_failed", extra={"why": why})


def _problem(problem: lotse.Problem) -> dict[str, str]:
    return {
        "severity": problem.severity,
        "where": str(problem.origin),
        "problem": problem.message,
        "fix": problem.fix,
    }
