"""The organiser's form for a new kiosk device."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from survey.services.kiosks import MAX_NAME


class KioskDeviceForm(FlaskForm):  # type: ignore[misc]
    """Name a new kiosk device; the service makes its link."""

    name = StringField(
        _l("Device name"),
        validators=[
            InputRequired(_l("Please give the device a name, such as “Tablet at the back”.")),
            Length(max=MAX_NAME, message=_l("At most %(max)d characters.", max=MAX_NAME)),
        ],
    )
