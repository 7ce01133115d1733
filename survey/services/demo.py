"""The demo programme from the reference case (Niamey, 29 trainees, 5 days) and
realistic random responses, stored through the same path as real ones."""

from __future__ import annotations

import random
import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.kinds import KINDS as REPORT_KINDS
from survey.models import Programme, ProgrammeStatus, Role
from survey.questionnaire.definition import Definition, iter_questions, kind_of
from survey.questionnaire.kinds import AnswerValue, ScaleKind
from survey.services import access
from survey.services.programmes import SessionSpec, create_programme, form_context
from survey.services.questionnaires import import_questionnaire
from survey.services.responses import submit_response
from survey.services.users import create_user, find_user
from survey.storage import SubmittedAnswer

DEMO_SLUG = "niamey-2026"
#: The demo organiser, as `make run` prints it; classroom mode refuses to serve the room while it is valid.
DEMO_EMAIL = "organiser@example.org"
DEMO_PASSWORD = "demo-password"  # noqa: S105 (published on purpose: the demo's login)

#: How often the demo's trainees answer in each language of reports.languages
#: (Niamey: mostly French); the demo programme offers them in this order.
DEMO_LANGUAGE_WEIGHTS = {"fr": 70, "ar": 20, "en": 10}

DEMO_SESSIONS = (
    SessionSpec(1, "Méthodologies d'intégration et de réhabilitation", "Équipe pédagogique"),
    SessionSpec(2, "Prise en charge de l'idéologie extrémiste", "Équipe pédagogique"),
    SessionSpec(3, "Dimensions psychologiques et sociales de la réhabilitation", "Équipe pédagogique"),
    SessionSpec(3, "Atelier : études de cas", "Équipe pédagogique", kind="workshop"),
    SessionSpec(
        4, "Atelier : échange d'expériences et de pratiques professionnelles", "Équipe pédagogique", kind="workshop"
    ),
    SessionSpec(5, "Synthèse et plan d'action", "Équipe pédagogique"),
)

COMMENTS = {
    "fr": [
        "Les études de cas étaient très concrètes.",
        "Les échanges avec les collègues des autres pays.",
        "Plus de temps pour les ateliers pratiques.",
        "Remettre les supports à l'avance.",
    ],
    "ar": ["دراسات الحالة كانت عملية جدًا.", "تبادل الخبرات مع الزملاء.", "نحتاج إلى وقت أطول لورش العمل."],
    "en": ["The case studies were very practical.", "More time for the workshops, please."],
}


def ensure_demo(session: Session, definition: Definition, email: str, password: str) -> tuple[Programme, bool]:
    """Create the demo programme and organiser once; later calls change nothing."""
    existing = session.scalars(select(Programme).where(Programme.slug == DEMO_SLUG)).first()
    user = find_user(session, email) or create_user(session, email, password, Role.ORGANISER, "Organisateur démo")
    if existing is not None:
        access.grant(session, user, existing)
        return existing, False
    questionnaire, _ = import_questionnaire(session, definition)
    programme = create_programme(
        session,
        slug=DEMO_SLUG,
        title="Formation de spécialistes dans les centres d'intégration et de réhabilitation des extrémistes",
        questionnaire=questionnaire,
        location="Niamey",
        country="NE",
        starts_on=date(2026, 11, 23),
        ends_on=date(2026, 11, 27),
        timezone="Africa/Niamey",
        expected_participants=29,
        languages=tuple(DEMO_LANGUAGE_WEIGHTS),
        sessions=DEMO_SESSIONS,
    )
    programme.move_to(ProgrammeStatus.OPEN)
    access.grant(session, user, programme)
    return programme, True


def add_random_responses(session: Session, programme: Programme, count: int, seed: int = 2026) -> int:
    """Submit ``count`` plausible responses (mostly positive, some skipped answers)."""
    rng = random.Random(seed)
    definition = programme.questionnaire.definition
    added = 0
    for _ in range(count):
        lang = rng.choices(list(DEMO_LANGUAGE_WEIGHTS), weights=list(DEMO_LANGUAGE_WEIGHTS.values()))[0]
        answers = list(_random_answers(rng, definition, programme, lang))
        receipt = submit_response(
            session, programme, answers, language=lang, idempotency_key=uuid.UUID(int=rng.getrandbits(128)).hex
        )
        added += not receipt.duplicate
    return added


def _random_answers(
    rng: random.Random, definition: Definition, programme: Programme, lang: str
) -> list[SubmittedAnswer]:
    mood = rng.gauss(0.6, 0.7)  # how positive this trainee is overall
    out: list[SubmittedAnswer] = []

    def point(low: int, high: int, shift: float = 0.0) -> int:
        middle = low + (high - low) * (0.62 + 0.12 * (mood + shift))
        return max(low, min(high, round(rng.gauss(middle, (high - low) / 5))))

    ctx = form_context(programme)
    for _page, _section, question in iter_questions(definition):
        code, kind = question["code"], kind_of(question)
        if not question["required"] and rng.random() < 0.15:
            continue
        values: list[AnswerValue] = []
        if isinstance(kind, ScaleKind):
            points = kind.points(question, ctx)
            low, high = points[0], points[-1]
            if kind.paired:
                before_item, after_item = kind.item_keys(question, ctx)
                before = point(low, high, -2.5)
                values = [
                    AnswerValue(before_item, number=before),
                    AnswerValue(after_item, number=max(before, point(low, high, 0.3))),
                ]
            elif kind.per_session:
                values = [
                    AnswerValue(item, number=point(low, high))
                    for item in kind.item_keys(question, ctx)
                    if rng.random() < 0.9
                ]
            else:
                # Trainees recommend a little more readily than they agree.
                shift = 0.5 if REPORT_KINDS[kind.name].nps else 0.0
                values = [AnswerValue("", number=point(low, high, shift))]
        elif kind.multiple:
            chosen = [o["value"] for o in question["options"] if rng.random() < 0.45]
            values = [AnswerValue(v, number=1) for v in chosen]
        elif kind.choice:
            values = [AnswerValue("", text=rng.choice(question["options"])["value"])]
        elif kind.free_text and rng.random() < 0.5:
            values = [AnswerValue("", text=rng.choice(COMMENTS[lang]))]
        out.extend(SubmittedAnswer(code, value) for value in values)
    return out
