"""Interface strings in English, Russian and Kazakh, kept as data (i18n/*.yaml).

A key missing from a language falls back to English; a key missing from
English is shown as the key itself, so a gap is visible and never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "catalog", "pick_language", "translator"]

LANGUAGES = ("en", "ru", "kk")
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=len(LANGUAGES))
def catalog(lang: str) -> dict[str, str]:
    """The strings of one language: a flat mapping key -> text."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r}: valid: {', '.join(LANGUAGES)}")
    text = resources.files("comity.web").joinpath(f"i18n/{lang}.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ValueError(f"i18n/{lang}.yaml: must be a flat mapping of strings")
    return data


def translator(lang: str) -> Callable[..., str]:
    own, base = catalog(lang), catalog(DEFAULT_LANGUAGE)

    def t(key: str, **values: Any) -> str:
        text = own.get(key) or base.get(key) or key
        return text.format(**values) if values else text

    return t


def pick_language(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's choice, else the first supported language the browser asks for."""
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        code = part.split(";", 1)[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
