"""Secrets the embedded default makes for itself on first start, kept in the data directory."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path


def tracked_by_git(path: Path) -> bool:
    """Whether the file is committed (or staged) in a git repository: a secret there is as
    public as the repository. No git, no repository: not tracked."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(path.parent), "ls-files", "--error-unmatch", "--", path.name],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return listed.returncode == 0


def read_or_create(path: Path, make: Callable[[], bytes]) -> bytes:
    """The file's bytes; if there is no file yet, `make()`'s, written with mode 0600. The
    secret is written whole to a file of this process's own, then linked into place, so a
    process starting beside this one (`serve --workers N`) reads either no file or the whole
    secret, and never writes over a file another process placed first."""
    if path.exists():
        return path.read_bytes()
    secret = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(secret)
    try:
        os.link(draft, path)
    except FileExistsError:  # another process placed its secret first: use that one
        return path.read_bytes()
    finally:
        draft.unlink()
    return secret
