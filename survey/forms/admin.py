"""The administrator's forms: accounts, roles and programme grants."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Regexp

from survey.models import Programme, Role
from survey.services.users import MIN_PASSWORD_LENGTH


def role_choices() -> list[SelectChoice]:
    return [
        SelectChoice(Role.ORGANISER.value, _l("Organiser: manages the programmes granted")),
        SelectChoice(Role.EVALUATOR.value, _l("Evaluator: reads results and reports of the programmes granted")),
        SelectChoice(Role.ADMIN.value, _l("Administrator: manages accounts and every programme")),
    ]


def _password_field(label: object) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired(_l("Please enter a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l("A password needs at least %(min)d characters.", min=MIN_PASSWORD_LENGTH),
            ),
        ],
    )


def programme_choices(programmes: Sequence[Programme]) -> list[SelectChoice]:
    return [SelectChoice(str(p.id), f"{p.title} ({p.slug})") for p in programmes]


class NewUserForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(
        _l("Email"),
        validators=[
            InputRequired(_l("Please enter an email.")),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("This is not an email address.")),
            Length(max=254),
        ],
    )
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=role_choices, default=Role.ORGANISER.value)
    password = _password_field(_l("First password (tell it to the person; they can be given a new one later)"))


class RoleForm(FlaskForm):  # type: ignore[misc]
    role = SelectField(_l("Role"), choices=role_choices)


class PasswordForm(FlaskForm):  # type: ignore[misc]
    password = _password_field(_l("New password"))


class GrantForm(FlaskForm):  # type: ignore[misc]
    #: Choices: the programmes not yet granted, set by the view.
    programme = SelectField(_l("Programme"), coerce=int, validate_choice=True)


class ActionForm(FlaskForm):  # type: ignore[misc]
    """A button that changes something: only the CSRF token."""


class EraseForm(FlaskForm):  # type: ignore[misc]
    """Erase a programme's responses and codes: the administrator types its short name to confirm."""

    confirm = StringField(_l("Type the programme's short name to confirm"), validators=[InputRequired()])
