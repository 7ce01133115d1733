"""Every question kind through every layer: the test that fails when a layer forgets a kind.

A kind is one class in each of three registries, under one name: the domain's
(survey.questionnaire.kinds), the forms' (survey.forms.kinds) and the reports'
(reports.kinds). For each registered kind, a questionnaire of one question of
that kind is answered on the trainee form (page by page, without JavaScript)
and typed in from paper, then looked for where a person would look: the printed
paper form, the data-entry screen, the responses browser, the live dashboard
and every document format, with its count of answers.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from flask.testing import FlaskClient
from sqlalchemy import select

from reports.documents import FORMATS
from reports.documents.chromium import find_chromium
from reports.kinds import KINDS as REPORT_KINDS
from survey.extensions import db
from survey.forms.kinds import KINDS as FORM_KINDS
from survey.models import Answer, Programme, ProgrammeStatus, Question, Response, Role, User
from survey.questionnaire.definition import parse_definition
from survey.questionnaire.kinds import KINDS, FieldRule
from survey.services import access
from survey.services.aggregates import session_row_codes
from survey.services.programmes import form_context
from survey.services.users import create_user
from tests.helpers import FormClient, ask_document, open_seed_programme, read_page

ROOT = Path(__file__).resolve().parent.parent
SLUG = "kinds"
CODE = "asked"
TEXT = "The question under test"
PASSWORD = "correct horse"
IN_CI = bool(__import__("os").environ.get("CI"))

#: The fields each kind needs beyond code, kind and text: a new kind adds its example here.
EXAMPLES: dict[str, dict[str, Any]] = {
    "likert": {"scale": "agreement"},
    "rating": {"anchors": {lang: ["Not at all likely", "Extremely likely"] for lang in ("fr", "en", "ar")}},
    "single_choice": {"options": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]},
    "multiple_choice": {
        "options": [{"value": "talks", "label": "Talks"}, {"value": "cases", "label": "Cases"}],
    },
    "short_text": {},
    "long_text": {"max_length": 500},
    "before_after": {"scale": "agreement"},
    "matrix": {"scale": "agreement"},
}


def test_every_layer_registers_the_same_kinds() -> None:
    assert set(FORM_KINDS) == set(KINDS)
    assert set(REPORT_KINDS) == set(KINDS)
    for registry in (KINDS, FORM_KINDS, REPORT_KINDS):
        assert all(name == kind.name for name, kind in registry.items())


@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_reports_describe_each_kind_as_the_domain_does(name: str) -> None:
    domain, report = KINDS[name], REPORT_KINDS[name]
    for attribute in ("scale", "choice", "multiple", "free_text", "paired", "per_session"):
        assert getattr(report, attribute) == getattr(domain, attribute), (name, attribute)


def definition_with(kind: str) -> dict[str, Any]:
    """A questionnaire of one required question of ``kind``, in a dimension."""
    if kind not in EXAMPLES:
        pytest.fail(f"add an example question of kind {kind!r} to EXAMPLES in {__file__}")
    agreement = {
        "points": [1, 2, 3, 4, 5],
        "labels": {
            lang: ["Strongly disagree", "Disagree", "Neutral", "Agree", "Fully agree"] for lang in ("fr", "en", "ar")
        },
    }
    question = {"code": CODE, "kind": kind, "text": TEXT, "required": True, **EXAMPLES[kind]}
    raw = {
        "code": f"one_{kind}",
        "title": f"One {kind} question",
        "dimensions": {"quality": "Quality"},
        "scales": {"agreement": agreement},
        "pages": [{"sections": [{"dimension": "quality", "questions": [question]}]}],
    }
    return parse_definition(yaml.safe_dump(raw))


def open_programme(kind: str) -> Programme:
    programme = open_seed_programme(
        db.session(), definition_with(kind), slug=SLUG, title="Every kind", expected_participants=10
    )
    programme.minimum_group_size = 3  # the smallest allowed: its three responses are shown
    db.session.commit()
    return programme


def field_rules(programme: Programme) -> dict[str, FieldRule]:
    question = programme.questionnaire.definition["pages"][0]["sections"][0]["questions"][0]
    return KINDS[question["kind"]].rules(question, form_context(programme))


def answers(rules: dict[str, FieldRule], pick: int, comment: str) -> dict[str, Any]:
    """A value for every field: the ``pick``-th value offered, the first two
    options where several may be ticked, ``comment`` where one types."""
    out: dict[str, Any] = {}
    for name, rule in rules.items():
        if rule.shape == "text":
            out[name] = comment
        elif rule.shape == "many":
            out[name] = list(rule.choices[:2])
        else:
            out[name] = rule.choices[pick]
    return out


#: One stored answer: (item, number, text).
Row = tuple[str, int | None, str | None]


def stored(programme: Programme, source: str) -> list[Row]:
    """The answer rows of the question in the one response from ``source``."""
    response = db.session.scalars(
        select(Response).where(Response.programme_id == programme.id, Response.source == source)
    ).one()
    rows = db.session.execute(
        select(Answer.item, Answer.number, Answer.text)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.response_id == response.id, Question.code == CODE)
    )
    return sorted((item, number, text) for item, number, text in rows)


def expected_rows(rules: dict[str, FieldRule], posted: dict[str, Any], programme: Programme) -> list[Row]:
    """What the kind reads from ``posted``, as answer rows."""
    question = programme.questionnaire.definition["pages"][0]["sections"][0]["questions"][0]
    data = {
        name: rule.value(posted[name] if isinstance(posted[name], list) else [posted[name]])
        for name, rule in rules.items()
    }
    values = KINDS[question["kind"]].answers(question, data, form_context(programme))
    return sorted((v.item, v.number, v.text) for v in values)


def sign_in_organiser(client: FlaskClient, programme: Programme) -> None:
    organiser: User = create_user(db.session(), "org@example.org", PASSWORD, Role.ORGANISER, "Org")
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    page = read_page(client.get("/login"))
    assert (
        client.post("/login", data={**page.hidden, "email": "org@example.org", "password": PASSWORD}).status_code == 302
    )


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_question_of_each_kind_goes_through_every_layer(client: FlaskClient, forms: FormClient, kind: str) -> None:
    programme = open_programme(kind)
    rules = field_rules(programme)

    # The trainee form, without JavaScript: the question's every field is shown, and sent.
    page = forms.open(SLUG)
    assert TEXT in page.html
    assert set(rules) <= set(page.names)
    web_answers = answers(rules, -1, "Les études de cas")
    sent = forms.post(SLUG, page, web_answers, action="send")
    assert sent.response.status_code == 303, sent.html[:2000]
    given = {"web": stored(programme, "web")}
    assert given["web"] == expected_rows(rules, web_answers, programme) != []

    # The printed paper form and its data-entry screen.
    sign_in_organiser(client, programme)
    assert TEXT in client.get(f"/o/{SLUG}/paper.html?language=en&first=1&copies=1").get_data(as_text=True)
    entry = read_page(client.get(f"/o/{SLUG}/entry?lang=en"))
    assert TEXT in entry.html
    assert set(rules) <= set(entry.names)
    paper_answers = answers(rules, 0, "Les ateliers")
    typed = client.post(
        f"/o/{SLUG}/entry", data={**entry.hidden, "paper_number": "1", "language": "fr", **paper_answers}
    )
    assert typed.status_code == 303, typed.get_data(as_text=True)[:2000]
    given["paper"] = stored(programme, "paper")
    assert given["paper"] == expected_rows(rules, paper_answers, programme) != []

    # The responses browser shows the question with the answer given.
    paper = db.session.scalars(select(Response).where(Response.source == "paper")).one()
    detail = client.get(f"/o/{SLUG}/responses/{paper.id}?lang=en").get_data(as_text=True)
    assert TEXT in detail

    # A second sheet alike: three responses, the programme's minimum group size, are reported.
    entry = read_page(client.get(f"/o/{SLUG}/entry?lang=en"))
    typed = client.post(
        f"/o/{SLUG}/entry", data={**entry.hidden, "paper_number": "2", "language": "fr", **paper_answers}
    )
    assert typed.status_code == 303, typed.get_data(as_text=True)[:2000]

    # Closed, every response is in its figures (open, the latest batch of k is held back:
    # tests/web/test_batched_figures.py).
    programme.status = ProgrammeStatus.CLOSED.value
    db.session.commit()

    # The live dashboard: the question's chart, or its comments.
    live = client.get(f"/o/{SLUG}/live.json?lang=en").get_json()
    assert live["kpis"]["responses"] == 3
    charted = [f for f in live["figures"] if f["code"] == CODE]
    comments = [c["text"] for c in live["comments"] if c["question"] == CODE]
    assert charted or sorted(comments) == ["Les ateliers", "Les ateliers", "Les études de cas"]

    # Every document, the question in it with its three answers; a matrix's rows are
    # named by the session's place in the programme there, not by its id.
    if KINDS[kind].per_session:
        row_codes = session_row_codes(programme)
        given = {source: [(row_codes[item], n, t) for item, n, t in rows] for source, rows in given.items()}
    for fmt in FORMATS:
        if FORMATS[fmt].printed and find_chromium() is None and not IN_CI:
            continue
        response = ask_document(client, f"/e/{SLUG}/reports/{fmt}", lang="en")
        assert response.status_code == 200, (fmt, response.get_data(as_text=True)[:500])
        check_document(fmt, response.data, given)


def check_document(fmt: str, body: bytes, given: dict[str, list[Row]]) -> None:
    """The question is in the document ``fmt``: its text, its n, or each response's answers."""
    if fmt == "html":
        assert TEXT in body.decode()
    elif fmt == "pdf":
        assert body.startswith(b"%PDF")
    elif fmt == "json":
        document = json.loads(body)
        counts = [q["n"] for q in document["questions"] if q["code"] == CODE]
        counts += [sum(len(g["comments"]) for g in c["groups"]) for c in document["comments"] if c["question"] == CODE]
        assert counts == [3]
    elif fmt == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        rows = [list(row) for row in workbook["Responses"].iter_rows(values_only=True)]
        check_raw_rows([str(name) for name in rows[0]], rows[1:], given)
        assert any(row[1] == CODE for row in workbook["Codebook"].iter_rows(values_only=True))
    elif fmt in ("csv", "csv-semicolon"):
        delimiter = ";" if fmt == "csv-semicolon" else ","
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            answers = io.TextIOWrapper(archive.open("answers.csv"), encoding="utf-8-sig")
            table = list(csv.reader(answers, delimiter=delimiter))
            codebook_file = io.TextIOWrapper(archive.open("codebook.csv"), encoding="utf-8-sig")
            codebook = list(csv.reader(codebook_file, delimiter=delimiter))
        check_raw_rows(table[0], table[1:], given)
        assert any(row[1] == CODE for row in codebook[1:])
    else:  # spss, r: the question's variables are read and labelled
        syntax = body.decode()
        assert re.search(rf"\b{CODE}(__\w+)?\b", syntax)
        assert TEXT in syntax


def check_raw_rows(header: list[str], rows: list[list[Any]], given: dict[str, list[Row]]) -> None:
    """One row per response, each answer stored in the question's column for its item."""
    assert len(rows) == 3
    for row in rows:
        cells = dict(zip(header, row, strict=True))
        for item, number, text in given[str(cells["source"])]:
            assert str(cells[f"{CODE}__{item}" if item else CODE]) == str(number if number is not None else text)


# -- no kind is named outside its registries ------------------------------------------------------

#: The registry modules, where the kind names are defined.
REGISTRIES = {"survey/questionnaire/kinds.py", "survey/forms/kinds.py", "reports/kinds.py"}
#: Literals that spell a kind's name but name something else: (file, literal) -> why.
NOT_KINDS = {
    ("reports/documents/json_summary.py", "before_after"): "the JSON document's section of paired results",
}


def kind_literals_in_python(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and node.value in KINDS]


def test_no_module_or_template_names_a_kind_outside_the_registries() -> None:
    """A kind name written elsewhere is a decision the registries should take."""
    quoted = re.compile("[\"']({})[\"']".format("|".join(map(re.escape, KINDS))))
    found = []
    for folder in ("survey", "reports", "templates", "static/js"):
        for path in sorted((ROOT / folder).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if relative in REGISTRIES or "/migrations/" in relative:
                continue
            if path.suffix == ".py":
                literals = kind_literals_in_python(path)
            elif path.suffix in {".html", ".js"}:
                literals = quoted.findall(path.read_text(encoding="utf-8"))
            else:
                continue
            found += [(relative, literal) for literal in literals if (relative, literal) not in NOT_KINDS]
    assert found == []
