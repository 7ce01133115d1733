"""The confirmations a small group needs: before downloading the raw answers of a
small programme, and before reading the responses not yet in a batch of k."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import InputRequired


class SmallGroupDownloadForm(FlaskForm):  # type: ignore[misc]
    """One box to tick, and the CSRF token: the download is then recorded."""

    understood = BooleanField(
        _l(
            "I understand that these answers come from so few trainees that each may be recognised, "
            "that I will not publish them, and that this download is recorded."
        ),
        validators=[InputRequired(_l("Please tick the box to confirm."))],
    )


class WaitingResponsesForm(FlaskForm):  # type: ignore[misc]
    """One box to tick before reading the responses not yet in a batch: the reading is recorded."""

    understood = BooleanField(
        _l(
            "I understand that these responses are too few to hide which trainee sent which, "
            "that I will keep what I read to myself, and that this reading is recorded."
        ),
        validators=[InputRequired(_l("Please tick the box to confirm."))],
    )
