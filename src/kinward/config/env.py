"""Reading settings from the environment: typed values, database URLs and secret files."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed; the message names the variable and what to do."""


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name}={raw!r} is not a boolean: use true or false")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a whole number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def read_or_create_secret(path: Path, *, create: bool) -> str:
    """Return the secret stored in `path`; create a random one (mode 0600) when allowed and absent."""
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if not value:
            raise ConfigurationError(f"secret file {path} is empty")
        return value
    if not create:
        raise ConfigurationError(f"secret file {path} does not exist: create it (see docs/operations.md)")
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


def database_from_url(url: str) -> dict:
    """Turn `sqlite:///path` or `postgres://user:pass@host:port/name` into a Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path)
        if url.startswith("sqlite:////"):
            path = "/" + path.lstrip("/")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            "OPTIONS": {
                # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at BEGIN so two
                # writers never deadlock on lock upgrade; the timeout waits for the lock instead of failing.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            "TEST": {"NAME": None},
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        query = {key: values[-1] for key, values in parse_qs(parsed.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "OPTIONS": query,
            "CONN_MAX_AGE": 60,
        }
    raise ConfigurationError(f"DATABASE_URL scheme {parsed.scheme!r} is not supported: use sqlite:// or postgres://")
