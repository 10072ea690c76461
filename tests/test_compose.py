"""The stack an operator starts with `docker compose up`: what compose.yaml must say. (No
Docker daemon runs here, so the file is read as Compose reads it: YAML with merge keys.)"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def services() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]


def test_the_api_and_a_worker_run_on_postgresql_and_redis():
    stack = services()

    assert {"api", "worker", "migrate", "postgres", "redis"} <= set(stack)
    for name in ("api", "worker", "migrate"):
        environment = stack[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgresql+asyncpg://"), name
        assert "@postgres:5432/" in environment["DATABASE_URL"], name
        assert environment["TRADEDESK_REDIS_URL"] == "redis://redis:6379/0", name
    assert stack["worker"]["command"] == ["tradedesk", "worker"]


def test_the_data_directory_is_a_named_volume_and_the_secret_key_comes_from_env_file():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    stack = compose["services"]

    for name in ("api", "worker"):
        assert stack[name]["environment"]["TRADEDESK_DATA_DIR"] == "/app/data"
        assert "tradedesk-data:/app/data" in stack[name]["volumes"]
        assert stack[name]["env_file"] == ".env"
        assert "TRADEDESK_SECRET_KEY" not in stack[name]["environment"]  # never inline
    assert "tradedesk-data" in compose["volumes"]
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--error-unmatch", ".env"], capture_output=True
    )
    assert tracked.returncode != 0  # the env file is the operator's, not the repository's
    assert "TRADEDESK_SECRET_KEY" in (ROOT / ".env.example").read_text()


def test_every_service_has_a_health_check_and_the_migration_runs_once_first():
    stack = services()

    for name in ("api", "worker", "postgres", "redis"):
        assert stack[name]["healthcheck"]["test"], name
    assert stack["migrate"]["command"] == ["tradedesk", "migrate"]
    assert stack["migrate"]["restart"] == "no"
    for name in ("api", "worker"):
        assert stack[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert stack["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert "/readyz" in " ".join(stack["api"]["healthcheck"]["test"])


def test_the_image_keeps_its_local_state_in_app_data():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "TRADEDESK_DATA_DIR=/app/data" in dockerfile
    assert "chown tradedesk:tradedesk /app/data" in dockerfile
