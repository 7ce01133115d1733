"""The demo programme from the reference case (Niamey, 29 trainees, 5 days) and
realistic random responses, stored through the same path as real ones."""

from __future__ import annotations

import random
import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import Programme, ProgrammeStatus, Role
from survey.questionnaire.definition import Definition, iter_questions
from survey.questionnaire.kinds import AnswerValue
from survey.services import access
from survey.services.programmes import SessionSpec, create_programme
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

    for _page, _section, question in iter_questions(definition):
        code, kind = question["code"], question["kind"]
        if not question["required"] and rng.random() < 0.15:
            continue
        values: list[AnswerValue] = []
        if kind == "likert":
            values = [AnswerValue("", number=point(1, 5))]
        elif kind == "rating":
            values = [AnswerValue("", number=point(0, 10, 0.5))]
        elif kind == "before_after":
            before = point(1, 5, -2.5)
            values = [AnswerValue("before", number=before), AnswerValue("after", number=max(before, point(1, 5, 0.3)))]
        elif kind == "matrix":
            values = [AnswerValue(str(s.id), number=point(1, 5)) for s in programme.sessions if rng.random() < 0.9]
        elif kind == "single_choice":
            values = [AnswerValue("", text=rng.choice(question["options"])["value"])]
        elif kind == "multiple_choice":
            chosen = [o["value"] for o in question["options"] if rng.random() < 0.45]
            values = [AnswerValue(v, number=1) for v in chosen]
        elif kind in {"short_text", "long_text"} and rng.random() < 0.5:
            values = [AnswerValue("", text=rng.choice(COMMENTS[lang]))]
        out.extend(SubmittedAnswer(code, value) for value in values)
    return out
