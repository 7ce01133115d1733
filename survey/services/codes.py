"""Single-use invitation codes: issue them, check them, use them up without a trace.

Anonymity by construction. A code is only ever marked used: the access_codes
table has no response id and no time of use, and the response stores no code.
A code is used up in the response's own transaction, by the storage door,
which also leaves no trace of *which* row changed (see
survey.storage._use_code; tests/services/test_codes.py checks it from the
database). Staff learn which codes were used only a batch of at least k at a
time (``revealed``; docs/anonymity.md); how many were used, always.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.models import AccessCode, AccessMode, Programme
from survey.services import DomainError
from survey.services.published import PublishedProgramme
from survey.storage.engines import write_intent

#: No 0/O, 1/I/L, 5/S, 2/Z, 8/B: nothing that reads or types as something else.
ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
CODE_LENGTH = 8
#: Largest batch generated at once.
MAX_BATCH = 500
#: Typed between the groups, or by mistake; all ignored.
_SEPARATORS = frozenset(" -_.,/\u2010\u2011\u2012\u2013\u2014\u2212")


class CodeRefused(DomainError):
    """A code that does not let a trainee in."""


class CodeMissing(CodeRefused):
    """No code was typed."""


class CodeUnknown(CodeRefused):
    """Malformed, unknown, or another programme's code: one answer for all three,
    so that trying codes reveals nothing about other programmes."""


class CodeUsed(CodeRefused):
    """The code has let a response in already."""


@dataclass(frozen=True)
class CodeCounts:
    issued: int
    used: int

    @property
    def unused(self) -> int:
        return self.issued - self.used


def normalise_code(text: str) -> str:
    """The canonical form of a typed code: upper case, no spaces or hyphens.

    Full-width letters and Arabic-Indic digits (a phone set to Arabic) count
    as their ASCII equivalents.
    """
    out = []
    for char in unicodedata.normalize("NFKC", text):
        if char.isspace() or char in _SEPARATORS:
            continue
        if char.isdigit() and not char.isascii():
            char = str(unicodedata.digit(char, char))
        out.append(char.upper())
    return "".join(out)


def format_code(code: str) -> str:
    """A code as printed and shown: two groups of four, "K7QX-M3RA"."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def well_formed(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(char in ALPHABET for char in code)


def _random_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def issue_codes(session: Session, programme: Programme, count: int) -> list[str]:
    """Add ``count`` new unused codes to ``programme`` and commit; returns them (canonical form).

    Codes are unique across all programmes, so a short link /c/<code> finds its
    programme. Raises DomainError unless 1 <= count <= MAX_BATCH.
    """
    if not 1 <= count <= MAX_BATCH:
        raise DomainError(f"between 1 and {MAX_BATCH} codes at a time")
    session.rollback()
    with write_intent():
        for _attempt in range(5):
            codes = _fresh_codes(session, count)
            session.add_all(AccessCode(programme_id=programme.id, code=code, used=False) for code in codes)
            try:
                session.commit()
            except IntegrityError:
                # Another worker stored one of these codes in between: draw again.
                session.rollback()
                continue
            return codes
    raise DomainError("could not draw unique codes; please try again")  # pragma: no cover (25^8 codes)


def _fresh_codes(session: Session, count: int) -> list[str]:
    """``count`` distinct random codes that no programme holds yet."""
    codes: set[str] = set()
    while len(codes) < count:
        candidates = {_random_code() for _ in range(count - len(codes))} - codes
        taken = set(session.scalars(select(AccessCode.code).where(AccessCode.code.in_(candidates))))
        codes |= candidates - taken
    return list(codes)


def set_access_mode(session: Session, programme: Programme, mode: AccessMode) -> None:
    """Open link or codes only, and commit."""
    session.rollback()
    with write_intent():
        programme.access_mode = mode.value
        session.commit()


def code_counts(session: Session, programme: Programme) -> CodeCounts:
    """How many codes the programme has and how many were used (counted in SQL)."""
    issued, used = session.execute(
        select(func.count(), func.coalesce(func.sum(case((AccessCode.used, 1), else_=0)), 0)).where(
            AccessCode.programme_id == programme.id
        )
    ).one()
    return CodeCounts(issued=int(issued), used=int(used))


def unused_codes(session: Session, programme: Programme) -> list[str]:
    """The codes not known to be used, in the order they were issued (for printing).

    A used code leaves this list only with a batch of at least k others
    (survey.services.anonymity): until then, which code just went is not told,
    and a card printed for it is refused at the door as used.
    """
    return list(
        session.scalars(
            select(AccessCode.code)
            .where(AccessCode.programme_id == programme.id, AccessCode.revealed.is_(False))
            .order_by(AccessCode.id)
        )
    )


def check_code(session: Session, programme: Programme | PublishedProgramme, text: str) -> str:
    """The canonical code if it lets a trainee into ``programme`` now.

    Raises CodeMissing, CodeUnknown (also for another programme's code) or
    CodeUsed. Only a check: the code is used up with the response (survey.storage).
    """
    code = normalise_code(text)
    if not code:
        raise CodeMissing()
    if not well_formed(code):
        raise CodeUnknown(code)
    used = session.scalar(
        select(AccessCode.used).where(AccessCode.code == code, AccessCode.programme_id == programme.id)
    )
    if used is None:
        raise CodeUnknown(code)
    if used:
        raise CodeUsed(code)
    return code


def programme_slug_for_code(session: Session, text: str) -> tuple[str, str]:
    """(programme slug, canonical code) for a short link /c/<code>; CodeUnknown if
    no programme has it unused: one query, one answer for a code that does not
    exist and one that was used, so that a short link tells neither apart."""
    code = normalise_code(text)
    slug = session.scalar(
        select(Programme.slug)
        .join(AccessCode, AccessCode.programme_id == Programme.id)
        .where(AccessCode.code == code, AccessCode.used.is_(False))
    )
    if slug is None:
        raise CodeUnknown(code)
    return slug, code
