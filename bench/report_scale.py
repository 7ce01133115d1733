"""Scale benchmark of the reports: summary statistics for 10,000 responses and
the XLSX export of 100,000, with its memory.

    .venv/bin/python -m bench.report_scale                    # 10k and 100k (a few minutes)
    .venv/bin/python -m bench.report_scale --sizes 1000 5000  # a smoke run
    .venv/bin/python -m bench.report_scale --sizes 100000 --stats-size 1000 --no-trace  # memory only, faster

What it does: migrates a temporary SQLite database, imports the default
questionnaire and one programme per size (six sessions, as the demo), and
inserts the responses directly with SQLAlchemy Core in bulk (plausible
answers, half the comments filled, some in Arabic and some hostile) — not
through the web form, which the load benchmark (``python -m bench``) measures.
Then, each in a fresh interpreter so one measure cannot inflate another:

(a) ``aggregates.programme_data(with_rows=True)`` (the SQL tallies and the
    per-response rows) and the statistics a summary shows (every scale item,
    the dimension scores with alpha, the before/after pairs, the NPS);
(b) the peak RSS growth while ``programme_data(with_rows=True)`` loads, and
    the RSS it leaves; then ``write_xlsx`` fed by ``exports.raw_responses`` to
    a file: wall time, the growth of peak RSS during the export (``ru_maxrss`` after resetting the
    high-water mark through ``/proc/self/clear_refs``), and, in a second run,
    the peak of Python allocations traced by ``tracemalloc`` (which slows the
    run down, hence the separate run; ``--no-trace`` skips it). Flat memory means the 100k figures
    match the 10k ones, not ten times them.

Bounded: sizes up to 500,000; every step is a subprocess with a timeout; the
temporary folder is removed at the end.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

MAX_SIZE = 500_000
STEP_TIMEOUT = 1800  # seconds, per subprocess
CHUNK = 2000  # responses per bulk insert
HOSTILE = ('=HYPERLINK("http://x","click")', "+1+1", "@SUM(A1)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="responses per XLSX run")
    parser.add_argument("--stats-size", type=int, default=10_000, help="responses for the statistics run")
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc runs of the export")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    sizes = sorted(set(args.sizes) | {args.stats_size})
    if any(not 1 <= n <= MAX_SIZE for n in sizes):
        parser.error(f"sizes must be between 1 and {MAX_SIZE}")
    with tempfile.TemporaryDirectory(prefix="report-scale-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'reports.db'}"
        print(f"building {', '.join(f'{n:,}' for n in sizes)} responses in {url} ...", flush=True)
        build = run_child("build", url, *map(str, sizes))
        print(f"built in {build['seconds']:.1f} s: {build['responses']:,} responses, {build['answers']:,} answers")
        statistics = run_child("stats", url, str(args.stats_size))
        exports = []
        for n in sorted(set(args.sizes)):
            print(f"writing the XLSX of {n:,} responses ...", flush=True)
            timed = run_child("xlsx", url, str(n), tmp)
            if args.no_trace:
                exports.append({**timed, "summary_traced_mb": float("nan"), "raw_traced_mb": float("nan")})
                continue
            traced = run_child("xlsx", url, str(n), tmp, "--trace")
            exports.append(
                {**timed, "summary_traced_mb": traced["summary_traced_mb"], "raw_traced_mb": traced["raw_traced_mb"]}
            )
    print()
    print(report(build, statistics, exports))
    return 0


def run_child(*arguments: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.report_scale", "--child", *arguments],
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"step {arguments[0]} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def child(arguments: list[str]) -> dict[str, Any]:
    command, url, *rest = arguments
    if command == "build":
        return build(url, [int(n) for n in rest])
    if command == "stats":
        return measure_statistics(url, int(rest[0]))
    if command == "xlsx":
        return measure_xlsx(url, int(rest[0]), Path(rest[1]), trace="--trace" in rest)
    raise SystemExit(f"unknown step {command}")


# -- building the database ------------------------------------------------------------


def build(url: str, sizes: list[int]) -> dict[str, Any]:
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from survey.migrate import upgrade
    from survey.models import Answer, Response
    from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition
    from survey.questionnaire.definition import iter_questions
    from survey.services.demo import DEMO_LANGUAGE_WEIGHTS, DEMO_SESSIONS
    from survey.services.programmes import create_programme
    from survey.services.questionnaires import import_questionnaire
    from survey.storage.engines import make_engine

    started = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    rng = random.Random(2026)
    languages, weights = list(DEMO_LANGUAGE_WEIGHTS), list(DEMO_LANGUAGE_WEIGHTS.values())
    responses = answers = 0
    with Session(engine) as session:
        definition = load_definition(DEFAULT_QUESTIONNAIRE)
        questionnaire, _ = import_questionnaire(session, definition)
        programmes = []
        for n in sizes:
            programme = create_programme(
                session,
                slug=f"scale-{n}",
                title=f"Benchmark, {n:,} responses",
                questionnaire=questionnaire,
                expected_participants=n,
                sessions=DEMO_SESSIONS,
            )
            programme.status = "open"
            programmes.append((n, programme))
        session.commit()
        questions = [(q.id, q.code, q.kind) for q in questionnaire.questions]
        options = {q["code"]: [o["value"] for o in q.get("options", ())] for _, _, q in iter_questions(definition)}
        plans = [(n, p.id, questionnaire.id, [str(s.id) for s in p.sessions]) for n, p in programmes]
    with engine.begin() as connection:
        for n, programme_id, questionnaire_id, sessions in plans:
            for first in range(0, n, CHUNK):
                rows, answer_rows = [], []
                for i in range(first, min(n, first + CHUNK)):
                    response_id = uuid.UUID(int=rng.getrandbits(128))
                    lang = rng.choices(languages, weights)[0]
                    rows.append(
                        {
                            "id": response_id,
                            "programme_id": programme_id,
                            "questionnaire_id": questionnaire_id,
                            "submitted_at": datetime(2025, 3, 7, 15, tzinfo=UTC) + timedelta(seconds=i),
                            "language": lang,
                            "idempotency_key": response_id.hex,
                            "source": "web",
                            "excluded": False,
                        }
                    )
                    answer_rows += [
                        {"response_id": response_id, "question_id": qid, "item": item, "number": number, "text": text}
                        for qid, item, number, text in random_answers(rng, questions, options, sessions, lang)
                    ]
                connection.execute(insert(Response), rows)
                connection.execute(insert(Answer), answer_rows)
                responses += len(rows)
                answers += len(answer_rows)
    engine.dispose()
    return {"seconds": time.perf_counter() - started, "responses": responses, "answers": answers}


def random_answers(
    rng: random.Random,
    questions: list[tuple[int, str, str]],
    options: dict[str, list[str]],
    sessions: list[str],
    lang: str,
) -> Iterator[tuple[int, str, int | None, str | None]]:
    """(question id, item, number, text) of one plausible response, as the demo's are."""
    from reports.kinds import KINDS
    from survey.services.demo import COMMENTS

    mood = rng.gauss(0.6, 0.7)

    def point(low: int, high: int, shift: float = 0.0) -> int:
        middle = low + (high - low) * (0.62 + 0.12 * (mood + shift))
        return max(low, min(high, round(rng.gauss(middle, (high - low) / 5))))

    for qid, code, name in questions:
        kind = KINDS[name]
        if kind.paired:
            before = point(1, 5, -2.5)
            yield qid, "before", before, None
            yield qid, "after", max(before, point(1, 5, 0.3)), None
        elif kind.per_session:
            yield from ((qid, s, point(1, 5), None) for s in sessions if rng.random() < 0.9)
        elif kind.nps:
            yield qid, "", point(0, 10, 0.5), None
        elif kind.scale:
            yield qid, "", point(1, 5), None
        elif kind.multiple:
            yield from ((qid, o, 1, None) for o in options[code] if rng.random() < 0.45)
        elif kind.choice:
            yield qid, "", None, rng.choice(options[code])
        elif rng.random() < 0.5:
            comment = rng.choice(HOSTILE) if rng.random() < 0.01 else rng.choice(COMMENTS[lang])
            yield qid, "", None, comment


# -- measuring --------------------------------------------------------------------------


def open_programme(url: str, n: int) -> tuple[Any, Any]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from survey.models import Programme
    from survey.storage.engines import make_engine

    session = Session(make_engine(url))
    return session, session.scalars(select(Programme).where(Programme.slug == f"scale-{n}")).one()


def measure_statistics(url: str, n: int) -> dict[str, Any]:
    from reports import paired, stats
    from reports.documents import xlsx
    from reports.kinds import kind_of
    from survey.services.aggregates import programme_data

    session, programme = open_programme(url, n)
    started = time.perf_counter()
    data = programme_data(session, programme, with_rows=True)
    loaded = time.perf_counter()
    counts = xlsx.tally_counts(data)
    items = 0
    for question in data.questionnaire.questions:
        kind = kind_of(question)
        if kind.scale:
            for item in [i.value for i in question.items] or [""]:
                xlsx.scale_summary(data, question, item, counts)
                items += 1
        if kind.paired:
            pairs = paired.pairs_from_rows(data.rows, f"{question.code}:before", f"{question.code}:after")
            paired.paired_summary(pairs)
        if kind.nps:
            stats.net_promoter({int(v): c for v, c in counts[(question.code, "")].items() if isinstance(v, int)})
    dimensions = xlsx.dimension_scores(data)
    done = time.perf_counter()
    return {
        "responses": data.n_responses,
        "load_seconds": loaded - started,
        "stats_seconds": done - loaded,
        "scale_items": items,
        "dimensions": len(dimensions),
    }


class Phases:
    """Time, peak RSS growth and tracemalloc peak of the export's two phases:
    the summary and dimension sheets (statistics over the per-response rows the
    caller loaded, so they grow with n by design), then the raw answers
    streamed from the database (the Responses sheet, the codebook, the zip)."""

    def __init__(self, trace: bool) -> None:
        self.trace = trace
        self.figures: list[tuple[float, float, float]] = []

    def start(self) -> None:
        gc.collect()
        if self.trace:
            tracemalloc.start()
        self._begin()

    def mark(self) -> None:
        """End the current phase and start the next one."""
        seconds = time.perf_counter() - self.started
        growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - self.maxrss) / 1024
        traced = tracemalloc.get_traced_memory()[1] / 2**20 if self.trace else 0.0
        self.figures.append((seconds, growth, traced))
        self._begin()

    def _begin(self) -> None:
        _reset_peak_rss()
        if self.trace:
            tracemalloc.reset_peak()
        self.maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.started = time.perf_counter()


def measure_xlsx(url: str, n: int, folder: Path, *, trace: bool) -> dict[str, Any]:
    from reports.data import RawResponse
    from reports.documents import ReportSource
    from reports.documents.xlsx import write_xlsx
    from survey.services.aggregates import programme_data
    from survey.services.exports import raw_responses

    session, programme = open_programme(url, n)
    gc.collect()
    _reset_peak_rss()
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    data = programme_data(session, programme, with_rows=True)
    loaded = time.perf_counter()
    load_peak = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - maxrss) / 1024
    phases = Phases(trace)

    def raw() -> Iterator[RawResponse]:
        phases.mark()  # the summary sheets are written: the raw answers start
        yield from raw_responses(session, programme)

    path = folder / f"responses-{n}.xlsx"
    gc.collect()
    rss_before = _status_kb("VmRSS")
    phases.start()
    with path.open("wb") as out:
        write_xlsx(ReportSource(data, raw), "fr", out)
    phases.mark()
    tracemalloc.stop()
    (summary_s, summary_rss, summary_traced), (raw_s, raw_rss, raw_traced) = phases.figures
    return {
        "responses": data.n_responses,
        "load_seconds": loaded - started,
        "load_peak_mb": load_peak,
        "rss_before_mb": rss_before / 1024,
        "file_mb": path.stat().st_size / 2**20,
        "summary_seconds": summary_s,
        "raw_seconds": raw_s,
        "summary_rss_mb": summary_rss,
        "raw_rss_mb": raw_rss,
        "summary_traced_mb": summary_traced,
        "raw_traced_mb": raw_traced,
    }


def _reset_peak_rss() -> None:
    """Set the peak RSS back to the current RSS (Linux), so ru_maxrss measures what follows."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        print("cannot reset the peak RSS: the ru_maxrss delta may be understated", file=sys.stderr)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


# -- the table ----------------------------------------------------------------------------


def report(build: dict[str, Any], statistics: dict[str, Any], exports: list[dict[str, Any]]) -> str:
    lines = [
        f"report scale benchmark: SQLite, default questionnaire, 6 sessions; Python {platform.python_version()}",
        f"database built in {build['seconds']:.1f} s ({build['responses']:,} responses, "
        f"{build['answers']:,} answers, bulk insert with SQLAlchemy Core)",
        "",
        f"(a) summary statistics, {statistics['responses']:,} responses",
        *(
            f"    {name:<58} {seconds:6.2f} s"
            for name, seconds in (
                ("SQL aggregates + per-response rows", statistics["load_seconds"]),
                (
                    f"statistics ({statistics['scale_items']} scale items, {statistics['dimensions']} dimensions,"
                    " paired, NPS)",
                    statistics["stats_seconds"],
                ),
                ("total", statistics["load_seconds"] + statistics["stats_seconds"]),
            )
        ),
        "",
        "(b) XLSX export, in two phases: the summary and dimension sheets (statistics over the rows loaded",
        "    before), then the raw answers streamed from the database (Responses sheet, codebook, zip)",
    ]
    headers = ["responses", "load data s", "load peak MB", "RSS then MB", "summary s", "raw s", "file MB"]
    headers += ["RSS growth: summary", "raw MB", "tracemalloc: summary", "raw MB"]
    keys = ["load_seconds", "load_peak_mb", "rss_before_mb", "summary_seconds", "raw_seconds", "file_mb"]
    keys += ["summary_rss_mb", "raw_rss_mb", "summary_traced_mb", "raw_traced_mb"]
    rows = [[f"{e['responses']:,}", *(f"{e[k]:.1f}" for k in keys)] for e in exports]
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    for row in (headers, *rows):
        lines.append("    " + " | ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    if len(exports) >= 2:
        small, large = exports[0], exports[-1]
        ratio = large["responses"] / small["responses"]
        lines.append(
            f"    raw answers, {ratio:.0f}x the responses: tracemalloc peak"
            f" x{large['raw_traced_mb'] / max(small['raw_traced_mb'], 0.01):.2f},"
            f" peak RSS growth {small['raw_rss_mb']:.1f} -> {large['raw_rss_mb']:.1f} MB"
        )
    lines.append("    (load data = aggregates.programme_data(with_rows=True), the caller's work before the export;")
    lines.append("    load peak = peak RSS growth while it loads; RSS then = the process's RSS once loaded)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
