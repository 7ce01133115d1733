"""Figures move a whole batch of k at a time, and leave out the latest batch while
the programme is open: an organiser who saw one trainee send, and reloads the
dashboard, its JSON, the JSON summary, the API summary and the raw CSV before
and after (or closes the programme right after), cannot read that trainee's
answers by difference. docs/anonymity.md ("An organiser") names these tests.

A first batch of k trainees sends; then k more send one at a time, in two
different orders (reversed, and shuffled), while a staff client reloads after
each submission. What each trainee answers is their own, and each trainee's
response gets the same random id in both runs; times are frozen by place in
the sequence (the replay harness of tests/web/test_code_order.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey.extensions import db
from survey.models import AccessMode, Programme
from survey.services import anonymity, live
from survey.services.anonymity import group_size_of
from survey.services.codes import format_code, issue_codes, set_access_mode
from tests.helpers import ask_document
from tests.web import test_code_order as replay

# The replay's fixtures, under their own names: the clock, the signed-in admin,
# the API token's headers and the two runs from one database state.
clock = replay.clock
staff = replay.staff
api = replay.api
runs = replay.runs

SLUG = "niamey"
DASHBOARD = f"/o/{SLUG}"
LIVE = f"/o/{SLUG}/live.json"
SUMMARY = f"/e/{SLUG}/reports/json"
CSV = f"/e/{SLUG}/reports/csv"
API_SUMMARY = f"/api/v1/programmes/{SLUG}/summary"


def _poll(staff: FlaskClient, etags: dict[str, str], api: dict[str, str]) -> dict[str, object]:
    """The dashboard (and the projector), its JSON asked with the tag of its
    previous answer, the JSON summary, the raw CSV and the API's summary."""
    pages = (DASHBOARD, f"{DASHBOARD}?view=projector")
    seen: dict[str, object] = {path: replay._seen(staff.get(path)) for path in pages}
    for path in (SUMMARY, CSV):  # asked as the reports page asks, the file fetched from its job
        seen[path] = replay._seen(ask_document(staff, path))
    headers = {"If-None-Match": etags["live"]} if "live" in etags else {}
    answer = staff.get(LIVE, headers=headers)
    if answer.headers.get("ETag"):
        etags["live"] = answer.headers["ETag"]
    seen[LIVE] = replay._seen(answer)
    seen[API_SUMMARY] = replay._seen(staff.get(API_SUMMARY, headers=api))
    return seen


def _story(
    app: Flask, programme: Programme, clock: replay.Clock, monkeypatch: pytest.MonkeyPatch, orders: list[list[int]]
) -> Callable[[Callable[[], dict[str, object]]], list[dict[str, object]]]:
    """A story: trainees 0 to k - 1 send first (a whole batch), then the next k
    in the order ``orders`` gives for this run; the staff poll after each."""
    set_access_mode(db.session(), programme, AccessMode.CODES)
    k = group_size_of(programme)
    codes = [format_code(code) for code in issue_codes(db.session(), programme, 2 * k + 1)]
    db.session.commit()
    answers = [replay._answers(programme, n) for n in range(2 * k)]
    send = replay._senders(app, answers, clock, monkeypatch)
    remaining = iter(orders)
    return lambda poll: send([*range(k), *next(remaining)], codes, poll)


def _figures_only(seen: object) -> object:
    """What a poll shows once the count and the number waiting are left out
    (and the arrivals chart, a count over time, which may move at once)."""
    status, _headers, body = seen  # type: ignore[misc]
    if not isinstance(body, bytes) or not body.startswith(b"{"):
        return body
    payload = json.loads(body)
    payload.pop("generated_at", None)  # the JSON summary's own time, moving with the clock
    warnings = payload.get("methods", {}).get("warnings", {})
    warnings.pop("held_back", None)  # how many responses it leaves out: a count, which may move
    for kpis in (payload.get("kpis"),):
        if isinstance(kpis, dict):
            for name in ("responses", "rate", "waiting", "waiting_note"):
                kpis.pop(name, None)
    if isinstance(payload.get("figures"), list):
        payload["figures"] = [f for f in payload["figures"] if f.get("code") != "arrivals"]
    return (status, payload)


def _second_batch_orders(k: int) -> list[list[int]]:
    second = list(range(k, 2 * k))
    shuffled = second[1::2] + second[0::2]
    return [second, shuffled[::-1]]


def test_figures_move_a_whole_batch_of_k_at_a_time_whatever_the_order(
    app: Flask,
    programme: Programme,
    staff: FlaskClient,
    api: dict[str, str],
    clock: replay.Clock,
    runs: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    k = group_size_of(programme)
    orders = _second_batch_orders(k)
    assert orders[0] != orders[1]
    assert sorted(orders[0]) == sorted(orders[1])
    story = _story(app, programme, clock, monkeypatch, orders)

    def one_run() -> list[dict[str, object]]:
        etags: dict[str, str] = {}
        return story(lambda: _poll(staff, etags, api))

    first, second = runs(one_run)
    assert len(first) == len(second) == 2 * k + 1
    # Every byte the staff client receives is the same in both runs, after every submission.
    for number, (a, b) in enumerate(zip(first, second, strict=True)):
        assert a.keys() == b.keys(), number
        differing = [path for path in a if a[path] != b[path]]
        assert not differing, f"after submission {number}: {differing}"
    # And within a run, while the second batch fills, only the count and the number
    # waiting move: the figures after k responses (none: the first batch is held back
    # while it is the latest) stay until the 2k-th comes, which shows the first batch.
    for path in (LIVE, SUMMARY, CSV, API_SUMMARY):
        shown = [_figures_only(poll[path]) for poll in first]
        assert all(shown[n] == shown[k] for n in range(k, 2 * k)), path
        assert shown[2 * k] != shown[k], path

    # Not a test of nothing: the count moved with each response, the number waiting was said.
    def live_kpis(poll: dict[str, object]) -> dict[str, Any]:
        body = poll[LIVE][2]  # type: ignore[index]
        kpis: dict[str, Any] = json.loads(body)["kpis"]
        return kpis

    assert [live_kpis(poll)["responses"] for poll in first] == list(range(2 * k + 1))
    assert [live_kpis(poll)["waiting"] for poll in first[k:]] == [*range(k, 2 * k), k]
    csv_rows = [poll[CSV][2] for poll in first]  # type: ignore[index]
    assert csv_rows[2 * k] != csv_rows[2 * k - 1]  # the first batch's rows came with the 2k-th response


def test_the_replay_catches_figures_that_move_with_each_response(
    app: Flask,
    programme: Programme,
    staff: FlaskClient,
    api: dict[str, str],
    clock: replay.Clock,
    runs: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same replay against figures drawn from every response (no batches)
    tells the two orders apart: the test above can fail."""
    monkeypatch.setattr(anonymity, "figures_scope", lambda session, programme: None)
    monkeypatch.setattr(live.anonymity, "figures_scope", lambda session, programme: None)
    k = group_size_of(programme)
    story = _story(app, programme, clock, monkeypatch, _second_batch_orders(k))

    def one_run() -> list[dict[str, object]]:
        etags: dict[str, str] = {}

        def poll() -> dict[str, object]:
            headers = {"If-None-Match": etags["live"]} if "live" in etags else {}
            answer = staff.get(LIVE, headers=headers)
            etags["live"] = answer.headers.get("ETag") or etags.get("live", "")
            return {LIVE: _figures_only(replay._seen(answer))}

        return story(poll)

    first, second = runs(one_run)
    same = [a == b for a, b in zip(first, second, strict=True)]
    assert same[: k + 1] == [True] * (k + 1)
    assert not all(same[k + 1 : 2 * k])
    assert same[2 * k]


def test_with_k_5_the_figures_wait_for_10_responses_then_show_all_but_the_latest_5(
    app: Flask,
    programme: Programme,
    staff: FlaskClient,
    api: dict[str, str],
    clock: replay.Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    programme.minimum_group_size = 5
    db.session.commit()
    story = _story(app, programme, clock, monkeypatch, [[5, 6, 7, 8, 9]])
    etags: dict[str, str] = {}
    polls = story(lambda: _poll(staff, etags, api))
    # After 7: the count, and why no figure shows yet.
    seven = json.loads(polls[7][LIVE][2])  # type: ignore[index]
    assert (seven["kpis"]["responses"], seven["kpis"]["small_group"]) == (7, True)
    assert not [f for f in seven["figures"] if f["code"] == "recommend"]
    assert "shown once 10 responses have arrived, or when the evaluation closes" in polls[7][DASHBOARD][2].decode()  # type: ignore[index]
    # After 10: the first 5 trainees' answers, and the 5 latest said to be left out.
    seen = polls[10]
    payload = json.loads(seen[LIVE][2])  # type: ignore[index]
    assert payload["kpis"]["responses"] == 10
    assert payload["kpis"]["waiting"] == 5
    note = "5 responses are not in the figures yet"
    assert payload["kpis"]["waiting_note"].startswith(note)
    assert note in seen[DASHBOARD][2].decode()  # type: ignore[index]
    # The recommendation chart counts the answers of the first 5 trainees (0 to 4), not 10.
    recommend = json.loads(next(f["json"] for f in payload["figures"] if f["code"] == "recommend"))
    counts = {x: y for trace in recommend["data"] for x, y in zip(trace["x"], trace["y"], strict=True)}
    assert counts == {score: int(score < 5) for score in range(11)}
    summary = json.loads(seen[API_SUMMARY][2])  # type: ignore[index]
    assert (summary["kpis"]["responses"], summary["kpis"]["waiting"]) == (10, 5)
    assert {d["n"] for d in summary["dimensions"]} == {5}
    assert sorted(re.findall(r"Trainee (\d) found", json.dumps(summary["comments"]))) == list("01234")
    report = json.loads(seen[SUMMARY][2])  # type: ignore[index]
    assert report["responses"]["n"] == 5
    assert "pas encore dans ces chiffres : 5." in report["methods"]["warnings"]["held_back"], "the report says so"
    rows = dict(seen[CSV][2])["answers.csv"].decode("utf-8-sig").splitlines()[1:]  # type: ignore[index]
    assert sorted(re.findall(r"Trainee (\d) found", "\n".join(rows))) == list("01234")
