"""Server settings: limits, timeouts, secrets, and the rule that keeps demo secrets local.

Every number here is a limit a visitor's browser can run into, so each has a
default that suits one process serving a few thousand visitors, and each can
be set from the environment (``LOTSE_...``) or passed to `create_app`.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

#: Public, built-in secrets so `lotse serve` works with no setup. They are in
#: the source code, so anybody can forge tokens with them: they are allowed
#: only while the server listens on the loopback interface.
DEMO_TOKEN_KEY = b"lotse-demo-token-key-do-not-use-in-production"
DEMO_VERIFICATION_KEY = b"lotse-demo-verification-key-do-not-use-in-production"
DEMO_ADMIN_TOKEN = "lotse-demo-admin-token"


class InsecureSettings(RuntimeError):
    """The server would run with public demo secrets on a reachable interface."""


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; False for 0.0.0.0, :: and real addresses."""
    if host.strip().lower() in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


#: URL schemes of the Redis store (`redis_store.RedisStore`).
STORE_SCHEMES = ("redis", "rediss", "unix")


def check_store_url(url: str) -> None:
    """Refuse a store URL Lotse cannot use (ValueError says which forms work)."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in STORE_SCHEMES:
        shown = redact_url(url)
        raise ValueError(
            f"--store {shown!r} (LOTSE_STORE) is not a store Lotse knows. Fix: pass "
            "redis://HOST:6379/0 (redis://:PASSWORD@HOST:6379/0 with a password, rediss:// "
            "with TLS, unix:///path/to/redis.sock), or memory for this process's memory"
        )


def redact_url(url: str) -> str:
    """`url` with any password replaced by ``***``, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if at and ":" in userinfo:
        userinfo = userinfo.split(":", 1)[0] + ":***"
    elif at and userinfo:
        userinfo = "***"  # a bare user part may be a password too
    return f"{scheme}{sep}{userinfo}{at}{host}{slash}{path.split('?')[0]}"


@dataclass(frozen=True, slots=True)
class Settings:
    """How one `lotse serve` process behaves. Immutable; build a new one to change it."""

    # Where the server listens; used for its own origin and the secrets check.
    host: str = "127.0.0.1"
    port: int = 8000
    # Secrets (see DEMO_* above and `check_secrets`).
    token_key: bytes = DEMO_TOKEN_KEY
    verification_key: bytes = DEMO_VERIFICATION_KEY
    admin_token: str = DEMO_ADMIN_TOKEN
    #: The longest a professional login counts, whatever expiry its assertion carries.
    assertion_max_age: float = 3600.0
    # Sessions: idle time-to-live and the most kept in memory (least recent go first).
    session_ttl: float = 1800.0
    max_sessions: int = 100_000
    #: How long a resume token stays valid; the store's idle TTL decides how long
    #: the profile behind it lives. Longer than the TTL so an open single-page
    #: app that reconnects after an hour still resumes.
    token_ttl: float = 4 * 3600.0
    # Connections.
    max_connections: int = 10_000
    #: Seconds a TCP connection may take to send a complete request head (and,
    #: on a kept-alive connection, the next one); then it is closed. Protects the
    #: file handles against connections that never finish their handshake. An
    #: opened WebSocket has as long again to send its `hello`.
    handshake_timeout: float = 10.0
    #: Open sockets (HTTP and WebSocket) this process accepts; None: derived
    #: from the file-handle limit (see `edge.socket_budget`).
    max_sockets: int | None = None
    max_frame_bytes: int = 64 * 1024
    idle_timeout: float = 300.0
    ping_interval: float = 20.0
    ping_timeout: float = 20.0
    # Per-connection token bucket: sustained messages per second, and the burst.
    rate_per_second: float = 20.0
    rate_burst: int = 40
    # Files: the experiment ledger lives here.
    data_dir: Path = field(default_factory=lambda: Path("lotse-data"))
    # Configuration reload by polling the site files' mtimes (seconds; 0 = off).
    reload_poll_interval: float = 0.0
    #: /metrics requires ``Authorization: Bearer <admin_token>`` when True (/dashboard
    #: always requires the admin token).
    metrics_require_token: bool = False
    #: Serve the bundled demo pages (/, /fachkreise/, ...) and the demo login.
    demo_pages: bool = False
    #: Seconds given to open WebSockets to close cleanly on shutdown.
    shutdown_grace: float = 2.0
    #: Where sessions and the experiment ledger are shared by several processes:
    #: ``redis://[:PASSWORD@]HOST[:PORT][/DB]`` (``rediss://`` with TLS,
    #: ``unix:///path/redis.sock``); None keeps sessions in this process's memory
    #: and the ledger in SQLite under `data_dir`.
    store_url: str | None = None
    #: Prepended to every Redis key and channel, so deployments can share a Redis.
    store_prefix: str = "lotse:"
    #: Seconds between write-backs of changed sessions to a network store. A resume
    #: on another node sees a session's state at most about this much (plus one
    #: round trip) behind; a connection's end writes its session at once.
    store_write_interval: float = 0.5

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, /, **overrides: object) -> Settings:
        """Settings from ``LOTSE_*`` environment variables, then explicit overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        if env.get("LOTSE_TOKEN_KEY"):
            values["token_key"] = env["LOTSE_TOKEN_KEY"].encode()
        if env.get("LOTSE_VERIFICATION_KEY"):
            values["verification_key"] = env["LOTSE_VERIFICATION_KEY"].encode()
        if env.get("LOTSE_ADMIN_TOKEN"):
            values["admin_token"] = env["LOTSE_ADMIN_TOKEN"]
        numbers: dict[str, type] = {
            "LOTSE_SESSION_TTL": float,
            "LOTSE_MAX_SESSIONS": int,
            "LOTSE_TOKEN_TTL": float,
            "LOTSE_ASSERTION_MAX_AGE": float,
            "LOTSE_MAX_CONNECTIONS": int,
            "LOTSE_HANDSHAKE_TIMEOUT": float,
            "LOTSE_MAX_SOCKETS": int,
            "LOTSE_MAX_FRAME_BYTES": int,
            "LOTSE_IDLE_TIMEOUT": float,
            "LOTSE_PING_INTERVAL": float,
            "LOTSE_PING_TIMEOUT": float,
            "LOTSE_RATE_PER_SECOND": float,
            "LOTSE_RATE_BURST": int,
        }
        for name, kind in numbers.items():
            if env.get(name):
                try:
                    values[name.removeprefix("LOTSE_").lower()] = kind(env[name])
                except ValueError as exc:
                    raise ValueError(f"{name}={env[name]!r} is not a {kind.__name__}") from exc
        if env.get("LOTSE_METRICS_REQUIRE_TOKEN"):
            values["metrics_require_token"] = env["LOTSE_METRICS_REQUIRE_TOKEN"] in ("1", "true")
        if env.get("LOTSE_DATA_DIR"):
            values["data_dir"] = Path(env["LOTSE_DATA_DIR"])
        if env.get("LOTSE_STORE"):
            values["store_url"] = env["LOTSE_STORE"]
        if env.get("LOTSE_STORE_PREFIX"):
            values["store_prefix"] = env["LOTSE_STORE_PREFIX"]
        values.update(overrides)
        settings = replace(cls(), **values)  # type: ignore[arg-type]
        settings.check_limits()
        return settings

    def check_limits(self) -> None:
        """Refuse limits that would close every connection at once (ValueError names it)."""
        if self.handshake_timeout <= 0:
            raise ValueError(
                f"LOTSE_HANDSHAKE_TIMEOUT={self.handshake_timeout:g} must be more than 0 seconds "
                "(default 10)"
            )
        if self.store_url is not None:
            check_store_url(self.store_url)
        if self.max_sockets is not None and self.max_sockets < 1:
            raise ValueError(
                f"LOTSE_MAX_SOCKETS={self.max_sockets} must be at least 1 "
                "(or unset: derived from the file-handle limit)"
            )

    def demo_secrets(self) -> list[str]:
        """Which secrets in use are still the public built-in ones (by environment variable name).

        The admin token always protects something: ``/dashboard`` (and ``/metrics``
        with `metrics_require_token`), so the demo one is as unsafe as the others.
        """
        found = []
        if self.token_key == DEMO_TOKEN_KEY:
            found.append("LOTSE_TOKEN_KEY")
        if self.verification_key == DEMO_VERIFICATION_KEY:
            found.append("LOTSE_VERIFICATION_KEY")
        if self.admin_token == DEMO_ADMIN_TOKEN:
            found.append("LOTSE_ADMIN_TOKEN")
        return found

    def check_secrets(self) -> None:
        """Refuse public demo secrets on any interface other than loopback."""
        demo = self.demo_secrets()
        if demo and not is_loopback(self.host):
            names = ", ".join(demo)
            admin = ""
            if "LOTSE_ADMIN_TOKEN" in demo:  # what the admin token guards
                admin = " and open /dashboard" + (
                    " and /metrics" if self.metrics_require_token else ""
                )
            raise InsecureSettings(
                f"refusing to listen on {self.host}: {names} "
                f"{'is' if len(demo) == 1 else 'are'} still the built-in demo "
                "secret, which is public (it is in Lotse's source code), so anybody could "
                "forge session tokens and professional logins" + admin + ".\n"
                "Fix: set each to a long random value, e.g.\n"
                + "".join(
                    f'  export {name}="$(python -c "import secrets; '
                    f'print(secrets.token_urlsafe(32))")"\n'
                    for name in demo
                )
                + "or bind to 127.0.0.1 (the default) to try Lotse locally."
            )

    def own_origins(self) -> list[str]:
        """The origins of pages this server itself serves (the demo site)."""
        hosts = {self.host}
        if is_loopback(self.host) or self.host in ("0.0.0.0", "::", ""):
            hosts |= {"127.0.0.1", "localhost"}
        origins = []
        for host in sorted(hosts):
            if not host or host in ("0.0.0.0", "::"):
                continue
            shown = f"[{host}]" if ":" in host else host
            origins.append(f"http://{shown}:{self.port}")
        return origins
