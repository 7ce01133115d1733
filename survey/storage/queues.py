"""The store of the report queue (survey.services.report_queue): which one, from its URL.

Huey keeps its queue in a SQLite file of its own by default (the instance
folder's ``report-queue.db``, beside the database but never in it: the queue's
polling and locking stay out of the trainees' writers' way), which needs no
server on the laptop ``make run`` serves from; ``redis://`` puts it in Redis,
which several web processes and hosts can share; ``immediate`` keeps nothing
and runs each task where it is queued (tests).
"""

from __future__ import annotations

from pathlib import Path

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

IMMEDIATE = "immediate"
#: The queue's file in the instance folder when no URL is given.
DEFAULT_FILE = "report-queue.db"


def make_huey(name: str, url: str, instance_dir: Path) -> Huey:
    """A Huey for ``url``: empty (a SQLite file in ``instance_dir``), ``sqlite:///path``,
    ``redis://...`` or ``immediate``; ValueError for anything else."""
    if url == IMMEDIATE:
        return MemoryHuey(name, immediate=True, results=False)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, results=False)
    if url and not url.startswith("sqlite:///"):
        raise ValueError(f"SURVEY_REPORT_QUEUE_URL must be redis://..., sqlite:///path or empty, not {url!r}")
    path = Path(url.removeprefix("sqlite:///")) if url else instance_dir / DEFAULT_FILE
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    return SqliteHuey(name, filename=str(path), results=False)
