"""Kiosk devices of a programme, on the classroom kit page: add one, revoke one.

Managers only: each view asks :func:`programme_for` with ``manage=True``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from survey.extensions import db
from survey.forms.admin import ActionForm
from survey.forms.kiosks import KioskDeviceForm
from survey.models import Programme
from survey.services import DomainError, kiosks
from survey.web.auth import role_required
from survey.web.links import public_url
from survey.web.organiser import MANAGERS, bp, programme_for


@dataclass(frozen=True)
class DeviceRow:
    """A kiosk device as the kit page lists it."""

    id: int
    name: str
    url: str
    created_at: datetime
    active: bool


def device_rows(programme: Programme) -> list[DeviceRow]:
    """The programme's devices with their links (active ones first)."""
    return [
        DeviceRow(
            id=device.id,
            name=device.name,
            url=public_url("kiosk.take_form", slug=programme.slug, token=device.token),
            created_at=device.created_at,
            active=kiosks.device_active(programme, device),
        )
        for device in kiosks.kiosk_devices(db.session(), programme)
    ]


@bp.post("/<slug>/kiosks")
@role_required(*MANAGERS)
def add_kiosk(slug: str) -> ResponseReturnValue:
    """A new device with its own link, back on the kit page."""
    programme = programme_for(slug, manage=True)
    form = KioskDeviceForm()
    if form.validate_on_submit():
        try:
            kiosks.add_kiosk_device(db.session(), programme, str(form.name.data))
        except DomainError:
            flash(_("Please give the device a name of at most 100 characters."), "error")
        else:
            flash(_("Kiosk device “%(name)s” added: open its link on the device.", name=form.name.data))
    else:
        flash(_("Please give the device a name of at most 100 characters."), "error")
    return redirect(url_for(".classroom_kit", slug=slug, _anchor="kiosk"), code=303)


@bp.post("/<slug>/kiosks/<int:device_id>/revoke")
@role_required(*MANAGERS)
def revoke_kiosk(slug: str, device_id: int) -> ResponseReturnValue:
    """End a device's link at once: its next page says the link does not work, and nothing is stored."""
    programme = programme_for(slug, manage=True)
    if ActionForm().validate_on_submit():
        kiosks.revoke_kiosk_device(db.session(), programme, device_id)
        flash(_("The kiosk link is revoked: that device no longer takes responses."))
    return redirect(url_for(".classroom_kit", slug=slug, _anchor="kiosk"), code=303)
