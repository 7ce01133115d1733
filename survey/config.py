"""Settings, read from ``SURVEY_*`` environment variables.

Every setting has a safe default for ``make run`` on a laptop; production sets
``SURVEY_DATABASE_URL`` and ``SURVEY_SECRET_KEY`` (see README.md).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reports import languages

#: Where the SQLite database and the generated secret key live by default.
INSTANCE_DIR = Path(os.environ.get("SURVEY_INSTANCE_PATH", Path.cwd() / "instance")).resolve()


def _env(name: str, default: str) -> str:
    return os.environ.get(f"SURVEY_{name}", default)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(f"SURVEY_{name}")
    return int(raw) if raw else default


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(f"SURVEY_{name}")
    return float(raw) if raw else default


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(f"SURVEY_{name}")
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def base_url(value: str) -> str:
    """``value`` without its trailing slash, or ValueError if it is not an absolute
    http(s) address: every printed link and QR code would be wrong."""
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if value and (parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment):
        raise ValueError(f"SURVEY_BASE_URL must look like https://survey.example.org, not {value!r}")
    return value


def instance_secret_key(instance_dir: Path) -> str:
    """Return the key kept in ``instance/secret_key``, creating it once.

    Several gunicorn workers must share one key, so it cannot be generated per
    process; writing it with O_EXCL makes the first worker's key win.
    """
    path = instance_dir / "secret_key"
    instance_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        key = secrets.token_urlsafe(48)
        handle.write(key)
    return key


class Config:
    """Production and development settings."""

    INSTANCE_DIR = INSTANCE_DIR
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'survey.db'}")
    SECRET_KEY: str | None = os.environ.get("SURVEY_SECRET_KEY") or None
    #: The address people type or scan (links, QR codes, poster); empty: the one each request came to.
    #: ``survey serve --lan`` sets the laptop's address when this is empty.
    BASE_URL = base_url(_env("BASE_URL", ""))
    #: Classroom mode copies the SQLite database this often, and keeps the newest BACKUP_KEEP copies.
    BACKUP_MINUTES = _env_float("BACKUP_MINUTES", 60.0)
    BACKUP_KEEP = _env_int("BACKUP_KEEP", 12)
    #: ``survey serve`` erases the programmes whose retention period has passed at
    #: startup and then this often (``survey retention`` does it once); 0: never.
    RETENTION_HOURS = _env_float("RETENTION_HOURS", 24.0)
    #: Largest request body accepted; a full form is a few kilobytes.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 256 * 1024)
    #: Longest free-text answer, in characters (a long comment).
    MAX_TEXT_LENGTH = _env_int("MAX_TEXT_LENGTH", 2000)
    #: One of :data:`reports.languages.CODES` (checked when the application is made).
    DEFAULT_LANGUAGE = _env("DEFAULT_LANGUAGE", languages.DEFAULT_LANGUAGE)
    #: Seconds a worker shows trainee pages from its copy of a programme before
    #: asking the database again (a response is always checked when stored).
    PUBLISHED_PROGRAMME_SECONDS = _env_float("PUBLISHED_PROGRAMME_SECONDS", 1.0)
    #: Where the rate limits keep their counts (survey.web.limits): empty, this process's memory,
    #: which serves `survey serve` (one process); a Redis URL when several processes or hosts serve.
    REDIS_URL = _env("REDIS_URL", "")
    #: How many processes serve this service, on every host together; 0: one, or several
    #: when gunicorn runs it. More than one requires REDIS_URL (checked when the app is made).
    WORKERS = _env_int("WORKERS", 0)
    #: Reverse proxies in front that add X-Forwarded-For; the client's address is read that many
    #: hops back. 0: none, the address is the connection's.
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)
    #: Serve cookies only over HTTPS; on by default, off for ``make run`` on plain http.
    SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    #: A staff session ends after this long without a request (the signed cookie's age is checked).
    PERMANENT_SESSION_LIFETIME = timedelta(hours=_env_float("STAFF_IDLE_HOURS", 8.0))
    WTF_CSRF_TIME_LIMIT = None  # a trainee may leave the form open for an hour
    #: Our forms carry their own messages; WTForms' catalogues would be loaded on every request.
    WTF_I18N_ENABLED = False
    #: Static URLs carry a content hash (see asset_url), so they can be cached long.
    SEND_FILE_MAX_AGE_DEFAULT = 365 * 24 * 3600
    #: Where report jobs wait for a worker: empty for a SQLite file in the instance folder, or
    #: redis://host:port/db (several web processes or hosts); SURVEY_REDIS_URL when that is set.
    REPORT_QUEUE_URL = _env("REPORT_QUEUE_URL", _env("REDIS_URL", ""))
    #: Documents made at once by ``survey worker`` (the one ``survey serve`` starts), and how many
    #: steps below the web server's CPU priority it runs (os.nice).
    REPORT_WORKERS = _env_int("REPORT_WORKERS", 1)
    REPORT_NICE = _env_int("REPORT_NICE", 10)
    #: Minutes a finished document can be downloaded before its file is deleted.
    REPORT_KEEP_MINUTES = _env_float("REPORT_KEEP_MINUTES", 60.0)
    #: Days a finished report job (failed, or expired) is kept, its page with it; then the
    #: worker deletes its row. Queued and running jobs are never deleted.
    REPORT_JOB_RETENTION_DAYS = _env_float("REPORT_JOB_RETENTION_DAYS", 7.0)
    #: Seconds between a working job's signs of life; six missed: its worker stopped.
    REPORT_HEARTBEAT_SECONDS = _env_float("REPORT_HEARTBEAT_SECONDS", 10.0)
    #: Folder of the finished documents; empty: report-files/ in the instance folder.
    REPORT_FILES = _env("REPORT_FILES", "")
    #: The central service a field instance pushes its responses to (``survey push-programme``):
    #: its address and a personal API token of it (read and submit scopes); empty: no push.
    CENTRAL_URL = _env("CENTRAL_URL", "").strip().rstrip("/")
    CENTRAL_TOKEN = _env("CENTRAL_TOKEN", "").strip()
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).parent / "translations")
    TESTING = False

    @classmethod
    def as_dict(cls) -> dict[str, Any]:
        return {name: getattr(cls, name) for name in dir(cls) if name.isupper()}


class TestConfig(Config):
    """Settings for the test suite: an in-memory database unless told otherwise."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 (tests only)
    SQLALCHEMY_DATABASE_URI = os.environ.get("SURVEY_TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    # The tests' own rate-limit counts, whatever the machine's environment says.
    REDIS_URL = ""
    WORKERS = 0
    TRUSTED_PROXIES = 0
    #: No retention sweep in a thread of a test server (tests call it themselves).
    RETENTION_HOURS = 0.0
    #: Jobs run inside the request that asks: the web tests see the finished job at once.
    REPORT_QUEUE_URL = "immediate"
    #: No push to a central service unless a test configures one.
    CENTRAL_URL = ""
    CENTRAL_TOKEN = ""
