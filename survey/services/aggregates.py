"""SQL aggregates of a programme's answers, handed to ``reports`` as plain data.

Every query here counts only responses that are not excluded
(:attr:`Response.excluded`): an organiser's exclusion (a test, a duplicate)
removes a response from every chart, statistic, comment list and export that
is built from these functions. :func:`response_counts` and the change
fingerprint are the only places that look at excluded responses, to say how
many there are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, ScalarSelect, String, func, select, type_coerce
from sqlalchemy.orm import Session

from reports import data
from reports.labels import label
from survey.models import Answer, Exclusion, Programme, Question, Questionnaire, Response
from survey.questionnaire.definition import iter_questions
from survey.questionnaire.kinds import KINDS, ScaleKind, kind_names
from survey.services.programmes import form_context

#: A further condition on the responses an aggregate reads (None: every
#: response that counts): the whole batches of k that figures are drawn from
#: while a programme is open (survey.services.anonymity.figures_scope).
Scope = ColumnElement[bool] | None

#: Kinds whose answers are free text: the comments.
FREE_TEXT_KINDS = kind_names(lambda kind: kind.free_text)
#: Kinds whose one answer is the chosen option, stored as text (a single choice).
OPTION_AS_TEXT_KINDS = kind_names(lambda kind: kind.choice and not kind.multiple)
#: Kinds that store a ticked option as its own item, with the number 1 (a multiple choice).
OPTION_AS_ITEM_KINDS = kind_names(lambda kind: kind.multiple)


def counted() -> ColumnElement[bool]:
    """The condition every aggregate adds: the response is not excluded."""
    return Response.excluded.is_(False)


def response_count(session: Session, programme: Programme, only: Scope = None) -> int:
    """Responses that count (not excluded), of those ``only`` keeps."""
    query = select(func.count()).where(Response.programme_id == programme.id, counted())
    return int(session.scalar(query if only is None else query.where(only)) or 0)


def response_counts(session: Session, programme: Programme) -> tuple[int, int]:
    """(responses that count, excluded responses), in one query."""
    counts, excluded = session.execute(
        select(
            func.count(Response.id).filter(counted()),
            func.count(Response.id).filter(Response.excluded.is_(True)),
        ).where(Response.programme_id == programme.id)
    ).one()
    return int(counts or 0), int(excluded or 0)


class Change(NamedTuple):
    """A fingerprint of a programme's responses: it changes whenever a chart may.

    ``exclusions`` counts the exclusion log, which only grows, so excluding one
    response and including another back between two looks still shows.
    """

    responses: int
    latest: str
    excluded: int
    exclusions: int


def change_columns(programme_id: Any) -> tuple[ScalarSelect[Any], ...]:
    """The :class:`Change` columns as scalar subqueries on ``programme_id``
    (a column or a value), so a caller can fold them into a statement of its own."""
    of_programme = Response.programme_id == programme_id
    return (
        select(func.count(Response.id)).where(of_programme).scalar_subquery(),
        select(func.max(Response.submitted_at)).where(of_programme).scalar_subquery(),
        select(func.count(Response.id)).where(of_programme, Response.excluded.is_(True)).scalar_subquery(),
        select(func.count(Exclusion.id))
        .join(Response, Response.id == Exclusion.response_id)
        .where(of_programme)
        .scalar_subquery(),
    )


def change_from(values: tuple[Any, ...]) -> Change:
    """A :class:`Change` from the values of :func:`change_columns`, as read back."""
    responses, latest, excluded, exclusions = values
    stamp = latest.isoformat() if isinstance(latest, datetime) else str(latest or "")
    return Change(int(responses or 0), stamp, int(excluded or 0), int(exclusions or 0))


def questionnaire_spec(programme: Programme, questionnaire: Questionnaire | None = None) -> data.Questionnaire:
    """The questionnaire as ``reports`` sees it, matrix rows being this programme's sessions.

    ``questionnaire`` is another version than the programme's current one, for
    a response that was given on an earlier version.
    """
    questionnaire = questionnaire or programme.questionnaire
    definition: Mapping[str, Any] = questionnaire.definition
    ctx = dataclasses.replace(form_context(programme), scales=definition["scales"])
    questions = []
    for _page, _section, question in iter_questions(definition):
        kind = KINDS[question["kind"]]
        points: tuple[int, ...] = ()
        point_labels: dict[str, tuple[str, ...]] = {}
        items: tuple[data.Option, ...] = ()
        if isinstance(kind, ScaleKind):
            points = tuple(kind.points(question, ctx))
            point_labels = {lang: tuple(kind.point_labels(question, ctx, lang)) for lang in definition["languages"]}
            if kind.paired:
                # Named as the report's charts and tables name them (one wording, in the catalogs).
                items = tuple(
                    data.Option(item, {lang: label(item, lang) for lang in definition["languages"]})
                    for item in kind.item_keys(question, ctx)
                )
            elif kind.per_session:
                codes = session_row_codes(programme)
                items = tuple(
                    data.Option(item, dict.fromkeys(definition["languages"], title), codes.get(item, ""))
                    for item, title in kind.items(question, ctx)
                )
        options = tuple(data.Option(o["value"], o["label"]) for o in question.get("options", ()))
        questions.append(
            data.Question(
                code=question["code"],
                kind=question["kind"],
                text=question["text"],
                dimension=question.get("dimension"),
                required=question["required"],
                points=points,
                point_labels=point_labels,
                options=options,
                items=items,
            )
        )
    return data.Questionnaire(
        code=definition["code"],
        version=questionnaire.version,
        title=definition["title"],
        languages=tuple(definition["languages"]),
        questions=tuple(questions),
        dimensions=definition.get("dimensions", {}),
    )


def session_row_codes(programme: Programme) -> dict[str, str]:
    """Each session's stable row code, by its id as a matrix stores it: ``d<day>_<k>``,
    the k-th session of that day in the programme's order (day, position, id).

    A session's id differs in every cohort; its place in the programme does
    not, so the exports name a matrix's variables ``<question>__d1_2`` and the
    files of two cohorts of one design stack without renaming (issue 16, point 7).
    """
    codes: dict[str, str] = {}
    per_day: dict[int, int] = {}
    for session in sorted(programme.sessions, key=lambda s: (s.day, s.position, s.id)):
        per_day[session.day] = per_day.get(session.day, 0) + 1
        codes[str(session.id)] = f"d{session.day}_{per_day[session.day]}"
    return codes


def programme_facts(programme: Programme) -> data.Programme:
    return data.Programme(
        slug=programme.slug,
        title=programme.title,
        location=programme.location,
        country=programme.country,
        starts_on=programme.starts_on,
        ends_on=programme.ends_on,
        expected_participants=programme.expected_participants,
        languages=tuple(programme.languages),
        minimum_group_size=programme.minimum_group_size,
    )


def tallies(session: Session, programme: Programme, only: Scope = None) -> tuple[data.Tally, ...]:
    """Counts per question, item and value, computed by the database."""
    numeric = (
        select(Question.code, Answer.item, Answer.number, func.count())
        .join(Answer, Answer.question_id == Question.id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.programme_id == programme.id, counted(), Answer.number.is_not(None))
        .group_by(Question.code, Answer.item, Answer.number)
    )
    choices = (
        select(Question.code, Answer.item, Answer.text, func.count())
        .join(Answer, Answer.question_id == Question.id)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.programme_id == programme.id,
            counted(),
            Question.kind.in_(OPTION_AS_TEXT_KINDS),
            Answer.text.is_not(None),
        )
        .group_by(Question.code, Answer.item, Answer.text)
    )
    if only is not None:
        numeric, choices = numeric.where(only), choices.where(only)
    out = [
        data.Tally(code, item, int(number or 0), int(count)) for code, item, number, count in session.execute(numeric)
    ]
    out += [data.Tally(code, item, str(text), int(count)) for code, item, text, count in session.execute(choices)]
    return tuple(out)


#: Rows fetched from the database per round trip when streaming answers.
STREAM_BATCH = 5000


class NumericRow(Mapping[str, float]):
    """One response's numeric answers keyed ``code`` or ``code:item``: a read-only
    :class:`~collections.abc.Mapping`, as ``reports.data.ProgrammeData.rows`` asks.

    Why not a dict: a report on 100,000 responses holds 100,000 of them. Here
    the key strings live once, in a list and an index shared by every row of
    one load, and a row is a tuple of values in that order (``None`` where the
    response has no answer), the floats themselves shared: about 300 bytes a
    response instead of a 830-byte dict plus its own key strings and floats.
    A row made before a key was first seen is shorter than the key list: the
    keys past its end are absent.
    """

    __slots__ = ("_index", "_keys", "_values")

    def __init__(self, keys: list[str], index: dict[str, int], values: tuple[float | None, ...]) -> None:
        self._keys = keys
        self._index = index
        self._values = values

    def get(self, key: str, default: Any = None) -> Any:
        """As ``Mapping.get``, without its exception on every absent key (the
        statistics ask for many unanswered items, in loops over every row)."""
        slot = self._index.get(key)
        if slot is not None and slot < len(self._values):
            value = self._values[slot]
            if value is not None:
                return value
        return default

    def __getitem__(self, key: str) -> float:
        value: float | None = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        return (key for key, value in zip(self._keys, self._values, strict=False) if value is not None)

    def __len__(self) -> int:
        return sum(value is not None for value in self._values)

    def __repr__(self) -> str:
        return f"NumericRow({dict(self.items())!r})"


def numeric_rows(session: Session, programme: Programme, only: Scope = None) -> tuple[NumericRow, ...]:
    """Per response, its numeric answers keyed ``code`` or ``code:item`` (for alpha and paired tests).

    Flat in memory for large programmes: the answers are streamed in batches
    ordered by response, so a row is complete when the response id changes
    (compared raw, never converted to a UUID); the key of each (code, item) is
    built once and each distinct number becomes one shared float.
    """
    query = (
        select(type_coerce(Answer.response_id, String), Question.code, Answer.item, Answer.number)
        .join(Question, Question.id == Answer.question_id)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.programme_id == programme.id,
            counted(),
            Answer.number.is_not(None),
            Question.kind.not_in(OPTION_AS_ITEM_KINDS),
        )
        .order_by(Answer.response_id)
        .execution_options(yield_per=STREAM_BATCH)
    )
    if only is not None:
        query = query.where(only)
    keys: list[str] = []
    index: dict[str, int] = {}
    # (code, item, number) -> (slot of the key, the shared float): one look-up per answer.
    cells: dict[tuple[str, str, int | None], tuple[int, float]] = {}
    rows: list[NumericRow] = []
    current: object = None
    values: list[float | None] = []
    for batch in session.connection().execute(query).partitions():
        for response_id, code, item, number in batch:
            if response_id != current:
                if values:
                    rows.append(NumericRow(keys, index, tuple(values)))
                current, values = response_id, [None] * len(keys)
            cell = cells.get((code, item, number))
            if cell is None:
                key = f"{code}:{item}" if item else code
                slot = index.setdefault(key, len(keys))
                if slot == len(keys):
                    keys.append(key)
                cell = cells[(code, item, number)] = (slot, float(number or 0))
            slot, value = cell
            if slot >= len(values):
                values += [None] * (slot + 1 - len(values))
            values[slot] = value
    if values:
        rows.append(NumericRow(keys, index, tuple(values)))
    return tuple(rows)


def comments(
    session: Session,
    programme: Programme,
    *,
    question: str | None = None,
    language: str | None = None,
    limit: int | None = None,
    only: Scope = None,
) -> tuple[data.Comment, ...]:
    """Free-text answers, newest first; optionally of one question code, in one
    response language, and at most ``limit`` of them."""
    query = (
        select(Question.code, Response.language, Answer.text, Response.submitted_at)
        .join(Question, Question.id == Answer.question_id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.programme_id == programme.id, counted(), Question.kind.in_(FREE_TEXT_KINDS))
        .order_by(Response.submitted_at.desc(), Answer.id.desc())
    )
    if question:
        query = query.where(Question.code == question)
    if language:
        query = query.where(Response.language == language)
    if only is not None:
        query = query.where(only)
    if limit is not None:
        query = query.limit(limit)
    # Streamed, and the few distinct codes and languages kept once rather than
    # as one fresh string per comment: a large programme has one comment or more per response.
    shared: dict[str, str] = {}
    out = []
    for batch in session.connection().execute(query.execution_options(yield_per=STREAM_BATCH)).partitions():
        for code, lang, text, submitted_at in batch:
            code, lang = shared.setdefault(code, code), shared.setdefault(lang, lang)
            out.append(data.Comment(code, lang, text or "", submitted_at))
    return tuple(out)


def submission_times(session: Session, programme: Programme, only: Scope = None) -> tuple[Any, ...]:
    query = (
        select(Response.submitted_at)
        .where(Response.programme_id == programme.id, counted())
        .order_by(Response.submitted_at)
        .execution_options(yield_per=STREAM_BATCH)
    )
    if only is not None:
        query = query.where(only)
    return tuple(session.connection().execute(query).scalars())


def programme_data(
    session: Session,
    programme: Programme,
    *,
    with_rows: bool = False,
    comment_limit: int | None = None,
    only: Scope = None,
) -> data.ProgrammeData:
    """Everything ``reports`` needs about one programme, of the responses
    ``only`` keeps; rows only when asked, and only the ``comment_limit``
    newest comments when given."""
    return data.ProgrammeData(
        programme=programme_facts(programme),
        questionnaire=questionnaire_spec(programme),
        n_responses=response_count(session, programme, only),
        tallies=tallies(session, programme, only),
        rows=numeric_rows(session, programme, only) if with_rows else (),
        comments=comments(session, programme, limit=comment_limit, only=only),
        submitted_at=submission_times(session, programme, only),
        responses_by_language=responses_by_language(session, programme, only),
        channels=responses_by_channel(session, programme, only),
        excluded=response_counts(session, programme)[1],
        held_back=0 if only is None else response_count(session, programme) - response_count(session, programme, only),
    )


def responses_by_channel(session: Session, programme: Programme, only: Scope = None) -> dict[str, int]:
    """How many counted responses came by each channel: the form, a kiosk, paper."""
    query = (
        select(Response.source, func.count())
        .where(Response.programme_id == programme.id, counted())
        .group_by(Response.source)
        .order_by(Response.source)
    )
    return {str(source): int(count) for source, count in session.execute(query if only is None else query.where(only))}


def responses_by_language(session: Session, programme: Programme, only: Scope = None) -> dict[str, int]:
    """How many counted responses were given in each language (largest first)."""
    query = (
        select(Response.language, func.count())
        .where(Response.programme_id == programme.id, counted())
        .group_by(Response.language)
        .order_by(func.count().desc(), Response.language)
    )
    if only is not None:
        query = query.where(only)
    return {str(language): int(count) for language, count in session.execute(query)}
