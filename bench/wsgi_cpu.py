"""``python -m bench.wsgi_cpu``: a trainee's CPU in the application alone, for A/B comparisons.

Calls the WSGI application directly, in this process (no HTTP, no gunicorn,
no test client), for N trainees with JavaScript: GET the form (fresh cookies,
gzip accepted), then one POST of the whole form. Only the application calls
are timed (process CPU time), so two commits can be compared in a couple of
seconds each; run them alternately, as the machine's speed drifts.

    .venv/bin/python -m bench.wsgi_cpu --trainees 800
    .venv/bin/python -m bench.wsgi_cpu --database postgresql

``--no-js`` walks as a browser without JavaScript instead: GET, then a POST
per page (the last one sends), each step's CPU printed, then the total per
completed trainee.

    .venv/bin/python -m bench.wsgi_cpu --no-js --trainees 800

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


Pages = tuple[tuple[tuple[str, str], ...], ...]
HEADERS = {"Accept-Encoding": "gzip", "Accept-Language": "fr"}


def _text(reply_headers: list[Any], body: bytes) -> str:
    if any(name == "Content-Encoding" and value == "gzip" for name, value in reply_headers):
        body = gzip.decompress(body)
    return body.decode()


def _open(app: Any, clock: list[float]) -> tuple[str, str]:
    """GET the blank form with fresh cookies: the page, and the cookie to send back."""
    from werkzeug.test import EnvironBuilder

    spent, status, reply_headers, body = _call(app, EnvironBuilder(path=FORM_PATH, headers=HEADERS).get_environ())
    clock[0] += spent
    if not status.startswith("200"):
        raise RuntimeError(f"GET {FORM_PATH}: {status}")
    cookie = "; ".join(value.split(";")[0] for name, value in reply_headers if name == "Set-Cookie")
    return _text(reply_headers, body), cookie


def _post(app: Any, fields: list[tuple[str, str]], cookie: str) -> tuple[float, str, list[Any], bytes]:
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(
        path=FORM_PATH,
        method="POST",
        data=urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers={**HEADERS, "Cookie": cookie},
    ).get_environ()
    return _call(app, environ)


def _trainee(app: Any, pages: Pages | None, clock: list[float]) -> Pages:
    """With JavaScript: GET, then one POST of the whole form."""
    html, cookie = _open(app, clock)
    pages = pages or default_answers(session_ids(html))
    hidden = hidden_fields(html)
    fields = [(name, hidden.get(name, "")) for name in ("csrf_token", "idem", "carry")]
    fields += [("page", str(len(pages) - 1)), ("whole", "1"), *(pair for page in pages for pair in page)]
    fields.append(("action", "send"))
    spent, status, _headers, _body = _post(app, fields, cookie)
    clock[1] += spent
    if not status.startswith("303"):
        raise RuntimeError(f"POST {FORM_PATH}: {status}")
    return pages


def _trainee_without_js(app: Any, pages: Pages | None, clock: list[float]) -> Pages:
    """Without JavaScript: GET, then one POST per page, the last with action=send
    (as bench.load.TraineeFormWithoutJavaScript); ``clock`` has a slot per request."""
    html, cookie = _open(app, clock)
    pages = pages or default_answers(session_ids(html))
    hidden = hidden_fields(html)
    for index, answers in enumerate(pages, start=1):
        last = index == len(pages)
        fields = [(name, hidden.get(name, "")) for name in ("csrf_token", "idem", "page", "carry")]
        fields += [*answers, ("action", "send" if last else "next")]
        spent, status, reply_headers, body = _post(app, fields, cookie)
        clock[index] += spent
        if not status.startswith("303" if last else "200"):
            raise RuntimeError(f"POST page {index}: {status}")
        if not last:
            hidden = hidden_fields(_text(reply_headers, body))
            if hidden.get("page") != str(index):
                raise RuntimeError(f"POST page {index}: answered page {hidden.get('page')} instead of {index}")
    return pages


@contextmanager
def _without_store() -> Iterator[None]:
    """The send is checked but not stored: what storing a response costs."""
    import uuid

    from survey.services.responses import Receipt
    from survey.web import answering

    real = answering.submit_response
    answering.submit_response = lambda *_args, **_kwargs: Receipt(uuid.uuid4(), False)  # type: ignore[assignment]
    try:
        yield
    finally:
        answering.submit_response = real


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
    parser.add_argument("--no-js", action="store_true", help="walk page by page (GET + a POST per page)")
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
        walk = _trainee_without_js if args.no_js else _trainee
        steps = 4 if args.no_js else 2  # the default questionnaire has three pages
        clock = [0.0] * steps
        pages = None
        for _ in range(30):  # warm up: templates, compiled forms, the programme copy
            pages = walk(app, pages, clock)
        clock = [0.0] * steps
        stubbed = [0.0] * steps
        for number in range(args.trainees):
            if args.without and number % 2:
                with PARTS[args.without]():
                    pages = walk(app, pages, stubbed)
            else:
                pages = walk(app, pages, clock)
    counted = (args.trainees + 1) // 2 if args.without else args.trainees
    walked = "without JavaScript, " if args.no_js else ""
    print(f"{args.database}, {counted} trainees, {walked}CPU in the application per trainee: {_split(clock, counted)}")
    if args.without:
        others = args.trainees // 2
        print(
            f"{args.database}, {others} trainees without {args.without}, alternating with the above: "
            f"{_split(stubbed, others)}"
        )
    return 0


def _split(clock: list[float], trainees: int) -> str:
    """Milliseconds per trainee for each request of the walk, and their total."""
    ms = [1000 * seconds / trainees for seconds in clock]
    names = ["GET", "POST"] if len(ms) == 2 else ["GET", *(f"POST {n}" for n in range(1, len(ms)))]
    steps = ", ".join(f"{name} {value:.2f} ms" for name, value in zip(names, ms, strict=True))
    return f"{steps}, total {sum(ms):.2f} ms"


if __name__ == "__main__":
    raise SystemExit(main())
