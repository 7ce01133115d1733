"""Sign-in form for organisers, evaluators and administrators."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import InputRequired, Length


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Please enter your email.")), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[InputRequired(_l("Please enter your password.")), Length(max=200)]
    )
