"""Where the local runtime keeps its data, shared by `make dev` and the `mailx` command (stdlib only)."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

DATA_DIR_ENV = "MAILX_DATA_DIR"
MANAGEMENT_KEY_FILE = "management-key"
TOKEN_SECRET_FILE = "token-secret"  # noqa: S105 - a file name, not a secret
LOGIN_FILE = "first-login"
WAL_FILE = "moto-wal.jsonl"
RUNTIME_FILE = "runtime.json"  # the running runtime's URL and process id, for the `mailx` command
DEFAULT_PORT = 8000
LOCAL_HOST = "127.0.0.1"


def repo_root() -> Path:
    """The checkout this package runs from (editable install), else the working directory."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "functions" / "jmap").is_dir():
            return parent
    return Path.cwd()


def data_dir() -> Path:
    """MAILX_DATA_DIR, or `.dev-data/` at the repository root."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(override).expanduser().resolve() if override else repo_root() / ".dev-data"


def read_text(folder: Path, name: str) -> str | None:
    """A kept value, or None when it was never written."""
    path = folder / name
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def write_private(folder: Path, name: str, value: str) -> None:
    """Write a secret readable by the owner only (written to a temporary file, then renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    os.replace(tmp, folder / name)


def kept_secret(folder: Path, name: str, nbytes: int = 32) -> str:
    """The value kept under NAME, generated at random on first use."""
    value = read_text(folder, name)
    if value is None:
        value = secrets.token_urlsafe(nbytes)
        write_private(folder, name, value)
    return value


def write_runtime(folder: Path, url: str) -> None:
    """Say where this process serves, so `mailx` finds it on any PORT."""
    write_private(folder, RUNTIME_FILE, json.dumps({"url": url, "pid": os.getpid()}))


def clear_runtime(folder: Path) -> None:
    (folder / RUNTIME_FILE).unlink(missing_ok=True)


def running_url(folder: Path) -> str | None:
    """The URL of the runtime using FOLDER, if one is running (its process still exists)."""
    raw = read_text(folder, RUNTIME_FILE)
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        os.kill(int(data["pid"]), 0)
    except (ValueError, KeyError, TypeError, ProcessLookupError):
        return None
    except PermissionError:  # alive, another user's: still the runtime of this folder
        pass
    url = data.get("url")
    return url if isinstance(url, str) and url else None
