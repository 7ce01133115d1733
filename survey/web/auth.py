"""Sign in and out. Trainees never sign in; everyone else does."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, flash, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from survey.extensions import db, login_manager
from survey.forms.auth import LoginForm
from survey.models import Role, User
from survey.services.users import authenticate, end_sessions
from survey.web.limits import sign_in_failed, sign_in_wait, signed_in, with_retry_after

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.session_protection = "basic"

    @login_manager.user_loader  # type: ignore[untyped-decorator]
    def load_user(session_id: str) -> User | None:
        """The signed-in user, unless their sessions were ended since this one began."""
        user_id, _, version = session_id.partition(".")
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.active or version != str(user.session_version):
            return None
        return user


def role_required(*roles: Role) -> Callable[[F], F]:
    """Sign-in required (redirect to the login page), then one of ``roles`` (403)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in {role.value for role in roles}:
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so the login page cannot bounce to another host.

    Browsers drop tabs and line breaks from a Location and read a backslash as
    a slash, so "/", a tab, "/evil.example/" would lead to //evil.example/: a target
    with any of them, or with a scheme or a host, goes to the home page.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")  # "//host" and "///host" both lead to host
        and target.isprintable()
        and not any(char.isspace() or char == "\\" for char in target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("organiser.index")


def too_many_attempts(seconds: int) -> str:
    """Say how long to wait, in whole minutes, or hours beyond an hour and a half."""
    minutes = max(1, math.ceil(seconds / 60))
    if minutes <= 90:
        return str(
            ngettext(
                "Too many attempts. Please wait %(num)d minute and try again.",
                "Too many attempts. Please wait %(num)d minutes and try again.",
                minutes,
            )
        )
    return str(
        ngettext(
            "Too many attempts. Please wait %(num)d hour and try again.",
            "Too many attempts. Please wait %(num)d hours and try again.",
            math.ceil(minutes / 60),
        )
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Sign in: 401 for wrong credentials, 422 for an incomplete form, 429 with
    Retry-After while this client must wait before trying this email again
    (survey.web.limits): never because of another client's guesses, unless
    guesses from many addresses reached the account's ceiling. Every answer is
    the same for an email with an account and one without."""
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data
        waiting = sign_in_wait(email)
        if waiting:
            form.password.errors.append(too_many_attempts(waiting))
            return with_retry_after(make_response(render_template("auth/login.html", form=form), 429), waiting)
        user = authenticate(db.session(), email, form.password.data)
        if user is not None:
            signed_in(email)
            login_user(user)
            # Permanent: the cookie then expires after STAFF_IDLE_HOURS without a request.
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")))
        sign_in_failed(email)
        form.password.errors.append(_("Email or password is not right."))
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out here and on every other device: a copied cookie stops working too."""
    if current_user.is_authenticated:
        end_sessions(db.session(), current_user)
    logout_user()
    flash(_("You are signed out."))
    return redirect(url_for("auth.login"))
