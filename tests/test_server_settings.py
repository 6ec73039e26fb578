"""Settings from the environment, and the refusal to expose demo secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from lotse_server import InsecureSettings, Settings
from lotse_server.settings import DEMO_TOKEN_KEY, is_loopback

REAL = {
    "LOTSE_TOKEN_KEY": "t" * 32,
    "LOTSE_VERIFICATION_KEY": "v" * 32,
    "LOTSE_ADMIN_TOKEN": "a" * 32,
}


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]"])
def test_demo_secrets_are_fine_on_loopback(host: str) -> None:
    assert is_loopback(host)
    Settings(host=host).check_secrets()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.com", ""])
def test_demo_secrets_are_refused_anywhere_else_with_the_fix(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(InsecureSettings) as refused:
        Settings(host=host).check_secrets()
    message = str(refused.value)
    assert "LOTSE_TOKEN_KEY" in message and "LOTSE_VERIFICATION_KEY" in message
    assert "LOTSE_ADMIN_TOKEN" in message  # it protects /dashboard
    assert "secrets.token_urlsafe" in message
    assert "127.0.0.1" in message


def test_one_remaining_demo_secret_is_enough_to_refuse() -> None:
    env = dict(REAL)
    del env["LOTSE_VERIFICATION_KEY"]
    settings = Settings.from_env(env, host="0.0.0.0")
    assert settings.demo_secrets() == ["LOTSE_VERIFICATION_KEY"]
    with pytest.raises(InsecureSettings, match="LOTSE_VERIFICATION_KEY is still"):
        settings.check_secrets()


def test_the_demo_admin_token_is_refused_on_a_public_address_as_it_guards_the_dashboard() -> None:
    env = dict(REAL)
    del env["LOTSE_ADMIN_TOKEN"]
    settings = Settings.from_env(env, host="0.0.0.0")
    assert settings.demo_secrets() == ["LOTSE_ADMIN_TOKEN"]
    with pytest.raises(InsecureSettings, match="LOTSE_ADMIN_TOKEN is still") as refused:
        settings.check_secrets()
    assert "/dashboard" in str(refused.value) and "/metrics" not in str(refused.value)
    # With /metrics behind the token too, the refusal names both.
    metrics = Settings.from_env({**env, "LOTSE_METRICS_REQUIRE_TOKEN": "1"}, host="0.0.0.0")
    with pytest.raises(InsecureSettings, match="/dashboard and /metrics"):
        metrics.check_secrets()
    Settings.from_env(env).check_secrets()  # loopback: the demo token is fine for a try-out


def test_secrets_and_limits_from_the_environment() -> None:
    env = {
        **REAL,
        "LOTSE_SESSION_TTL": "600",
        "LOTSE_MAX_CONNECTIONS": "50",
        "LOTSE_RATE_PER_SECOND": "5.5",
        "LOTSE_DATA_DIR": "/var/lib/lotse",
    }
    settings = Settings.from_env(env, host="0.0.0.0", port=9000)
    settings.check_secrets()
    assert settings.token_key == b"t" * 32 and settings.token_key != DEMO_TOKEN_KEY
    assert settings.session_ttl == 600.0
    assert settings.max_connections == 50
    assert settings.rate_per_second == 5.5
    assert settings.data_dir == Path("/var/lib/lotse")
    assert settings.port == 9000


def test_a_malformed_number_names_the_variable() -> None:
    with pytest.raises(ValueError, match="LOTSE_MAX_SESSIONS"):
        Settings.from_env({"LOTSE_MAX_SESSIONS": "lots"})


def test_edge_limits_from_the_environment_and_their_bounds() -> None:
    assert Settings().handshake_timeout == 10.0 and Settings().max_sockets is None
    settings = Settings.from_env({"LOTSE_HANDSHAKE_TIMEOUT": "2.5", "LOTSE_MAX_SOCKETS": "500"})
    assert (settings.handshake_timeout, settings.max_sockets) == (2.5, 500)
    with pytest.raises(ValueError, match="LOTSE_HANDSHAKE_TIMEOUT=0 must be more than 0"):
        Settings.from_env({"LOTSE_HANDSHAKE_TIMEOUT": "0"})
    with pytest.raises(ValueError, match="LOTSE_MAX_SOCKETS=0 must be at least 1"):
        Settings.from_env({"LOTSE_MAX_SOCKETS": "0"})


def test_the_server_allows_its_own_origin() -> None:
    assert Settings(host="127.0.0.1", port=8123).own_origins() == [
        "http://127.0.0.1:8123",
        "http://localhost:8123",
    ]
    assert "http://lotse.internal:80" in Settings(host="lotse.internal", port=80).own_origins()
