"""The responses browser: the list, one response in full, the comments; and
excluding a response (managers only), which is logged and deletes nothing.

The list and the comments show responses a whole batch of k at a time, in no
order of arrival and without times (survey.services.responses_admin); the
responses still waiting for their batch are shown after a confirmation that
the audit log records, as the raw data of a small programme is."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from survey.extensions import db
from survey.forms.disclosure import WaitingResponsesForm
from survey.models import Programme
from survey.services import disclosure, exclusions, responses_admin
from survey.web.auth import role_required
from survey.web.i18n import current_language
from survey.web.organiser import MANAGERS, STAFF, bp, programme_for

#: Long enough for "duplicate of the paper form no. 12, typed in twice".
REASON_MAX = 500


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class ExclusionForm(FlaskForm):  # type: ignore[misc]
    """Why a response is excluded or included again: the log keeps it."""

    reason = TextAreaField(
        _l("Reason"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Please say why, for the log.")),
            Length(max=REASON_MAX, message=_l("At most %(max)d characters, please.", max=REASON_MAX)),
        ],
    )


def _page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


def _may_manage() -> bool:
    return current_user.role in {role.value for role in MANAGERS}


@bp.get("/<slug>/responses")
@role_required(*STAFF)
def responses(slug: str) -> ResponseReturnValue:
    """The programme's responses in whole batches of k, 50 a page, in no order of
    arrival; no identities, no times."""
    programme = programme_for(slug)
    listing = responses_admin.list_responses(db.session(), programme, _page_number())
    return _responses_page(programme, listing, WaitingResponsesForm())


@bp.post("/<slug>/responses/waiting")
@role_required(*STAFF)
def waiting_responses(slug: str) -> ResponseReturnValue:
    """The responses not yet in a whole batch of k, once the box is ticked: the
    reading is recorded in the audit log (422 and the list without them if not)."""
    programme = programme_for(slug)
    form = WaitingResponsesForm()
    if not form.validate_on_submit():
        listing = responses_admin.list_responses(db.session(), programme, 1)
        return _responses_page(programme, listing, form, 422)
    listing = responses_admin.list_responses(db.session(), programme, waiting=True)
    shown = listing.responses.total
    disclosure.record_waiting_responses_shown(db.session(), programme, current_user._get_current_object(), shown)
    return _responses_page(programme, listing, form)


def _responses_page(
    programme: Programme, listing: responses_admin.ResponseList, form: WaitingResponsesForm, status: int = 200
) -> ResponseReturnValue:
    return render_template("organiser/responses.html", programme=programme, listing=listing, form=form), status


@bp.get("/<slug>/responses/<uuid:response_id>")
@role_required(*STAFF)
def response(slug: str, response_id: uuid.UUID) -> ResponseReturnValue:
    """One response: every answer labelled in the page language, and its exclusion log."""
    programme = programme_for(slug)
    return _response_page(programme, response_id, ExclusionForm())


def _response_page(
    programme: Programme, response_id: uuid.UUID, form: ExclusionForm, status: int = 200
) -> ResponseReturnValue:
    detail = responses_admin.response_detail(db.session(), programme, response_id, current_language())
    return (
        render_template(
            "organiser/responses_detail.html",
            programme=programme,
            detail=detail,
            form=form,
            may_manage=_may_manage(),
            reason_max=REASON_MAX,
        ),
        status,
    )


@bp.post("/<slug>/responses/<uuid:response_id>/exclude")
@role_required(*STAFF)
def exclude_response(slug: str, response_id: uuid.UUID) -> ResponseReturnValue:
    """Leave the response out of every count and chart (403 for evaluators,
    404 for users of other programmes)."""
    return _set_excluded(slug, response_id, excluded=True)


@bp.post("/<slug>/responses/<uuid:response_id>/include")
@role_required(*STAFF)
def include_response(slug: str, response_id: uuid.UUID) -> ResponseReturnValue:
    """Count an excluded response again (403 for evaluators)."""
    return _set_excluded(slug, response_id, excluded=False)


def _set_excluded(slug: str, response_id: uuid.UUID, *, excluded: bool) -> ResponseReturnValue:
    programme = programme_for(slug, manage=True)
    form = ExclusionForm()
    if not form.validate_on_submit():
        return _response_page(programme, response_id, form, 422)
    user_id = int(current_user.id)
    try:
        exclusions.set_excluded(
            db.session(), programme, response_id, excluded=excluded, user_id=user_id, reason=form.reason.data or ""
        )
    except exclusions.AlreadyDone as done:
        flash(_("This response was already excluded.") if done.excluded else _("This response already counts."))
    else:
        flash(
            _("Response excluded: it no longer counts in the results.")
            if excluded
            else _("Response included again: it counts in the results.")
        )
    return redirect(url_for(".response", slug=slug, response_id=response_id), code=303)


@bp.get("/<slug>/comments")
@role_required(*STAFF)
def comments(slug: str) -> ResponseReturnValue:
    """The comments of the responses in whole batches of k, in no order of
    arrival and without times, filtered by ``?question=`` and ``?language=``."""
    programme = programme_for(slug)
    question = request.args.get("question", "").strip() or None
    language = request.args.get("language", "").strip() or None
    browser = responses_admin.browse_comments(
        db.session(), programme, current_language(), question=question, language=language, page=_page_number()
    )
    return render_template(
        "organiser/comments.html",
        programme=programme,
        browser=browser,
        question=question or "",
        language=language or "",
    )
