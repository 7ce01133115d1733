"""A programme that lived on a field laptop moves to the central service, and back.

`survey export-programme` writes one file; `survey import-programme` loads it
elsewhere, on SQLite or PostgreSQL. The reports come out the same on both
sides; importing again adds nothing; a damaged, newer or conflicting bundle is
refused and writes nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.caches import clear_all
from survey.extensions import db
from survey.models import AccessCode, AuditEvent, Exclusion, Programme, Questionnaire, Response
from survey.services import audit, disclosure, report_documents
from survey.services.anonymity import batch_times
from survey.services.bundle_import import import_programme
from survey.services.bundles import export_programme
from survey.services.codes import issue_codes
from survey.services.demo import DEMO_SLUG, add_random_responses
from survey.services.exclusions import set_excluded
from survey.services.programmes import find_programme
from tests.serving import room_app


@pytest.fixture
def laptop(tmp_path: Path) -> Flask:
    """The field laptop: SQLite, the demo programme with 12 responses, one excluded, some codes."""
    (tmp_path / "laptop").mkdir()
    app = room_app(tmp_path / "laptop")
    with Session(app.extensions["survey.db"], expire_on_commit=False) as session:
        programme = find_programme(session, DEMO_SLUG)
        add_random_responses(session, programme, 12)
        first = session.scalars(select(Response.id).order_by(Response.idempotency_key)).first()
        assert first is not None
        set_excluded(session, programme, first, excluded=True, user_id=_organiser_id(session), reason="test entry")
        issue_codes(session, programme, 6)
        session.commit()
    return app


def close(app: Flask) -> None:
    """The programme closed, as when it is moved at the end: its file then holds every response
    (open, whole batches but the latest, as its figures)."""
    with Session(app.extensions["survey.db"]) as session:
        find_programme(session, DEMO_SLUG).status = "closed"
        session.commit()


def _organiser_id(session: Session) -> int:
    from survey.models import User

    found = session.scalar(select(User.id).order_by(User.id))
    assert found is not None
    return found


def export(app: Flask, path: Path, slug: str = DEMO_SLUG) -> Path:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["export-programme", slug, "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


def import_(app: Flask, path: Path) -> str:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["import-programme", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def refused(app: Flask, path: Path) -> str:
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["import-programme", str(path)])
    assert result.exit_code != 0
    assert "was not imported" in result.output
    return result.output


def report(session: Session, fmt: str) -> bytes:
    """The demo programme's document in ``fmt`` (raw data confirmed, as a small programme needs).

    A worker's caches belong to one service; here several share the process,
    so each report starts from none."""
    clear_all()
    out = io.BytesIO()
    report_documents.write_report(
        session,
        find_programme(session, DEMO_SLUG),
        fmt,
        "fr",
        out,
        confirmation=disclosure.Confirmation(user_id=None, channel="cli"),
    )
    return out.getvalue()


def summary_without_generation_time(session: Session) -> dict[str, object]:
    data = json.loads(report(session, "json"))
    data.pop("generated_at", None)
    return data


def raw_csv(session: Session) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(report(session, "csv"))) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def own_session(app: Flask) -> Session:
    return Session(app.extensions["survey.db"], expire_on_commit=False)


def counts(app: Flask) -> tuple[int, int, int, int]:
    with Session(app.extensions["survey.db"]) as session:
        return (
            session.scalar(select(func.count()).select_from(Programme)) or 0,
            session.scalar(select(func.count()).select_from(Response)) or 0,
            session.scalar(select(func.count()).select_from(Exclusion)) or 0,
            session.scalar(select(func.count()).select_from(AccessCode)) or 0,
        )


def empty_service(folder: Path) -> Flask:
    """Another service, migrated and empty (no demo)."""
    from survey import create_app
    from survey.config import TestConfig
    from survey.migrate import upgrade

    url = f"sqlite:///{folder / 'survey.db'}"
    folder.mkdir(parents=True)
    upgrade(url)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_DIR = folder / "instance"

    return create_app(Config)


def test_a_programme_goes_to_the_central_service_and_back_with_the_same_reports(
    laptop: Flask, app: Flask, tmp_path: Path
) -> None:
    """SQLite laptop -> the central service (each database) -> a new SQLite laptop.

    The central service is the test's database, whose session every command
    would use, so the laptops are driven through the services with their own.
    """
    # Moved once closed, as at the end of a programme: its reports then take in every
    # response. (An open programme's figures take whole batches cut in arrival order,
    # which a programme file does not carry: docs/anonymity.md.)
    with own_session(laptop) as session:
        find_programme(session, DEMO_SLUG).status = "closed"
        session.commit()
    bundle = tmp_path / "niamey.bundle"
    with own_session(laptop) as session, bundle.open("wb") as out:
        assert export_programme(session, find_programme(session, DEMO_SLUG), out, audit.CLI) == 12
    summary = import_programme(db.session(), bundle, audit.CLI)
    assert (summary.created, summary.stored, summary.already_stored) == (True, 12, 0)
    back = tmp_path / "back.bundle"
    with back.open("wb") as out:
        export_programme(db.session(), find_programme(db.session(), DEMO_SLUG), out, audit.CLI)
    other = empty_service(tmp_path / "other")
    with own_session(other) as session:
        import_programme(session, back, audit.CLI)

    with own_session(laptop) as session:
        expected_summary, expected_raw = summary_without_generation_time(session), raw_csv(session)
    assert summary_without_generation_time(db.session()) == expected_summary
    assert raw_csv(db.session()) == expected_raw
    with own_session(other) as session:
        assert summary_without_generation_time(session) == expected_summary
        assert raw_csv(session) == expected_raw
        log = session.execute(select(Exclusion.excluded, Exclusion.reason)).all()
        assert log == [(True, "test entry")]
        assert session.scalar(select(func.count()).where(Response.excluded)) == 1
    assert counts(other) == counts(laptop)


def test_importing_again_adds_nothing_and_a_later_bundle_adds_only_what_is_new(laptop: Flask, tmp_path: Path) -> None:
    """The laptop's programme is open (12 responses, k = 5): a file holds what its figures
    hold, whole batches but the latest (5); the rest comes in a later file, all once closed."""
    central = empty_service(tmp_path / "central")
    import_(central, export(laptop, tmp_path / "monday.bundle"))
    before = counts(central)
    assert before[1] == 5
    assert "0 responses stored, 5 already here" in import_(central, export(laptop, tmp_path / "again.bundle"))
    assert counts(central) == before
    with Session(laptop.extensions["survey.db"], expire_on_commit=False) as session:
        add_random_responses(session, find_programme(session, DEMO_SLUG), 3, seed=7)  # 15: 10 in the file
    assert "5 responses stored, 5 already here" in import_(central, export(laptop, tmp_path / "tuesday.bundle"))
    assert counts(central)[1] == before[1] + 5
    with Session(laptop.extensions["survey.db"], expire_on_commit=False) as session:
        find_programme(session, DEMO_SLUG).status = "closed"
        session.commit()
    assert "5 responses stored, 10 already here" in import_(central, export(laptop, tmp_path / "closed.bundle"))
    assert counts(central)[2] == 1  # the exclusion, logged once


def test_the_file_keeps_no_arrival_order_and_no_code_staff_were_not_shown_as_used(
    laptop: Flask, tmp_path: Path
) -> None:
    lines = [json.loads(line) for line in gzip.decompress(export(laptop, tmp_path / "b.gz").read_bytes()).splitlines()]
    keys = [line["response"]["key"] for line in lines if "response" in line]
    assert keys == sorted(keys)
    assert len(keys) == 5  # open: whole batches of 5 but the latest, as its figures
    assert all("programme_id" not in line.get("response", {}) for line in lines)
    matrix = {a[1] for line in lines if "response" in line for a in line["response"]["answers"] if "session" in a[0]}
    sessions = [line["session"]["key"] for line in lines if "session" in line]
    assert matrix
    assert matrix <= set(sessions)  # sessions by their place in the programme, not by database id
    with Session(laptop.extensions["survey.db"]) as session:
        code = session.scalars(select(AccessCode).order_by(AccessCode.id)).first()
        assert code is not None
        code.used = True  # used, and not yet shown to staff as used
        session.commit()
    lines = [json.loads(line) for line in export(laptop, tmp_path / "c").read_bytes().splitlines()]
    assert [line["code"]["used"] for line in lines if "code" in line] == [False] * 6
    assert lines[0]["codes_used_unseen"] is True


def rewrite(source: Path, target: Path, change: object) -> Path:
    """The bundle's lines changed by ``change`` (a function of the list of lines), checksum made again."""
    lines = source.read_bytes().splitlines(keepends=True)[:-1]
    lines = change(lines)  # type: ignore[operator]
    body = b"".join(lines)
    end = {"end": {"lines": len(lines), "sha256": hashlib.sha256(body).hexdigest()}}
    target.write_bytes(body + json.dumps(end).encode() + b"\n")
    return target


def test_a_damaged_newer_or_foreign_file_is_refused_and_writes_nothing(laptop: Flask, tmp_path: Path) -> None:
    close(laptop)
    central = empty_service(tmp_path / "central")
    good = export(laptop, tmp_path / "good.bundle")
    data = good.read_bytes()
    before = counts(central)

    cut = tmp_path / "cut.bundle"
    cut.write_bytes(data[: len(data) // 2])
    assert "cut short" in refused(central, cut) or "not JSON" in refused(central, cut)
    no_end = tmp_path / "no-end.bundle"
    no_end.write_bytes(b"".join(data.splitlines(keepends=True)[:-1]))
    assert "cut short" in refused(central, no_end)
    edited = tmp_path / "edited.bundle"
    edited.write_bytes(data.replace(b'"test entry"', b'"tost entry"'))
    assert "checksum does not match" in refused(central, edited)

    def newer(lines: list[bytes]) -> list[bytes]:
        header = json.loads(lines[0])
        header["schema"] = 99
        return [json.dumps(header).encode() + b"\n", *lines[1:]]

    assert "newer version of the service" in refused(central, rewrite(good, tmp_path / "newer.bundle", newer))
    text = tmp_path / "notes.txt"
    text.write_text("not a bundle\n", encoding="utf-8")
    assert "not JSON" in refused(central, text)
    assert counts(central) == before
    with Session(central.extensions["survey.db"]) as session:
        assert session.scalar(select(func.count()).select_from(Questionnaire)) == 0


def test_a_slug_or_questionnaire_version_in_conflict_is_refused_with_what_to_do(laptop: Flask, tmp_path: Path) -> None:
    good = export(laptop, tmp_path / "good.bundle")
    (tmp_path / "central").mkdir()
    central = room_app(tmp_path / "central")  # its own demo programme under the same slug
    with Session(central.extensions["survey.db"]) as session:
        programme = find_programme(session, DEMO_SLUG)
        programme.title = "Une autre formation"
        session.commit()
    before = counts(central)
    assert "is taken here by another programme" in refused(central, good)

    def other_questionnaire(lines: list[bytes]) -> list[bytes]:
        out = []
        for line in lines:
            record = json.loads(line)
            if "questionnaire" in record:
                record["questionnaire"]["definition"]["title"]["fr"] = "Un autre titre"
            out.append(json.dumps(record, ensure_ascii=False).encode() + b"\n")
        return out

    changed = rewrite(good, tmp_path / "changed.bundle", other_questionnaire)
    assert "differs from the bundle's" in refused(central, changed)
    assert counts(central) == before


def test_export_and_import_are_in_the_audit_log(laptop: Flask, tmp_path: Path) -> None:
    central = empty_service(tmp_path / "central")
    import_(central, export(laptop, tmp_path / "b"))
    for app, action in ((laptop, "export"), (central, "import")):
        with Session(app.extensions["survey.db"]) as session:
            entries = session.execute(select(AuditEvent.action, AuditEvent.detail, AuditEvent.programme)).all()
            assert (action, "bundle", DEMO_SLUG) in entries


def test_the_responses_keep_their_id_and_the_time_of_their_batch(app: Flask, laptop: Flask, tmp_path: Path) -> None:
    """Raw data shows each response with the time of its batch of k, never its own
    (a time a trainee was seen sending would find their row): so does the file."""
    close(laptop)
    bundle = tmp_path / "b"
    with own_session(laptop) as session, bundle.open("wb") as out:
        programme = find_programme(session, DEMO_SLUG)
        export_programme(session, programme, out, audit.CLI)
        times = batch_times(session, programme)
        languages = dict(session.execute(select(Response.id, Response.language)).all())
    assert len(set(times.values())) == 12 // 5  # batches of 5 and 7
    import_programme(db.session(), bundle, audit.CLI)
    got = db.session.execute(
        select(Response.id, Response.submitted_at, Response.language)
        .join(Programme, Programme.id == Response.programme_id)
        .where(Programme.slug == DEMO_SLUG)
    ).all()
    assert sorted(got) == sorted((key, times[key], languages[key]) for key in times)
