"""Personal API tokens: the signed-in user makes and revokes their own.

A new token is shown once, on the page that answers the POST that made it
(never in an address, never in the session): a reload of that page cannot
show it again, and the list shows only each token's first characters.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from survey.extensions import db
from survey.forms.admin import ActionForm
from survey.forms.tokens import NewTokenForm
from survey.models import Role
from survey.services import DomainError, NotFound, access, api_tokens
from survey.web.auth import role_required

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")
STAFF = (Role.ADMIN, Role.ORGANISER, Role.EVALUATOR)


def _form(*, blank: bool = False) -> NewTokenForm:
    """The form for a new token, with what this user may give it; ``blank``: not refilled from the POST."""
    form = NewTokenForm(formdata=None) if blank else NewTokenForm()
    form.offer(
        access.visible_programmes(db.session(), current_user),
        api_tokens.SCOPES_OF_ROLE.get(current_user.role, frozenset()),
    )
    return form


def _page(form: NewTokenForm, secret: str = "", status: int = 200) -> ResponseReturnValue:
    response = render_template(
        "account/tokens.html",
        form=form,
        tokens=api_tokens.tokens_of(db.session(), current_user),
        revoke_form=ActionForm(),
        secret=secret,
        now=api_tokens.now(),
    )
    return response, status


@bp.get("")
@role_required(*STAFF)
def token_list() -> ResponseReturnValue:
    """The user's tokens (first characters, scopes, programmes, expiry) and the form for a new one."""
    return _page(_form())


@bp.post("")
@role_required(*STAFF)
def create() -> ResponseReturnValue:
    """Make a token and show it, this once."""
    form = _form()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        new = api_tokens.create_token(
            db.session(),
            current_user,
            name=str(form.name.data),
            scopes=list(form.scopes.data or ()),
            programme_ids=[int(i) for i in form.programmes.data or ()],
            days=int(form.days.data),
            key=str(current_app.config["SECRET_KEY"]),
        )
    except DomainError:
        form.name.errors = [*form.name.errors, _("This token cannot be made: please check the choices below.")]
        return _page(form, status=422)
    return _page(_form(blank=True), secret=new.secret, status=201)


@bp.post("/<int:token_id>/revoke")
@role_required(*STAFF)
def revoke(token_id: int) -> ResponseReturnValue:
    """End one of the user's tokens at once; 404 for anyone else's."""
    if not ActionForm().validate_on_submit():
        flash(_("Your session had expired. Please try again."), "error")
        return redirect(url_for(".token_list"), code=303)
    try:
        api_tokens.revoke_token(db.session(), current_user, token_id)
    except NotFound:
        return render_template("errors/error.html", status=404, title=_("Page not found"), message=""), 404
    flash(_("The token was revoked: it no longer opens anything."), "success")
    return redirect(url_for(".token_list"), code=303)
