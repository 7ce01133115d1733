"""The organiser's forms for invitation codes: how many to generate, and the access mode."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectChoice
from wtforms.validators import InputRequired, NumberRange

from survey.models import AccessMode
from survey.services.codes import MAX_BATCH


class IssueCodesForm(FlaskForm):  # type: ignore[misc]
    count = IntegerField(
        _l("Number of codes"),
        validators=[
            InputRequired(_l("Please enter how many codes to generate.")),
            NumberRange(min=1, max=MAX_BATCH, message=_l("Between 1 and %(max)d codes at a time.", max=MAX_BATCH)),
        ],
    )


class AccessModeForm(FlaskForm):  # type: ignore[misc]
    mode = RadioField(
        _l("How trainees open the form"),
        choices=[
            SelectChoice(AccessMode.LINK.value, _l("Open link: anyone with the link or the QR code may answer")),
            SelectChoice(AccessMode.CODES.value, _l("Invitation codes: each code lets one response in, once")),
        ],
        validators=[InputRequired(_l("Please choose how trainees open the form."))],
    )
