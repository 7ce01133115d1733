"""``python -m bench.profile``: where one trainee's server time goes, under cProfile.

Runs the application in this process (Flask's test client, no gunicorn, no
network) on a fresh database with the demo, walks N trainees through the form,
and prints the CPU time of each step, then the hottest functions: those of
survey/ by cumulative time, and all by own time. The profiler counts the
thread's CPU time, not the clock: a commit waiting on the disk's fsync is not
work the server could spend elsewhere. The test client adds its own cost
(werkzeug/test.py); it is not the application's.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import databases
from bench.client import hidden_fields
from bench.load import default_answers, session_ids

FORM_PATH = "/s/niamey-2026"
STEPS = ("GET form", "POST page 1", "POST page 2", "POST send")
STEPS_WHOLE = ("GET form", "POST whole form")


def walk_whole(client: Any, pages: tuple[tuple[tuple[str, str], ...], ...], clock: dict[str, float]) -> None:
    """One trainee with JavaScript: GET, then one POST of the whole form."""
    client._cookies.clear()
    started = time.process_time()
    reply = client.get(FORM_PATH, headers={"Accept-Encoding": "identity", "Accept-Language": "fr"})
    clock[STEPS_WHOLE[0]] += time.process_time() - started
    assert reply.status_code == 200, reply.status_code
    hidden = hidden_fields(reply.get_data(as_text=True))
    data = [(name, hidden.get(name, "")) for name in ("csrf_token", "idem", "carry")]
    data += [("page", str(len(pages) - 1)), ("whole", "1"), *(pair for answers in pages for pair in answers)]
    data.append(("action", "send"))
    started = time.process_time()
    reply = client.post(FORM_PATH, data=_multidict(data), headers={"Accept-Encoding": "gzip", "Accept-Language": "fr"})
    clock[STEPS_WHOLE[1]] += time.process_time() - started
    assert reply.status_code == 303, reply.status_code


def walk(client: Any, pages: tuple[tuple[tuple[str, str], ...], ...], clock: dict[str, float]) -> None:
    """One trainee without JavaScript: the four requests, each step's CPU time added to ``clock``."""
    client._cookies.clear()
    headers = {"Accept-Encoding": "gzip", "Accept-Language": "fr"}
    started = time.process_time()
    reply = client.get(FORM_PATH, headers={"Accept-Encoding": "identity", "Accept-Language": "fr"})
    clock[STEPS[0]] += time.process_time() - started
    assert reply.status_code == 200, reply.status_code
    hidden = hidden_fields(reply.get_data(as_text=True))
    for index, answers in enumerate(pages, start=1):
        last = index == len(pages)
        data = [(name, hidden.get(name, "")) for name in ("csrf_token", "idem", "page", "carry")]
        data += [*answers, ("action", "send" if last else "next")]
        started = time.process_time()
        reply = client.post(FORM_PATH, data=_multidict(data), headers=headers if last else {"Accept-Language": "fr"})
        clock[STEPS[index]] += time.process_time() - started
        assert reply.status_code == (303 if last else 200), reply.status_code
        if not last:
            hidden = hidden_fields(reply.get_data(as_text=True))


def _multidict(pairs: list[tuple[str, str]]) -> Any:
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--trainees", type=int, default=200, help="profiled trainees (default 200, at most 5000)")
    databases.add_arguments(parser)
    parser.add_argument("--no-js", action="store_true", help="walk page by page (GET + 3 POSTs), as without JavaScript")
    parser.add_argument("--top", type=int, default=30, help="functions listed per table (default 30)")
    parser.add_argument("--output", type=Path, help="also write the raw profile here (for snakeviz, pstats)")
    args = parser.parse_args(argv)
    if not 1 <= args.trainees <= 5000:
        parser.error("--trainees must be in [1, 5000]")
    with tempfile.TemporaryDirectory(prefix="survey-profile-") as work:
        workdir = Path(work)
        database = databases.fresh(args.database, workdir, args.postgres_url)
        databases.migrate_and_load_demo(database)
        os.environ.update(database.app_env())  # read by survey.config at import
        from survey import create_app

        app = create_app()
        client = app.test_client()
        pages = default_answers(session_ids(client.get(FORM_PATH).get_data(as_text=True)))
        steps, step = (STEPS, walk) if args.no_js else (STEPS_WHOLE, walk_whole)
        clock = dict.fromkeys(steps, 0.0)
        for _ in range(10):  # warm caches: templates, form classes, translations
            step(client, pages, clock)
        clock = dict.fromkeys(steps, 0.0)
        for _ in range(args.trainees):
            step(client, pages, clock)
        profiler = cProfile.Profile(time.thread_time)
        profiler.enable()
        for _ in range(args.trainees):
            step(client, pages, dict.fromkeys(steps, 0.0))
        profiler.disable()
    total = sum(clock.values())
    javascript = "without" if args.no_js else "with"
    print(
        f"{args.trainees} trainees ({javascript} JavaScript) on {args.database}, in process, without the profiler: "
        f"{1000 * total / args.trainees:.1f} ms CPU per trainee (test client included)"
    )
    for name in steps:
        print(f"  {name:<16} {1000 * clock[name] / args.trainees:6.1f} ms")
    if args.output:
        profiler.dump_stats(args.output)
    for title, key, restriction in (
        ("survey/ functions by cumulative time", "cumulative", r"/survey/"),
        ("all functions by own time", "tottime", ""),
    ):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        if not restriction:
            stats.strip_dirs()
        stats.sort_stats(key).print_stats(*([restriction] if restriction else []), args.top)
        print(f"\n== {title} (profiled run, {args.trainees} trainees) ==")
        print(_trim(out.getvalue()))
    return 0


def _trim(text: str) -> str:
    """pstats' listing without its preamble, with the repository's path shortened."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    root = str(Path(__file__).resolve().parent.parent) + "/"
    return "\n".join(line.replace(root, "") for line in lines[start:] if line.strip())


if __name__ == "__main__":
    raise SystemExit(main())
