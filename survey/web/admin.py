"""Administration of accounts: users, roles, and which programmes each may see.

Administrators only, for every route of the blueprint (checked before any
view runs): anonymous visitors go to the sign-in page, other roles get 403.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from survey.extensions import db, login_manager
from survey.forms.admin import (
    ActionForm,
    EraseForm,
    GrantForm,
    NewUserForm,
    PasswordForm,
    RoleForm,
    programme_choices,
)
from survey.models import Role
from survey.services import audit, erasure, programmes, users
from survey.services.users import LastAdmin, UserExists, WeakPassword

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only() -> ResponseReturnValue | None:
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    if current_user.role != Role.ADMIN.value:
        abort(403)
    return None


def _users_page(form: NewUserForm, status: int = 200) -> ResponseReturnValue:
    return render_template("admin/users.html", rows=users.list_users(db.session()), form=form), status


@bp.get("/users")
def user_list() -> ResponseReturnValue:
    """Every account, its role, whether it may sign in, its number of programmes."""
    return _users_page(NewUserForm(formdata=None))


@bp.post("/users")
def create_user() -> ResponseReturnValue:
    """Create an account (422 with the reason: email taken, password too short)."""
    form = NewUserForm()
    if not form.validate_on_submit():
        return _users_page(form, 422)
    try:
        user = users.create_account(
            db.session(), form.email.data, form.password.data, Role(form.role.data), form.name.data or ""
        )
    except UserExists:
        form.email.errors.append(_("An account with this email exists already."))
        return _users_page(form, 422)
    flash(_("Account created for %(email)s.", email=user.email))
    return redirect(url_for(".user_page", user_id=user.id), code=303)


def _user_page(
    user_id: int,
    status: int = 200,
    *,
    role_form: RoleForm | None = None,
    password_form: PasswordForm | None = None,
    grant_form: GrantForm | None = None,
) -> ResponseReturnValue:
    detail = users.user_detail(db.session(), user_id)
    grant_form = grant_form or GrantForm(formdata=None)
    grant_form.programme.choices = programme_choices(detail.others)
    return (
        render_template(
            "admin/user.html",
            detail=detail,
            role_form=role_form or RoleForm(formdata=None, data={"role": detail.user.role}),
            password_form=password_form or PasswordForm(formdata=None),
            grant_form=grant_form,
        ),
        status,
    )


@bp.get("/users/<int:user_id>")
def user_page(user_id: int) -> ResponseReturnValue:
    """One account: role, sign-in on/off, new password, programme grants."""
    return _user_page(user_id)


def _refused(user_id: int, message: str) -> ResponseReturnValue:
    flash(message)
    return redirect(url_for(".user_page", user_id=user_id), code=303)


@bp.post("/users/<int:user_id>/role")
def set_role(user_id: int) -> ResponseReturnValue:
    user = users.get_user(db.session(), user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _user_page(user_id, 422, role_form=form)
    try:
        users.set_role(db.session(), user, Role(form.role.data))
    except LastAdmin:
        return _refused(user_id, _("This is the last active administrator: make someone else administrator first."))
    flash(_("Role changed."))
    return redirect(url_for(".user_page", user_id=user_id), code=303)


@bp.post("/users/<int:user_id>/active/<any(on, off):state>")
def set_active(user_id: int, state: str) -> ResponseReturnValue:
    """Enable (also lifts a sign-in lock) or disable an account (signed out at its next request)."""
    user = users.get_user(db.session(), user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        users.set_active(db.session(), user, state == "on")
    except LastAdmin:
        return _refused(user_id, _("This is the last active administrator: it cannot be disabled."))
    flash(_("The account can sign in again.") if state == "on" else _("The account is disabled."))
    return redirect(url_for(".user_page", user_id=user_id), code=303)


@bp.post("/users/<int:user_id>/password")
def set_password(user_id: int) -> ResponseReturnValue:
    user = users.get_user(db.session(), user_id)
    form = PasswordForm()
    if not form.validate_on_submit():
        return _user_page(user_id, 422, password_form=form)
    try:
        users.set_password(db.session(), user, form.password.data)
    except WeakPassword:  # pragma: no cover (the form checks the length first)
        return _user_page(user_id, 422, password_form=form)
    flash(_("Password changed. Tell it to the person by another channel than email."))
    return redirect(url_for(".user_page", user_id=user_id), code=303)


@bp.post("/users/<int:user_id>/grants")
def grant(user_id: int) -> ResponseReturnValue:
    """Give access to one more programme."""
    detail = users.user_detail(db.session(), user_id)
    form = GrantForm()
    form.programme.choices = programme_choices(detail.others)
    if not form.validate_on_submit():
        return _user_page(user_id, 422, grant_form=form)
    programme = users.find_programme_by_id(db.session(), form.programme.data)
    users.grant_programme(db.session(), detail.user, programme)
    flash(_("Access given to %(title)s.", title=programme.title))
    return redirect(url_for(".user_page", user_id=user_id), code=303)


@bp.post("/users/<int:user_id>/grants/<int:programme_id>/revoke")
def revoke(user_id: int, programme_id: int) -> ResponseReturnValue:
    user = users.get_user(db.session(), user_id)
    programme = users.find_programme_by_id(db.session(), programme_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    users.revoke_programme(db.session(), user, programme)
    flash(_("Access to %(title)s taken back.", title=programme.title))
    return redirect(url_for(".user_page", user_id=user_id), code=303)


# --- the programmes' data: audit log, erasure ------------------------------------------------------


@bp.get("/data")
def held_data() -> ResponseReturnValue:
    """Each programme's responses and codes, when its retention period ends, and a way to erase them."""
    return render_template("admin/data.html", rows=erasure.held_data(db.session()))


@bp.get("/audit")
def audit_log() -> ResponseReturnValue:
    """Every export, download and erasure, newest first, ``?page=`` by page."""
    page = request.args.get("page", "1")
    shown = audit.audit_page(db.session(), int(page) if page.isdigit() else 1)
    return render_template("admin/audit.html", shown=shown)


def _erase_page(slug: str, form: EraseForm, status: int = 200) -> ResponseReturnValue:
    programme = programmes.find_programme(db.session(), slug)
    [held] = erasure.held_data(db.session(), programme)
    return render_template("admin/erase.html", held=held, form=form), status


@bp.get("/data/<slug>/erase")
def erase_page(slug: str) -> ResponseReturnValue:
    """What an erasure removes, and the confirmation it needs."""
    return _erase_page(slug, EraseForm(formdata=None))


@bp.post("/data/<slug>/erase")
def erase(slug: str) -> ResponseReturnValue:
    """Erase the programme's responses and codes once its short name is typed (422 otherwise)."""
    programme = programmes.find_programme(db.session(), slug)
    form = EraseForm()
    if not form.validate_on_submit() or (form.confirm.data or "").strip() != programme.slug:
        form.confirm.errors = [_("Type the short name exactly as shown to confirm.")]
        return _erase_page(slug, form, 422)
    title = programme.title
    erasure.erase_programme_data(db.session(), programme, current_user._get_current_object())
    flash(_("The responses and codes of %(title)s are erased.", title=title))
    return redirect(url_for(".held_data"), code=303)
