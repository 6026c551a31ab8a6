"""Where the local runtime keeps its data, shared by `make dev` and the `mailx` command (stdlib only)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DATA_DIR_ENV = "MAILX_DATA_DIR"
MANAGEMENT_KEY_FILE = "management-key"
TOKEN_SECRET_FILE = "token-secret"  # noqa: S105 - a file name, not a secret
LOGIN_FILE = "first-login"
WAL_FILE = "moto-wal.jsonl"
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
