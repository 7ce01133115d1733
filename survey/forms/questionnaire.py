"""Upload of a questionnaire definition (YAML) from the browser."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import Field
from wtforms.validators import ValidationError

#: The default questionnaire in three languages is 13 KB; ten times that is
#: still a questionnaire, beyond it is a wrong file.
MAX_YAML_BYTES = 128 * 1024


class ImportQuestionnaireForm(FlaskForm):  # type: ignore[misc]
    file = FileField(
        _l("Questionnaire file (YAML)"),
        validators=[
            FileRequired(_l("Please choose a questionnaire file.")),
            FileAllowed(["yaml", "yml"], _l("Please choose a .yaml or .yml file.")),
            FileSize(MAX_YAML_BYTES, message=_l("The file is larger than 128 KB; is it the right file?")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The decoded file, once validated.
        self.text = ""

    @property
    def filename(self) -> str:
        """The name the browser gave, as the CLI names the file in its messages."""
        name = str(getattr(self.file.data, "filename", "") or "questionnaire.yaml")
        return name.replace("\\", "/").rsplit("/", 1)[-1][:200]

    def validate_file(self, field: Field) -> None:
        raw = field.data.read()
        field.data.seek(0)
        try:
            self.text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not UTF-8 text; please save it as UTF-8 and try again.")) from None
