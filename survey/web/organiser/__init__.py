"""The organiser's workspace: one blueprint, a module per page family.

Every view gets its programme through :func:`programme_for`, which checks the
role and the programme grant on the server.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey.extensions import db
from survey.models import Programme, Role
from survey.services import access
from survey.services import programmes as programme_service  # `programmes` is also a view module here

bp = Blueprint("organiser", __name__, url_prefix="/o")

#: Everyone who signs in may read the programmes they are granted.
STAFF = (Role.ADMIN, Role.ORGANISER, Role.EVALUATOR)
#: Only these may change a programme, its codes or its responses.
MANAGERS = (Role.ADMIN, Role.ORGANISER)


def programme_for(slug: str, *, manage: bool = False) -> Programme:
    """The programme, if the signed-in user may see it (404 otherwise, so its
    existence is not revealed) and, with ``manage``, change it (403)."""
    programme = programme_service.find_programme(db.session(), slug)
    if not access.can_view(db.session(), current_user, programme):
        abort(404)
    if manage and current_user.role not in {role.value for role in MANAGERS}:
        abort(403)
    return programme


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    #: Shown only to users who may change the programme.
    managers_only: bool = False


#: The tabs of a programme's pages, in order. A tab whose endpoint is not
#: registered is not shown.
PROGRAMME_NAV = (
    NavItem("organiser.dashboard", _l("Live results")),
    NavItem("organiser.responses", _l("Responses")),
    NavItem("organiser.comments", _l("Comments")),
    NavItem("organiser.codes", _l("Access codes"), managers_only=True),
    NavItem("organiser.classroom_kit", _l("Classroom kit"), managers_only=True),
    NavItem("organiser.edit_programme", _l("Settings"), managers_only=True),
    NavItem("evaluator.reports", _l("Reports")),
)


@bp.app_context_processor
def programme_nav() -> dict[str, object]:
    def nav_items() -> list[NavItem]:
        if not current_user.is_authenticated:
            return []
        manager = current_user.role in {role.value for role in MANAGERS}
        return [
            item
            for item in PROGRAMME_NAV
            if item.endpoint in current_app.view_functions and (manager or not item.managers_only)
        ]

    return {"programme_nav": nav_items}


from survey.web.organiser import (  # noqa: E402,F401  (registers the views)
    bundles,
    codes,
    dashboard,
    kiosks,
    kit,
    programmes,
    push,
    questionnaires,
    responses,
    saved_answers,
)
