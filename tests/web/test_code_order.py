"""The replayed attack: an organiser reloads every staff page, JSON answer and
export after each single submission, and tries to tell which code went with
which response. docs/anonymity.md ("Codes mode") names this test.

The same trainees answer, one at a time, in the same order, twice; only which
code each of them typed differs (swapped within each batch of k). If anything
a staff client receives depended on which code went with which answers, the
two runs would differ somewhere. What is the same in both runs by nature (the
responses' random ids, their times, the staff session's signing time, the
time an export is made) is made the same by freezing it, not by hiding
differences; the only bytes left out of the comparison are, documented in
:func:`_seen`: the time stamps that the ZIP format (XLSX, CSV) puts in each
member's header.
"""

from __future__ import annotations

import hashlib
import io
import re
import types
import uuid
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import flask.sessions
import itsdangerous
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import reports.documents.html
import reports.documents.json_summary
import survey.storage
import survey.web.evaluator
from reports.caches import clear_all
from survey.extensions import db
from survey.models import AccessMode, Programme, Role, User
from survey.services import access, responses
from survey.services.anonymity import group_size_of
from survey.services.api_tokens import create_token
from survey.services.codes import format_code, issue_codes, set_access_mode
from survey.services.users import create_user
from tests.helpers import FormClient, ask_document, full_answers, read_page

#: The moment every run starts at; each submission comes 37 seconds after the previous one.
START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
#: Formats downloaded after each submission (PDF is HTML printed by Chromium: left to its own tests).
EXPORTS = ("html", "json", "xlsx", "csv", "spss", "r")
#: Headers a staff client reads besides the body (Date, of the test client's own clock, is not sent).
HEADERS = ("ETag", "Content-Type", "Content-Disposition", "Cache-Control", "Location", "Set-Cookie")


class Clock:
    """What "now" is in a run: the same sequence of moments in both runs."""

    def __init__(self) -> None:
        self.now = START
        #: How many response ids were drawn in this run.
        self.drawn = 0

    def restart(self) -> None:
        self.now, self.drawn = START, 0

    def datetime_class(self) -> type[datetime]:
        clock = self

        class Frozen(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> Frozen:
                moment = clock.now if tz is not None else clock.now.replace(tzinfo=None)
                return cls.fromtimestamp(moment.timestamp(), tz) if tz is not None else cls(*moment.timetuple()[:6])

        return Frozen


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Freezes what differs between two runs by nature, the same way in both."""
    clock = Clock()
    frozen = clock.datetime_class()
    # A response's time and random id: the n-th submission gets the same in both runs.
    monkeypatch.setattr(survey.storage, "datetime", frozen)

    def uuid4() -> uuid.UUID:
        clock.drawn += 1
        digest = hashlib.sha256(str(clock.drawn).encode()).digest()
        return uuid.UUID(bytes=digest[:16], version=4)

    monkeypatch.setattr(survey.storage, "uuid", types.SimpleNamespace(uuid4=uuid4, UUID=uuid.UUID))
    # The time a document says it was made, and the date in its file name.
    for module in (reports.documents.json_summary, reports.documents.html, survey.web.evaluator):
        monkeypatch.setattr(module, "datetime", frozen)
    # The staff session cookie's expiry, and the time signed into it and its CSRF tokens.
    monkeypatch.setattr(flask.sessions, "datetime", frozen)
    monkeypatch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda self: int(START.timestamp()))
    return clock


@pytest.fixture
def staff(client: FlaskClient, programme: Programme, organiser: User, clock: Clock) -> FlaskClient:
    """An organiser granted the programme, and an evaluator's downloads too (an admin may all)."""
    create_user(db.session(), "admin@example.org", "correct horse", Role.ADMIN, "Admin")
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    client.set_cookie("lang", "en")
    page = read_page(client.get("/login"))
    data = {**page.hidden, "email": "admin@example.org", "password": "correct horse"}
    assert client.post("/login", data=data).status_code == 302
    client.get("/o/")  # the page after signing in, which shows (and drops) its welcome message
    return client


@pytest.fixture
def api(app: Flask, programme: Programme, staff: FlaskClient) -> dict[str, str]:
    """The headers of a script reading the programme through the JSON API with the admin's token."""
    admin = db.session.scalars(select(User).where(User.email == "admin@example.org")).one()
    token = create_token(
        db.session(),
        admin,
        name="replay",
        scopes=("read",),
        programme_ids=[programme.id],
        days=30,
        key=str(app.config["SECRET_KEY"]),
    )
    return {"Authorization": f"Bearer {token.secret}", "Accept-Language": "en"}


def _seen(response: Any) -> tuple[object, ...]:
    """What a staff client receives: status, headers, body.

    The one exclusion, narrow and documented: a ZIP file (XLSX, the CSV
    archive) is compared member by member, name and content, without the
    time stamp each member's header carries; XLSX's docProps/core.xml has
    its creation time removed, the time the file was written (xlsxwriter's
    own clock, which the test cannot freeze).
    """
    headers = tuple((name, response.headers.get(name)) for name in HEADERS)
    body = response.get_data()
    if body[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            members = []
            for info in archive.infolist():
                content = archive.read(info)
                if info.filename == "docProps/core.xml":
                    content = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>", b"", content)
                members.append((info.filename, content))
        return (response.status_code, headers, tuple(members))
    return (response.status_code, headers, body)


def _poll(staff: FlaskClient, slug: str, etags: dict[str, str], api: dict[str, str] | None = None) -> dict[str, object]:
    """Every staff page, JSON and export of the programme, as a reloading organiser sees them;
    the dashboard's JSON is asked with the tag of its previous answer (304 when unchanged);
    with ``api``, what the JSON API gives too (summary, codebook, every page of the responses)."""
    paths = [
        "/o/",
        f"/o/{slug}",
        f"/o/{slug}?view=projector",
        f"/o/{slug}/codes",
        f"/o/{slug}/codes/cards",
        f"/o/{slug}/responses",
        f"/o/{slug}/comments",
        f"/o/{slug}/kit",
        f"/o/{slug}/poster",
        f"/o/{slug}/settings",
        "/o/questionnaires",
        f"/e/{slug}/reports",
    ]
    seen: dict[str, object] = {}
    for path in paths:
        seen[path] = _seen(staff.get(path))
    for fmt in EXPORTS:  # asked as the reports page asks (a POST), the file taken from its job
        path = f"/e/{slug}/reports/{fmt}"
        seen[path] = _seen(ask_document(staff, path, lang="en"))
    responses_page = staff.get(f"/o/{slug}/responses").get_data(as_text=True)
    for link in sorted(set(re.findall(rf'href="(/o/{slug}/responses/[0-9a-f-]+)"', responses_page))):
        seen[link] = _seen(staff.get(link))
    headers = {"If-None-Match": etags["live"]} if "live" in etags else {}
    live = staff.get(f"/o/{slug}/live.json", headers=headers)
    if live.headers.get("ETag"):
        etags["live"] = live.headers["ETag"]
    seen["live.json"] = _seen(live)
    if api is not None:
        for part in ("", "/summary", "/codebook"):
            path = f"/api/v1/programmes{f'/{slug}' + part if part else ''}"
            seen[path] = _seen(staff.get(path, headers=api))
        cursor: str | None = ""
        while cursor is not None:
            path = f"/api/v1/programmes/{slug}/responses?limit=2&cursor={cursor}"
            answer = staff.get(path, headers=api)
            seen[path] = _seen(answer)
            cursor = answer.get_json().get("next_cursor") if answer.status_code == 200 else None
    return seen


def _answers(programme: Programme, number: int) -> list[dict[str, Any]]:
    """The n-th trainee's answers: each trainee's are their own."""
    return full_answers(
        programme,
        {
            "q__recommend": str(number % 11),
            "q__cq_relevance": str(1 + number % 5),
            "q__comment_useful": f"Trainee {number} found the case studies useful",
        },
    )


def _submit(app: Flask, slug: str, code: str, pages: list[dict[str, Any]]) -> None:
    """A trainee types ``code`` on a phone of their own and sends every page."""
    client = app.test_client()
    client.set_cookie("lang", "en")
    forms = FormClient(client)
    page = read_page(client.post(f"/s/{slug}", data={"code": code}))
    assert page.response.status_code == 200
    for index, answers in enumerate(pages):
        final = index == len(pages) - 1
        page = forms.post(slug, page, answers, "send" if final else "next")
    assert page.response.status_code == 303


def _replay(
    app: Flask,
    answers: list[list[dict[str, Any]]],
    codes: list[str],
    clock: Clock,
    poll: Callable[[], dict[str, object]],
) -> list[dict[str, object]]:
    """Trainee n sends ``answers[n]`` with ``codes[n]``, one at a time; the staff poll after each."""
    slug = "niamey"
    clock.restart()
    seen = [poll()]
    for number, code in enumerate(codes):
        clock.now = START + timedelta(seconds=37 * (number + 1))
        _submit(app, slug, code, answers[number])
        seen.append(poll())
    return seen


@pytest.fixture
def runs(app: Flask, programme: Programme) -> Callable[[Callable[[], list[dict[str, object]]]], list[Any]]:
    """Run the same story twice from the same database state (a savepoint rolled back in between)."""

    def twice(story: Callable[[], list[dict[str, object]]]) -> list[Any]:
        results = []
        for _run in range(2):
            db.session.remove()
            connection = db.session().get_bind()
            savepoint = connection.begin_nested()  # type: ignore[union-attr]
            clear_all()
            try:
                results.append(story())
            finally:
                db.session.remove()
                savepoint.rollback()
                clear_all()
        return results

    return twice


def _swapped_within_batches(codes: list[str], k: int) -> list[str]:
    """The same codes, each batch of k typed by the same trainees in reverse order."""
    return [code for start in range(0, len(codes), k) for code in reversed(codes[start : start + k])]


def test_reloading_every_staff_page_cannot_tell_which_code_went_with_which_response(
    app: Flask, programme: Programme, staff: FlaskClient, api: dict[str, str], clock: Clock, runs: Any
) -> None:
    set_access_mode(db.session(), programme, AccessMode.CODES)
    k = group_size_of(programme)
    # Two batches: while open, the lists and figures hold back the latest, so the first
    # shows with the 2k-th response.
    issued = [format_code(code) for code in issue_codes(db.session(), programme, 2 * k + 2)]
    db.session.commit()
    typed = issued[: 2 * k]
    orders = iter([typed, _swapped_within_batches(typed, k)])
    answers = [_answers(programme, number) for number in range(2 * k)]

    def story() -> list[dict[str, object]]:
        etags: dict[str, str] = {}
        return _replay(app, answers, next(orders), clock, lambda: _poll(staff, "niamey", etags, api))

    first, second = runs(story)
    assert len(first) == len(second) == 2 * k + 1
    for number, (a, b) in enumerate(zip(first, second, strict=True)):
        assert a.keys() == b.keys(), number
        differing = [path for path in a if a[path] != b[path]]
        assert not differing, f"after submission {number}: {differing}"

    # Not a test of nothing: the staff saw every response arrive (the counts moved each
    # time, the dashboard's JSON was new each time), and the cards changed with the batch.
    def bodies(path: str) -> list[object]:
        return [poll[path][2] for poll in first]  # type: ignore[index]

    cards = bodies("/o/niamey/codes/cards")
    assert [n for n in range(1, len(cards)) if cards[n] != cards[n - 1]] == [k, 2 * k]
    assert len(set(bodies("/o/niamey/codes"))) == len(set(bodies("/o/niamey/responses"))) == 2 * k + 1  # type: ignore[arg-type]
    assert all(poll["live.json"][0] == 200 for poll in first)  # type: ignore[index]
    # Every export was made and downloaded once the 2k-th response came.
    assert [first[-1][f"/e/niamey/reports/{fmt}"][0] for fmt in EXPORTS] == [200] * len(EXPORTS)  # type: ignore[index]
    # The API answered: its responses listed from the k-th on, the first batch with the 2k-th, in pages of 2.
    listed = "/api/v1/programmes/niamey/responses?limit=2&cursor="
    assert [poll[listed][0] for poll in first] == [403] * k + [200] * (k + 1)  # type: ignore[index]
    assert len([path for path in first[-1] if "/responses?limit=2" in path]) == -(-k // 2)


def test_the_replay_catches_codes_revealed_one_at_a_time(
    app: Flask, programme: Programme, staff: FlaskClient, clock: Clock, runs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same replay against a service that reveals each used code at once (k = 1)
    tells the two runs apart: the test above can fail."""
    monkeypatch.setattr(responses, "group_size_of", lambda programme: 1)
    set_access_mode(db.session(), programme, AccessMode.CODES)
    k = group_size_of(programme)
    typed = [format_code(code) for code in issue_codes(db.session(), programme, k)]
    db.session.commit()
    orders = iter([typed, _swapped_within_batches(typed, k)])
    answers = [_answers(programme, number) for number in range(k)]

    def story() -> list[dict[str, object]]:
        return _replay(app, answers, next(orders), clock, lambda: {"cards": _seen(staff.get("/o/niamey/codes/cards"))})

    first, second = runs(story)
    assert [a == b for a, b in zip(first, second, strict=True)] == [True, False, False, False, False, True]


# -- who sent which: the responses browser and the comments page -----------------------
#
# The organiser also sees the room: which trainee put their phone down when. The
# same trainees (each with their own code and their own answers) send in two
# different orders, reversed within each batch of k; a staff client reloads the
# responses browser, each response it links to, the comments page and the codes
# pages after each submission. What the staff see must be the same in both runs:
# the pages tell which batch is new, never which response. A response's random id
# is drawn for that response whenever it arrives, so each trainee's response is
# given the same id in both runs (as likely as any other draw); its time is the
# moment of its place in the sequence, as in the replay above.


def _who_sent_which_poll(staff: FlaskClient, slug: str) -> dict[str, object]:
    paths = [
        f"/o/{slug}/responses",
        f"/o/{slug}/comments",
        f"/o/{slug}/comments?language=en",
        f"/o/{slug}/codes",
        f"/o/{slug}/codes/cards",
    ]
    seen: dict[str, object] = {path: _seen(staff.get(path)) for path in paths}
    listing = staff.get(f"/o/{slug}/responses").get_data(as_text=True)
    for link in sorted(set(re.findall(rf'href="(/o/{slug}/responses/[0-9a-f-]+)"', listing))):
        seen[link] = _seen(staff.get(link))
    return seen


def _senders(app: Flask, answers: list[list[dict[str, Any]]], clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A story where trainee ``n`` (code ``codes[n]``, answers ``answers[n]``) sends in the order given."""
    sending: list[int] = []

    def uuid4() -> uuid.UUID:
        digest = hashlib.sha256(f"trainee {sending[-1]}".encode()).digest()
        return uuid.UUID(bytes=digest[:16], version=4)

    monkeypatch.setattr(survey.storage, "uuid", types.SimpleNamespace(uuid4=uuid4, UUID=uuid.UUID))

    def story(order: list[int], codes: list[str], poll: Callable[[], dict[str, object]]) -> list[dict[str, object]]:
        clock.restart()
        seen = [poll()]
        for place, trainee in enumerate(order):
            clock.now = START + timedelta(seconds=37 * (place + 1))
            sending.append(trainee)
            _submit(app, "niamey", codes[trainee], answers[trainee])
            seen.append(poll())
        return seen

    return story


def _two_orders(
    app: Flask, programme: Programme, clock: Clock, runs: Any, monkeypatch: pytest.MonkeyPatch, staff: FlaskClient
) -> tuple[int, list[dict[str, object]], list[dict[str, object]]]:
    """2k + 2 trainees send, in order, then in the order reversed within each batch of k."""
    set_access_mode(db.session(), programme, AccessMode.CODES)
    k = group_size_of(programme)
    codes = [format_code(code) for code in issue_codes(db.session(), programme, 2 * k + 3)]
    db.session.commit()
    trainees = list(range(2 * k + 2))
    orders = iter([trainees, [int(t) for t in _swapped_within_batches([str(t) for t in trainees], k)]])
    story = _senders(app, [_answers(programme, n) for n in trainees], clock, monkeypatch)
    first, second = runs(lambda: story(next(orders), codes, lambda: _who_sent_which_poll(staff, "niamey")))
    return k, first, second


def test_reloading_the_responses_and_comments_cannot_tell_which_trainee_sent_which(
    app: Flask, programme: Programme, staff: FlaskClient, clock: Clock, runs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    k, first, second = _two_orders(app, programme, clock, runs, monkeypatch, staff)
    assert len(first) == len(second) == 2 * k + 3
    for number, (a, b) in enumerate(zip(first, second, strict=True)):
        assert a.keys() == b.keys(), number
        differing = [path for path in a if a[path] != b[path]]
        assert not differing, f"after submission {number}: {differing}"

    # Not a test of nothing: the first batch was listed with the 2k-th response, whole (the
    # latest batch held back while open), and the responses after it were counted at once
    # but not listed.
    def listed(poll: dict[str, object]) -> int:
        return sum(1 for path in poll if re.fullmatch(r"/o/niamey/responses/[0-9a-f-]+", path))

    assert [listed(poll) for poll in first] == [0] * (2 * k) + [k] * 3
    body = first[-1]["/o/niamey/responses"][2].decode()  # type: ignore[index]
    assert f"{2 * k + 2} responses stored" in body
    assert f"{k + 2} responses are not listed yet" in body
    comments = first[-1]["/o/niamey/comments"][2].decode()  # type: ignore[index]
    assert sorted(re.findall(r"Trainee (\d+) found", comments)) == [str(n) for n in range(k)]


def test_the_replay_catches_a_browser_that_lists_each_response_at_once(
    app: Flask, programme: Programme, staff: FlaskClient, clock: Clock, runs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same replay against a browser that lists each response as it arrives
    (batches of 1) tells the two orders apart: the test above can fail."""
    import survey.services.anonymity
    import survey.services.responses_admin

    for module in (survey.services.anonymity, survey.services.responses_admin):
        monkeypatch.setattr(module, "group_size_of", lambda programme: 1)
    _k, first, second = _two_orders(app, programme, clock, runs, monkeypatch, staff)
    same = [a["/o/niamey/responses"] == b["/o/niamey/responses"] for a, b in zip(first, second, strict=True)]
    assert not all(same)
    assert any(a["/o/niamey/comments"] != b["/o/niamey/comments"] for a, b in zip(first, second, strict=True))
