"""Programme bundles: one file that moves a programme from a field laptop to the central service.

A bundle is JSON Lines, written and read a line at a time (a programme of any
size): a header says what the file is and which schema it follows, then one
record per line (the programme, its sessions, the questionnaire versions it
uses, the responses, the exclusion log, the invitation codes), and a last line
holds the number of lines before it and the SHA-256 of their bytes. A file cut
short, edited or of a newer schema is refused before anything is written, and
so is one that conflicts with what is here (a slug taken by another programme,
a questionnaire version that differs, a form key or code of another programme).

It carries what staff may already see, no more: responses in the order of
their random form key, not of arrival, each with the time of its batch of k
as raw data shows it (survey.services.anonymity.batch_times); sessions by their place in the
programme, not by database id; a code as used only once staff were shown so
(survey.services.anonymity reveals used codes in batches).

Importing writes each response through the one door (survey.storage, IMPORT
mode): it keeps its time and is stored once by its form key, so importing a
bundle twice, or a later bundle of the same programme, adds only what is new.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import (
    AccessCode,
    Answer,
    Exclusion,
    Programme,
    Question,
    Questionnaire,
    Response,
    User,
)
from survey.questionnaire.definition import iter_questions, kind_of
from survey.services import DomainError, audit
from survey.services.anonymity import batch_times, figures_scope

KIND = "survey-programme-bundle"
#: Raised when the records change shape; a bundle of a newer schema is refused.
SCHEMA = 1
#: The programme's own settings that travel (not its id, revision or creation time).
PROGRAMME_FIELDS = (
    "slug",
    "title",
    "location",
    "country",
    "starts_on",
    "ends_on",
    "timezone",
    "expected_participants",
    "languages",
    "status",
    "description",
    "opens_at",
    "closes_at",
    "access_mode",
    "series",
    "minimum_group_size",
    "retention_days",
    "privacy_notice",
)
_BODY = ("programme", "session", "questionnaire", "response", "exclusion", "code")
BATCH = 500


class BundleRefused(DomainError):
    """Not a bundle this service can import, or one that conflicts with what is here; nothing was written.

    The message (English, for the command line) says where; ``reason`` names the
    kind of refusal, with ``params``, for a page to say it in its reader's language:
    damaged, newer, slug_taken, sessions_differ, questionnaire_differs, foreign, partly_stored.
    """

    def __init__(self, message: str, reason: str = "damaged", **params: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.params = params


# -- writing ------------------------------------------------------------------------------------


def export_programme(session: Session, programme: Programme, out: IO[bytes], actor: User | str) -> int:
    """Write ``programme``'s bundle to ``out``; returns how many responses it holds.

    Logged in the audit log before anything is written, as every export is.
    """
    audit.record(session, actor, "export", programme, "bundle")
    digest, lines, responses = hashlib.sha256(), 0, 0
    for record in _records(session, programme):
        line = _line(record)
        digest.update(line)
        out.write(line)
        lines += 1
        responses += "response" in record
    out.write(_line({"end": {"lines": lines, "sha256": digest.hexdigest()}}))
    return responses


def _line(record: dict[str, Any]) -> bytes:
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=_iso)
    return text.encode() + b"\n"


def _iso(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _records(session: Session, programme: Programme) -> Iterator[dict[str, Any]]:
    hidden_used = session.scalar(
        select(func.count())
        .select_from(AccessCode)
        .where(AccessCode.programme_id == programme.id, AccessCode.used, AccessCode.revealed.is_(False))
    )
    # Whether some codes were used that staff were not shown: then none of them can be told apart.
    yield {"bundle": KIND, "schema": SCHEMA, "codes_used_unseen": bool(hidden_used)}
    yield {"programme": {name: getattr(programme, name) for name in PROGRAMME_FIELDS}}
    session_keys: dict[str, str] = {}
    for number, taught in enumerate(programme.sessions, start=1):
        session_keys[str(taught.id)] = key = f"s{number}"
        fields = {"day": taught.day, "position": taught.position, "title": taught.title}
        yield {"session": {"key": key, **fields, "trainer": taught.trainer, "kind": taught.kind}}
    used = select(Response.questionnaire_id).where(Response.programme_id == programme.id)
    versions = session.scalars(
        select(Questionnaire)
        .where((Questionnaire.id == programme.questionnaire_id) | Questionnaire.id.in_(used))
        .order_by(Questionnaire.code, Questionnaire.version)
    ).all()
    for version in versions:
        current = version.id == programme.questionnaire_id
        yield {"questionnaire": {"definition": version.definition, "version": version.version, "current": current}}
    yield from _responses(session, programme, versions, session_keys)
    for key, excluded, reason, at, email in session.execute(
        select(Response.idempotency_key, Exclusion.excluded, Exclusion.reason, Exclusion.at, User.email)
        .join(Response, Response.id == Exclusion.response_id)
        .outerjoin(User, User.id == Exclusion.user_id)
        .where(Response.programme_id == programme.id, *_in_scope(session, programme))
        .order_by(Exclusion.at, Exclusion.id)
    ):
        yield {"exclusion": {"response": key, "excluded": excluded, "reason": reason, "at": at, "by": email}}
    for code, was_used, revealed in session.execute(
        select(AccessCode.code, AccessCode.used, AccessCode.revealed)
        .where(AccessCode.programme_id == programme.id)
        .order_by(AccessCode.code)
    ):
        yield {"code": {"code": code, "used": bool(was_used and revealed)}}


def _in_scope(session: Session, programme: Programme) -> tuple[Any, ...]:
    """While the programme is open, the file holds what its figures hold: whole batches of k
    but the latest (survey.services.anonymity.figures_scope), or two files downloaded a
    response apart would give that response's answers; the rest travels in a later file, or
    through the push from the field. Closed, it holds every response."""
    only = figures_scope(session, programme)
    return () if only is None else (only,)


def _responses(
    session: Session, programme: Programme, versions: Sequence[Questionnaire], session_keys: dict[str, str]
) -> Iterator[dict[str, Any]]:
    names = {v.id: (v.code, v.version) for v in versions}
    times = batch_times(session, programme)  # each response's time, as raw data shows it
    per_session = {v.id: per_session_codes(v.definition) for v in versions}
    rows = session.execute(
        select(
            Response.id,
            Response.questionnaire_id,
            Response.idempotency_key,
            Response.submitted_at,
            Response.language,
            Response.source,
            Response.paper_number,
            Response.excluded,
        )
        .where(Response.programme_id == programme.id, *_in_scope(session, programme))
        .order_by(Response.idempotency_key)
    ).all()
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        answers: dict[uuid.UUID, list[list[Any]]] = {row.id: [] for row in batch}
        of_version = {row.id: row.questionnaire_id for row in batch}
        for response_id, code, item, number, text in session.execute(
            select(Answer.response_id, Question.code, Answer.item, Answer.number, Answer.text)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.response_id.in_(list(answers)))
            .order_by(Answer.response_id, Question.position, Answer.item)
        ):
            if code in per_session[of_version[response_id]]:
                item = session_keys.get(item, item)
            answers[response_id].append([code, item, number, text])
        for row in batch:
            code, version = names[row.questionnaire_id]
            yield {
                "response": {
                    "id": str(row.id),
                    "key": row.idempotency_key,
                    "questionnaire": [code, version],
                    "submitted_at": times.get(row.id, row.submitted_at),
                    "language": row.language,
                    "source": row.source,
                    "paper_number": row.paper_number,
                    "excluded": row.excluded,
                    "answers": answers[row.id],
                }
            }


def per_session_codes(definition: dict[str, Any]) -> frozenset[str]:
    """The questions whose items are the programme's sessions (by id here, by key in a bundle)."""
    return frozenset(q["code"] for _page, _section, q in iter_questions(definition) if kind_of(q).per_session)


# -- reading ------------------------------------------------------------------------------------


@contextmanager
def opened(path: Path) -> Iterator[IO[bytes]]:
    """The bundle's bytes, gzip or not (a bundle may be compressed on its way)."""
    with path.open("rb") as raw:
        compressed = raw.read(2) == b"\x1f\x8b"
    with gzip.open(path, "rb") if compressed else path.open("rb") as source:
        yield cast(IO[bytes], source)


@dataclass
class Bundle:
    """What a checked bundle holds but its responses, exclusions and codes (read again as imported)."""

    path: Path
    programme: dict[str, Any]
    sessions: list[dict[str, Any]]
    questionnaires: list[dict[str, Any]]
    codes_used_unseen: bool
    response_keys: list[str] = field(default_factory=list)
    response_ids: list[uuid.UUID] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


def check_bundle(path: Path) -> Bundle:
    """Read the whole file once and refuse it unless it is complete, unchanged and of a known schema."""
    digest, count = hashlib.sha256(), 0
    end: dict[str, Any] | None = None
    header: dict[str, Any] | None = None
    bundle: Bundle | None = None
    try:
        with opened(path) as source:
            for line in source:
                record = _record(line, count + 1)
                if end is not None:
                    raise BundleRefused(f"line {count + 2}: nothing may follow the last line")
                if "end" in record:
                    end = record["end"]
                    continue
                digest.update(line)
                count += 1
                if header is None:
                    header = _header(record)
                    bundle = Bundle(path, {}, [], [], bool(header.get("codes_used_unseen")))
                    continue
                assert bundle is not None
                _collect(bundle, record, count)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise BundleRefused(f"the file cannot be read: {exc}") from None
    if header is None or bundle is None:
        raise BundleRefused("the file is empty: not a programme bundle")
    if end is None:
        raise BundleRefused("the file is cut short: its last line (the checksum) is missing")
    if end.get("lines") != count or end.get("sha256") != digest.hexdigest():
        raise BundleRefused("the file was changed or damaged since it was exported: its checksum does not match")
    if not bundle.programme:
        raise BundleRefused("the bundle holds no programme")
    return bundle


def _record(line: bytes, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BundleRefused(f"line {number} is not JSON: not a programme bundle, or a damaged one") from None
    if not isinstance(record, dict) or len(record) < 1:
        raise BundleRefused(f"line {number} is not a record of a programme bundle")
    return record


def _header(record: dict[str, Any]) -> dict[str, Any]:
    if record.get("bundle") != KIND:
        raise BundleRefused("this file is not a programme bundle (its first line does not say so)")
    schema = record.get("schema")
    if not isinstance(schema, int) or schema < 1:
        raise BundleRefused("the bundle names no schema version")
    if schema > SCHEMA:
        raise BundleRefused(
            f"the bundle was made by a newer version of the service (schema {schema}; this one reads up to"
            f" {SCHEMA}): update this service, then import it again",
            "newer",
        )
    return record


def _collect(bundle: Bundle, record: dict[str, Any], number: int) -> None:
    kinds = [name for name in _BODY if name in record]
    if len(kinds) != 1 or not isinstance(record[kinds[0]], dict):
        raise BundleRefused(f"line {number + 1}: not a record of a programme bundle")
    kind, body = kinds[0], record[kinds[0]]
    if kind == "programme":
        missing = [name for name in PROGRAMME_FIELDS if name not in body]
        if missing or bundle.programme:
            raise BundleRefused(f"line {number + 1}: a programme record must come once, with {', '.join(missing)}")
        bundle.programme = body
    elif kind == "session":
        bundle.sessions.append(body)
    elif kind == "questionnaire":
        if not isinstance(body.get("definition"), dict) or not isinstance(body.get("version"), int):
            raise BundleRefused(f"line {number + 1}: a questionnaire needs its definition and version")
        bundle.questionnaires.append(body)
    elif kind == "response":
        if not all(isinstance(body.get(name), str) for name in ("id", "key")) or not isinstance(
            body.get("answers"), list
        ):
            raise BundleRefused(f"line {number + 1}: a response needs its id, key and answers")
        try:
            bundle.response_ids.append(uuid.UUID(body["id"]))
        except ValueError:
            raise BundleRefused(f"line {number + 1}: a response's id is not one") from None
        bundle.response_keys.append(body["key"])
    elif kind == "code":
        bundle.codes.append(str(body.get("code", "")))


def records_of(bundle: Bundle, kind: str) -> Iterator[dict[str, Any]]:
    """The records of one kind, read again from the checked file."""
    with opened(bundle.path) as source:
        for line in source:
            record = json.loads(line)
            if kind in record:
                yield record[kind]
