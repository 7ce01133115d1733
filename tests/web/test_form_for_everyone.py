"""What the trainee form says to a screen reader and to a phone without JavaScript
(issue 19, point 4): optional rows can be emptied again, the 0-10 scale's ends
are read out, required questions say so, and the pages of a link that takes no
answers now say why in plain words under the programme's name."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import Programme, Response
from tests.helpers import FormClient, full_answers
from tests.web.test_access_codes import manager  # noqa: F401 (a fixture)
from tests.web.test_trainee_form import answers_of, stored_responses


class _Radios(HTMLParser):
    """Each radio and text box of a page: its name, value, attributes and the
    text of its <label> as a screen reader reads it (visually hidden text included,
    aria-hidden text left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str]] = []
        self._label: list[str] | None = None
        self._in_label: list[dict[str, str]] = []
        self._hidden_depth = 0
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag not in {"input", "br", "meta", "link"}:
            hidden = a.get("aria-hidden") == "true"
            self._stack.append(hidden)
            self._hidden_depth += hidden
        if tag == "label":
            self._label, self._in_label = [], []
        if tag in {"input", "textarea"} and a.get("name", "").startswith("q__"):
            self.inputs.append(a)
            if self._label is not None:
                self._in_label.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._label is not None:
            text = " ".join("".join(self._label).split())
            for found in self._in_label:
                found["label"] = text
            self._label = None
        if tag not in {"input", "br", "meta", "link"} and self._stack:
            self._hidden_depth -= self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._label is not None and not self._hidden_depth:
            self._label.append(data)


def inputs_of(html: str, name: str) -> list[dict[str, str]]:
    parser = _Radios()
    parser.feed(html)
    return [a for a in parser.inputs if a["name"] == name]


def session_row(programme: Programme) -> str:
    return f"q__session_usefulness__{programme.sessions[0].id}"


@pytest.mark.parametrize(
    ("lang", "did_not_attend", "no_answer"),
    [
        ("fr", "Je n'y ai pas assisté", "Pas de réponse"),
        ("ar", "لم أحضرها", "بلا إجابة"),
        ("en", "Did not attend", "No answer"),
    ],
)
def test_optional_rows_offer_a_way_back_to_no_answer_in_each_language(
    client: FlaskClient, programme: Programme, lang: str, did_not_attend: str, no_answer: str
) -> None:
    html = client.get(f"/s/niamey?lang={lang}").get_data(as_text=True)
    for session in programme.sessions:
        row = inputs_of(html, f"q__session_usefulness__{session.id}")
        assert [a["value"] for a in row] == ["1", "2", "3", "4", "5", ""]
        assert row[-1]["label"] == did_not_attend
    optional_choice = inputs_of(html, "q__attended_before")
    assert [a["value"] for a in optional_choice] == ["yes", "no", ""]
    assert optional_choice[-1]["label"] == no_answer
    # A required question has no such choice: it must be answered.
    assert "" not in [a["value"] for a in inputs_of(html, "q__cq_relevance")]
    assert "" not in [a["value"] for a in inputs_of(html, "q__recommend")]


def test_a_row_tapped_by_mistake_is_emptied_and_stored_as_no_answer(
    client: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    row = session_row(programme)
    pages = full_answers(programme)
    page = forms.open("niamey")
    tapped = forms.post("niamey", page, {**pages[0], row: "2"}, action="back")  # stays on page 1
    assert tapped.values[row] == ["2"]
    # Without JavaScript a radio cannot be unticked: "Did not attend" takes the answer back.
    page = forms.post("niamey", tapped, {**pages[0], row: ""})
    assert page.response.status_code == 200
    page = forms.post("niamey", page, {**pages[1], "q__attended_before": ""})
    last = forms.post("niamey", page, pages[2], action="send")
    assert last.response.status_code == 303
    assert stored_responses() == 1
    answers = answers_of(db.session.scalars(select(Response)).one())
    assert f"session_usefulness:{programme.sessions[0].id}" not in answers
    assert answers[f"session_usefulness:{programme.sessions[1].id}"] == 4
    assert "attended_before" not in answers
    assert answers["cq_relevance"] == 5


def test_the_no_answer_choice_stays_ticked_when_the_page_comes_back(forms: FormClient, programme: Programme) -> None:
    row = session_row(programme)
    answers = full_answers(programme)[0]
    del answers["q__cq_relevance"]  # a required answer missing: the page comes back
    again = forms.post("niamey", forms.open("niamey"), {**answers, row: ""})
    assert again.response.status_code == 422
    assert again.values[row] == [""]


def test_a_required_question_cannot_be_answered_with_the_empty_value(forms: FormClient, programme: Programme) -> None:
    answers = {**full_answers(programme)[0], "q__cq_relevance": ""}
    again = forms.post("niamey", forms.open("niamey"), answers)
    assert again.response.status_code == 422
    assert 'id="err-q__cq_relevance"' in again.html
    assert stored_responses() == 0


@pytest.mark.parametrize(
    ("lang", "low", "high"),
    [
        ("fr", "Pas du tout probable", "Très probable"),
        ("ar", "غير محتمل إطلاقًا", "محتمل جدًا"),
        ("en", "Not at all likely", "Extremely likely"),
    ],
)
def test_the_ends_of_the_0_to_10_scale_are_read_out(
    client: FlaskClient, programme: Programme, lang: str, low: str, high: str
) -> None:
    html = client.get(f"/s/niamey?lang={lang}").get_data(as_text=True)
    points = inputs_of(html, "q__recommend")
    labels = {a["value"]: a["label"] for a in points}
    assert labels["0"] == f"0 ({low})"
    assert labels["10"] == f"10 ({high})"
    assert labels["5"] == "5"
    # The visible anchors stay for the eye only: read once, on the points themselves.
    assert re.search(r'<div class="anchors" aria-hidden="true">', html)


@pytest.mark.parametrize(
    ("lang", "note"),
    [
        ("fr", "Les questions marquées d'un * sont obligatoires ; les autres peuvent rester sans réponse."),
        ("ar", "الأسئلة المعلَّمة بالعلامة * إلزامية، ويمكن ترك الأسئلة الأخرى دون إجابة."),
        ("en", "Questions marked with * must be answered; the others may be left blank."),
    ],
)
def test_required_questions_are_required_to_a_screen_reader_and_the_mark_is_explained(
    client: FlaskClient, programme: Programme, lang: str, note: str
) -> None:
    html = client.get(f"/s/niamey?lang={lang}").get_data(as_text=True)
    assert html.count(note) == 1
    assert html.index(note) < html.index('name="q__')  # at the top, before the first question
    for name in ("q__cq_relevance", "q__recommend", "q__ba_methods__before"):
        assert all("required" in a for a in inputs_of(html, name)), name
    for name in ("q__attended_before", "q__helpful_formats", "q__comment_useful", session_row(programme)):
        assert not any("required" in a for a in inputs_of(html, name)), name
    # The star itself is not read out ("star" means nothing); the attribute says "required".
    assert '<span class="required" aria-hidden="true">*</span>' in html


def test_a_required_group_of_checkboxes_says_so_in_its_legend(
    client: FlaskClient, app: object, definition: dict
) -> None:
    from tests.helpers import open_seed_programme

    for page in definition["pages"]:  # type: ignore[index]
        for section in page["sections"]:
            for question in section["questions"]:
                if question["code"] == "helpful_formats":
                    question["required"] = True
    open_seed_programme(db.session(), definition, slug="dakar")
    html = client.get("/s/dakar?lang=en").get_data(as_text=True)
    legend = re.search(
        r'<fieldset class="question" id="q-helpful_formats" data-required>\s*<legend[^>]*>(.*?)</legend>', html, re.S
    )
    assert legend is not None
    assert '<span class="visually-hidden"> (required)</span>' in legend.group(1)
    # Checkboxes carry no "required": on each box it would mean "tick every one".
    assert not any("required" in a for a in inputs_of(html, "q__helpful_formats"))


def language_links(html: str) -> dict[str, str]:
    return {lang: href for href, lang in re.findall(r'<a href="([^"]+)" lang="(\w\w)" hreflang', html)}


@pytest.mark.parametrize(
    ("lang", "words"),
    [("fr", "Cette évaluation est clôturée"), ("ar", "هذا التقييم مغلق"), ("en", "This evaluation is closed")],
)
def test_the_closed_page_says_so_in_plain_words_under_the_programmes_name(
    client: FlaskClient, programme: Programme, lang: str, words: str
) -> None:
    programme.status = "closed"
    db.session.commit()
    response = client.get(f"/s/niamey?lang={lang}")
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert f"<h1>{words}</h1>" in html
    assert "<bdi>Formation de spécialistes</bdi> · <bdi>Niamey</bdi>" in html  # each isolated in Arabic text
    assert "410" not in html.split("<body", 1)[1]  # the code is the response's, not the page's
    assert language_links(html) == {code: f"/s/niamey?lang={code}" for code in ("fr", "ar", "en")}
    assert f'lang="{lang}" hreflang="{lang}" class="language language--current" aria-current="true"' in html


@pytest.mark.parametrize("status", ["draft", "not_yet"])
def test_a_link_not_open_yet_says_so_rather_than_page_not_found(
    client: FlaskClient, programme: Programme, status: str
) -> None:
    if status == "draft":
        programme.status = "draft"
    else:
        programme.opens_at = datetime.now(UTC) + timedelta(hours=2)
    db.session.commit()
    response = client.get("/s/niamey")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "<h1>Cette évaluation n&#39;est pas encore ouverte</h1>" in html
    assert "Formation de spécialistes" in html
    assert "Page introuvable" not in html
    assert "403" not in html.split("<body", 1)[1]
    arabic = client.get("/s/niamey?lang=ar")
    assert arabic.status_code == 403
    assert 'dir="rtl"' in arabic.get_data(as_text=True)
    assert set(language_links(arabic.get_data(as_text=True))) == {"fr", "ar", "en"}


def test_a_link_not_open_yet_says_when_it_opens_on_the_rooms_clock(client: FlaskClient, programme: Programme) -> None:
    opens = datetime(2030, 11, 27, 14, 0, tzinfo=UTC)  # 15:00 in Niamey (UTC+1)
    programme.opens_at = opens
    db.session.commit()
    html = client.get("/s/niamey?lang=en").get_data(as_text=True)
    assert "It opens on" in html
    assert "3:00" in html  # Niamey's wall clock, not UTC's 2:00 PM
    assert "(Africa/Niamey time)" in html
    french = client.get("/s/niamey?lang=fr").get_data(as_text=True)
    assert "15:00" in french
    assert "(heure Africa/Niamey)" in french


def test_the_poster_of_a_programme_not_open_yet_says_so(
    manager: FlaskClient,  # noqa: F811
    programme: Programme,
) -> None:
    assert "data-not-open-yet" not in manager.get("/o/niamey/poster").get_data(as_text=True)
    programme.status = "draft"
    db.session.commit()
    html = manager.get("/o/niamey/poster").get_data(as_text=True)
    assert '<p class="poster-sheet__soon" data-not-open-yet>Pas encore ouverte' in html  # the programme's language
    # And to the organiser, under the poster: what to do about it.
    assert "Le lien répond « pas encore ouverte » tant que l'évaluation n'est pas ouverte." in html


def test_an_unknown_link_is_still_page_not_found(client: FlaskClient, programme: Programme) -> None:
    response = client.get("/s/nowhere")
    assert response.status_code == 404
    assert "Formation de spécialistes" not in response.get_data(as_text=True)
