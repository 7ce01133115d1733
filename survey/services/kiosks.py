"""Kiosk devices: the shared tablets or laptops a programme's trainees answer on.

Each device has its own random link, listed by name on the classroom kit
page. The organiser revokes one at once, and closing the programme revokes
them all, and so does its closing time passing: reopening it later (or
moving its closing time on) needs new links, so a tablet left in a drawer
does not take answers again by surprise. A kiosk does not vouch for a trainee
in "codes" mode: each trainee types their code on it, as on a phone.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import KioskDevice, Programme
from survey.services import DomainError, NotFound
from survey.services.published import PublishedProgramme
from survey.storage.engines import write_intent

#: What secrets.token_urlsafe makes: letters, digits, "-" and "_".
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
#: Longest device name.
MAX_NAME = 100


def ended_by_closing_time(
    programme: Programme | PublishedProgramme, created_at: datetime, now: datetime | None = None
) -> bool:
    """Whether the programme's closing time has passed since a device made at
    ``created_at`` was added: the device is then over, as if the organiser had
    closed the programme (:func:`revoke_all_kiosks`), whatever the closing time
    becomes later."""
    closes_at = programme.closes_at
    return closes_at is not None and created_at < closes_at <= (now or datetime.now(UTC))


def device_active(programme: Programme, device: KioskDevice, now: datetime | None = None) -> bool:
    """Whether ``device`` still takes answers: not revoked, and not ended by the closing time."""
    return device.revoked_at is None and not ended_by_closing_time(programme, device.created_at, now)


def revoke_kiosks_ended_by_closing_time(session: Session, programme: Programme) -> None:
    """Record as revoked, at the closing time, the devices that passing closing time
    ended (no commit). Call it before the programme's time window changes: moving
    the closing time on must not bring them back."""
    now = datetime.now(UTC)
    for device in session.scalars(
        select(KioskDevice).where(KioskDevice.programme_id == programme.id, KioskDevice.revoked_at.is_(None))
    ):
        if ended_by_closing_time(programme, device.created_at, now):
            device.revoked_at = programme.closes_at


def kiosk_devices(session: Session, programme: Programme) -> list[KioskDevice]:
    """The programme's devices, active ones first, each group newest first."""
    return list(
        session.scalars(
            select(KioskDevice)
            .where(KioskDevice.programme_id == programme.id)
            .order_by(KioskDevice.revoked_at.is_not(None), KioskDevice.created_at.desc(), KioskDevice.id.desc())
        )
    )


def add_kiosk_device(session: Session, programme: Programme, name: str) -> KioskDevice:
    """A new device with a fresh link, committed. DomainError for an empty or too long name."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise DomainError(f"a device name has 1 to {MAX_NAME} characters")
    session.rollback()
    with write_intent():
        device = KioskDevice(programme_id=programme.id, name=name, token=secrets.token_urlsafe(24))
        session.add(device)
        session.commit()
    return device


def revoke_kiosk_device(session: Session, programme: Programme, device_id: int) -> None:
    """End one device's link at once, and commit; NotFound if the programme has no such device."""
    session.rollback()
    with write_intent():
        device = session.get(KioskDevice, device_id)
        if device is None or device.programme_id != programme.id:
            raise NotFound(str(device_id))
        if device.revoked_at is None:
            device.revoked_at = datetime.now(UTC)
        session.commit()


def revoke_all_kiosks(session: Session, programme_id: int) -> None:
    """Revoke every active device of the programme, in the caller's transaction (no commit).

    Loads them through the ORM, so that the flush counts a change of the
    programme (survey.models.programmes._count_revisions).
    """
    now = datetime.now(UTC)
    for device in session.scalars(
        select(KioskDevice).where(KioskDevice.programme_id == programme_id, KioskDevice.revoked_at.is_(None))
    ):
        device.revoked_at = now


def kiosk_admits(session: Session, programme: PublishedProgramme, token: str) -> bool:
    """Whether ``token`` is the link of a device of this programme that still
    takes answers: not revoked, and made after the closing time last passed.

    Ask it after loading the programme's copy: a revocation committed after
    this check raised the programme's revision, so the storage door refuses a
    response checked against the older copy.
    """
    if not _TOKEN.fullmatch(token):  # malformed (a NUL byte, say): not worth asking the database
        return False
    created_at = session.scalar(
        select(KioskDevice.created_at).where(
            KioskDevice.token == token, KioskDevice.programme_id == programme.id, KioskDevice.revoked_at.is_(None)
        )
    )
    return created_at is not None and not ended_by_closing_time(programme, created_at)
