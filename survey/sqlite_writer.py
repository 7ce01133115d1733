"""SQLite writers take turns in the kernel, not in SQLite's busy loop.

SQLite lets one writer in at a time. A writer that finds the database locked
sleeps and tries again, 1 ms, then 2, 5, 10 ms and more (SQLite's busy
handler), while a trainee's write holds the lock for well under a
millisecond: under load the workers slept more than they worked (the bench
saw the machine 76-84% busy on SQLite against 92-95% for the bare unit).
Writers marked with survey.extensions.write_intent therefore queue first on a
lock of their own, a thread lock inside the process and flock() on a file
beside the database across processes; the kernel wakes the next one as soon
as the lock is released. A trainee's send written on the driver's own
connection (survey.services.sqlite_send) takes the same turn with
survey.extensions.sqlite_writer_turn. Other writers (an organiser's edit)
still rely on SQLite's busy timeout, which stays the safety net.

The write-ahead log is copied back into the database (a checkpoint) by
survey.extensions every CHECKPOINT_EVERY turns, after the turn is released.
SQLite's own automatic checkpoint runs inside the COMMIT that crosses its
threshold, so with the turn held: every writer of every worker waited while
it copied and synced the file (the bench saw the machine 85-88% busy on
SQLite with it, 89-92% without).
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable


class WriterTurns:
    """One write transaction at a time for one SQLite database file."""

    #: Turns taken in a process between two checkpoints it runs.
    CHECKPOINT_EVERY = 100

    def __init__(self, database_path: str | None) -> None:
        #: None for an in-memory database: one process, so the thread lock is enough.
        self.lock_path = f"{database_path}-writer" if database_path else None
        self.checkpoint_every = self.CHECKPOINT_EVERY
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0
        self._since_checkpoint = 0
        self._checkpointing = threading.Lock()

    @property
    def taken(self) -> bool:
        """Whether a thread of this process holds the turn."""
        return self._threads.locked()

    def acquire(self) -> None:
        self._threads.acquire()
        try:
            fd = self._file()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        self._since_checkpoint += 1  # still under the thread lock
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def checkpoint_if_due(self, checkpoint: Callable[[], object]) -> None:
        """Run ``checkpoint`` once enough turns were taken; by one thread at a time, others go on."""
        if self.lock_path is None or self._since_checkpoint < self.checkpoint_every:
            return
        if not self._checkpointing.acquire(blocking=False):
            return
        try:
            self._since_checkpoint = 0
            checkpoint()
        finally:
            self._checkpointing.release()

    def _file(self) -> int | None:
        # Opened in each process: a descriptor inherited across fork() shares its
        # flock with the parent's, so it would not keep the two apart.
        if self.lock_path is None:
            return None
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd
