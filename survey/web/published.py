"""Trainee pages served from a worker's copy of the programme (survey.services.published)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import current_app

from survey.extensions import db
from survey.services.published import ProgrammeChanged

P = ParamSpec("P")
R = TypeVar("R")

#: How often a request is handled again when the programme changed under it;
#: only an organiser saving again and again within milliseconds gets past it.
ATTEMPTS = 3


def published_trusted_for() -> float:
    """Seconds a page may be shown from a copy of the programme without asking the database."""
    return float(current_app.config["PUBLISHED_PROGRAMME_SECONDS"])


def again_if_programme_changed(view: Callable[P, R]) -> Callable[P, R]:
    """Handle the request again, with the current programme, when its store
    found the copy it used out of date (ProgrammeChanged): the answers are then
    checked against what the programme is now, and the trainee sees the result
    as if the change had come before their request."""

    @wraps(view)
    def handle(*args: P.args, **kwargs: P.kwargs) -> R:
        for _attempt in range(ATTEMPTS - 1):
            try:
                return view(*args, **kwargs)
            except ProgrammeChanged:
                db.session.rollback()
        return view(*args, **kwargs)

    return handle
