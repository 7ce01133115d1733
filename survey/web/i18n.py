"""Language choice: ?lang= (remembered in a cookie), else the cookie, else the
browser's Accept-Language, else the programme's default."""

from __future__ import annotations

import functools

from babel import Locale
from flask import Flask, Response, current_app, g, request
from flask_babel import get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from reports import languages
from survey.extensions import babel

LANG_COOKIE = "lang"


def offered_languages() -> list[str]:
    """The languages of the page being served: the programme's, else the service's."""
    offered = g.get("languages")
    return list(offered) if offered else list(languages.CODES)


def select_locale() -> Locale:
    offered = offered_languages()
    chosen = g.get("chosen_language") or request.args.get("lang")
    if chosen in offered:
        return _locale(str(chosen))
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in offered:
        return _locale(str(remembered))
    header = request.headers.get("Accept-Language", "")
    # Browsers send a few dozen characters; anything longer is not worth keeping.
    best = (_best_match if len(header) <= 200 else _best_match.__wrapped__)(header, tuple(offered))
    if best:
        return _locale(best)
    default = g.get("default_language") or current_app.config["DEFAULT_LANGUAGE"]
    return _locale(str(default if default in offered else offered[0]))


# A trainee's language is chosen on every request; parsing the same few
# Accept-Language headers and locales again each time was a few percent of it.
@functools.lru_cache(maxsize=16)
def _locale(language: str) -> Locale:
    return Locale.parse(language)


@functools.lru_cache(maxsize=512)
def _best_match(header: str, offered: tuple[str, ...]) -> str | None:
    return parse_accept_header(header, LanguageAccept).best_match(offered) if header else None


def current_language() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LANGUAGE"])


def remember_language(response: Response) -> Response:
    chosen = g.get("chosen_language") or request.args.get("lang")
    if languages.is_supported(chosen) and request.cookies.get(LANG_COOKIE) != chosen:
        response.set_cookie(LANG_COOKIE, str(chosen), max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(remember_language)

    @app.context_processor
    def language_context() -> dict[str, object]:
        lang = current_language()
        return {
            "lang": lang,
            "text_dir": languages.direction(lang),
            "offered_languages": offered_languages(),
            "endonyms": languages.ENDONYMS,
        }
