"""Words for codes: a label and a one-line explanation of every code the pages show.

One source per label. Labels that already exist stay where they are and are
read from there: conducts, channels and refusal reasons from the transparency
report's texts (`comity/reports/i18n`), item states, roles, priorities,
decisions and dual-criminality outcomes from the interface strings
(`state.*`, `role.*`, ...), country and region names from the Unicode CLDR
(`comity.core.countries`).
Everything else, and every explanation, lives in
`comity/web/i18n/codes/<lang>.yaml` (kind -> code -> {label, hint}).

A code without a label is shown as itself (a visible gap, never an error); the
code stays available to experts in the `title` attribute of `html()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from markupsafe import Markup

from comity.core.countries import country_name
from comity.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, catalog

__all__ = ["KINDS", "Words", "labeller"]

# kind -> where its labels already live: ("report", section) or ("catalog", key prefix).
_EXISTING: dict[str, tuple[str, str]] = {
    "conduct": ("report", "conducts"),
    "channel": ("report", "channels"),
    "reason": ("report", "reasons"),
    "state": ("catalog", "state."),
    "role": ("catalog", "role."),
    "priority": ("catalog", "priority."),
    "decision": ("catalog", "decision."),
    "outcome": ("catalog", "outcome."),
    "dossier_state": ("catalog", "dossier.state."),
}
# The kinds of code, as the files name them.
KINDS: tuple[str, ...] = (
    "conduct",
    "channel",
    "fact",
    "verdict",
    "decision",
    "reason",
    "state",
    "outcome",
    "priority",
    "host_role",
    "addressee",
    "dossier_kind",
    "dossier_state",
    "role",
    "action",
    "object",
    "treaty_status",
    "legal_system",
    "confidence",
    "capture_outcome",
    "safeguard",
    "country",
)


@lru_cache(maxsize=len(LANGUAGES))
def _codes(lang: str) -> dict[str, dict[str, dict[str, str]]]:
    text = resources.files("comity.web").joinpath(f"i18n/codes/{lang}.yaml").read_text("utf-8")
    data: Any = yaml.safe_load(text) or {}
    where = f"comity/web/i18n/codes/{lang}.yaml"
    if not isinstance(data, dict):
        raise ValueError(f"{where}: must map kind -> code -> {{label, hint}}")
    for kind, entries in data.items():
        if kind not in KINDS or not isinstance(entries, dict):
            raise ValueError(f"{where}: {kind!r}: unknown kind or not a mapping; valid: {KINDS}")
        for code, entry in entries.items():
            if not isinstance(entry, dict) or set(entry) - {"label", "hint"}:
                raise ValueError(f"{where}: {kind}.{code}: only 'label' and 'hint' are allowed")
    return data


@lru_cache(maxsize=len(LANGUAGES))
def _report(lang: str) -> dict[str, Any]:
    text = resources.files("comity.reports").joinpath(f"i18n/{lang}.yaml").read_text("utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


@dataclass(frozen=True)
class Words:
    lang: str

    def _own(self, lang: str, kind: str, code: str) -> tuple[str | None, str | None]:
        if kind == "country":  # a name says it all: no explanation
            return country_name(code, lang), None
        entry = _codes(lang).get(kind, {}).get(code) or {}
        label = entry.get("label")
        if label is None and kind in _EXISTING:
            source, where = _EXISTING[kind]
            if source == "report":
                label = (_report(lang).get(where) or {}).get(code)
            else:
                label = catalog(lang).get(where + code)
        return label, entry.get("hint")

    def label(self, kind: str, code: str) -> str:
        own, _ = self._own(self.lang, kind, code)
        return own or self._own(DEFAULT_LANGUAGE, kind, code)[0] or code

    def hint(self, kind: str, code: str) -> str:
        own = self._own(self.lang, kind, code)[1]
        return own or self._own(DEFAULT_LANGUAGE, kind, code)[1] or ""

    def html(self, kind: str, code: str) -> Markup:
        """The label, with the explanation and the code in its title for experts."""
        return _html(self.lang, kind, code)

    def countries(self, codes: str | list[str] | None) -> Markup:
        """Several countries ("KZ,RU" as stored, or a list) as their names."""
        if isinstance(codes, str):
            codes = [c.strip() for c in codes.split(",") if c.strip()]
        return Markup(", ").join(self.html("country", c) for c in codes or [])

    def party(self, key: str | None) -> str:
        """An addressee key in words: "provider:Hetzner Online GmbH" is the provider's
        name; "coordinator:EU" and authority keys read as they are."""
        if not key:
            return "—"
        kind, _, name = key.partition(":")
        return name if kind == "provider" and name else key


@lru_cache(maxsize=4096)
def _html(lang: str, kind: str, code: str) -> Markup:
    # Cached: a case file shows the same few hundred labels many times over.
    words = Words(lang)
    hint = words.hint(kind, code)
    title = f"{hint} [{code}]" if hint else code
    return Markup('<span class="code-label" title="{}">{}</span>').format(
        title, words.label(kind, code)
    )


def labeller(lang: str) -> Words:
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r}: valid: {', '.join(LANGUAGES)}")
    return Words(lang)
