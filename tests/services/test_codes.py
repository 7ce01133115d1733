"""Invitation codes: their shape, their single use, and anonymity proved from the database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Date, DateTime, Time, func, inspect, select, text

from survey.extensions import db
from survey.models import AccessCode, AccessMode, Base, Programme, Response
from survey.questionnaire.kinds import AnswerValue
from survey.services import DomainError
from survey.services import codes as code_service
from survey.services.codes import (
    ALPHABET,
    CodeMissing,
    CodeUnknown,
    CodeUsed,
    check_code,
    code_counts,
    format_code,
    issue_codes,
    normalise_code,
    programme_slug_for_code,
    set_access_mode,
    unused_codes,
)
from survey.services.programmes import create_programme
from survey.services.responses import submit_response
from survey.storage import SubmittedAnswer


@pytest.fixture
def coded(programme: Programme) -> Programme:
    set_access_mode(db.session(), programme, AccessMode.CODES)
    return programme


def _second_programme(programme: Programme, slug: str = "dakar") -> Programme:
    session = db.session()
    other = create_programme(
        session, slug=slug, title="Formation, Dakar", questionnaire=programme.questionnaire, languages=("fr", "en")
    )
    other.status = "open"
    other.access_mode = AccessMode.CODES.value
    session.commit()
    return other


def _answers(variant: int) -> list[SubmittedAnswer]:
    """Answers that differ from one trainee to the next."""
    return [
        SubmittedAnswer("cq_relevance", AnswerValue(item="", number=1 + variant % 5)),
        SubmittedAnswer("recommend", AnswerValue(item="", number=variant)),
        SubmittedAnswer("comment_useful", AnswerValue(item="", text=f"commentaire {variant}")),
    ]


def _submit(programme: Programme, code: str | None, variant: int = 3, key: str | None = None, source: str = "web"):  # type: ignore[no-untyped-def]
    return submit_response(
        db.session(),
        programme,
        _answers(variant),
        language="fr",
        idempotency_key=key or uuid.uuid4().hex,
        access_code=code,
        source=source,
    )


def _count(model: type[Base], programme: Programme) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(model.programme_id == programme.id)) or 0  # type: ignore[attr-defined]


# --- shape -----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["K7QX-M3RA", "k7qx-m3ra", " k7qx m3ra ", "K7QXM3RA", "k7qx\u2013m3ra", "Ｋ７ＱＸ－Ｍ３ＲＡ", "K٧QX-M٣RA"]
)
def test_typed_codes_are_normalised(typed: str) -> None:
    assert normalise_code(typed) == "K7QXM3RA"
    assert format_code(normalise_code(typed)) == "K7QX-M3RA"


def test_a_batch_has_distinct_unambiguous_codes_of_eight_characters(coded: Programme) -> None:
    issued = issue_codes(db.session(), coded, 29)
    assert len(issued) == 29 == len(set(issued))
    assert all(len(code) == 8 and set(code) <= set(ALPHABET) for code in issued)
    assert not set("".join(issued)) & set("0O1IL5S2Z8B")
    assert sorted(unused_codes(db.session(), coded)) == sorted(issued)
    assert code_counts(db.session(), coded) == code_service.CodeCounts(issued=29, used=0)


def test_a_code_drawn_twice_is_drawn_again(coded: Programme, monkeypatch: pytest.MonkeyPatch) -> None:
    (taken,) = issue_codes(db.session(), coded, 1)
    draws: Iterator[str] = iter([taken, taken, "AAAAAAAA", "AAAAAAAA", "CCCCCCCC"])
    monkeypatch.setattr(code_service, "_random_code", lambda: next(draws))
    assert sorted(issue_codes(db.session(), coded, 2)) == ["AAAAAAAA", "CCCCCCCC"]
    assert code_counts(db.session(), coded).issued == 3


@pytest.mark.parametrize("count", [0, -1, code_service.MAX_BATCH + 1])
def test_batch_size_is_bounded(coded: Programme, count: int) -> None:
    with pytest.raises(DomainError):
        issue_codes(db.session(), coded, count)


# --- checking and using ----------------------------------------------------


def test_check_tells_missing_unknown_and_used_codes_apart(coded: Programme) -> None:
    session = db.session()
    mine, spare = issue_codes(session, coded, 2)
    (theirs,) = issue_codes(session, _second_programme(coded), 1)
    assert check_code(session, coded, format_code(mine).lower()) == mine
    with pytest.raises(CodeMissing):
        check_code(session, coded, " - ")
    for wrong in ("hello", "KKKKKKKK", theirs, mine + "K"):
        with pytest.raises(CodeUnknown):
            check_code(session, coded, wrong)
    _submit(coded, mine)
    with pytest.raises(CodeUsed):
        check_code(session, coded, mine)
    assert check_code(session, coded, spare) == spare


def test_a_short_link_code_finds_its_programme(coded: Programme) -> None:
    (code,) = issue_codes(db.session(), coded, 1)
    assert programme_slug_for_code(db.session(), format_code(code).lower()) == ("niamey", code)
    with pytest.raises(CodeUnknown):
        programme_slug_for_code(db.session(), "KKKK-KKKK")


def test_a_code_lets_one_response_in_and_is_used_up_with_it(coded: Programme) -> None:
    code, other = issue_codes(db.session(), coded, 2)
    first = _submit(coded, code, key="a" * 32)
    assert not first.duplicate
    with pytest.raises(CodeUsed):
        _submit(coded, code, key="b" * 32)
    assert _count(Response, coded) == 1
    assert code_counts(db.session(), coded) == code_service.CodeCounts(issued=2, used=1)
    # The same form sent again (a double tap) is the same response, not a refusal.
    again = _submit(coded, code, key="a" * 32)
    assert again.duplicate
    assert again.response_id == first.response_id
    # Staff learn which code went only with a batch of k (tests/web/test_code_order.py).
    assert sorted(unused_codes(db.session(), coded)) == sorted([code, other])


def test_without_a_valid_code_nothing_is_stored(coded: Programme) -> None:
    (code,) = issue_codes(db.session(), coded, 1)
    (theirs,) = issue_codes(db.session(), _second_programme(coded), 1)
    with pytest.raises(CodeMissing):
        _submit(coded, None)
    with pytest.raises(CodeUnknown):
        _submit(coded, theirs)
    assert _count(Response, coded) == 0
    assert code_counts(db.session(), coded).used == 0
    assert unused_codes(db.session(), coded) == [code]


def test_link_mode_needs_no_code_and_a_kiosk_in_codes_mode_does(programme: Programme) -> None:
    assert not _submit(programme, None).duplicate  # link mode
    assert not _submit(programme, None, source="kiosk").duplicate
    set_access_mode(db.session(), programme, AccessMode.CODES)
    with pytest.raises(CodeMissing):  # a shared device vouches for no one
        _submit(programme, None, source="kiosk")
    [code] = issue_codes(db.session(), programme, 1)
    assert not _submit(programme, code, source="kiosk").duplicate
    assert _count(Response, programme) == 3


def test_a_web_response_without_a_code_is_refused_and_stores_nothing(coded: Programme) -> None:
    for typed in ("", None):
        with pytest.raises(CodeMissing):
            _submit(coded, typed)
    assert _count(Response, coded) == 0


# --- anonymity -------------------------------------------------------------


def _physical_order() -> str:
    return "ctid" if db.session.get_bind().dialect.name == "postgresql" else "rowid"


def _code_table(programme: Programme, by_id: list[str]) -> dict[str, object]:
    """Everything the database holds about a programme's codes, with each code
    replaced by its rank of issue, so that two programmes can be compared."""
    session = db.session()
    rank = {code: index for index, code in enumerate(by_id)}
    columns = [c.name for c in AccessCode.__table__.columns if c.name not in {"id", "programme_id", "code"}]
    rows = session.execute(
        text(f"SELECT code, {', '.join(columns)} FROM access_codes WHERE programme_id = :p ORDER BY id"),  # noqa: S608
        {"p": programme.id},
    ).all()
    physical = session.scalars(
        text(f"SELECT code FROM access_codes WHERE programme_id = :p ORDER BY {_physical_order()}"),  # noqa: S608
        {"p": programme.id},
    ).all()
    dump: dict[str, object] = {
        "rows": [(rank[row[0]], *row[1:]) for row in rows],
        "physical_order": [rank[code] for code in physical],
    }
    if session.get_bind().dialect.name == "postgresql":
        # The id of the transaction that wrote each row: one for all, whichever code was used.
        xmins = session.scalars(
            text("SELECT xmin::text FROM access_codes WHERE programme_id = :p"), {"p": programme.id}
        )
        dump["distinct_xmin"] = len(set(xmins))
    return dump


def _response_table(programme: Programme) -> list[tuple[object, ...]]:
    """The responses in the order they arrived, with their answers, minus what
    differs by nature (id, time, idempotency key, programme)."""
    skip = {"id", "submitted_at", "idempotency_key", "programme_id"}
    columns = [c for c in Response.__table__.columns if c.name not in skip]
    session = db.session()
    out = []
    for response in session.scalars(
        select(Response).where(Response.programme_id == programme.id).order_by(Response.submitted_at)
    ):
        answers = sorted((a.question_id, a.item, a.number, a.text) for a in response.answers)
        out.append((tuple(getattr(response, c.key) for c in columns), tuple(answers)))
    return out


def test_the_database_cannot_tell_which_code_let_which_response_in(coded: Programme) -> None:
    """Two programmes, the same trainees answering in the same order, but using
    the same codes (by rank of issue) in two different orders: afterwards, the
    code table, its physical order and its transaction ids, and the responses
    are the same. So nothing in the database ties a code to a response."""
    session = db.session()
    second = _second_programme(coded)
    orders = {coded.slug: [0, 2, 3, 5], second.slug: [5, 3, 0, 2]}
    dumps = []
    for programme in (coded, second):
        issue_codes(session, programme, 6)
        by_id = list(
            session.scalars(
                select(AccessCode.code).where(AccessCode.programme_id == programme.id).order_by(AccessCode.id)
            )
        )
        for trainee, position in enumerate(orders[programme.slug]):
            _submit(programme, by_id[position], variant=trainee)
        dumps.append((_code_table(programme, by_id), _response_table(programme)))
    (codes_a, responses_a), (codes_b, responses_b) = dumps
    assert codes_a == codes_b
    # (rank, used, revealed to staff): four used, fewer than k, so none revealed yet.
    used = [True, False, True, True, False, True]
    assert codes_a["rows"] == [(rank, was_used, False) for rank, was_used in enumerate(used)]
    assert codes_a["physical_order"] == [0, 1, 2, 3, 4, 5]
    assert codes_a.get("distinct_xmin", 1) == 1
    assert responses_a == responses_b
    assert len(responses_a) == 4


def test_no_code_text_is_stored_outside_the_code_table(coded: Programme) -> None:
    session = db.session()
    issued = issue_codes(session, coded, 5)
    for variant, code in enumerate(issued):
        _submit(coded, format_code(code), variant=variant)
    needles = set(issued) | {format_code(code) for code in issued}
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if not (table.name == "access_codes" and c.name == "code")]
        for row in session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                found = [needle for needle in needles if needle in str(value)]
                assert not found, f"{table.name}.{column.name} holds code {found}"


def test_the_code_table_has_no_column_that_could_link_a_response(app: Flask) -> None:
    inspector = inspect(db.session.connection())
    columns = {c["name"]: c["type"] for c in inspector.get_columns("access_codes")}
    # revealed: whether staff may see it used, set for a batch of k at once.
    assert set(columns) == {"id", "programme_id", "code", "used", "revealed"}
    assert not [name for name, kind in columns.items() if isinstance(kind, DateTime | Date | Time)]
    assert [fk["referred_table"] for fk in inspector.get_foreign_keys("access_codes")] == ["programmes"]
    for table in inspector.get_table_names():
        referred = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
        assert "access_codes" not in referred, table
    assert not [c["name"] for c in inspector.get_columns("responses") if "code" in c["name"]]
