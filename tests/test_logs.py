"""Nothing identifying in the logs: after a whole codes-mode session served by
`survey serve` (what `make run` starts), neither its access log nor anything
else it wrote holds an invitation code. docs/anonymity.md ("Server operator")
names this test.

To check another secret (a receipt token, say), add it to what
:func:`_session_secrets` returns: every way it could be written is searched.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bench.client import Browser, Reply, hidden_fields
from bench.load import default_answers, session_ids
from survey.models import AccessMode, Programme
from survey.services.codes import format_code, issue_codes, set_access_mode
from survey.services.demo import DEMO_SLUG
from survey.web.trainee import RECEIPT_COOKIE
from tests.serving import command_server, laptop_env, room_app

FORM = f"/s/{DEMO_SLUG}"


def _send_whole_form(phone: Browser, page: str) -> Reply:
    """Send every page's answers in one POST, from the form's first page ``page``."""
    hidden = hidden_fields(page)
    pages = default_answers(session_ids(page))
    fields = [(name, value) for name, value in hidden.items()]
    fields += [("page", str(len(pages) - 1)), ("whole", "1")]
    fields += [pair for answers in pages for pair in answers]
    return phone.post(FORM, [*fields, ("action", "send")])


def _spellings(secret: str) -> set[str]:
    """Every way a code could be written down: as printed, as stored, in small letters, quoted in a URL."""
    bare = secret.replace("-", "")
    return {secret, bare, secret.lower(), bare.lower(), secret.replace("-", "%2D")}


def _session_secrets(codes: list[str]) -> list[str]:
    """What must never be written to a log: the codes (the test adds the receipts it saw)."""
    return [format_code(code) for code in codes]


@pytest.fixture
def coded_laptop(tmp_path: Path) -> tuple[Path, list[str]]:
    """A laptop's database with the demo programme in codes mode, and three codes."""
    app = room_app(tmp_path)
    with Session(app.extensions["survey.db"], expire_on_commit=False) as session:
        programme = session.query(Programme).filter_by(slug=DEMO_SLUG).one()
        set_access_mode(session, programme, AccessMode.CODES)
        codes = issue_codes(session, programme, 3)
    app.extensions["survey.db"].dispose()
    return tmp_path, codes


def test_a_whole_codes_session_leaves_no_code_in_any_log(coded_laptop: tuple[Path, list[str]]) -> None:
    folder, codes = coded_laptop
    scanned, typed, unused = (format_code(code) for code in codes)
    with command_server(laptop_env(folder)) as server:
        port = int(server.address.rsplit(":", 1)[1])
        # One trainee scans the card's QR code, one types the code, one scans a used card.
        first, second, late = (Browser("127.0.0.1", port, 60) for _ in range(3))
        try:
            form = first.get(f"/c/{scanned}")
            assert form.status == 200
            sent = _send_whole_form(first, form.text())
            assert sent.status == 303
            receipt = first.get(sent.headers["Location"])
            assert receipt.status == 200
            receipts = re.findall(r"\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b", receipt.text())
            assert receipts  # the receipt number the trainee sees
            receipts.append(first.cookies[RECEIPT_COOKIE])  # and the cookie that carried it

            assert "code-input" in second.get(FORM).text()
            form = second.post(FORM, [("code", typed.lower().replace("-", " "))])
            assert form.status == 200
            sent = _send_whole_form(second, form.text())
            assert sent.status == 303
            assert second.get(sent.headers["Location"]).status == 200

            assert late.get(f"/c/{scanned}").status == 404  # used: the same answer as unknown
            assert late.get("/c/KKKK-KKKK").status == 404
            assert late.get(f"/code/{unused}").status == 404  # a mistyped link, no route
        finally:
            for phone in (first, second, late):
                phone.close()
        assert server.stop() == 0
    written = "\n".join(server.printed)
    # The access log was written, a line per request, naming routes.
    assert re.search(r"GET /c/<code> 200$", written, re.M), written
    assert re.search(r"POST /s/<slug> 303$", written, re.M)
    assert re.search(r"GET /c/<code> 404$", written, re.M)
    assert re.search(r"GET - 404$", written, re.M)  # a path matching no route is not logged either
    for secret in [*_session_secrets(codes), unused, *receipts]:
        for spelling in _spellings(secret):
            assert spelling not in written, spelling
    logs = list((folder / "instance").rglob("*.log"))
    assert not logs, logs  # nothing written elsewhere that this test would not read
