"""The queue between the web server and the report workers.

Why Huey: it is a kept task queue that needs no server of its own. Its file
storage in the instance folder (survey.storage.queues) serves the laptop that
``make run`` starts, where there is no Redis, and Windows as well as Linux; with
``SURVEY_REPORT_QUEUE_URL=redis://...`` the same tasks go through Redis for
several web processes and hosts. Its consumer runs tasks in threads of one
process, which is what bounds the work: ``SURVEY_REPORT_WORKERS`` documents at
once, at a lower CPU priority (``os.nice``) than the web server, which the
Chromium that prints a PDF inherits. RQ was the other candidate: it needs Redis
even on a laptop, and forks a process per job, which Windows cannot.

The queue carries job ids only; the job itself (state, reason, file) is a row
of ``report_jobs`` (:mod:`survey.services.report_jobs`), so what a worker does
is visible to every web process, and a sweep finds what a stopped worker left.

``SURVEY_REPORT_QUEUE_URL=immediate`` runs each job inside the request that
asks for it: for tests, whose jobs need no second process.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from survey.extensions import db
from survey.services import report_jobs
from survey.services.report_jobs import JobSettings
from survey.storage.queues import make_huey

log = logging.getLogger(__name__)


class ReportQueue:
    """Huey, configured for this application's jobs: the web side enqueues, ``survey worker`` consumes."""

    def __init__(self, url: str, instance_dir: Path, settings: JobSettings) -> None:
        self.settings = settings
        self.url = url
        self.huey = make_huey("survey-reports", url, instance_dir)
        self._make_report: Callable[[str], object] = self.huey.task(name="make_report")(self._run)

    @property
    def immediate(self) -> bool:
        return bool(self.huey.immediate)

    def enqueue(self, job_id: str) -> None:
        """Queue the job (immediate mode: make it now)."""
        self._make_report(job_id)

    def _run(self, job_id: str) -> None:
        """In a worker thread: make the job's document while a heartbeat says we are alive."""
        if self.immediate:  # in the request's thread and session: no second thread may share them
            report_jobs.run(db.session(), job_id, self.settings)
            return
        stop = threading.Event()
        beating = threading.Thread(target=self._beat, args=(job_id, stop), name=f"heartbeat-{job_id[:8]}", daemon=True)
        try:
            report_jobs.run(db.session(), job_id, self.settings, beat=beating.start)
        finally:
            stop.set()
            if beating.is_alive():
                beating.join()
            db.session.remove()

    def _beat(self, job_id: str, stop: threading.Event) -> None:
        interval = self.settings.heartbeat.total_seconds()
        try:
            while not stop.wait(interval):
                report_jobs.heartbeat(db.session(), job_id)
        finally:
            db.session.remove()

    def sweep(self) -> report_jobs.Swept:
        """Requeue what stopped workers left, delete expired files (see report_jobs.sweep)."""
        try:
            return report_jobs.sweep(db.session(), self.settings, self.enqueue)
        finally:
            db.session.remove()

    def consume(self, workers: int, nice: int, parent: int | None = None) -> None:
        """Run the consumer until SIGINT or SIGTERM (or, given ``parent``, until that
        process is gone): ``workers`` documents at once, ``nice`` steps below the
        web server's priority. In the main thread (the consumer sets signal handlers)."""
        if self.immediate:
            raise RuntimeError("SURVEY_REPORT_QUEUE_URL=immediate runs jobs in the request: nothing to consume")
        if nice and hasattr(os, "nice"):
            os.nice(nice)
        self.sweep()
        done = threading.Event()
        sweeper = threading.Thread(target=self._sweep_regularly, args=(done, parent), name="sweeper", daemon=True)
        sweeper.start()
        # An empty queue file is polled at most a second apart (Huey would wait up to 10 s):
        # a document asked for after a quiet while should not wait for the poll.
        consumer = self.huey.create_consumer(workers=workers, worker_type="thread", periodic=False, max_delay=1.0)
        try:
            consumer.run()
        finally:
            done.set()

    def _sweep_regularly(self, done: threading.Event, parent: int | None) -> None:
        while not done.wait(self.settings.heartbeat.total_seconds()):
            if parent is not None and os.getppid() != parent:
                log.warning("the server that started this worker is gone: stopping")
                os.kill(os.getpid(), signal.SIGTERM)
                return
            try:
                self.sweep()
            except Exception:  # a database that is down now may be back at the next sweep
                log.exception("sweeping report jobs failed")
