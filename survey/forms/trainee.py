"""The trainee form: built from the questionnaire, checked by plain rules.

Answers of the other pages travel in a signed hidden field, so paging needs no
server-side draft, works without JavaScript, and cannot be forged. The form is
not a WTForms form: each field's FieldRule (survey.questionnaire.kinds) is
checked in a loop, because building and validating WTForms fields for every
question was most of the cost of a send. The CSRF token comes from a
RequestGuard the web layer gives (survey.web.form_guard).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import MultiDict

from survey.caches import COMPILED_FORMS, DEFINITION_DIGESTS
from survey.forms.layout import SectionView, page_sections
from survey.questionnaire.definition import iter_questions, kind_of
from survey.questionnaire.kinds import AnswerReader, FieldRule, FormContext
from survey.storage import SubmittedAnswer

CARRY_SALT = "trainee-form-carry"
QUESTION_PREFIX = "q__"
#: The hidden field naming the form a page was made from (CompiledForm.fingerprint).
FINGERPRINT_FIELD = "form_version"


class RequestGuard(Protocol):
    """Tells a POST from a page this service gave the same browser (CSRF)."""

    def token(self) -> str:
        """The token to put in the form; empty where the check is off."""
        ...

    def accepts(self, token: str) -> bool: ...


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
        #: What each field accepts, by field name.
        self.rules: dict[str, FieldRule] = {}
        #: How to read each question's answers, by question code, in form order.
        self.readers: list[tuple[str, AnswerReader]] = []
        for page, _section, question in iter_questions(definition):
            kind = kind_of(question)
            rules = kind.rules(question, ctx)
            self.page_fields[page] += tuple(rules)
            self.rules.update(rules)
            self.readers.append((question["code"], kind.reader(question, ctx)))
        self.known = frozenset(self.rules)
        #: Names what the trainee is asked (the questions' wording and the fields, a
        #: matrix's sessions included), so that a form sent from a page made before
        #: the programme or its questionnaire changed is told apart (FormFlow.receive).
        self.fingerprint = hashlib.sha256("\n".join([_digest(definition), *sorted(self.known)]).encode()).hexdigest()[
            :16
        ]
        #: Whether any answer must be given: the form then says what its mark means.
        self.any_required = any(rule.required for rule in self.rules.values())
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


def _digest(definition: Mapping[str, Any]) -> str:
    # By object: a cached definition is the same object on every request, and
    # hashing its JSON each time cost more than the rest of the lookup.
    entry = DEFINITION_DIGESTS.get(id(definition))
    if entry is not None and entry[0] is definition:
        return str(entry[1])
    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()
    DEFINITION_DIGESTS.put(id(definition), (definition, digest))
    return digest


def compile_form(definition: Mapping[str, Any], ctx: FormContext) -> CompiledForm:
    """The compiled form of a questionnaire version for a programme's sessions, built once."""
    digest = _digest(definition)
    key = (digest, tuple(ctx.sessions), ctx.max_text_length)
    compiled: CompiledForm | None = COMPILED_FORMS.get(key)
    if compiled is None:
        compiled = COMPILED_FORMS.put(key, CompiledForm(definition, ctx, key))
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

    With JavaScript the phone turns the pages itself and sends the whole form
    once, marked ``whole=1``; every answer posted then counts, and every page
    is checked before anything is stored. So the blank form, and the answer to
    a whole form, hold every page (all but one hidden). Without JavaScript each
    page is a round trip: the page's answers are checked, the others travel
    signed in ``carry``, and the answer holds only the page shown, since that
    browser can show no other.
    """

    definition: Mapping[str, Any]
    ctx: FormContext
    secret_key: str
    guard: RequestGuard
    page: int = 0
    form_errors: list[str] = field(default_factory=list)
    #: What each field shows as answered: every page's, as typed (strings).
    values: dict[str, list[str]] = field(default_factory=dict)
    #: Messages (lazy strings) of the fields with an error on the page shown.
    errors: dict[str, list[Any]] = field(default_factory=dict)
    #: The idempotency key: minted on the first page, the same on every page and re-send.
    idem: str = ""
    #: Signed answers of the other pages.
    carry: str = ""
    #: Whether the page to render holds every page (JavaScript may turn them) or only the one shown.
    every_page: bool = True
    compiled: CompiledForm = field(init=False)
    #: Every answer as merged from the post and the carry, by field name.
    _merged: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False)
    _unfinished: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        self.compiled = compile_form(self.definition, self.ctx)

    @property
    def page_count(self) -> int:
        return self.compiled.page_count

    def pages(self, lang: str) -> list[PageView]:
        """The pages to render, in ``lang``: every page or only the current one
        (``every_page``); the template hides all but the current one."""
        pages = self.compiled.pages(lang)
        return pages if self.every_page else pages[self.page : self.page + 1]

    @property
    def shows_nothing_typed(self) -> bool:
        """Whether the page to render is the same for every trainee but for its
        hidden fields: no message, and nothing typed on the pages it holds."""
        if self._unfinished:
            self._finish()
        if self.form_errors or self.errors:
            return False
        if self.every_page:
            return not self.values
        return not any(name in self.values for name in self.page_fields(self.page))

    @property
    def error_names(self) -> frozenset[str]:
        """Fields with an error on the page shown."""
        return frozenset(self.errors)

    @property
    def field_errors(self) -> dict[str, list[str]]:
        """The messages of the fields with an error on the page shown, in the current language."""
        return {name: [str(m) for m in messages] for name, messages in self.errors.items()}

    @property
    def is_last_page(self) -> bool:
        return self.page == self.page_count - 1

    def page_fields(self, page: int) -> tuple[str, ...]:
        return self.compiled.page_fields[page]

    def start(self) -> None:
        """A blank first page with a fresh idempotency key, every page in the document."""
        self.page = 0
        self.every_page = True
        self.values = {}
        self.errors = {}
        self.idem = uuid.uuid4().hex
        self.carry = self.compiled.empty_carry(self.secret_key)

    def receive(self, formdata: MultiDict[str, str], action: str, unreadable: frozenset[str] = frozenset()) -> bool:
        """Take a POST; returns True when every page is valid and the form is complete.

        ``action`` is "next", "back", "send" or "stay" (a language switch).
        ``unreadable`` names the fields whose value was not UTF-8 (survey.web.form_body):
        each comes back marked, as far as it could be read, and nothing is stored.
        """
        whole = formdata.get("whole") == "1"
        # A browser that sent the whole form turns the pages itself: give it every page back.
        self.every_page = whole
        carried = {} if whole else self._unsign(formdata.get("carry", ""))
        try:
            self.page = min(max(int(formdata.get("page", "0")), 0), self.page_count - 1)
        except ValueError:
            self.page = 0
        known = self.compiled.known
        forged = [name for name in formdata if name.startswith(QUESTION_PREFIX) and name not in known]
        merged: dict[str, list[str]] = {}
        if whole:
            for name in formdata:
                if name in known:
                    merged[name] = formdata.getlist(name)
        else:
            current = self.page_fields(self.page)
            for name, values in carried.items():
                if name in known and name not in current:
                    merged[name] = values
            for name in current:
                posted = formdata.getlist(name)
                if posted:
                    merged[name] = posted
        self._merged = merged
        idem = formdata.get("idem", "")
        self.idem = idem if _valid_key(idem) else uuid.uuid4().hex
        changed = formdata.get(FINGERPRINT_FIELD, self.compiled.fingerprint) != self.compiled.fingerprint
        if changed:
            # Made before a session or a question was added or removed (an organiser's
            # change while the phone was offline, say): shown again as it is now.
            self.form_errors.append(
                str(
                    _l(
                        "This form changed while you were answering it (a session or a question was added or"
                        " removed). Your answers are kept below: check them, then send the form again."
                    )
                )
            )
        elif forged:
            self.form_errors.append(
                str(_l("This form held answers to questions that are not in this questionnaire; they were ignored."))
            )
        if not self.guard.accepts(formdata.get("csrf_token", "")):
            self.form_errors.append(
                str(_l("Your session had expired. Your answers are kept below: please send them again."))
            )
            self._finish()
            return False
        if self._mark_unreadable(unreadable):
            self._finish()
            return False
        if changed:
            self.page = 0  # to be checked from the start, as it is now
            self._finish()
            return False
        sending = action == "send" or (action == "next" and self.is_last_page)
        if action == "back":
            self.page = max(self.page - 1, 0)
        elif action in {"next", "send"}:
            if not self._validate(self.page):
                self._finish()
                return False
            if sending:
                # Every page again: the carry is signed, but the rules may be
                # stricter than when the page was first sent.
                for page in range(self.page_count):
                    if not self._validate(page):
                        self.page = page
                        self._finish()
                        return False
                if not forged:
                    # Stored next, most likely: sign and list the answers only if
                    # the page has to be shown again (a refused code).
                    self._unfinished = True
                    return True
                self._finish()
                return False
            self.page += 1
        self._finish()
        return False

    def answers(self) -> list[SubmittedAnswer]:
        merged, rules = self._merged, self.compiled.rules
        data = {name: rule.value(merged.get(name, ())) for name, rule in rules.items()}
        return [SubmittedAnswer(code, value) for code, read in self.compiled.readers for value in read(data)]

    @property
    def idempotency_key(self) -> str:
        return self.idem

    def hidden_fields(self) -> dict[str, str]:
        """The hidden inputs of the page to render, by name, in the order they come."""
        if self._unfinished:
            self._finish()
        hidden = {
            "idem": self.idem,
            "page": str(self.page),
            "carry": self.carry,
            FINGERPRINT_FIELD: self.compiled.fingerprint,
        }
        token = self.guard.token()
        return {"csrf_token": token, **hidden} if token else hidden

    def template_args(self, lang: str, hidden: Mapping[str, str] | None = None) -> dict[str, Any]:
        """What templates/trainee/form.html needs from the flow, in ``lang``;
        ``hidden`` in place of ``hidden_fields()`` (a page rendered with markers)."""
        if self._unfinished:
            self._finish()
        fallback = self.definition["languages"][0]
        title, intro = self.definition["title"], self.definition.get("intro", {})
        if hidden is None:
            hidden = self.hidden_fields()
        return {
            "title": title.get(lang) or title.get(fallback, ""),
            "intro": intro.get(lang) or intro.get(fallback, ""),
            "hidden": hidden,
            "flow": self,
            "any_required": self.compiled.any_required,
            "pages": self.pages(lang),
            "values": self.values,
            "field_errors": self.field_errors,
            "error_names": self.error_names,
        }

    def _validate(self, page: int) -> bool:
        """Check one page's fields; their messages replace any from before."""
        self.errors = {}
        merged, rules = self._merged, self.compiled.rules
        for name in self.page_fields(page):
            problem = rules[name].problem(merged.get(name, ()))
            if problem is not None:
                self.errors[name] = [problem]
        return not self.errors

    def _mark_unreadable(self, unreadable: frozenset[str]) -> bool:
        """Show the first page with an answer that was not UTF-8, each such answer marked."""
        damaged = unreadable & self._merged.keys()
        if not damaged:
            return False
        self.page = next(page for page in range(self.page_count) if damaged & set(self.page_fields(page)))
        message = _l("Some characters of this answer could not be read (shown as �). Please check it and send again.")
        self.errors = {name: [message] for name in self.page_fields(self.page) if name in damaged}
        return True

    def _finish(self) -> None:
        """Sign every answer not shown on the page being rendered."""
        self._unfinished = False
        merged = self._merged
        shown = set(self.page_fields(self.page))
        hidden = {name: values for name, values in merged.items() if name not in shown}
        self.values = dict(merged)
        self.carry = self._sign(hidden)

    def _sign(self, data: Mapping[str, Sequence[str]]) -> str:
        return _sign(self.secret_key, data) if data else self.compiled.empty_carry(self.secret_key)

    def _unsign(self, token: str) -> dict[str, list[str]]:
        # The blank form's carry is the same for every trainee: nothing to read.
        if not token or token == self.compiled.empty_carry(self.secret_key):
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
