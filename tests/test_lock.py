"""The dependency locks: every dependency pyproject.toml names is pinned with its hashes, the
image's lock agrees with the test lock, and this environment runs exactly the locked versions
(the test command installs from the lock, so two installs a day apart test the same code)."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^ ;\\]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    return {canonicalize_name(name): pinned for name, pinned in PIN.findall(text)}


def declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    test = {
        canonicalize_name(Requirement(r).name) for r in project["optional-dependencies"]["test"]
    }
    return runtime, test


def test_every_declared_dependency_is_pinned_with_hashes():
    runtime, test = declared()
    test_lock, image_lock = pins("requirements-test.lock"), pins("requirements.lock")

    assert runtime | test <= set(test_lock)
    assert runtime <= set(image_lock)
    for lock in ("requirements-test.lock", "requirements.lock"):
        entries = re.split(r"\n(?=\S)", (ROOT / lock).read_text())
        pinned = [entry for entry in entries if PIN.match(entry)]
        assert pinned and all("--hash=sha256:" in entry for entry in pinned), lock


def test_the_image_runs_the_versions_the_tests_ran():
    test_lock = pins("requirements-test.lock")

    image = pins("requirements.lock")

    assert image == {name: test_lock[name] for name in image}


def test_this_environment_runs_the_locked_versions():
    locked = pins("requirements-test.lock")

    installed = {name: version(name) for name in locked}
    assert installed == locked


def test_the_image_and_the_test_command_install_from_the_locks():
    dockerfile = (ROOT / "Dockerfile").read_text()
    test_command = (ROOT / "scripts" / "test").read_text()

    assert "pip install --no-cache-dir --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-cache-dir --no-deps ." in dockerfile
    assert "--require-hashes -r requirements-test.lock" in test_command
    assert "--no-deps -e ." in test_command
