"""Importing a programme bundle (survey.services.bundles says what one holds).

Every check comes first, so a refused bundle writes nothing: the file
(complete, unchanged, a known schema), then what is here (a slug taken by
another programme, a questionnaire version that differs, a form key or a code
of another programme, answers naming questions or sessions the bundle lacks).
Then the programme and its questionnaire versions and codes, in one
transaction; then each response through the one door in IMPORT mode (its time
kept, stored once by its form key); then the exclusions of the responses
stored now, with their log.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, true, update
from sqlalchemy.orm import Session

from survey import storage
from survey.models import AccessCode, Exclusion, Programme, ProgrammeSession, Questionnaire, Response, User
from survey.questionnaire.definition import DefinitionError, dump_definition, iter_questions, parse_definition
from survey.questionnaire.kinds import AnswerValue
from survey.services import access, audit
from survey.services.bundles import (
    BATCH,
    PROGRAMME_FIELDS,
    Bundle,
    BundleRefused,
    check_bundle,
    per_session_codes,
    records_of,
)
from survey.services.questionnaires import store_version
from survey.storage import Mode, Outcome, SubmittedAnswer
from survey.storage.engines import write_intent

_DATES = frozenset({"starts_on", "ends_on"})
_TIMES = frozenset({"opens_at", "closes_at"})
#: What makes a programme here the same as the bundle's, so the bundle imports into it.
_IDENTITY = ("title", "location", "country", "starts_on", "ends_on")


@dataclass(frozen=True)
class ImportSummary:
    slug: str
    #: Whether this import made the programme (else it was here, from an earlier bundle).
    created: bool
    stored: int
    already_stored: int


@dataclass
class _Plan:
    """What the import will use, decided before anything is written."""

    existing: Programme | None
    #: (code, version) -> the stored version, None where the import adds it.
    versions: dict[tuple[str, int], Questionnaire | None]
    current: tuple[str, int]
    #: Session key -> id, for a programme that is here already.
    session_ids: dict[str, int]


def import_programme(session: Session, path: Path, actor: User | str) -> ImportSummary:
    """Load a bundle into this service, or what is new in it; BundleRefused writes nothing.

    A user who imports (on the organiser's page) is granted the programme.
    """
    bundle = check_bundle(path)
    plan = _plan(session, bundle)
    programme, created, session_ids = _programme_here(session, bundle, plan)
    questionnaires = {
        (q.code, q.version): q
        for q in session.scalars(select(Questionnaire).where(Questionnaire.code.in_({c for c, _v in plan.versions})))
    }
    slug = programme.slug
    session.commit()
    stored, already = _store_responses(session, bundle, programme, questionnaires, session_ids)
    programme = session.scalars(select(Programme).where(Programme.slug == slug)).one()
    _log_exclusions(session, bundle, programme, stored)
    if isinstance(actor, User):  # whoever brings it in on a page may manage it
        with write_intent():
            access.grant(session, actor, programme)
            session.commit()
    audit.record(session, actor, "import", programme, "bundle")
    return ImportSummary(slug, created, len(stored), already)


def _plan(session: Session, bundle: Bundle) -> _Plan:
    versions: dict[tuple[str, int], Questionnaire | None] = {}
    current: list[tuple[str, int]] = []
    definitions: dict[tuple[str, int], dict[str, Any]] = {}
    for record in bundle.questionnaires:
        definition, version = record["definition"], record["version"]
        try:
            if parse_definition(dump_definition(definition), source="bundle") != definition:
                raise DefinitionError("bundle", ["not in the form this service stores"])
        except (DefinitionError, KeyError, TypeError) as exc:
            raise BundleRefused(f"the bundle's questionnaire is not valid: {exc}") from None
        name = (definition["code"], version)
        here = session.scalars(
            select(Questionnaire).where(Questionnaire.code == name[0], Questionnaire.version == version)
        ).first()
        if here is not None and here.definition != definition:
            raise BundleRefused(
                f"questionnaire {name[0]} version {version} here differs from the bundle's: import the"
                " bundle into a service without it, or rename the questionnaire in one of them",
                "questionnaire_differs",
                code=name[0],
                version=version,
            )
        versions[name], definitions[name] = here, definition
        if record.get("current"):
            current.append(name)
    if len(current) != 1:
        raise BundleRefused("the bundle does not say which questionnaire the programme uses")
    slug = str(bundle.programme["slug"])
    existing = session.scalars(select(Programme).where(Programme.slug == slug)).first()
    session_ids: dict[str, int] = {}
    if existing is not None:
        mine = {name: _stored(name, getattr(existing, name)) for name in _IDENTITY}
        theirs = {name: bundle.programme[name] for name in _IDENTITY}
        if mine != theirs:
            raise BundleRefused(
                f"the slug {slug!r} is taken here by another programme ({existing.title}): change one of the"
                " slugs, then import again",
                "slug_taken",
                slug=slug,
            )
        here_sessions = {(s.day, s.position, s.title): s.id for s in existing.sessions}
        for taught in bundle.sessions:
            found = here_sessions.get((taught["day"], taught["position"], taught["title"]))
            if found is None:
                raise BundleRefused(
                    f"the programme {slug!r} here has other sessions than the bundle's", "sessions_differ", slug=slug
                )
            session_ids[taught["key"]] = found
    _refuse_foreign(session, bundle, existing)
    _check_answers(bundle, definitions, {s["key"] for s in bundle.sessions})
    return _Plan(existing, versions, current[0], session_ids)


def _stored(name: str, value: Any) -> Any:
    """A programme setting as a bundle writes it."""
    return value.isoformat() if isinstance(value, date | datetime) else value


def _refuse_foreign(session: Session, bundle: Bundle, existing: Programme | None) -> None:
    """Refuse form keys and codes that belong to another programme here."""
    other = Response.programme_id != existing.id if existing is not None else true()
    for start in range(0, len(bundle.response_keys), BATCH):
        keys = bundle.response_keys[start : start + BATCH]
        ids = bundle.response_ids[start : start + BATCH]
        if session.scalar(
            select(func.count()).where(or_(Response.idempotency_key.in_(keys), Response.id.in_(ids)), other)
        ):
            raise BundleRefused("some of the bundle's responses are here already, in another programme", "foreign")
    code_other = AccessCode.programme_id != existing.id if existing is not None else true()
    for start in range(0, len(bundle.codes), BATCH):
        codes = bundle.codes[start : start + BATCH]
        if session.scalar(select(func.count()).where(AccessCode.code.in_(codes), code_other)):
            raise BundleRefused("some of the bundle's invitation codes belong to another programme here", "foreign")


def _check_answers(bundle: Bundle, definitions: dict[tuple[str, int], dict[str, Any]], keys: set[str]) -> None:
    questions = {name: {q["code"] for _p, _s, q in iter_questions(d)} for name, d in definitions.items()}
    per_session = {name: per_session_codes(d) for name, d in definitions.items()}
    for response in records_of(bundle, "response"):
        name = tuple(response.get("questionnaire") or ())
        if name not in questions:
            raise BundleRefused(f"response {response['key']}: its questionnaire is not in the bundle")
        for answer in response["answers"]:
            if not isinstance(answer, list) or len(answer) != 4 or answer[0] not in questions[name]:
                raise BundleRefused(f"response {response['key']}: an answer names no question of its questionnaire")
            if answer[0] in per_session[name] and answer[1] not in keys:
                raise BundleRefused(f"response {response['key']}: an answer names a session the bundle lacks")


def _programme_here(session: Session, bundle: Bundle, plan: _Plan) -> tuple[Programme, bool, dict[str, int]]:
    """The programme, its questionnaire versions and codes as the bundle has them (committed)."""
    with write_intent():
        made = {}
        for record in bundle.questionnaires:
            name = (record["definition"]["code"], record["version"])
            if plan.versions[name] is None:
                made[name] = store_version(session, record["definition"], record["version"])
        if plan.existing is not None:
            programme, created, session_ids = plan.existing, False, plan.session_ids
        else:
            current = plan.versions[plan.current] or made[plan.current]
            programme = Programme(**_settings(bundle.programme), questionnaire_id=current.id)
            taught = {s["key"]: ProgrammeSession(**{k: v for k, v in s.items() if k != "key"}) for s in bundle.sessions}
            programme.sessions.extend(taught.values())
            session.add(programme)
            session.flush()
            created, session_ids = True, {key: s.id for key, s in taught.items()}
        have = set(session.scalars(select(AccessCode.code).where(AccessCode.programme_id == programme.id)))
        for record in records_of(bundle, "code"):
            if record["code"] not in have:
                used = bool(record.get("used"))
                spent = used or bundle.codes_used_unseen
                session.add(AccessCode(programme_id=programme.id, code=record["code"], used=spent, revealed=used))
        session.commit()
    return programme, created, session_ids


def _settings(values: dict[str, Any]) -> dict[str, Any]:
    settings = {name: values[name] for name in PROGRAMME_FIELDS}
    for name in _DATES:
        settings[name] = date.fromisoformat(settings[name]) if settings[name] else None
    for name in _TIMES:
        settings[name] = datetime.fromisoformat(settings[name]) if settings[name] else None
    return settings


def _store_responses(
    session: Session,
    bundle: Bundle,
    programme: Programme,
    questionnaires: dict[tuple[str, int], Questionnaire],
    session_ids: dict[str, int],
) -> tuple[list[str], int]:
    """Each response through the door; the keys stored now, and how many were here already."""
    per_session = {name: per_session_codes(q.definition) for name, q in questionnaires.items()}
    destinations = {
        name: storage.Destination(
            programme_id=programme.id, questionnaire_id=q.id, questionnaire_key=q.key, accepting=True
        )
        for name, q in questionnaires.items()
    }
    ids = {key: str(value) for key, value in session_ids.items()}
    bind = session.get_bind()
    session.rollback()  # each response is written in a transaction of its own
    stored: list[str] = []
    already = 0
    for response in records_of(bundle, "response"):
        name = (response["questionnaire"][0], response["questionnaire"][1])
        answers = [
            SubmittedAnswer(code, AnswerValue(ids[item] if code in per_session[name] else item, number, text))
            for code, item, number, text in response["answers"]
        ]
        new = storage.NewResponse(
            destination=destinations[name],
            answers=answers,
            language=response["language"],
            idempotency_key=response["key"],
            source=response["source"],
            paper_number=response["paper_number"],
            submitted_at=datetime.fromisoformat(response["submitted_at"]),
            response_id=uuid.UUID(response["id"]),
        )
        result = storage.store_response(bind, new, Mode.IMPORT)
        if result.outcome is Outcome.STORED:
            stored.append(response["key"])
        elif result.outcome is Outcome.ALREADY_STORED:
            already += 1
        else:  # checked before: only a change made here meanwhile gets here
            raise BundleRefused(
                f"response {response['key']} was refused here ({result.refusal}); the rest is kept", "partly_stored"
            )
    return stored, already


def _log_exclusions(session: Session, bundle: Bundle, programme: Programme, stored: list[str]) -> None:
    """The exclusions and their log, for the responses this import stored."""
    if not stored:
        return
    new = set(stored)
    with write_intent():
        ids: dict[str, uuid.UUID] = {}
        for start in range(0, len(stored), BATCH):
            rows = session.execute(
                select(Response.idempotency_key, Response.id).where(
                    Response.programme_id == programme.id,
                    Response.idempotency_key.in_(stored[start : start + BATCH]),
                )
            )
            ids.update((key, response_id) for key, response_id in rows)
        excluded: list[str] = []
        for response in records_of(bundle, "response"):
            if response["key"] in new and response.get("excluded"):
                excluded.append(response["key"])
        if excluded:
            session.execute(update(Response).where(Response.id.in_([ids[k] for k in excluded])).values(excluded=True))
        users: dict[str, int] = {}
        for email, user_id in session.execute(select(User.email, User.id)):
            users[email] = user_id
        for record in records_of(bundle, "exclusion"):
            if record.get("response") in new:
                session.add(
                    Exclusion(
                        response_id=ids[record["response"]],
                        user_id=users.get(record.get("by") or ""),
                        excluded=bool(record["excluded"]),
                        reason=str(record.get("reason") or ""),
                        at=datetime.fromisoformat(record["at"]),
                    )
                )
        session.commit()
