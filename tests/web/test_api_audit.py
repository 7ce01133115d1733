"""Reads of a programme's data through the JSON API are in the audit log an admin
reads, under the token's owner, as the same data downloaded from the pages is."""

from __future__ import annotations

import re

from flask import Flask

from survey.extensions import db
from survey.models import Programme, Role, User
from survey.services import access
from survey.services.demo import add_random_responses
from survey.services.users import create_user
from tests.helpers import read_page
from tests.web.test_api import API, bearer, make_token


def test_an_admin_sees_each_api_read_of_a_programmes_data(app: Flask, programme: Programme, organiser: User) -> None:
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    add_random_responses(db.session(), programme, 2 * programme.minimum_group_size, seed=18)
    secret = make_token(app, organiser, [programme], scopes=("read",))
    prefix = secret[:12]
    script = app.test_client()
    base = f"{API}/programmes/{programme.slug}"
    # The list of programmes gives no programme's data: not recorded.
    assert script.get(f"{API}/programmes", headers=bearer(secret)).status_code == 200
    assert script.get(f"{base}/summary", headers=bearer(secret, "fr")).status_code == 200
    assert script.get(f"{base}/codebook", headers=bearer(secret)).status_code == 200
    first = script.get(f"{base}/responses", query_string={"limit": 3}, headers=bearer(secret))
    assert first.status_code == 200
    cursor = first.get_json()["next_cursor"]
    assert cursor
    query = {"limit": 3, "cursor": cursor}
    assert script.get(f"{base}/responses", query_string=query, headers=bearer(secret)).status_code == 200
    # A read refused (no such programme for this token) gives nothing and records nothing.
    assert script.get(f"{API}/programmes/elsewhere/codebook", headers=bearer(secret)).status_code == 404

    create_user(db.session(), "admin@example.org", "correct horse", Role.ADMIN, "Admin")
    db.session.commit()
    admin = app.test_client()
    page = read_page(admin.get("/login"))
    signed_in = admin.post("/login", data={**page.hidden, "email": "admin@example.org", "password": "correct horse"})
    assert signed_in.status_code == 302
    admin.set_cookie("lang", "en")
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert log.count('data-audit="api_read"') == 4
    assert "Read through the API" in log
    # Newest first: who (the token's owner), which programme, what and which token.
    rows = _api_rows(log)
    assert rows == [
        ("org@example.org", "niamey", f"responses, next page, token {prefix}"),
        ("org@example.org", "niamey", f"responses, first page, token {prefix}"),
        ("org@example.org", "niamey", f"codebook en, token {prefix}"),
        ("org@example.org", "niamey", f"summary fr, token {prefix}"),
    ]
    # The token was made (its own entry), never read as an API read.
    assert log.count('data-audit="api_token"') == 1


def _api_rows(log: str) -> list[tuple[str, str, str]]:
    """(who, programme, detail) of each api_read row of the audit page, in its order."""
    rows = re.findall(
        r'<tr data-audit="api_read">\s*<td>.*?</td>\s*<td dir="ltr">([^<]*)</td>\s*<td>[^<]*</td>\s*'
        r'<td dir="ltr">([^<]*)</td>\s*<td dir="ltr">([^<]*)</td>',
        log,
        flags=re.S,
    )
    return [(who, slug, detail) for who, slug, detail in rows]
