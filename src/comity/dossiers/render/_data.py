"""Strict loading of the renderers' bundled data: the texts and the EU table.

The fixed texts of a dossier are data (`i18n/<language>.yaml`, one file per
language, see `comity.dossiers.languages`) so that a translator or lawyer can
review them without reading code; each says who translated it and its review
status (`review`). Loading is strict
(STYLE.md 2): duplicate keys, a missing or extra key in one language, or an
unknown placeholder fail with the file name.
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources
from typing import Any

import yaml

from comity.dossiers.languages import template_languages

__all__ = ["LATER_GROUPS", "eu_table", "has_texts", "texts", "used_placeholders"]

_PLACEHOLDERS = frozenset(
    {
        "sender",
        "addressee",
        "addressee_dative",
        "n",
        "reference",
        "category",
        "contact",
        "version",
        "supersedes",
        "d",
        "month",
        "y",
        # Annex I forms (eu_removal_order.*)
        "provider",
        "country",
        "lang",
        "section",
        "source",
        "reason",
        "weeks",
        # sender's name as the subject of a sentence (with its article where
        # the language has one), staff's own words and their language
        "sender_subject",
        "possessive",
        "text",
        # Note verbale protocol and letter of request (note_verbale.*, letter.*)
        "authority",
        "via",
        "place",
        "date",
        "seal",
        "initials",
        "treaty",
        "article",
        "central_article",
        "contents_article",
        "contents_title",
        "conducts",
        "first",
        "last",
        "hosts",
    }
)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last)."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ValueError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _load(relative: str) -> Any:
    path = resources.files("comity.dossiers.render").joinpath(relative)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # noqa: S506
    except (yaml.YAMLError, ValueError) as exc:
        raise RuntimeError(f"{relative}: {exc}") from exc


def _shape(value: Any, prefix: str = "") -> set[str]:
    if isinstance(value, dict):
        keys: set[str] = set()
        for key, sub in value.items():
            keys |= {f"{prefix}{key}"} | _shape(sub, f"{prefix}{key}.")
        return keys
    return set()


def _check_placeholders(value: Any, where: str, seen: set[str] | None = None) -> set[str]:
    """The placeholders `value` uses; an unknown one fails with where it is."""
    seen = set() if seen is None else seen
    if isinstance(value, dict):
        for key, sub in value.items():
            _check_placeholders(sub, f"{where}.{key}", seen)
    elif isinstance(value, list):
        for sub in value:
            _check_placeholders(sub, where, seen)
    elif isinstance(value, str):
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name}
        unknown = names - _PLACEHOLDERS
        if unknown:
            raise RuntimeError(f"{where}: unknown placeholder(s) {sorted(unknown)}")
        seen |= names
    else:
        raise RuntimeError(f"{where}: expected text, got {type(value).__name__}")
    return seen


# Groups of texts added after some language files were written (issue 15): a
# file without the whole group still loads, and a dossier of that kind is not
# written in that language until the group is translated and reviewed there.
LATER_GROUPS: dict[str, tuple[str, ...]] = {
    "letter_of_request": ("letter", "titles.letter_of_request", "annex_titles.letter_of_request"),
}


def has_texts(language: str, kind: str) -> bool:
    """Whether `language` has the reviewed texts of a dossier of `kind`."""
    data = texts(language)
    return all(_get(data, key) is not None for key in LATER_GROUPS.get(kind, ()))


def _get(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


@cache
def texts(language: str) -> dict[str, Any]:
    """The fixed texts for `language`, checked against the English key set."""
    if language not in template_languages():
        raise ValueError(f"no texts for language {language!r}")
    data = _load(f"i18n/{language}.yaml")
    reference = _load("i18n/en.yaml")
    missing = _shape(reference) - _shape(data)
    for keys in LATER_GROUPS.values():
        absent = {k for k in missing if any(k == g or k.startswith(f"{g}.") for g in keys)}
        if absent and not set(keys) - absent:  # the whole group is absent: a later review
            missing -= absent
    extra = _shape(data) - _shape(reference)
    if missing or extra:
        raise RuntimeError(
            f"i18n/{language}.yaml: missing keys {sorted(missing)}, unknown keys {sorted(extra)}"
        )
    if data.get("language") != language or len(data.get("months", ())) != 12:
        raise RuntimeError(f"i18n/{language}.yaml: bad 'language' or 'months'")
    unnamed = set(template_languages()) - set(data["language_names"])
    if unnamed:
        raise RuntimeError(
            f"i18n/{language}.yaml: language_names does not name {sorted(unnamed)}: "
            "every file names every template language (labels of staff's text)"
        )
    _check_placeholders(data, f"i18n/{language}.yaml")
    return dict(data)


@cache
def used_placeholders(language: str) -> frozenset[str]:
    """Every placeholder the texts of `language` use (e.g. `possessive` in de, nl)."""
    return frozenset(_check_placeholders(texts(language), f"i18n/{language}.yaml"))


@cache
def eu_table() -> dict[str, Any]:
    """Regulation (EU) 2021/784 data: member states and Article 2(7) points."""
    data = _load("data/eu_2021_784.yaml")
    expected = {
        "source",
        "in_force_from",
        "member_states_as_of",
        "member_states",
        "article_2_7_points",
        "annex_i",
    }
    if set(data) != expected:
        raise RuntimeError(f"data/eu_2021_784.yaml: keys must be {sorted(expected)}")
    return dict(data)
