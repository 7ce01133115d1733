"""Texts per language in a definition, and their validation."""

from __future__ import annotations

from typing import Any

from reports.languages import is_supported


def texts_per_language(
    value: Any, where: str, languages: tuple[str, ...], problems: list[str], required: bool = True
) -> dict[str, str]:
    if value is None and not required:
        return {}
    if isinstance(value, str):
        value = dict.fromkeys(languages, value)
    if not isinstance(value, dict):
        problems.append(f"{where}: expected a text per language ({', '.join(languages)})")
        return {}
    missing = [lang for lang in languages if not str(value.get(lang) or "").strip()]
    if missing:
        problems.append(f"{where}: missing text for {', '.join(missing)}")
    unknown = sorted(str(lang) for lang in value if not is_supported(lang))
    if unknown:
        problems.append(f"{where}: unknown language {', '.join(map(str, unknown))}")
    return {lang: str(value[lang]).strip() for lang in languages if value.get(lang)}
