"""The JSON the API takes and gives, as pydantic models: the OpenAPI document's
schemas are generated from them (survey.web.api.spec), and the request bodies
are checked by them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: An answer as JSON: a scale point or option value, a text, a list (a multiple choice), or null.
AnswerValue = str | int | float | list[str | int] | None
Cell = int | float | str | None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProblemItem(BaseModel):
    #: A JSON pointer into the request body ("/answers/q1").
    pointer: str
    detail: str


class Problem(BaseModel):
    """An RFC 9457 problem detail, served as application/problem+json."""

    type: str = Field(description="A URI naming the kind of problem; see docs/api.md.")
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemItem] | None = None


class ProgrammeOut(BaseModel):
    slug: str
    title: str
    status: str
    location: str
    country: str
    languages: list[str]
    minimum_group_size: int = Field(description="k: fewer responses than this give counts only.")
    expected_participants: int | None


class ProgrammeList(BaseModel):
    programmes: list[ProgrammeOut]


class KpisOut(BaseModel):
    responses: int = Field(description="Responses that count (excluded ones do not).")
    expected: int | None
    rate: float | None = Field(description="Responses against expected, 0..1 (can pass 1).")
    excluded: int
    status: str
    small_group: bool = Field(description="Fewer responses than k: no score and no comment is given.")
    minimum_group_size: int
    waiting: int = Field(
        default=0,
        description="Responses counted but not yet in the scores: while the programme is open, scores"
        " take in responses k at a time, in whole batches.",
    )


class DimensionOut(BaseModel):
    code: str
    label: str
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int


class CommentOut(BaseModel):
    question: str
    question_text: str
    language: str = Field(description='"" where too few authors share the language to name it.')
    text: str


class SummaryOut(BaseModel):
    programme: str
    language: str
    kpis: KpisOut
    dimensions: list[DimensionOut]
    comments: list[CommentOut]


class ValueLabel(BaseModel):
    value: int | str
    label: str


class VariableOut(BaseModel):
    name: str
    question: str
    item: str
    kind: str
    dimension: str | None
    numeric: bool
    label: str
    labels: dict[str, str]
    values: list[ValueLabel]
    level: str | None
    free_text: bool


class CodebookOut(BaseModel):
    programme: str
    language: str
    variables: list[VariableOut]


class ResponsesQuery(BaseModel):
    cursor: str | None = Field(None, description="next_cursor of the previous page; none for the first page.")
    limit: int = Field(100, ge=1, le=1000)


class ResponsesOut(BaseModel):
    programme: str
    revealed: int = Field(description="Responses given in all: whole batches of k; the others wait for theirs.")
    responses: list[dict[str, Cell]] = Field(description="One object per response, keyed by the codebook's names.")
    next_cursor: str | None


class SubmitHeaders(BaseModel):
    idempotency_key: str = Field(
        alias="Idempotency-Key",
        description="A UUID made by the client for this response; sending it again stores nothing new.",
    )


class SubmitIn(Strict):
    answers: dict[str, AnswerValue] = Field(
        description="Variable name (as in the codebook, a multiple choice by its question code) -> answer."
    )
    language: str | None = Field(
        None, description="The language the trainee answered in; the programme's first if none."
    )
    access_code: str | None = Field(None, description="The trainee's invitation code, for a programme in codes mode.")
    source: Literal["web", "kiosk"] = "kiosk"


class SubmitOut(BaseModel):
    stored: bool
    duplicate: bool = Field(description="True when this Idempotency-Key had been stored already: nothing new was.")
