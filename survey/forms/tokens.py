"""The signed-in user's form for a new personal API token."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from survey.models import Programme
from survey.services.api_tokens import LIFETIMES, MAX_NAME


def scope_choices(allowed: frozenset[str]) -> list[tuple[str, object]]:
    labels = {
        "read": _l("Read: the programmes' figures, codebook and responses"),
        "submit": _l("Submit: send responses, as the form does (kiosk and offline apps)"),
    }
    return [(name, label) for name, label in labels.items() if name in allowed]


class NewTokenForm(FlaskForm):  # type: ignore[misc]
    """Name, scopes, programmes and lifetime of a new token; the service makes the token."""

    name = StringField(
        _l("Token name"),
        validators=[
            InputRequired(_l("Please give the token a name, such as “Spreadsheet”.")),
            Length(max=MAX_NAME, message=_l("At most %(max)d characters.", max=MAX_NAME)),
        ],
    )
    scopes = SelectMultipleField(
        _l("What it may do"),
        validators=[InputRequired(_l("Please choose what it may do."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    programmes = SelectMultipleField(
        _l("Programmes it may reach"),
        validators=[InputRequired(_l("Please choose at least one programme."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    days = SelectField(_l("Valid for"), coerce=int, default=90)

    def offer(self, programmes: Sequence[Programme], allowed: frozenset[str]) -> None:
        """Fill the choices with what this user may give the token."""
        self.scopes.choices = scope_choices(allowed)
        self.programmes.choices = [(str(p.id), f"{p.title} ({p.slug})") for p in programmes]
        self.days.choices = [(d, _l("%(days)d days", days=d)) for d in LIFETIMES]
