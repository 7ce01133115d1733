"""``python -m bench.wsgi_cpu``: a trainee's CPU in the application alone, for A/B comparisons.

Calls the WSGI application directly, in this process (no HTTP, no gunicorn,
no test client), for N trainees with JavaScript: GET the form (fresh cookies,
gzip accepted), then one POST of the whole form. Only the application calls
are timed (process CPU time), so two commits can be compared in a couple of
seconds each; run them alternately, as the machine's speed drifts.

    .venv/bin/python -m bench.wsgi_cpu --trainees 800
    .venv/bin/python -m bench.wsgi_cpu --database postgresql

What one part of a trainee's request costs: ``--without PART`` alternates
trainees, in the same process, between the application as it is and the
application with that part stubbed out, and prints both. Alternating in one
process keeps the machine's drift out of the difference, which separate runs
cannot (they differ by up to 20% here). The stubbed application is not
correct (nothing is stored without ``store``): it only measures.

    .venv/bin/python -m bench.wsgi_cpu --without store --trainees 3000
"""

from __future__ import annotations

import argparse
import gzip
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import databases
from bench.client import hidden_fields
from bench.load import default_answers, session_ids

FORM_PATH = "/s/niamey-2026"


def _call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> tuple[float, str, list[Any], bytes]:
    reply: dict[str, Any] = {}

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> None:
        reply["status"], reply["headers"] = status, headers

    started = time.process_time()
    body = b"".join(app(environ, start_response))
    return time.process_time() - started, reply["status"], reply["headers"], body


def _trainee(app: Any, pages: tuple[tuple[tuple[str, str], ...], ...] | None, clock: list[float]) -> Any:
    from werkzeug.test import EnvironBuilder

    headers = {"Accept-Encoding": "gzip", "Accept-Language": "fr"}
    spent, status, reply_headers, body = _call(app, EnvironBuilder(path=FORM_PATH, headers=headers).get_environ())
    clock[0] += spent
    if not status.startswith("200"):
        raise RuntimeError(f"GET {FORM_PATH}: {status}")
    if any(name == "Content-Encoding" and value == "gzip" for name, value in reply_headers):
        body = gzip.decompress(body)
    html = body.decode()
    pages = pages or default_answers(session_ids(html))
    hidden = hidden_fields(html)
    fields = [(name, hidden.get(name, "")) for name in ("csrf_token", "idem", "carry")]
    fields += [("page", str(len(pages) - 1)), ("whole", "1"), *(pair for page in pages for pair in page)]
    fields.append(("action", "send"))
    cookie = "; ".join(value.split(";")[0] for name, value in reply_headers if name == "Set-Cookie")
    environ = EnvironBuilder(
        path=FORM_PATH,
        method="POST",
        data=urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers={**headers, "Cookie": cookie},
    ).get_environ()
    spent, status, _headers, _body = _call(app, environ)
    clock[1] += spent
    if not status.startswith("303"):
        raise RuntimeError(f"POST {FORM_PATH}: {status}")
    return pages


@contextmanager
def _without_store() -> Iterator[None]:
    """The send is checked but not stored: what storing a response costs."""
    import uuid

    from survey.services.responses import Receipt
    from survey.web import trainee

    real = trainee.submit_response
    trainee.submit_response = lambda *_args, **_kwargs: Receipt(uuid.uuid4(), False)  # type: ignore[assignment]
    try:
        yield
    finally:
        trainee.submit_response = real


@contextmanager
def _without_language_choice() -> Iterator[None]:
    """Every request is in French without looking at cookies or headers."""
    from babel import Locale

    from survey.web import i18n

    french = Locale.parse("fr")
    real = i18n.get_locale
    i18n.get_locale = lambda: french
    try:
        yield
    finally:
        i18n.get_locale = real


PARTS: dict[str, Callable[[], Any]] = {
    "store": _without_store,
    "language": _without_language_choice,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.wsgi_cpu", description=__doc__)
    parser.add_argument("--trainees", type=int, default=800, help="timed trainees (default 800, at most 20000)")
    parser.add_argument("--without", choices=sorted(PARTS), help="alternate with this part stubbed out")
    databases.add_arguments(parser)
    args = parser.parse_args(argv)
    if not 1 <= args.trainees <= 20000:
        parser.error("--trainees must be in [1, 20000]")
    with tempfile.TemporaryDirectory(prefix="survey-wsgi-") as work:
        workdir = Path(work)
        database = databases.fresh(args.database, workdir, args.postgres_url)
        databases.migrate_and_load_demo(database)
        os.environ.update(database.app_env())  # read by survey.config at import
        from survey import create_app

        app = create_app()
        clock = [0.0, 0.0]
        pages = None
        for _ in range(30):  # warm up: templates, compiled forms, the programme copy
            pages = _trainee(app, pages, clock)
        clock = [0.0, 0.0]
        stubbed = [0.0, 0.0]
        for number in range(args.trainees):
            if args.without and number % 2:
                with PARTS[args.without]():
                    pages = _trainee(app, pages, stubbed)
            else:
                pages = _trainee(app, pages, clock)
    counted = (args.trainees + 1) // 2 if args.without else args.trainees
    get, post = (1000 * seconds / counted for seconds in clock)
    print(
        f"{args.database}, {counted} trainees, CPU in the application per trainee: "
        f"GET {get:.2f} ms, POST {post:.2f} ms, total {get + post:.2f} ms"
    )
    if args.without:
        others = args.trainees // 2
        get, post = (1000 * seconds / others for seconds in stubbed)
        print(
            f"{args.database}, {others} trainees without {args.without}, alternating with the above: "
            f"GET {get:.2f} ms, POST {post:.2f} ms, total {get + post:.2f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
