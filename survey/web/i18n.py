"""Language choice: ?lang= (remembered in a cookie), else the cookie, else the
browser's Accept-Language, else the programme's default."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from babel import Locale
from flask import Flask, Response, current_app, g, request
from flask_babel import get_locale, refresh
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from reports import languages
from survey.caches import ACCEPT_LANGUAGE_MATCHES, LOCALES
from survey.extensions import babel

LANG_COOKIE = "lang"


class _Multilingual(Protocol):
    @property
    def languages(self) -> Sequence[str]: ...

    @property
    def default_language(self) -> str: ...


def speak_languages_of(programme: _Multilingual) -> None:
    """Serve this request in one of ``programme``'s languages (its first by default).

    Flask-Babel asks :func:`select_locale` for the language once per request,
    with no argument: these request-scoped notes are how a view tells it, and
    the only language state a request keeps. Services get the language as a
    parameter (``current_language()``).
    """
    g.languages = tuple(programme.languages)
    g.default_language = programme.default_language
    refresh()


def choose_language(code: str) -> None:
    """The trainee switched language on the form: this request answers in ``code``."""
    g.chosen_language = code
    refresh()


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
    best = _best_match(request.headers.get("Accept-Language", ""), tuple(offered))
    if best:
        return _locale(best)
    default = g.get("default_language") or current_app.config["DEFAULT_LANGUAGE"]
    return _locale(str(default if default in offered else offered[0]))


def _locale(language: str) -> Locale:
    found: Locale | None = LOCALES.get(language)
    return found if found is not None else LOCALES.put(language, Locale.parse(language))


def _best_match(header: str, offered: tuple[str, ...]) -> str | None:
    """The offered language the browser prefers, if any."""
    if not header:
        return None
    if len(header) > 200:  # browsers send a few dozen characters: not worth keeping
        return parse_accept_header(header, LanguageAccept).best_match(offered)
    key = (header, offered)
    found = ACCEPT_LANGUAGE_MATCHES.get(key)
    if found is None:  # "" stands for no match, kept too
        found = ACCEPT_LANGUAGE_MATCHES.put(key, parse_accept_header(header, LanguageAccept).best_match(offered) or "")
    return found or None


def current_language() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LANGUAGE"])


def remember_language(response: Response) -> Response:
    chosen = g.get("chosen_language") or request.args.get("lang")
    if languages.is_supported(chosen) and request.cookies.get(LANG_COOKIE) != chosen:
        response.set_cookie(
            LANG_COOKIE,
            str(chosen),
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        )
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
