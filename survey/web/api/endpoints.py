"""The routes of the JSON API: programmes, summary, codebook, responses, submit.

Thin views, as everywhere: parse, authorise (scope, then programme), call one
service, answer JSON. A programme the token may not reach answers 404, as an
unknown one does: the API does not say which programmes exist.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from reports.labels import localised
from survey.extensions import db
from survey.forms.answers import check_answers
from survey.models import Programme
from survey.services import DomainError, NotAccepting, NotFound, api_tokens
from survey.services.api_data import (
    SmallProgramme,
    programme_codebook,
    programme_summary,
    responses_page,
)
from survey.services.api_tokens import Scope
from survey.services.codes import CodeMissing, CodeRefused
from survey.services.published import published_programme
from survey.services.responses import KeyReused, submit_response
from survey.web.api import bp, caller
from survey.web.api.problems import problem
from survey.web.api.schemas import (
    CodebookOut,
    Problem,
    ProgrammeList,
    ResponsesOut,
    ResponsesQuery,
    SubmitHeaders,
    SubmitIn,
    SubmitOut,
    SummaryOut,
)
from survey.web.api.spec import answers, api_spec, openapi_document
from survey.web.i18n import current_language
from survey.web.published import again_if_programme_changed

TAG_READ = "read"
TAG_SUBMIT = "submit"


class Refused(Exception):
    """A view's refusal, answered as the problem it carries."""

    def __init__(self, response: Response) -> None:
        self.response = response


@bp.errorhandler(Refused)
def refused(exc: Refused) -> Response:
    return exc.response


def _json(model: BaseModel, status: int = 200) -> Response:
    response = Response(model.model_dump_json(), status=status, mimetype="application/json")
    response.vary.add("Accept-Language")
    return response


def _require(scope: Scope) -> None:
    if not caller().may(scope):
        detail = _("This token may not read.") if scope is Scope.READ else _("This token may not submit responses.")
        raise Refused(
            problem("insufficient-scope", detail, headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
        )


def _programme(slug: str) -> Programme:
    """The programme if the token names it and its owner is still granted it; else a 404 problem."""
    try:
        return api_tokens.reachable_programme(db.session(), caller(), slug)
    except NotFound:
        raise Refused(
            problem("not-found", _("There is nothing at this address, or this token may not see it."))
        ) from None


def _invalid(error: ValidationError, where: str = "") -> Response:
    items = [
        {"pointer": where + "".join(f"/{part}" for part in e["loc"]), "detail": _("This value does not fit here.")}
        for e in error.errors()
    ]
    return problem("invalid-request", _("Some of what was sent does not fit; see errors."), errors=items)


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 document of this API (no token needed)."""
    response = jsonify(openapi_document())
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/programmes")
@api_spec.validate(
    resp=answers(HTTP_200=ProgrammeList, HTTP_403=Problem),
    tags=[TAG_READ],
    skip_validation=True,
    operation_id="listProgrammes",
)
def programmes() -> Response:
    """Programmes this token may read or submit to.

    Those the token names and its owner is still granted, newest first.
    """
    session = db.session()
    listed = api_tokens.programmes_of(session, caller())
    body = ProgrammeList.model_validate(
        {
            "programmes": [
                {
                    "slug": p.slug,
                    "title": p.title,
                    "status": p.status,
                    "location": p.location,
                    "country": p.country,
                    "languages": list(p.languages),
                    "minimum_group_size": p.minimum_group_size,
                    "expected_participants": p.expected_participants,
                }
                for p in listed
            ]
        }
    )
    return _json(body)


@bp.get("/programmes/<slug>/summary")
@api_spec.validate(
    resp=answers(HTTP_200=SummaryOut, HTTP_403=Problem, HTTP_404=Problem),
    tags=[TAG_READ],
    skip_validation=True,
    operation_id="getSummary",
)
def summary(slug: str) -> Response:
    """A programme's summary: the live dashboard's figures.

    Counts always; dimension scores and the latest comments only from k responses
    (the programme's minimum group size), and while it is open only from whole
    batches of k, as on the dashboard.
    """
    _require(Scope.READ)
    programme = _programme(slug)
    lang = current_language()
    found = programme_summary(db.session(), programme, lang, caller())
    kpis = found.kpis
    body = SummaryOut.model_validate(
        {
            "programme": programme.slug,
            "language": lang,
            "kpis": {
                "responses": kpis.responses,
                "expected": kpis.expected,
                "rate": kpis.rate,
                "excluded": kpis.excluded,
                "status": kpis.status,
                "small_group": kpis.small_group,
                "minimum_group_size": kpis.minimum_group_size,
                "waiting": kpis.waiting,
            },
            "dimensions": [vars(d) for d in found.dimensions],
            "comments": [vars(c) for c in found.comments],
        }
    )
    return _json(body)


@bp.get("/programmes/<slug>/codebook")
@api_spec.validate(
    resp=answers(HTTP_200=CodebookOut, HTTP_403=Problem, HTTP_404=Problem),
    tags=[TAG_READ],
    skip_validation=True,
    operation_id="getCodebook",
)
def codebook(slug: str) -> Response:
    """The variables of the programme's responses, as the raw exports name them.

    Labels in the language asked for (Accept-Language), and in every language of the questionnaire.
    """
    _require(Scope.READ)
    programme = _programme(slug)
    lang = current_language()
    languages = tuple(programme.languages)
    found = programme_codebook(db.session(), programme, lang, caller())
    variables: list[dict[str, Any]] = [
        {
            "name": v.name,
            "question": v.question,
            "item": v.item,
            "kind": v.kind,
            "dimension": v.dimension,
            "numeric": v.numeric,
            "label": localised(v.label, lang, languages),
            "labels": dict(v.label),
            "values": [{"value": value, "label": localised(texts, lang, languages)} for value, texts in v.values],
            "level": v.level.value if v.level is not None else None,
            "free_text": v.free_text,
        }
        for v in found
    ]
    return _json(CodebookOut.model_validate({"programme": programme.slug, "language": lang, "variables": variables}))


@bp.get("/programmes/<slug>/responses")
@api_spec.validate(
    query=ResponsesQuery,
    resp=answers(HTTP_200=ResponsesOut, HTTP_403=Problem, HTTP_404=Problem, HTTP_422=Problem),
    tags=[TAG_READ],
    skip_validation=True,
    operation_id="listResponses",
)
def responses(slug: str) -> Response:
    """The responses, a page at a time, in the codebook's variable names.

    Only whole batches of k responses (cut in arrival order) are given, in the
    order of their random ids and without their time, so that reading again
    after each submission never shows which single response is new. Under k
    responses: 403 small-programme. Follow ``next_cursor`` until it is null.
    """
    _require(Scope.READ)
    programme = _programme(slug)
    try:
        query = ResponsesQuery.model_validate(request.args.to_dict())
    except ValidationError as error:
        return _invalid(error, "/query")
    try:
        page = responses_page(db.session(), programme, caller(), after=query.cursor, limit=query.limit)
    except SmallProgramme as exc:
        return problem(
            "small-programme",
            _(
                "This programme has fewer than %(k)d responses: they are not listed, so that none can be "
                "traced to a trainee. Its summary gives the count.",
                k=exc.minimum,
            ),
        )
    except DomainError:
        return problem(
            "invalid-request",
            _("This cursor was not given by this service."),
            errors=[{"pointer": "/query/cursor", "detail": _("This value does not fit here.")}],
        )
    body = ResponsesOut(
        programme=programme.slug, revealed=page.revealed, responses=page.rows, next_cursor=page.next_cursor
    )
    return _json(body)


@bp.post("/programmes/<slug>/responses")
@api_spec.validate(
    json=SubmitIn,
    headers=SubmitHeaders,
    resp=answers(
        HTTP_201=SubmitOut,
        HTTP_200=SubmitOut,
        HTTP_403=Problem,
        HTTP_404=Problem,
        HTTP_409=Problem,
        HTTP_415=Problem,
        HTTP_422=Problem,
    ),
    tags=[TAG_SUBMIT],
    skip_validation=True,
    operation_id="submitResponse",
)
@again_if_programme_changed
def submit(slug: str) -> Response:
    """Submit one response, checked as the form checks it.

    The Idempotency-Key header (a UUID the client makes once per response)
    makes a repeated call harmless: the first stores the response (201), a
    repeat stores nothing and answers 200. The answer names no response.
    """
    _require(Scope.SUBMIT)
    programme = _programme(slug)
    key = _idempotency_key()
    if not request.is_json:
        return problem("unsupported-media-type", _("Send the body as JSON (Content-Type: application/json)."))
    try:
        sent = SubmitIn.model_validate(request.get_json(silent=True))
    except ValidationError as error:
        return _invalid(error)
    copy = published_programme(db.session(), programme.slug)
    language = sent.language or copy.default_language
    if language not in copy.languages:
        return problem(
            "invalid-request",
            _("This programme is answered in: %(languages)s.", languages=", ".join(copy.languages)),
            errors=[{"pointer": "/language", "detail": _("This value does not fit here.")}],
        )
    checked = check_answers(copy.definition, copy.form_context(current_app.config["MAX_TEXT_LENGTH"]), sent.answers)
    if not checked.valid:
        items = [{"pointer": f"/answers/{name}", "detail": str(message)} for name, message in checked.problems.items()]
        items += [
            {"pointer": f"/answers/{name}", "detail": _("This questionnaire has no such question.")}
            for name in checked.unknown
        ]
        return problem("invalid-answers", _("Some answers need correcting; see errors."), errors=items)
    try:
        receipt = submit_response(
            db.session(),
            copy,
            checked.answers,
            language=language,
            idempotency_key=key,
            source=sent.source,
            access_code=sent.access_code,
        )
    except NotAccepting:
        return problem("not-accepting", _("This programme does not accept responses now."))
    except KeyReused:
        return problem("conflict", _("This Idempotency-Key was already used for another programme's response."))
    except CodeMissing:
        return problem(
            "code-refused", _("This programme uses invitation codes: send the trainee's code as access_code.")
        )
    except CodeRefused:
        return problem("code-refused", _("This code cannot be used here."))
    except NotFound:
        raise Refused(
            problem("not-found", _("There is nothing at this address, or this token may not see it."))
        ) from None
    return _json(SubmitOut(stored=True, duplicate=receipt.duplicate), status=200 if receipt.duplicate else 201)


def _idempotency_key() -> str:
    """The Idempotency-Key header as the form writes its key (32 hex digits); a 422 problem if it is not a UUID."""
    raw = request.headers.get("Idempotency-Key", "").strip()
    try:
        return uuid.UUID(raw).hex
    except ValueError:
        raise Refused(
            problem(
                "invalid-request",
                _("Send an Idempotency-Key header: a UUID made once for this response."),
                errors=[{"pointer": "/headers/Idempotency-Key", "detail": _("This value does not fit here.")}],
            )
        ) from None


@bp.get("/docs")
def docs() -> str:
    """The API reference, drawn in the browser from the OpenAPI document (static/js/api-docs.js)."""
    return render_template("api/docs.html")
