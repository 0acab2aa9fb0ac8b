"""Interface strings in English, Russian and Kazakh, kept as data (i18n/*.yaml).

A key missing from a language falls back to English; a key missing from
English is shown as the key itself, so a gap is visible and never an error.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "catalog",
    "pick_language",
    "translator",
]

LANGUAGES = ("en", "ru", "kk")
# Each language by its own name (the switcher; "RU" would read as Russia's country code).
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
DEFAULT_LANGUAGE = "en"


def _sources(lang: str) -> list[tuple[str, str]]:
    """(where, YAML text): the web's strings, then `comity/<domain>/i18n/<lang>.yaml`.

    Domains that add pages ship their strings beside their views, so two
    domains never edit the same file.
    """
    import comity

    out = [
        (
            f"comity/web/i18n/{lang}.yaml",
            resources.files("comity.web").joinpath(f"i18n/{lang}.yaml").read_text("utf-8"),
        )
    ]
    for module in sorted(pkgutil.iter_modules(comity.__path__), key=lambda m: m.name):
        if not module.ispkg or module.name == "web":
            continue
        folder = resources.files(f"comity.{module.name}")
        path = folder.joinpath(f"i18n/{lang}.yaml")
        # Only domains with pages (a views module) contribute interface strings; others
        # may keep i18n files of their own format (e.g. the reports' fixed texts).
        if folder.joinpath("views.py").is_file() and path.is_file():
            out.append((f"comity/{module.name}/i18n/{lang}.yaml", path.read_text("utf-8")))
    return out


@lru_cache(maxsize=len(LANGUAGES))
def catalog(lang: str) -> dict[str, str]:
    """The strings of one language: a flat mapping key -> text."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r}: valid: {', '.join(LANGUAGES)}")
    merged: dict[str, str] = {}
    origin: dict[str, str] = {}
    for where, text in _sources(lang):
        data = yaml.safe_load(text) or {}
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise ValueError(f"{where}: must be a flat mapping of strings")
        for key, value in data.items():
            if key in merged:
                raise ValueError(f"{where}: key {key!r} is already defined in {origin[key]}")
            merged[key], origin[key] = value, where
    return merged


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
