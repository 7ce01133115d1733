"""Schema-driven fuzzing of the JSON API: schemathesis reads the served OpenAPI
document and sends what it describes (and what it does not) to a live server;
no answer may be a server error or break its own schema."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from limits import parse_many
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import Programme, User
from survey.services.api_tokens import create_token
from survey.services.demo import DEMO_EMAIL, DEMO_SLUG
from survey.services.users import find_user
from survey.web import limits
from tests.serving import room_app, serving
from tests.web.test_api import flat_answers

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Thousands of calls in a minute: the limits would answer 429 (documented) to most of them.
    monkeypatch.setattr(limits, "API_CALLS_BY_TOKEN", tuple(parse_many("100000/minute")))
    monkeypatch.setattr(limits, "API_REFUSALS_BY_CLIENT", tuple(parse_many("100000/minute")))
    app = room_app(tmp_path)
    with Session(app.extensions["survey.db"], expire_on_commit=False) as session:
        user = find_user(session, DEMO_EMAIL)
        assert isinstance(user, User)
        programme = session.scalars(select(Programme).where(Programme.slug == DEMO_SLUG)).one()
        answers = flat_answers(programme)
        token = create_token(
            session,
            user,
            name="fuzz",
            scopes=("read", "submit"),
            programme_ids=[programme.id],
            days=7,
            key=str(app.config["SECRET_KEY"]),
        ).secret
        k = session.get_one(Programme, programme.id).minimum_group_size
    # k responses, so that the responses are listed (under k they are refused, as documented).
    client = app.test_client()
    for _ in range(k):
        sent = client.post(
            f"/api/v1/programmes/{DEMO_SLUG}/responses",
            json={"answers": answers},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())},
        )
        assert sent.status_code == 201, sent.get_data(as_text=True)
    # Every operation is called on the demo programme (a random slug would only meet 404s).
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\n"path.slug" = "{DEMO_SLUG}"\n')
    with serving(app) as room:
        base = f"http://127.0.0.1:{room.port}"
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "--config-file",
                str(config),
                "run",
                f"{base}/api/v1/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                "not_a_server_error,response_schema_conformance,content_type_conformance",
                "--max-examples",
                "30",
                "--seed",
                "18",
                "--request-timeout",
                "30",
                "--workers",
                "1",
            ],
            capture_output=True,
            text=True,
            timeout=540,
            check=False,
            cwd=tmp_path,  # where schemathesis keeps its cache of crashes
        )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-6000:]
    assert "/api/v1/programmes/{slug}/responses" in output
