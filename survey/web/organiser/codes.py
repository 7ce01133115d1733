"""Invitation codes of a programme: generate them, choose the access mode, print
the cards, and the poster for the projector.

Managers only: each view asks :func:`programme_for` with ``manage=True``
(evaluators get 403, users of other programmes 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import segno
from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from reports.languages import direction
from survey.extensions import db
from survey.forms.codes import AccessModeForm, IssueCodesForm
from survey.models import AccessMode, Programme, ProgrammeStatus
from survey.services import audit
from survey.services import codes as code_service
from survey.web.auth import role_required
from survey.web.links import public_url
from survey.web.organiser import MANAGERS, bp, programme_for


def qr_svg(url: str) -> Markup:
    """A QR code for ``url`` as an inline <svg> element (no style attribute, so
    the strict CSP holds); its size comes from CSS, as it carries only a viewBox."""
    svg = segno.make(url, error="m").svg_inline(scale=1, omitsize=True, svgclass="qr", lineclass=None, title=url)
    return Markup(svg)  # noqa: S704 (segno's own markup; the URL is escaped by segno)


def _without_scheme(url: str) -> str:
    """What people type: the host and the path (browsers add https:// themselves)."""
    parts = urlsplit(url)
    return parts.netloc + parts.path


def _codes_page(
    programme: Programme, issue_form: IssueCodesForm, mode_form: AccessModeForm, status: int = 200
) -> ResponseReturnValue:
    counts = code_service.code_counts(db.session(), programme)
    return (
        render_template(
            "organiser/codes.html",
            programme=programme,
            counts=counts,
            issue_form=issue_form,
            mode_form=mode_form,
            codes_mode=programme.access_mode == AccessMode.CODES.value,
        ),
        status,
    )


def _issue_form(programme: Programme) -> IssueCodesForm:
    return IssueCodesForm(formdata=None, data={"count": programme.expected_participants or 30})


def _mode_form(programme: Programme) -> AccessModeForm:
    return AccessModeForm(formdata=None, data={"mode": programme.access_mode})


@bp.get("/<slug>/codes")
@role_required(*MANAGERS)
def codes(slug: str) -> ResponseReturnValue:
    """How many codes there are and how many were used; the access mode; the batch form."""
    programme = programme_for(slug, manage=True)
    return _codes_page(programme, _issue_form(programme), _mode_form(programme))


@bp.post("/<slug>/codes")
@role_required(*MANAGERS)
def generate_codes(slug: str) -> ResponseReturnValue:
    """Generate a batch of codes (422 with the reason for a bad number)."""
    programme = programme_for(slug, manage=True)
    form = IssueCodesForm()
    if not form.validate_on_submit():
        return _codes_page(programme, form, _mode_form(programme), 422)
    issued = code_service.issue_codes(db.session(), programme, form.count.data)
    flash(ngettext("%(num)d code generated.", "%(num)d codes generated.", len(issued)))
    return redirect(url_for(".codes", slug=slug), code=303)


@bp.post("/<slug>/codes/mode")
@role_required(*MANAGERS)
def set_access_mode(slug: str) -> ResponseReturnValue:
    """Switch between the open link and invitation codes."""
    programme = programme_for(slug, manage=True)
    form = AccessModeForm()
    if not form.validate_on_submit():
        return _codes_page(programme, _issue_form(programme), form, 422)
    code_service.set_access_mode(db.session(), programme, AccessMode(form.mode.data))
    if form.mode.data == AccessMode.CODES.value:
        flash(_("Trainees now need an invitation code to open the form."))
    else:
        flash(_("Anyone with the link can now open the form."))
    return redirect(url_for(".codes", slug=slug), code=303)


@dataclass(frozen=True)
class Card:
    code: str
    url: str
    qr: Markup


@bp.get("/<slug>/codes/cards")
@role_required(*MANAGERS)
def code_cards(slug: str) -> ResponseReturnValue:
    """A printable page of cards, one per unused code, 10 to an A4 sheet.

    The cards speak the programme's first language (the trainees'), the rest
    of the page the organiser's.
    """
    programme = programme_for(slug, manage=True)
    unused = code_service.unused_codes(db.session(), programme)
    audit.record(db.session(), current_user._get_current_object(), "codes", programme, "cards")
    cards = []
    for code in unused:
        shown = code_service.format_code(code)
        url = public_url("trainee.code_link", code=shown)
        cards.append(Card(code=shown, url=_without_scheme(url), qr=qr_svg(url)))
    card_lang = programme.default_language
    with force_locale(card_lang):
        labels = {
            "code": _("Your invitation code"),
            "how": _("Scan the QR code, or open this address and type the code:"),
            "once": _("One response per code. Your answers stay anonymous."),
        }
    return render_template(
        "organiser/codes_cards.html",
        programme=programme,
        cards=cards,
        labels=labels,
        card_lang=card_lang,
        card_dir=direction(card_lang),
    )


@bp.get("/<slug>/poster")
@role_required(*MANAGERS)
def poster(slug: str) -> ResponseReturnValue:
    """The projector page: the form's QR code and short link, in the programme's first language."""
    programme = programme_for(slug, manage=True)
    url = public_url("trainee.take_form", slug=programme.slug)
    with force_locale(programme.default_language):
        return render_template(
            "organiser/poster.html",
            programme=programme,
            short_link=_without_scheme(url),
            qr=qr_svg(url),
            codes_mode=programme.access_mode == AccessMode.CODES.value,
            not_open_yet=_not_open_yet(programme),
        )


def _not_open_yet(programme: Programme) -> bool:
    """Whether the form's link still answers "not open yet": a draft, or an
    open programme before its opening time (the poster is often projected first)."""
    if programme.status == ProgrammeStatus.DRAFT.value:
        return True
    opens_at = programme.opens_at
    return programme.status == ProgrammeStatus.OPEN.value and opens_at is not None and datetime.now(UTC) < opens_at
