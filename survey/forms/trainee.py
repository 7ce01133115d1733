"""The trainee form: built from the questionnaire, one page at a time.

Answers of the other pages travel in a signed hidden field, so paging needs no
server-side draft, works without JavaScript, and cannot be forged.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import MultiDict
from wtforms import Field, HiddenField

from survey.forms.layout import SectionView, page_sections
from survey.questionnaire.definition import iter_questions, kind_of
from survey.questionnaire.kinds import FormContext, field_name
from survey.services.responses import SubmittedAnswer

CARRY_SALT = "trainee-form-carry"
QUESTION_PREFIX = "q__"


class TraineeFormBase(FlaskForm):  # type: ignore[misc]
    #: Minted on the first page; the same on every page and every re-send.
    idem = HiddenField()
    page = HiddenField()
    #: Signed answers of the other pages.
    carry = HiddenField()


class CompiledForm:
    """Everything about a questionnaire version's form that does not depend on
    the request: field names per page, form classes, page layouts. Built once
    per version and programme sessions, since a stored version never changes."""

    def __init__(self, definition: Mapping[str, Any], ctx: FormContext, key: Hashable = None) -> None:
        #: Equal for equal questionnaire versions and contexts: a cache key.
        self.key = key
        self.definition = definition
        self.ctx = ctx
        self.page_count = len(definition["pages"])
        self.page_fields: list[tuple[str, ...]] = [() for _ in range(self.page_count)]
        fields_by_page: list[dict[str, Field]] = [{} for _ in range(self.page_count)]
        for page, _section, question in iter_questions(definition):
            kind = kind_of(question)
            self.page_fields[page] += tuple(field_name(question["code"], item) for item, _ in kind.items(question, ctx))
            fields_by_page[page].update(kind.fields(question, ctx))
        self.known = frozenset(name for names in self.page_fields for name in names)
        #: One class per page (what a page shows and checks), and one with every field (to send).
        self.page_classes = [type("TraineePageForm", (TraineeFormBase,), fields) for fields in fields_by_page]
        every: dict[str, Field] = {}
        for fields in fields_by_page:
            every.update(fields)
        self.full_class = type("TraineeForm", (TraineeFormBase,), every)
        self._sections: dict[tuple[int, str], list[SectionView]] = {}

        self._pages: dict[str, list[PageView]] = {}
        self._empty_carry: dict[str, str] = {}

    def sections(self, page: int, lang: str) -> list[SectionView]:
        key = (page, lang)
        if key not in self._sections:
            self._sections[key] = page_sections(self.definition, self.ctx, page, lang)
        return self._sections[key]

    def pages(self, lang: str) -> list[PageView]:
        if lang not in self._pages:
            fallback = self.definition["languages"][0]
            self._pages[lang] = [
                PageView(
                    index=index,
                    title=page.get("title", {}).get(lang) or page.get("title", {}).get(fallback, ""),
                    sections=self.sections(index, lang),
                )
                for index, page in enumerate(self.definition["pages"])
            ]
        return self._pages[lang]

    def empty_carry(self, secret_key: str) -> str:
        """The signed carry of a blank form: the same for every trainee."""
        if secret_key not in self._empty_carry:
            self._empty_carry[secret_key] = _sign(secret_key, {})
        return self._empty_carry[secret_key]


#: Compiled forms by definition digest and context.
_COMPILED: dict[tuple[str, tuple[tuple[int, str, str], ...], int], CompiledForm] = {}


#: Digests by definition object: a cached definition is the same object on every
#: request, and hashing its JSON each time cost more than the rest of the lookup.
#: The entry keeps the object alive, so its id cannot be reused.
_DIGESTS: dict[int, tuple[Mapping[str, Any], str]] = {}


def _digest(definition: Mapping[str, Any]) -> str:
    entry = _DIGESTS.get(id(definition))
    if entry is not None and entry[0] is definition:
        return entry[1]
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()
    if len(_DIGESTS) >= 1024:
        _DIGESTS.clear()
    _DIGESTS[id(definition)] = (definition, digest)
    return digest


def compile_form(definition: Mapping[str, Any], ctx: FormContext) -> CompiledForm:
    """The compiled form of a questionnaire version for a programme's sessions, built once."""
    digest = _digest(definition)
    key = (digest, tuple(ctx.sessions), ctx.max_text_length)
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = CompiledForm(definition, ctx, key)
    return compiled


@dataclass(frozen=True)
class PageView:
    """One page of the form as the template shows it."""

    index: int
    title: str
    sections: list[SectionView]


@dataclass
class FormFlow:
    """One request's view of the paged form: which page, what was typed, what is wrong.

    Every page is in the document; the page being answered is shown, the
    others are hidden. Without JavaScript each page is a round trip: the page's
    answers are checked, the others travel signed in ``carry``. With
    JavaScript the phone turns the pages itself and sends the whole form once,
    marked ``whole=1``; every answer posted then counts, and every page is
    checked before anything is stored.
    """

    definition: Mapping[str, Any]
    ctx: FormContext
    secret_key: str
    page: int = 0
    form: TraineeFormBase | None = None
    form_errors: list[str] = field(default_factory=list)
    #: What each field shows as answered: every page's, as typed (strings).
    values: dict[str, list[str]] = field(default_factory=dict)
    compiled: CompiledForm = field(init=False)
    _unfinished: MultiDict[str, str] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.compiled = compile_form(self.definition, self.ctx)

    @property
    def page_count(self) -> int:
        return self.compiled.page_count

    def pages(self, lang: str) -> list[PageView]:
        """Every page, in ``lang``; the template hides all but the current one."""
        return self.compiled.pages(lang)

    @property
    def error_names(self) -> frozenset[str]:
        """Fields with an error on the page shown."""
        if self.form is None:
            return frozenset()
        return frozenset(
            name for name in self.compiled.page_fields[self.page] if name in self.form and self.form[name].errors
        )

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """The messages of the fields with an error on the page shown."""
        form = self.form
        return {name: [str(m) for m in form[name].errors] for name in self.error_names} if form is not None else {}

    @property
    def is_last_page(self) -> bool:
        return self.page == self.page_count - 1

    def page_fields(self, page: int) -> tuple[str, ...]:
        return self.compiled.page_fields[page]

    def start(self) -> TraineeFormBase:
        """A blank first page with a fresh idempotency key."""
        self.page = 0
        self.values = {}
        self.form = self.compiled.page_classes[0](formdata=None, data={"idem": uuid.uuid4().hex, "page": "0"})
        self.form.carry.data = self.compiled.empty_carry(self.secret_key)
        return self.form

    def receive(self, formdata: MultiDict[str, str], action: str) -> bool:
        """Take a POST; returns True when every page is valid and the form is complete.

        ``action`` is "next", "back", "send" or "stay" (a language switch).
        """
        whole = formdata.get("whole") == "1"
        carried = {} if whole else self._unsign(formdata.get("carry", ""))
        try:
            self.page = min(max(int(formdata.get("page", "0")), 0), self.page_count - 1)
        except ValueError:
            self.page = 0
        known = self.compiled.known
        forged = [name for name in formdata if name.startswith(QUESTION_PREFIX) and name not in known]
        merged: MultiDict[str, str] = MultiDict()
        if whole:
            for name in formdata:
                if name in known:
                    merged.setlist(name, formdata.getlist(name))
        else:
            current = set(self.page_fields(self.page))
            for name, values in carried.items():
                if name in known and name not in current:
                    merged.setlist(name, values)
            for name in current:
                merged.setlist(name, formdata.getlist(name))
        for name in ("csrf_token", "idem"):
            merged[name] = formdata.get(name, "")
        if not _valid_key(merged["idem"]):
            merged["idem"] = uuid.uuid4().hex
        if forged:
            self.form_errors.append(
                str(_l("This form held answers to questions that are not in this questionnaire; they were ignored."))
            )
        sending = action == "send" or (action == "next" and self.is_last_page)
        # The whole form is bound when it is sent, a page otherwise.
        form = (self.compiled.full_class if sending else self.compiled.page_classes[self.page])(formdata=merged)
        self.form = form
        if not self._csrf_ok(form):
            self.form_errors.append(
                str(_l("Your session had expired. Your answers are kept below: please send them again."))
            )
            self._finish(merged)
            return False
        if action == "back":
            self._show(max(self.page - 1, 0), merged)
        elif action in {"next", "send"}:
            if not self._validate(form, self.page):
                self._finish(merged)
                return False
            if sending:
                # Every page again: the carry is signed, but the rules may be
                # stricter than when the page was first sent.
                for page in range(self.page_count):
                    if not self._validate(form, page):
                        self.page = page
                        self._finish(merged)
                        return False
                if not forged:
                    # Stored next, most likely: sign and list the answers only if
                    # the page has to be shown again (a refused code).
                    self._unfinished = merged
                    return True
                self._finish(merged)
                return False
            self._show(self.page + 1, merged)
        self._finish(merged)
        return False

    def _show(self, page: int, merged: MultiDict[str, str]) -> None:
        """Move to ``page``, its fields filled from what was typed or carried."""
        csrf_errors = self.form.csrf_token.errors if self.form is not None and self.form.csrf_token else []
        self.page = page
        self.form = self.compiled.page_classes[page](formdata=merged)
        if self.form.csrf_token is not None:
            self.form.csrf_token.errors = csrf_errors

    def answers(self) -> list[SubmittedAnswer]:
        assert self.form is not None
        data = {name: f.data for name, f in self.form._fields.items()}
        out: list[SubmittedAnswer] = []
        for _page, _section, question in iter_questions(self.definition):
            for value in kind_of(question).answers(question, data, self.ctx):
                out.append(SubmittedAnswer(question_code=question["code"], value=value))
        return out

    @property
    def idempotency_key(self) -> str:
        assert self.form is not None
        return str(self.form.idem.data)

    def template_args(self, lang: str) -> dict[str, Any]:
        """What templates/trainee/form.html needs from the flow, in ``lang``."""
        if self._unfinished is not None:
            self._finish(self._unfinished)
        fallback = self.definition["languages"][0]
        title, intro = self.definition["title"], self.definition.get("intro", {})
        return {
            "title": title.get(lang) or title.get(fallback, ""),
            "intro": intro.get(lang) or intro.get(fallback, ""),
            "form": self.form,
            "flow": self,
            "pages": self.pages(lang),
            "values": self.values,
            "field_errors": self.field_errors,
            "error_names": self.error_names,
        }

    def _validate(self, form: TraineeFormBase, page: int) -> bool:
        ok = True
        for name in self.page_fields(page):
            if not form[name].validate(form):
                ok = False
        return ok

    def _csrf_ok(self, form: TraineeFormBase) -> bool:
        csrf = getattr(form, "csrf_token", None)
        if csrf is None:  # CSRF disabled in this configuration
            return True
        return bool(csrf.validate(form))

    def _finish(self, merged: MultiDict[str, str]) -> None:
        """Sign every answer not shown on the page being rendered."""
        assert self.form is not None
        self._unfinished = None
        shown = set(self.page_fields(self.page))
        hidden = {
            name: merged.getlist(name) for name in merged if name.startswith(QUESTION_PREFIX) and name not in shown
        }
        self.values = {name: merged.getlist(name) for name in merged if name.startswith(QUESTION_PREFIX)}
        self.form.page.data = str(self.page)
        self.form.carry.data = self._sign(hidden)
        if self.form.csrf_token is not None:
            self.form.csrf_token.errors = []

    def _sign(self, data: Mapping[str, Sequence[str]]) -> str:
        return _sign(self.secret_key, data) if data else self.compiled.empty_carry(self.secret_key)

    def _unsign(self, token: str) -> dict[str, list[str]]:
        if not token:
            return {}
        try:
            data = URLSafeSerializer(self.secret_key, salt=CARRY_SALT).loads(token)
        except BadSignature:
            self.form_errors.append(str(_l("Some answers from other pages could not be read back; please check them.")))
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): [str(v) for v in values] for k, values in data.items() if isinstance(values, list)}


def _sign(secret_key: str, data: Mapping[str, Sequence[str]]) -> str:
    return str(URLSafeSerializer(secret_key, salt=CARRY_SALT).dumps({k: list(v) for k, v in data.items()}))


def _valid_key(value: str) -> bool:
    try:
        return uuid.UUID(hex=value).hex == value
    except ValueError:
        return False
