"""The deployment guide (docs/deploy.md) and its files in docs/deploy/ hold up.

- The guide and each of its files exist and are linked: from the README's "Running
  the server", from docs/operations.md, and every file of docs/deploy/ from the guide.
- The systemd unit: ``systemd-analyze verify`` accepts it (when systemd is installed;
  a structural check of the keys it must have always runs), ``systemd-analyze
  security`` rates it "OK", its start guard refuses empty secrets, and its own
  command line starts Lotse (with Redis and two workers), which reloads on the unit's
  reload signal and stops cleanly on its kill signal.
- Every metric the guide and the alert rules name exists on that running Lotse;
  every variable of the environment file is one Lotse or the unit reads.
- nginx.conf keeps the WebSocket essentials (the end-to-end run is tests/test_e2e_nodes.py).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, ServerProcess, free_port
from lotse_server import Settings
from lotse_server.demo import SITE_PATH

GUIDE = ROOT / "docs" / "deploy.md"
DEPLOY = ROOT / "docs" / "deploy"
UNIT = DEPLOY / "lotse.service"
ENV_FILE = DEPLOY / "lotse.env.example"
NGINX = DEPLOY / "nginx.conf"
ALERTS = DEPLOY / "prometheus-alerts.yml"
SECRETS = ("LOTSE_TOKEN_KEY", "LOTSE_VERIFICATION_KEY", "LOTSE_ADMIN_TOKEN")


def unit_entries(text: str) -> list[tuple[str, str, str]]:
    """A systemd unit as (section, key, value) lines, in order (keys may repeat)."""
    entries, section = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, sep, value = line.partition("=")
        assert sep and section, f"not a unit line: {raw!r}"
        entries.append((section, key.strip(), value.strip()))
    return entries


def unit_value(key: str, section: str = "Service") -> str:
    values = [v for s, k, v in unit_entries(UNIT.read_text()) if (s, k) == (section, key)]
    assert len(values) == 1, f"{key}= in [{section}]: {values}"
    return values[0]


def systemd_expand(command: str, env: dict[str, str]) -> str:
    """What systemd does to a command line: ${NAME} from the environment, $$ to $."""
    expanded = re.sub(r"(?<!\$)\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), command)
    return expanded.replace("$$", "$")


# -- the guide and its files ---------------------------------------------------------------


def test_the_guide_and_its_files_exist_and_are_linked() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    running = readme.split("## Running the server", 1)[1].split("\n## ", 1)[0]
    assert "(docs/deploy.md)" in running
    assert "(deploy.md)" in (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    files = sorted(path.name for path in DEPLOY.iterdir())
    assert files == sorted(p.name for p in (UNIT, ENV_FILE, NGINX, ALERTS))
    for name in files:
        assert f"(deploy/{name})" in guide, f"docs/deploy.md does not link deploy/{name}"
    # The guide says these are tested: they must be.
    for test in ("tests/test_e2e_nodes.py", "tests/test_deploy_docs.py"):
        assert test in guide and (ROOT / test).is_file()
    assert "docs/deploy/nginx.conf" in (ROOT / "tests" / "test_e2e_nodes.py").read_text()


# -- the systemd unit ----------------------------------------------------------------------


def test_the_unit_has_what_a_production_service_needs() -> None:
    entries = unit_entries(UNIT.read_text())
    keys = {(section, key) for section, key, _ in entries}
    exec_start = shlex.split(unit_value("ExecStart"))
    assert exec_start[:2] == ["/opt/lotse/bin/lotse", "serve"]
    options = dict(zip(exec_start[2::2], exec_start[3::2], strict=True))
    assert set(options) == {"--site", "--host", "--port", "--data-dir", "--workers"}
    assert "--store" not in exec_start  # a password in the URL would be in the process list
    assert unit_value("EnvironmentFile") == "/etc/lotse/lotse.env"
    expected = {
        "Restart": "on-failure",
        "LimitNOFILE": "65536",
        "KillSignal": "SIGTERM",
        "KillMode": "mixed",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ReadWritePaths": options["--data-dir"],  # the only writable place
        "RestartPreventExitStatus": "1 2 3",
        "ExecReload": "/bin/kill -HUP $MAINPID",
    }
    assert {key: unit_value(key) for key in expected} == expected
    # Longer than the drain (about 2 s) and a worker's stop grace (20 s, workers.py).
    assert 20 < int(unit_value("TimeoutStopSec")) <= 60
    assert {("Service", "User"), ("Service", "ExecStartPre"), ("Install", "WantedBy")} <= keys


def test_systemd_accepts_the_unit_and_rates_its_hardening_ok(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (the structural check above still runs)")
    # verify wants the programs to exist: the lotse command as installed here.
    unit = tmp_path / "lotse.service"
    installed = Path(sys.executable).parent / "lotse"
    lotse = str(installed) if installed.exists() else shutil.which("lotse") or "/bin/true"
    unit.write_text(UNIT.read_text().replace("/opt/lotse/bin/lotse", lotse))
    verify = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True)
    complaints = [line for line in verify.stderr.splitlines() if "lotse.service" in line]
    assert verify.returncode == 0 and complaints == [], verify.stderr
    security = subprocess.run(
        [analyze, "security", "--offline=true", "--threshold=20", str(unit)],
        capture_output=True, text=True,
    )  # fmt: skip
    if "--offline" in security.stderr:  # systemd older than 250
        pytest.skip("this systemd-analyze cannot rate a unit file offline")
    level = re.search(r"Overall exposure level for lotse\.service: ([\d.]+) (\w+)", security.stdout)
    assert level is not None, security.stdout + security.stderr
    assert float(level.group(1)) <= 2.0 and level.group(2) == "OK", level.group(0)


@pytest.mark.parametrize("missing", [(), ("LOTSE_VERIFICATION_KEY",), SECRETS])
def test_the_units_start_guard_refuses_empty_secrets(missing: tuple[str, ...]) -> None:
    command = systemd_expand(unit_value("ExecStartPre"), {})
    env = {"PATH": os.environ["PATH"]} | {name: "s3cret" for name in SECRETS if name not in missing}
    env |= {name: "" for name in missing}  # as an unfilled line of lotse.env leaves them
    guard = subprocess.run(shlex.split(command), env=env, capture_output=True, text=True)
    if not missing:
        assert guard.returncode == 0 and guard.stderr == ""
    else:
        assert guard.returncode == 2  # RestartPreventExitStatus: no restart loop
        assert guard.stderr == f"lotse: set {' '.join(missing)} in /etc/lotse/lotse.env\n"


def test_the_units_command_line_serves_reloads_and_stops_cleanly(
    start_process: Callable[..., ServerProcess],
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
) -> None:
    env = {"LOTSE_HOST": "127.0.0.1", "LOTSE_WORKERS": "2"}  # what the env file may set
    argv = shlex.split(systemd_expand(unit_value("ExecStart"), env))
    port = free_port()
    here = {"/etc/lotse/site.toml": str(SITE_PATH), "/var/lib/lotse": str(tmp_path / "state"),
            "8000": str(port)}  # fmt: skip
    args = [here.get(arg, arg) for arg in argv[2:]]  # after `/opt/lotse/bin/lotse serve`
    secrets = {name: f"test-{name.lower()}" for name in SECRETS}
    server = start_process(
        *args,
        port=port,
        extra_env={"LOTSE_STORE": redis_url, "LOTSE_STORE_PREFIX": redis_prefix, **secrets},
    )
    assert server.wait_for("Lotse is serving", timeout=30), server.text()
    assert "2 workers share sessions" in server.text()
    assert httpx.get(f"{server.origin}/healthz").json()["status"] == "ok"
    metrics = httpx.get(f"{server.origin}/metrics").text
    server.process.send_signal(signal.SIGHUP)  # ExecReload
    assert server.wait_for('"config_reloaded"'), server.text()
    server.process.send_signal(getattr(signal, unit_value("KillSignal")))
    # Ends by SIGTERM, which systemd counts as a clean stop, well within TimeoutStopSec.
    assert server.process.wait(timeout=int(unit_value("TimeoutStopSec"))) == -signal.SIGTERM
    check_metric_names(metrics)


def check_metric_names(exposition: str) -> None:
    """Every `lotse_…` metric in the guide and the alert rules is one Lotse exposes."""
    exposed = set()
    for name, kind in re.findall(r"^# TYPE (\S+) (\w+)$", exposition, re.MULTILINE):
        base = name.removesuffix("_total")
        exposed |= {base, f"{base}_total"}
        if kind == "histogram":
            exposed |= {f"{base}_bucket", f"{base}_sum", f"{base}_count"}
    named = set(re.findall(r"\blotse_[a-z_]+", GUIDE.read_text() + ALERTS.read_text()))
    assert named - exposed == set(), "the guide names metrics Lotse does not have"
    wanted = {"lotse_connections_open", "lotse_store_up", "lotse_store_dropped_writes_total",
              "lotse_ledger_write_failures_total", "lotse_errors_total",
              "lotse_decision_seconds", "lotse_sockets_open"}  # fmt: skip
    assert wanted <= named


def test_the_alert_rules_are_well_formed() -> None:
    text = ALERTS.read_text()
    names = re.findall(r"^\s+- alert: (\w+)$", text, re.MULTILINE)
    assert len(names) == len(set(names)) == len(re.findall(r"^\s+expr: ", text, re.MULTILINE))
    assert "\t" not in text and text.startswith("#") and "\ngroups:\n" in text


def test_every_variable_of_the_environment_file_is_read_by_lotse_or_the_unit() -> None:
    named = set(re.findall(r"^#?(LOTSE_\w+)=", ENV_FILE.read_text(), re.MULTILINE))
    assert set(SECRETS) <= named
    read_by_lotse = (ROOT / "server" / "lotse_server" / "settings.py").read_text()
    unit = UNIT.read_text()
    for name in named:
        assert f'"{name}"' in read_by_lotse or "${" + name + "}" in unit, name
    assert {"LOTSE_HOST", "LOTSE_WORKERS"} <= {n for n in named if "${" + n + "}" in unit}


# -- nginx ---------------------------------------------------------------------------------


def test_the_nginx_configuration_keeps_the_websocket_essentials() -> None:
    text = re.sub(r"#.*", "", NGINX.read_text())  # the directives, without the comments
    ws = text.split("location = /ws {", 1)[1].split("}", 1)[0]
    for line in ("proxy_http_version 1.1;", "proxy_set_header Upgrade $http_upgrade;",
                 'proxy_set_header Connection "upgrade";', "proxy_pass http://lotse;"):  # fmt: skip
        assert line in ws
    read_timeout = int(re.search(r"proxy_read_timeout (\d+)s;", ws).group(1))  # type: ignore[union-attr]
    settings = Settings()
    assert read_timeout > settings.ping_interval + settings.ping_timeout
    upstream = text.split("upstream lotse {", 1)[1].split("}", 1)[0]
    assert "least_conn;" in upstream and len(re.findall(r"^\s+server ", upstream, re.M)) >= 2
    assert "ip_hash" not in text and "sticky" not in upstream  # resumes need no stickiness
    assert "$remote_addr" not in text and "$http_user_agent" not in text
