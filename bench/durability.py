"""``python -m bench.durability``: what an acknowledged response's durability costs on SQLite.

With ``synchronous=FULL`` each COMMIT waits until the write-ahead log is on
the disk, so a response the trainee saw acknowledged survives a power cut;
with NORMAL the last ones could be lost, but a commit returns sooner. This
stores responses one after the other through the storage door, on a fresh
migrated database with the demo programme, alternating the two settings (the
machine's speed drifts), and prints the wall-clock time per response.

    .venv/bin/python -m bench.durability --responses 1000 --rounds 2
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

from bench import databases

MODES = ("NORMAL", "FULL")


def _store_many(instance: Path, url: str, count: int) -> float:
    """Seconds per response stored, one after the other, through submit_response."""
    from survey import create_app
    from survey.extensions import db
    from survey.questionnaire.kinds import AnswerValue
    from survey.services.published import published_programme
    from survey.services.responses import submit_response
    from survey.storage import SubmittedAnswer

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": instance, "SECRET_KEY": databases.SECRET_KEY})
    answers = [
        SubmittedAnswer(code, AnswerValue("", number=4))
        for code in ("cq_relevance", "cq_clarity", "cq_depth", "pi_awareness", "pi_intention", "recommend")
    ]
    with app.app_context():
        programme = published_programme(db.session(), "niamey-2026")
        started = time.perf_counter()
        for _ in range(count):
            submit_response(db.session(), programme, answers, language="fr", idempotency_key=uuid.uuid4().hex)
        elapsed = time.perf_counter() - started
        db.session.remove()
    app.extensions["survey.db"].dispose()
    return elapsed / count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1000, help="responses stored per run (default 1000)")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two settings (default 2)")
    args = parser.parse_args(argv)
    from survey.storage import engines

    results: dict[str, list[float]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="survey-durability-") as workdir:
        for round_ in range(args.rounds):
            for mode in MODES:
                database = databases.sqlite(Path(workdir) / f"{mode}-{round_}")
                databases.migrate_and_load_demo(database)
                engines.SQLITE_SYNCHRONOUS = mode
                results[mode].append(_store_many(database.instance, database.url, args.responses))
    print(f"SQLite, {args.responses} responses one after the other through the storage door, {os.cpu_count()} cores:")
    for mode in MODES:
        figures = ", ".join(f"{seconds * 1000:.3f}" for seconds in results[mode])
        print(f"  synchronous={mode}: {figures} ms per response")
    extra = [full - normal for full, normal in zip(results["FULL"], results["NORMAL"], strict=True)]
    print(f"  FULL costs {', '.join(f'{seconds * 1000:.3f}' for seconds in extra)} ms more per response")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
