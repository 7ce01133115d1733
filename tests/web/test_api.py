"""The JSON API, as a script or a kiosk app uses it: personal tokens made and
revoked on the web, every call checked (token, role, grant, scope), problem
details in the client's language, rate limits, submit once per key, and
responses only in whole batches of k."""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from limits import parse_many
from sqlalchemy import func, select

from reports.documents.codebook import header, variables
from survey.extensions import db
from survey.models import Answer, ApiToken, AuditEvent, Programme, ProgrammeGrant, Question, Response, Role, User
from survey.services import DomainError, access
from survey.services.aggregates import questionnaire_spec
from survey.services.api_tokens import create_token
from survey.services.users import create_user
from survey.web import limits
from tests.helpers import FormClient, full_answers, open_seed_programme, read_page, submit_all

API = "/api/v1"


def login(client: FlaskClient, email: str, password: str) -> None:
    page = read_page(client.get("/login"))
    response = client.post("/login", data={**page.hidden, "email": email, "password": password})
    assert response.status_code == 302


@pytest.fixture
def granted(programme: Programme, organiser: User) -> User:
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    return organiser


def make_token(
    app: Flask, user: User, programmes: list[Programme], scopes: tuple[str, ...] = ("read", "submit")
) -> str:
    made = create_token(
        db.session(),
        user,
        name="script",
        scopes=scopes,
        programme_ids=[p.id for p in programmes],
        days=30,
        key=str(app.config["SECRET_KEY"]),
    )
    return made.secret


def bearer(token: str, lang: str = "en") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept-Language": lang}


def flat_answers(programme: Programme) -> dict[str, Any]:
    """The default questionnaire's valid answers as the API takes them: variable names, JSON values."""
    out: dict[str, Any] = {}
    for page in full_answers(programme):
        for name, value in page.items():
            out[name.removeprefix("q__")] = value
    return out


def submit(client: FlaskClient, token: str, programme: Programme, key: str, **body: Any) -> Any:
    payload = {"answers": flat_answers(programme), **body}
    return client.post(
        f"{API}/programmes/{programme.slug}/responses",
        json=payload,
        headers={**bearer(token), "Idempotency-Key": key},
    )


def count_responses() -> int:
    return db.session.scalar(select(func.count()).select_from(Response)) or 0


# --- tokens: made on the web, shown once, stored hashed, revoked ---------------------------


def test_a_token_is_shown_once_stored_hashed_and_revoked_on_the_web(
    app: Flask, client: FlaskClient, programme: Programme, granted: User
) -> None:
    login(client, "org@example.org", "correct horse")
    page = read_page(client.get("/account/tokens"))
    assert page.response.status_code == 200
    made = client.post(
        "/account/tokens",
        data={
            "csrf_token": page.hidden["csrf_token"],
            "name": "Tableur",
            "scopes": ["read"],
            "programmes": [str(programme.id)],
            "days": "30",
        },
    )
    assert made.status_code == 201
    shown = re.findall(r"svy_[A-Za-z0-9_-]{43}", made.get_data(as_text=True))
    assert len(set(shown)) == 1
    secret = shown[0]
    # Stored as its keyed digest and its first characters only.
    token = db.session.scalars(select(ApiToken)).one()
    assert token.digest == hmac.new(str(app.config["SECRET_KEY"]).encode(), secret.encode(), hashlib.sha256).hexdigest()
    assert secret not in (token.digest, token.prefix, token.name)
    assert secret.startswith(token.prefix)
    assert len(token.prefix) < 16
    assert token.scopes == ("read",)
    assert token.programme_ids == {programme.id}
    # Never shown again: the list has its prefix only.
    listed = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in listed
    assert token.prefix in listed
    assert client.get(f"{API}/programmes", headers=bearer(secret)).status_code == 200
    # Its making and its revocation are in the audit log.
    revoke_page = read_page(client.get("/account/tokens"))
    revoked = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": revoke_page.hidden["csrf_token"]})
    assert revoked.status_code == 303
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["api_token", "api_token_revoke"]
    refused = client.get(f"{API}/programmes", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.headers["Content-Type"] == "application/problem+json"


def test_a_token_page_post_without_csrf_is_refused(client: FlaskClient, programme: Programme, granted: User) -> None:
    login(client, "org@example.org", "correct horse")
    made = client.post(
        "/account/tokens", data={"name": "x", "scopes": ["read"], "programmes": [str(programme.id)], "days": "30"}
    )
    assert made.status_code in (400, 422)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_someone_elses_token_cannot_be_revoked(
    app: Flask, client: FlaskClient, programme: Programme, granted: User
) -> None:
    other = create_user(db.session(), "other@example.org", "another horse", Role.ORGANISER, "Other")
    access.grant(db.session(), other, programme)
    db.session.commit()
    secret = make_token(app, other, [programme])
    token = db.session.scalars(select(ApiToken)).one()
    login(client, "org@example.org", "correct horse")
    page = read_page(client.get("/account/tokens"))
    assert (
        client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": page.hidden["csrf_token"]}).status_code
        == 404
    )
    assert client.get(f"{API}/programmes", headers=bearer(secret)).status_code == 200


def test_expired_revoked_unknown_and_disabled_owners_tokens_are_refused(
    app: Flask, client: FlaskClient, programme: Programme, granted: User
) -> None:
    secret = make_token(app, granted, [programme])
    assert client.get(f"{API}/programmes", headers=bearer(secret)).status_code == 200
    for wrong in (secret[:-1] + ("A" if secret[-1] != "A" else "B"), "svy_", "not-a-token", secret + "x"):
        assert client.get(f"{API}/programmes", headers=bearer(wrong)).status_code == 401
    token = db.session.scalars(select(ApiToken)).one()
    token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"{API}/programmes", headers=bearer(secret)).status_code == 401
    token.expires_at = datetime.now(UTC) + timedelta(days=1)
    granted.active = False
    db.session.commit()
    assert client.get(f"{API}/programmes", headers=bearer(secret)).status_code == 401


def test_a_session_cookie_alone_opens_nothing(client: FlaskClient, programme: Programme, granted: User) -> None:
    """The API is exempt from CSRF tokens because it never reads the session cookie."""
    login(client, "org@example.org", "correct horse")
    assert client.get("/o/").status_code == 200  # the cookie is a good one
    for response in (
        client.get(f"{API}/programmes"),
        client.get(f"{API}/programmes/{programme.slug}/summary"),
        client.post(
            f"{API}/programmes/{programme.slug}/responses",
            json={"answers": flat_answers(programme)},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        ),
    ):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert count_responses() == 0


# --- scope, grant, role -------------------------------------------------------------------


def test_scope_and_programme_are_checked_on_every_call(
    app: Flask, client: FlaskClient, programme: Programme, granted: User, definition: dict[str, object]
) -> None:
    other = open_seed_programme(db.session(), definition, slug="dakar", title="Autre")
    reader = make_token(app, granted, [programme], scopes=("read",))
    sender = make_token(app, granted, [programme], scopes=("submit",))
    # Reading with a submit-only token, submitting with a read-only one: 403.
    assert client.get(f"{API}/programmes/{programme.slug}/summary", headers=bearer(sender)).status_code == 403
    refused = submit(client, reader, programme, str(uuid.uuid4()))
    assert refused.status_code == 403
    assert refused.get_json()["type"].endswith("/insufficient-scope")
    assert count_responses() == 0
    # A programme the token does not name, or one that does not exist: the same 404.
    for slug in (other.slug, "nowhere"):
        answer = client.get(f"{API}/programmes/{slug}/summary", headers=bearer(reader))
        assert answer.status_code == 404
        assert answer.get_json()["type"].endswith("/not-found")
    listed = client.get(f"{API}/programmes", headers=bearer(reader)).get_json()
    assert [p["slug"] for p in listed["programmes"]] == [programme.slug]
    # The grant withdrawn since: the token no longer reaches the programme.
    db.session.delete(db.session.get(ProgrammeGrant, (granted.id, programme.id)))
    db.session.commit()
    assert client.get(f"{API}/programmes/{programme.slug}/summary", headers=bearer(reader)).status_code == 404
    assert client.get(f"{API}/programmes", headers=bearer(reader)).get_json() == {"programmes": []}


def test_a_token_covers_only_programmes_and_scopes_its_owner_may_have(app: Flask, programme: Programme) -> None:
    evaluator = create_user(db.session(), "eval@example.org", "evaluator horse", Role.EVALUATOR, "Eval")
    db.session.commit()
    with pytest.raises(DomainError):  # not granted
        make_token(app, evaluator, [programme], scopes=("read",))
    access.grant(db.session(), evaluator, programme)
    db.session.commit()
    with pytest.raises(DomainError):  # an evaluator never submits
        make_token(app, evaluator, [programme], scopes=("read", "submit"))
    assert make_token(app, evaluator, [programme], scopes=("read",)).startswith("svy_")


# --- problem details in the client's language -------------------------------------------


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("en", "A valid API token is needed"),
        ("fr", "Un jeton d’API valide est nécessaire"),
        ("ar", "يلزم رمز API صالح"),
    ],
)
def test_problems_are_rfc_9457_in_the_clients_language(client: FlaskClient, lang: str, title: str) -> None:
    answer = client.get(f"{API}/programmes", headers={"Accept-Language": lang})
    assert answer.status_code == 401
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.headers["Content-Language"] == lang
    body = answer.get_json()
    assert body["title"] == title
    assert body["status"] == 401
    assert body["type"] == "/api/v1/problems/unauthorized"
    assert body["detail"]
    unknown = client.get(f"{API}/nothing-here", headers={"Accept-Language": lang})
    assert unknown.status_code == 404
    assert unknown.headers["Content-Type"] == "application/problem+json"
    wrong_method = client.delete(f"{API}/programmes", headers={"Accept-Language": lang})
    assert wrong_method.status_code == 405
    assert wrong_method.headers["Content-Type"] == "application/problem+json"
    assert "GET" in wrong_method.headers["Allow"]


# --- rate limits --------------------------------------------------------------------------


def test_too_many_calls_are_answered_429_with_retry_after(
    app: Flask, client: FlaskClient, programme: Programme, granted: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "API_CALLS_BY_TOKEN", tuple(parse_many("3/minute")))
    secret = make_token(app, granted, [programme])
    statuses = [client.get(f"{API}/programmes", headers=bearer(secret, "fr")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    answer = client.get(f"{API}/programmes", headers=bearer(secret, "fr"))
    assert answer.status_code == 429
    assert 1 <= int(answer.headers["Retry-After"]) <= 60
    assert answer.get_json()["type"].endswith("/too-many-requests")


def test_guessing_tokens_is_slowed_down_per_client(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "API_REFUSALS_BY_CLIENT", tuple(parse_many("3/minute")))
    statuses = [client.get(f"{API}/programmes", headers=bearer(f"svy_guess{i}")).status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]


# --- submit -------------------------------------------------------------------------------


def stored_answers() -> list[tuple[str, str, int | None, str | None]]:
    rows = db.session.execute(
        select(Question.code, Answer.item, Answer.number, Answer.text).join(Question, Question.id == Answer.question_id)
    )
    return sorted((str(c), str(i), n, t) for c, i, n, t in rows)


def test_submit_stores_once_per_idempotency_key(
    app: Flask, client: FlaskClient, programme: Programme, granted: User
) -> None:
    secret = make_token(app, granted, [programme], scopes=("submit",))
    key = str(uuid.uuid4())
    first = submit(client, secret, programme, key)
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.get_json() == {"stored": True, "duplicate": False}
    again = submit(client, secret, programme, key)
    assert again.status_code == 200
    assert again.get_json() == {"stored": True, "duplicate": True}
    assert count_responses() == 1
    assert db.session.scalars(select(Response)).one().source == "kiosk"
    assert submit(client, secret, programme, str(uuid.uuid4())).status_code == 201
    assert count_responses() == 2


def test_a_response_sent_through_the_api_is_stored_as_the_form_stores_it(
    app: Flask, client: FlaskClient, forms: FormClient, programme: Programme, granted: User
) -> None:
    submit_all(forms, programme.slug, full_answers(programme))
    by_form = stored_answers()
    assert count_responses() == 1
    db.session.execute(Answer.__table__.delete())
    db.session.execute(Response.__table__.delete())
    db.session.commit()
    secret = make_token(app, granted, [programme], scopes=("submit",))
    assert submit(client, secret, programme, str(uuid.uuid4()), language="fr", source="web").status_code == 201
    assert stored_answers() == by_form


def test_answers_are_checked_as_the_form_checks_them(
    app: Flask, client: FlaskClient, programme: Programme, granted: User
) -> None:
    secret = make_token(app, granted, [programme], scopes=("submit",))
    answers = flat_answers(programme)
    answers["cq_relevance"] = "9"  # not a point of the scale
    del answers["cq_clarity"]  # required
    answers["no_such_question"] = "1"
    refused = client.post(
        f"{API}/programmes/{programme.slug}/responses",
        json={"answers": answers},
        headers={**bearer(secret, "fr"), "Idempotency-Key": str(uuid.uuid4())},
    )
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["type"].endswith("/invalid-answers")
    pointers = {e["pointer"] for e in body["errors"]}
    assert pointers == {"/answers/cq_relevance", "/answers/cq_clarity", "/answers/no_such_question"}
    assert count_responses() == 0
    for bad_key in ("", "not-a-uuid"):
        answer = client.post(
            f"{API}/programmes/{programme.slug}/responses",
            json={"answers": flat_answers(programme)},
            headers={**bearer(secret), "Idempotency-Key": bad_key},
        )
        assert answer.status_code == 422
    for body_sent in ({"answers": []}, {"answers": {}, "extra": 1}, {"answers": {}, "language": "xx"}):
        answer = client.post(
            f"{API}/programmes/{programme.slug}/responses",
            json=body_sent,
            headers={**bearer(secret), "Idempotency-Key": str(uuid.uuid4())},
        )
        assert answer.status_code == 422, body_sent
    assert count_responses() == 0


def test_a_closed_programme_refuses_with_a_problem(
    app: Flask, client: FlaskClient, programme: Programme, granted: User
) -> None:
    secret = make_token(app, granted, [programme], scopes=("submit",))
    programme.status = "closed"
    db.session.commit()
    answer = submit(client, secret, programme, str(uuid.uuid4()))
    assert answer.status_code == 409
    assert answer.get_json()["type"].endswith("/not-accepting")
    assert count_responses() == 0


# --- reading: summary, codebook, responses in batches of k ---------------------------------


def send_many(client: FlaskClient, secret: str, programme: Programme, n: int) -> None:
    for _ in range(n):
        assert submit(client, secret, programme, str(uuid.uuid4())).status_code == 201


def test_summary_follows_the_dashboards_small_group_rule(
    app: Flask, client: FlaskClient, programme: Programme, granted: User
) -> None:
    secret = make_token(app, granted, [programme])
    k = programme.minimum_group_size
    send_many(client, secret, programme, k - 1)
    small = client.get(f"{API}/programmes/{programme.slug}/summary", headers=bearer(secret, "fr")).get_json()
    assert small["kpis"]["responses"] == k - 1
    assert small["kpis"]["small_group"] is True
    assert small["dimensions"] == []
    assert small["comments"] == []
    listed = client.get(f"{API}/programmes/{programme.slug}/responses", headers=bearer(secret, "ar"))
    assert listed.status_code == 403
    assert listed.get_json()["type"].endswith("/small-programme")
    # k: still nothing but the count while open, the latest batch being held back.
    send_many(client, secret, programme, 1)
    held = client.get(f"{API}/programmes/{programme.slug}/summary", headers=bearer(secret, "fr")).get_json()
    assert (held["kpis"]["small_group"], held["dimensions"]) == (True, [])
    send_many(client, secret, programme, k)  # 2k: the first batch shows
    full = client.get(f"{API}/programmes/{programme.slug}/summary", headers=bearer(secret, "fr")).get_json()
    assert full["kpis"]["small_group"] is False
    assert full["dimensions"]
    assert all(d["mean"] is not None for d in full["dimensions"])
    assert full["language"] == "fr"


def test_responses_come_in_whole_batches_of_k_by_random_id_in_the_exports_names(
    app: Flask, client: FlaskClient, programme: Programme, granted: User
) -> None:
    secret = make_token(app, granted, [programme])
    k = programme.minimum_group_size
    send_many(client, secret, programme, 2 * k + 2)
    seen: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        answer = client.get(f"{API}/programmes/{programme.slug}/responses", query_string=query, headers=bearer(secret))
        assert answer.status_code == 200
        body = answer.get_json()
        assert body["revealed"] == k  # the latest batch and the last 2 are held back while open
        seen += body["responses"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == -(-k // 2)
    ids = [row["response_id"] for row in seen]
    assert len(set(ids)) == k
    assert ids == sorted(ids, key=lambda i: uuid.UUID(i).hex)
    # The arrival order of the first k, which the API must not follow (nor give times).
    arrival = [str(r) for r in db.session.scalars(select(Response.id).order_by(Response.submitted_at, Response.id))]
    assert set(ids) == set(arrival[:k])
    names = [n for n in header(variables(questionnaire_spec(programme))) if n != "submitted_at"]
    assert all(list(row) == names for row in seen)
    assert seen[0]["cq_relevance"] == 5
    assert seen[0]["helpful_formats__workshops"] == 1
    codebook = client.get(f"{API}/programmes/{programme.slug}/codebook", headers=bearer(secret, "fr")).get_json()
    assert [v["name"] for v in codebook["variables"]] == names
    bad = client.get(
        f"{API}/programmes/{programme.slug}/responses", query_string={"cursor": "zz"}, headers=bearer(secret)
    )
    assert bad.status_code == 422


# --- the OpenAPI document -----------------------------------------------------------------


def test_the_openapi_document_is_generated_and_valid(client: FlaskClient) -> None:
    document = client.get(f"{API}/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        f"{API}/programmes",
        f"{API}/programmes/{{slug}}/summary",
        f"{API}/programmes/{{slug}}/codebook",
        f"{API}/programmes/{{slug}}/responses",
    }
    assert set(document["paths"][f"{API}/programmes/{{slug}}/responses"]) == {"get", "post"}
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    from openapi_spec_validator import validate

    validate(document)


def test_the_reference_page_is_served_under_the_csp(client: FlaskClient) -> None:
    page = client.get(f"{API}/docs", headers={"Accept-Language": "fr"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/static/js/api-docs" in html
    assert "http" not in re.sub(r'(href|src)="/[^"]*"', "", html).split("<body")[1]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
