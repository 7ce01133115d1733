"""The programme settings form: what an organiser types, checked field by field.

Every problem is reported beside its field and every typed value is shown
again, so a wrong date never costs the rest of the form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    Field,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from reports.disclosure import DEFAULT_MINIMUM_GROUP, LARGEST_MINIMUM_GROUP, SMALLEST_MINIMUM_GROUP
from reports.languages import CODES, DEFAULT_LANGUAGE, ENDONYMS, LANGUAGES
from survey.models import Programme
from survey.services.programmes import ProgrammeSettings, SessionSpec
from survey.services.questionnaires import LibraryEntry

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
#: Paths under /o/ that a programme's short name would hide.
RESERVED_SLUGS = frozenset({"new", "questionnaires", "users", "admin", "api", "settings"})
#: Offered in the time zone list; any other IANA name may be typed.
COMMON_TIMEZONES = (
    "UTC",
    "Africa/Niamey",
    "Africa/Bamako",
    "Africa/Ouagadougou",
    "Africa/Ndjamena",
    "Africa/Nouakchott",
    "Africa/Dakar",
    "Africa/Abidjan",
    "Africa/Lagos",
    "Africa/Algiers",
    "Africa/Tunis",
    "Africa/Tripoli",
    "Africa/Casablanca",
    "Africa/Cairo",
    "Africa/Khartoum",
    "Asia/Riyadh",
    "Asia/Qatar",
    "Asia/Dubai",
    "Asia/Kuwait",
    "Asia/Bahrain",
    "Asia/Baghdad",
    "Asia/Amman",
    "Asia/Beirut",
    "Europe/Paris",
    "Europe/London",
)
#: The time zone a programme held in a country takes unless another is typed: the
#: Sahel states, their neighbours and the countries that host or fund the programmes.
#: One zone each (a country with several, like the United States, is left out: its
#: organisers type theirs).
COUNTRY_TIMEZONES = {
    "NE": "Africa/Niamey",
    "ML": "Africa/Bamako",
    "BF": "Africa/Ouagadougou",
    "TD": "Africa/Ndjamena",
    "MR": "Africa/Nouakchott",
    "SN": "Africa/Dakar",
    "GM": "Africa/Banjul",
    "CM": "Africa/Douala",
    "NG": "Africa/Lagos",
    "SD": "Africa/Khartoum",
    "CI": "Africa/Abidjan",
    "DZ": "Africa/Algiers",
    "TN": "Africa/Tunis",
    "LY": "Africa/Tripoli",
    "MA": "Africa/Casablanca",
    "EG": "Africa/Cairo",
    "SA": "Asia/Riyadh",
    "QA": "Asia/Qatar",
    "AE": "Asia/Dubai",
    "KW": "Asia/Kuwait",
    "BH": "Asia/Bahrain",
    "IQ": "Asia/Baghdad",
    "JO": "Asia/Amman",
    "LB": "Asia/Beirut",
    "FR": "Europe/Paris",
    "BE": "Europe/Brussels",
    "GB": "Europe/London",
}
#: Words accepted in the last part of a session line.
SESSION_KINDS = {
    "": "session",
    "session": "session",
    "séance": "session",
    "seance": "session",
    "جلسة": "session",
    "workshop": "workshop",
    "atelier": "workshop",
    "ورشة": "workshop",
    "ورشة عمل": "workshop",
}
#: Codes babel lists that are not countries (EU, UN, "unknown", ...).
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})
_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
MAX_PARTICIPANTS = 100_000
SLUG_TAKEN = _l("This short name is taken; please choose another.")
MAX_SESSIONS = 100


class MultiCheckboxField(SelectMultipleField):  # type: ignore[misc]
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def country_choices() -> list[SelectChoice]:
    """ISO 3166 alpha-2 codes, named and sorted in the page's language."""
    names = Locale.parse(str(get_locale() or "en")).territories
    countries = sorted(
        (
            (code, name)
            for code, name in names.items()
            if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
        ),
        key=lambda pair: pair[1],
    )
    return [SelectChoice("", "—"), *(SelectChoice(code, name) for code, name in countries)]


def zone(name: str) -> ZoneInfo | None:
    """The time zone of an IANA name, or None if there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_time(value: datetime | None, timezone: str) -> datetime | None:
    """A stored UTC time as the naive wall-clock time the form shows, in ``timezone``."""
    if value is None:
        return None
    return value.astimezone(zone(timezone) or UTC).replace(tzinfo=None)


def sessions_text(programme: Programme) -> str:
    return "\n".join(f"{s.day} | {s.title} | {s.trainer} | {s.kind}" for s in programme.sessions)


def programme_data(programme: Programme) -> dict[str, Any]:
    """The form's initial values for an existing programme."""
    return {
        "slug": programme.slug,
        "title": programme.title,
        "location": programme.location,
        "country": programme.country,
        "starts_on": programme.starts_on,
        "ends_on": programme.ends_on,
        "timezone": programme.timezone,
        "expected_participants": str(programme.expected_participants or ""),
        "languages": list(programme.languages),
        "default_language": programme.default_language,
        "series": programme.series,
        "minimum_group_size": str(programme.minimum_group_size),
        "opens_at": local_time(programme.opens_at, programme.timezone),
        "closes_at": local_time(programme.closes_at, programme.timezone),
        "questionnaire": programme.questionnaire_id,
        "sessions": sessions_text(programme),
        "retention_days": str(programme.retention_days or ""),
        **{f"privacy_{code}": (programme.privacy_notice or {}).get(code, "") for code in CODES},
    }


def parse_sessions(text: str) -> tuple[list[SessionSpec], list[str]]:
    """Session lines "day | title | trainer | session or workshop"; problems name the line."""
    specs: list[SessionSpec] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if not 2 <= len(parts) <= 4:
            problems.append(
                _('Line %(n)d: expected "day | title | trainer | session or workshop", separated by "|".', n=number)
            )
            continue
        parts += [""] * (4 - len(parts))
        day, title, trainer, kind = parts
        before = len(problems)
        if not day.isdigit() or not 1 <= int(day) <= 366:
            problems.append(
                _('Line %(n)d: the day must be a whole number from 1, not "%(value)s".', n=number, value=day)
            )
        if not title:
            problems.append(_("Line %(n)d: the session needs a title.", n=number))
        elif len(title) > 300:
            problems.append(_("Line %(n)d: the title is longer than 300 characters.", n=number))
        if len(trainer) > 200:
            problems.append(_("Line %(n)d: the trainer's name is longer than 200 characters.", n=number))
        if kind.casefold() not in SESSION_KINDS:
            problems.append(
                _('Line %(n)d: the last part must be "session" or "workshop", not "%(value)s".', n=number, value=kind)
            )
        if len(problems) == before:
            specs.append(SessionSpec(int(day), title, trainer, SESSION_KINDS[kind.casefold()]))
    if len(specs) > MAX_SESSIONS:
        problems.append(_("At most %(max)d sessions.", max=MAX_SESSIONS))
    return specs, problems


def _language_choices() -> list[SelectChoice]:
    return [SelectChoice(each.code, each.endonym, render_kw={"lang": each.code}) for each in LANGUAGES]


def _not_reserved(form: Any, field: Field) -> None:
    if field.data in RESERVED_SLUGS:
        raise ValidationError(_("This short name is reserved; please choose another."))


def _known_timezone(form: Any, field: Field) -> None:
    if field.data and zone(field.data) is None:
        raise ValidationError(
            _('Unknown time zone "%(name)s": use a name like Africa/Niamey or Asia/Riyadh.', name=field.data)
        )


def _positive_whole_number(form: Any, field: Field) -> None:
    value = (field.data or "").strip()
    if value and not (value.isdigit() and 1 <= int(value) <= MAX_PARTICIPANTS):
        raise ValidationError(_("Please enter a positive whole number, such as 29."))


def _group_size(form: Any, field: Field) -> None:
    value = (field.data or "").strip()
    if not (value.isdigit() and SMALLEST_MINIMUM_GROUP <= int(value) <= LARGEST_MINIMUM_GROUP):
        raise ValidationError(
            _(
                "Please enter a whole number from %(low)d to %(high)d.",
                low=SMALLEST_MINIMUM_GROUP,
                high=LARGEST_MINIMUM_GROUP,
            )
        )


def _retention(form: Any, field: Field) -> None:
    value = (field.data or "").strip()
    if value and not (value.isdigit() and 1 <= int(value) <= MAX_RETENTION_DAYS):
        raise ValidationError(_("Please enter a number of days from 1 to %(max)d.", max=MAX_RETENTION_DAYS))


#: Ten years: longer is no retention period.
MAX_RETENTION_DAYS = 3650
#: Longest privacy notice, per language.
MAX_PRIVACY_NOTICE = 2000


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class ProgrammeForm(FlaskForm):  # type: ignore[misc]
    slug = StringField(
        _l("Short name"),
        filters=[_strip, lambda v: v.lower() if isinstance(v, str) else v],
        validators=[
            InputRequired(_l("Please give a short name.")),
            Length(max=64, message=_l("At most 64 characters.")),
            Regexp(SLUG_PATTERN, message=_l("Use lowercase letters, digits and hyphens only, e.g. niamey-2026.")),
            _not_reserved,
        ],
        description=_l("The end of the trainee link; lowercase letters, digits and hyphens."),
    )
    title = StringField(
        _l("Title"),
        filters=[_strip],
        validators=[InputRequired(_l("Please give a title.")), Length(max=300, message=_l("At most 300 characters."))],
    )
    series = StringField(
        _l("Series"),
        filters=[_strip],
        validators=[Length(max=100, message=_l("At most 100 characters."))],
        description=_l("Programmes of one series (the same programme in several countries) are compared together."),
    )
    location = StringField(
        _l("Location"), filters=[_strip], validators=[Length(max=200, message=_l("At most 200 characters."))]
    )
    country = SelectField(
        _l("Country"),
        choices=[SelectChoice("", "—")],
        default="",
        invalid_choice_message=_l("Please choose a country from the list."),
    )
    starts_on = DateField(_l("First day"), validators=[Optional()])
    ends_on = DateField(_l("Last day"), validators=[Optional()])
    expected_participants = StringField(
        _l("Expected participants"),
        filters=[_strip],
        validators=[_positive_whole_number],
        description=_l("The number of trainees, for the response rate."),
    )
    minimum_group_size = StringField(
        _l("Minimum group size"),
        filters=[_strip],
        default=str(DEFAULT_MINIMUM_GROUP),
        validators=[_group_size],
        description=_l(
            "Reports and the dashboard show no answers of a group smaller than this: a programme or a language "
            "group with fewer responses shows only its count. At least 3; 5 unless you have a reason."
        ),
    )
    languages = MultiCheckboxField(_l("Languages offered"), choices=_language_choices())
    default_language = SelectField(_l("Default language"), choices=_language_choices(), default=DEFAULT_LANGUAGE)
    timezone = StringField(
        _l("Time zone"),
        filters=[_strip],
        default="",
        validators=[InputRequired(_l("Please give a time zone, e.g. Africa/Niamey.")), _known_timezone],
        description=_l(
            "The opening and closing times are in this time zone. Left empty, the country's is used "
            "(Niger: Africa/Niamey)."
        ),
    )
    opens_at = DateTimeLocalField(_l("Form opens at"), format=_LOCAL_FORMATS, validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Form closes at"), format=_LOCAL_FORMATS, validators=[Optional()])
    questionnaire = SelectField(_l("Questionnaire"), coerce=int)
    sessions = TextAreaField(
        _l("Sessions and workshops"),
        description=_l(
            'One per line: day | title | trainer | session or workshop, e.g. "2 | Case studies | A. Diallo | workshop".'
        ),
    )

    retention_days = StringField(
        _l("Keep the answers for (days after the last day)"),
        filters=[_strip],
        validators=[_retention],
        description=_l(
            "Then the responses and codes are erased by themselves, and the privacy notice says so. "
            "Empty: kept until an administrator erases them."
        ),
    )

    def __init__(
        self,
        *args: Any,
        library: Sequence[LibraryEntry] = (),
        lang: str = "en",
        slug_free: Callable[[str], bool] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        #: Asked during validation, so that a taken name shows with the other problems.
        self._slug_free = slug_free
        self.country.choices = country_choices()
        self._languages_of = {entry.id: entry.languages for entry in library}
        choices: list[SelectChoice] = []
        for entry in library:
            title = entry.title.get(lang) or next(iter(entry.title.values()), "")
            label = _("%(code)s v%(version)d: %(title)s", code=entry.code, version=entry.version, title=title)
            if entry.latest:
                label = _("%(label)s (latest)", label=label)
            choices.append(SelectChoice(str(entry.id), label, optgroup=entry.code))
        self.questionnaire.choices = choices
        if not library:
            self.questionnaire.validate_choice = False
        self.session_specs: list[SessionSpec] = []

    def _time_zone_from_country(self) -> None:
        # Typed (even "UTC") wins; the form leaves the field empty, so that the
        # times of a programme in Niamey are not an hour off by default.
        if (self.timezone.data or "").strip():
            return
        found = COUNTRY_TIMEZONES.get(self.country.data or "")
        if found:
            self.timezone.data = found
            self.timezone.raw_data = [found]

    def validate_slug(self, field: Field) -> None:
        if self._slug_free is not None and not self._slug_free(field.data):
            raise ValidationError(SLUG_TAKEN)

    def validate_questionnaire(self, field: Field) -> None:
        if not self._languages_of:
            raise ValidationError(_("The library has no questionnaire yet: please import one first."))

    def validate_sessions(self, field: Field) -> None:
        self.session_specs, problems = parse_sessions(field.data or "")
        if problems:
            field.errors.extend(problems[:-1])
            raise ValidationError(problems[-1])

    def validate_languages(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_("Please offer at least one language."))

    def validate(self, extra_validators: Mapping[str, Sequence[Any]] | None = None) -> bool:
        """Field checks, then the checks that compare fields. An empty time zone
        takes the country's (COUNTRY_TIMEZONES) before anything is checked."""
        self._time_zone_from_country()
        valid = bool(super().validate(extra_validators))
        checks = [
            (
                self.ends_on,
                self.starts_on.data and self.ends_on.data and self.ends_on.data < self.starts_on.data,
                _("The last day cannot be before the first day."),
            ),
            (
                self.closes_at,
                self.opens_at.data and self.closes_at.data and self.closes_at.data <= self.opens_at.data,
                _("The form must close after it opens."),
            ),
            (
                self.default_language,
                self.languages.data and self.default_language.data not in self.languages.data,
                _("The default language must be one of the languages offered."),
            ),
        ]
        missing = sorted(set(self.languages.data or ()) - set(self._languages_of.get(self.questionnaire.data, ())))
        checks.append(
            (
                self.languages,
                bool(self._languages_of.get(self.questionnaire.data)) and bool(missing),
                _(
                    "The chosen questionnaire has no texts in %(languages)s.",
                    languages=", ".join(ENDONYMS.get(m, m) for m in missing),
                ),
            )
        )
        for field, wrong, message in checks:
            if wrong:
                field.errors.append(message)
                valid = False
        return valid

    def settings(self) -> ProgrammeSettings:
        """The validated values, times converted from the programme's time zone to UTC."""
        tz: tzinfo = zone(self.timezone.data) or UTC
        default = self.default_language.data
        languages = (default, *(code for code in CODES if code in self.languages.data and code != default))
        participants = self.expected_participants.data
        retention = (self.retention_days.data or "").strip()
        return ProgrammeSettings(
            slug=self.slug.data,
            title=self.title.data,
            questionnaire_id=int(self.questionnaire.data),
            location=self.location.data or "",
            country=self.country.data or "",
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
            timezone=self.timezone.data,
            expected_participants=int(participants) if participants else None,
            languages=languages,
            series=self.series.data or "",
            opens_at=_utc(self.opens_at.data, tz),
            closes_at=_utc(self.closes_at.data, tz),
            sessions=tuple(self.session_specs),
            minimum_group_size=int(self.minimum_group_size.data),
            retention_days=int(retention) if retention else None,
            privacy_notice=tuple((code, (getattr(self, f"privacy_{code}").data or "").strip()) for code in CODES),
        )


for _code in CODES:
    # One notice per language the service speaks; the form shows those the programme offers.
    setattr(
        ProgrammeForm,
        f"privacy_{_code}",
        TextAreaField(
            _l("Privacy notice in %(language)s", language=ENDONYMS[_code]),
            filters=[_strip],
            validators=[Length(max=MAX_PRIVACY_NOTICE, message=_l("At most 2000 characters."))],
        ),
    )


def _utc(value: datetime | None, tz: tzinfo) -> datetime | None:
    return value.replace(tzinfo=tz).astimezone(UTC) if value is not None else None
