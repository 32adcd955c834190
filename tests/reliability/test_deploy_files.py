"""The shipped recipe (`deploy/`) describes what `test_topology.py` runs: the same commands,
nginx's upstream naming the serve processes, health checks and persistence where they belong.

The image and the compose file cannot be run where the tests run (no container runtime),
so these checks keep them from drifting away from the tested topology.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from benchmarks._procs import REPO

DEPLOY = REPO / "deploy"
SERVE = ["atendente", "serve", "--host", "0.0.0.0", "--port", "8000"]
WORKER = ["atendente", "worker"]
UNITS = {
    "atendente-serve@.service": "serve --host 127.0.0.1 --port %i",
    "atendente-worker@.service": "worker",
}


def services() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return dict(compose["services"])


def test_nginx_balances_the_compose_serve_processes() -> None:
    found = services()
    serves = sorted(name for name, service in found.items() if service.get("command") == SERVE)
    upstream = re.findall(r"^\s*server\s+([\w-]+):(\d+)", (DEPLOY / "nginx.conf").read_text(), re.M)
    assert serves == ["serve-1", "serve-2"]
    assert upstream == [(name, "8000") for name in serves]
    assert found["nginx"]["depends_on"] == {
        name: {"condition": "service_healthy"} for name in serves
    }


def test_redis_persists_and_every_process_waits_for_it() -> None:
    found = services()
    redis = found["redis"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    assert any(volume.endswith(":/data") for volume in redis["volumes"])
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert found["worker"]["command"] == WORKER
    assert found["worker"]["deploy"]["replicas"] == 2
    for name in ("serve-1", "serve-2", "worker"):
        service = found[name]
        assert service["depends_on"] == {"redis": {"condition": "service_healthy"}}
        assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
        assert service["environment"]["ATENDENTE_ENV"] == "production"
        assert service["env_file"] == "atendente.env"


def test_the_image_runs_the_commands_the_tests_run() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.findall(r"^RUN (atendente .*)$", dockerfile, re.M) == ["atendente nlu train"]
    assert "$(BIN)/atendente nlu train\n" in (REPO / "Makefile").read_text()
    (command,) = re.findall(r"^CMD (\[.*\])$", dockerfile, re.M)
    assert json.loads(command) == SERVE
    assert re.search(r"^USER atendente$", dockerfile, re.M)
    healthcheck = dockerfile[dockerfile.index("HEALTHCHECK") : dockerfile.index("\nCMD")]
    assert "http://127.0.0.1:8000/healthz" in healthcheck


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_the_systemd_units_run_the_same_commands(unit: str) -> None:
    text = (DEPLOY / "systemd" / unit).read_text()
    assert f"ExecStart=/opt/atendente/venv/bin/atendente {UNITS[unit]}\n" in text
    assert "Restart=always\n" in text
    assert "EnvironmentFile=/etc/atendente/atendente.env\n" in text
    assert "User=atendente\n" in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    for unit in UNITS:
        shutil.copy(DEPLOY / "systemd" / unit, tmp_path / unit)
    instances = [str(tmp_path / unit.replace("@.", "@8001.")) for unit in UNITS]
    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *instances],
        capture_output=True,
        text=True,
        check=False,
    )
    complaints = [
        line
        for line in (verified.stdout + verified.stderr).splitlines()
        if "/opt/atendente/venv/bin/atendente is not executable" not in line
    ]
    assert complaints == []
