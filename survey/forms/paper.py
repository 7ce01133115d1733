"""Forms of the classroom kit: printing paper questionnaires and typing them in.

The data-entry form has the trainee form's fields (same names, same range and
type checks) with every question optional, because a paper form comes back
with whatever was ticked; it adds the printed form number and its language.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Field, HiddenField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from reports.languages import ENDONYMS
from survey.caches import PAPER_ENTRY_FORMS
from survey.forms.kinds import form_kind
from survey.forms.layout import QuestionView, page_sections
from survey.questionnaire.definition import iter_questions, kind_of
from survey.questionnaire.kinds import FormContext
from survey.services.paper import MAX_PAPER_NUMBER
from survey.storage import SubmittedAnswer

#: Most copies printed in one PDF: enough for a cohort, short enough to print in seconds.
MAX_COPIES = 200


def language_choices(languages: Sequence[str]) -> list[tuple[str, str]]:
    """``languages`` for a picker, each named in itself."""
    return [(code, ENDONYMS.get(code, code)) for code in languages]


class PrintForm(FlaskForm):  # type: ignore[misc]
    """Which paper forms to print: a language and a range of form numbers (the preview's
    query string, or the kit's POST asking for the PDF)."""

    class Meta:
        # The preview is a GET that only reads; the PDF's POST is checked by CSRFProtect.
        csrf = False

    #: Not "lang", which picks the language of the organiser's own pages (and is remembered).
    language = SelectField(_l("Language"), choices=[])
    first = IntegerField(
        _l("First form number"),
        default=1,
        validators=[
            InputRequired(message=_l("Give the number of the first form.")),
            NumberRange(1, MAX_PAPER_NUMBER, message=_l("A number from %(min)s to %(max)s.")),
        ],
    )
    copies = IntegerField(
        _l("Copies"),
        validators=[
            InputRequired(message=_l("Give the number of copies to print.")),
            NumberRange(1, MAX_COPIES, message=_l("From %(min)s to %(max)s copies at a time.")),
        ],
    )

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.first.data + self.copies.data - 1 > MAX_PAPER_NUMBER:
            self.copies.errors.append(_l("Form numbers stop at %(max)d.", max=MAX_PAPER_NUMBER))
            return False
        return True


def print_form(
    query: Mapping[str, str] | None, languages: Sequence[str], copies: int, *, fill_in: bool = False
) -> PrintForm:
    """The print choices read from ``query`` (None: the blank form with its defaults).

    With ``fill_in``, what the query leaves out takes its default (first
    language, form no. 1, ``copies``), and ``lang`` stands for ``language``
    when that is missing, so a short link like ``paper.pdf?lang=ar`` works.
    """
    defaults = {"language": languages[0], "first": "1", "copies": str(copies)}
    formdata: MultiDict[str, str] | None = None
    if query is not None:
        formdata = MultiDict(query)
        if fill_in:
            if "language" not in formdata and "lang" in formdata:
                formdata["language"] = formdata["lang"]
            for name, value in defaults.items():
                formdata.setdefault(name, value)
    form = PrintForm(formdata=formdata, data={"language": languages[0], "copies": copies})
    form.language.choices = language_choices(languages)
    return form


@dataclass(frozen=True)
class PrintRange:
    """A suggested print run: one language, its own block of form numbers."""

    lang: str
    first: int
    copies: int

    @property
    def last(self) -> int:
        return self.first + self.copies - 1


def suggested_ranges(languages: Sequence[str], copies: int) -> list[PrintRange]:
    """One run per language, numbered in separate hundreds (fr 1-29, ar 101-129, ...),
    so forms printed in different languages never share a number."""
    block = max(1, -(-copies // 100)) * 100
    return [PrintRange(lang, index * block + 1, copies) for index, lang in enumerate(languages)]


@dataclass(frozen=True)
class NumberedQuestion:
    #: 1, 2, 3 ... across the whole questionnaire, the same on paper and on screen.
    number: int
    view: QuestionView


@dataclass(frozen=True)
class PaperBlock:
    """What the paper form prints as one piece: a question, or a run of
    single-line questions on the same scale printed as one grid (the point
    labels once, one line per question), as paper questionnaires do."""

    questions: tuple[NumberedQuestion, ...]

    @property
    def grouped(self) -> bool:
        return len(self.questions) > 1


def _same_scale_line(view: QuestionView) -> tuple[str, ...] | None:
    """The scale's labels if ``view`` is one line on a labelled scale, else None."""
    if view.style != "scale" or len(view.rows) != 1 or view.rows[0].label:
        return None
    return tuple(choice.label for choice in view.rows[0].choices)


@dataclass(frozen=True)
class NumberedSection:
    title: str
    questions: tuple[NumberedQuestion, ...]

    @property
    def blocks(self) -> list[PaperBlock]:
        blocks: list[list[NumberedQuestion]] = []
        previous: tuple[str, ...] | None = None
        for item in self.questions:
            scale = _same_scale_line(item.view)
            if scale is not None and scale == previous:
                blocks[-1].append(item)
            else:
                blocks.append([item])
            previous = scale
        return [PaperBlock(tuple(block)) for block in blocks]


@dataclass(frozen=True)
class NumberedPage:
    title: str
    sections: tuple[NumberedSection, ...]


def numbered_pages(definition: Mapping[str, Any], ctx: FormContext, lang: str) -> list[NumberedPage]:
    """Every page of the questionnaire in ``lang``, its questions numbered in order."""
    fallback = definition["languages"][0]
    pages: list[NumberedPage] = []
    number = 0
    for index, page in enumerate(definition["pages"]):
        sections = []
        for section in page_sections(definition, ctx, index, lang):
            questions = []
            for view in section.questions:
                number += 1
                questions.append(NumberedQuestion(number, view))
            sections.append(NumberedSection(section.title, tuple(questions)))
        title = page.get("title") or {}
        pages.append(NumberedPage(title.get(lang) or title.get(fallback, ""), tuple(sections)))
    return pages


class PaperEntryBase(FlaskForm):  # type: ignore[misc]
    #: Minted when the empty screen is shown; a second press on Save stores nothing twice.
    idem = HiddenField()
    paper_number = IntegerField(
        _l("Form no."),
        validators=[
            InputRequired(message=_l("Type the number printed at the top of the paper form.")),
            NumberRange(1, MAX_PAPER_NUMBER, message=_l("A form number is from %(min)s to %(max)s.")),
        ],
    )
    language = SelectField(_l("Language of the paper form"), choices=[])

    def ensure_key(self) -> None:
        """Keep a well-formed form key, or mint one (a tampered or missing field)."""
        try:
            valid = uuid.UUID(hex=str(self.idem.data)).hex == self.idem.data
        except ValueError:
            valid = False
        if not valid:
            self.idem.data = uuid.uuid4().hex


def paper_entry_form_class(definition: Mapping[str, Any], ctx: FormContext) -> type[PaperEntryBase]:
    """The data-entry form for a questionnaire version: every question optional."""
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()
    key = (digest, tuple(ctx.sessions), ctx.max_text_length)
    form_class: type[PaperEntryBase] | None = PAPER_ENTRY_FORMS.get(key)
    if form_class is None:
        attrs: dict[str, Field] = {}
        for _page, _section, question in iter_questions(definition):
            attrs.update(form_kind(question).fields({**question, "required": False}, ctx))
        form_class = PAPER_ENTRY_FORMS.put(key, type("PaperEntryForm", (PaperEntryBase,), attrs))
    return form_class


def paper_answers(form: PaperEntryBase, definition: Mapping[str, Any], ctx: FormContext) -> list[SubmittedAnswer]:
    """The answers ticked on a validated data-entry form; blanks are left out."""
    data = {name: f.data for name, f in form._fields.items()}
    return [
        SubmittedAnswer(question_code=question["code"], value=value)
        for _page, _section, question in iter_questions(definition)
        for value in kind_of(question).answers(question, data, ctx)
    ]


def first_error(form: PaperEntryBase) -> str | None:
    """The name of the first field (in screen order) with an error, to put the cursor there."""
    return next((name for name, f in form._fields.items() if f.errors and name != "csrf_token"), None)
