"""Portal referrals: a copy-ready submission sheet for a platform's own web form.

A platform that takes government requests through a web form cannot be sent
a letter: an officer types the request in. The sheet lists every question the
form asks, in its order and in the portal's words (from the platform
directory), with the answer filled from the case where the case knows it and
"[to fill]" where it does not. Where the directory could not read the form's
questions the sheet says so and gives the facts a portal asks for instead:
never invented questions. The URLs travel in the CSV annex beside it.
"""

from __future__ import annotations

import string
from functools import cache
from typing import Any

from comity.dossiers.languages import I18N_DIR
from comity.dossiers.render._data import _load, _shape, texts
from comity.dossiers.render._view import format_date, to_record
from comity.dossiers.schemas import Dossier, PortalRoute
from comity.hosting.directory.routes import FILLS

__all__ = ["SHEET_LANGUAGES", "render_sheet", "sheet_texts"]

# The languages with a sheet text file (i18n/portal/<code>.yaml), as for the letters.
SHEET_LANGUAGES = tuple(
    sorted(p.stem for p in (I18N_DIR / "portal").glob("*.yaml") if len(p.stem) == 2)
)
# The facts Comity can give, in the order a sheet lists them when the form's
# own questions were not read: the directory's `fills` vocabulary.
_FACTS = FILLS
_PLACEHOLDERS = frozenset(
    {"n", "checked", "source", "confidence", "policy", "conduct", "laws", "sha256", "captured"}
)


def _check(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _check(sub, f"{where}.{key}")
        return
    if not isinstance(value, str):
        raise RuntimeError(f"{where}: expected text, got {type(value).__name__}")
    names = {name for _, name, _, _ in string.Formatter().parse(value) if name}
    if names - _PLACEHOLDERS:
        raise RuntimeError(f"{where}: unknown placeholder(s) {sorted(names - _PLACEHOLDERS)}")


@cache
def sheet_texts(language: str) -> dict[str, Any]:
    """The sheet's framing texts in `language`, with the English key set (strict)."""
    if language not in SHEET_LANGUAGES:
        raise ValueError(f"no portal sheet texts for language {language!r}")
    data = _load(f"i18n/portal/{language}.yaml")
    reference = _load("i18n/portal/en.yaml")
    missing, extra = _shape(reference) - _shape(data), _shape(data) - _shape(reference)
    if missing or extra or data.get("language") != language:
        raise RuntimeError(
            f"i18n/portal/{language}.yaml: missing keys {sorted(missing)}, "
            f"unknown keys {sorted(extra)}, language {data.get('language')!r}"
        )
    if set(data["facts"]) != set(_FACTS):
        raise RuntimeError(f"i18n/portal/{language}.yaml: facts must be {', '.join(_FACTS)}")
    _check(data, f"i18n/portal/{language}.yaml")
    return dict(data)


def _answers(dossier: Dossier, record: dict[str, Any], t: dict[str, Any]) -> dict[str, list[str]]:
    """What the case knows, per fact key, as the lines to type in."""
    portal = dossier.portal
    assert portal is not None
    conduct = texts(dossier.language)["conduct"]
    laws = [f"{p.citation} ({p.source})" for p in dossier.requesting_provisions]
    conducts = ", ".join(dict.fromkeys(conduct.get(i.conduct, i.conduct) for i in dossier.items))
    citations = "; ".join(p.citation for p in dossier.requesting_provisions)
    values = {"conduct": conducts, "laws": citations, "policy": portal.policy_name}
    key = "explanation" if portal.policy_name else "explanation_no_policy"
    sender = dossier.sender
    return {
        "agency": [sender.name],
        "contact_email": [sender.email] if sender.email else [],
        "country": [sender.country],
        "urls": [item["url"] for item in record["items"]],
        "policy": [portal.policy_name] if portal.policy_name else [],
        "laws": laws,
        "explanation": [t["values"][key].format_map(values)],
        "reference": [dossier.reference],
        "evidence": [
            t["values"]["evidence"].format(
                n=item["number"],
                sha256=item["evidence_sha256"],
                captured=item["captured_at"].replace("T", " ").removesuffix("Z"),
            )
            for item in record["items"]
        ],
    }


def _questions(portal: PortalRoute, t: dict[str, Any]) -> list[tuple[str, str]]:
    """(question as the portal words it, fact key or "") in the form's order."""
    if portal.fields is not None:
        return [(f.label, f.fills) for f in portal.fields]
    return [(t["facts"][key], key) for key in _FACTS]


def render_sheet(dossier: Dossier) -> bytes:
    """The submission sheet as UTF-8 text (LF line ends), deterministic."""
    portal = dossier.portal
    if dossier.kind != "portal_referral" or portal is None:
        raise ValueError(f"dossier.kind: a portal sheet is for portal_referral, not {dossier.kind}")
    t = sheet_texts(dossier.language)
    labels, values = t["labels"], t["values"]
    record = to_record(dossier)
    answers = _answers(dossier, record, t)
    lines = [t["title"]]
    if dossier.draft:
        lines.append(t["draft"])
    lines += [
        "",
        t["not_a_letter"],
        "",
        f"{labels['reference']}: {dossier.reference}",
        f"{labels['date']}: {format_date(dossier.date, dossier.language)}",
        f"{labels['platform']}: {portal.platform} ({portal.operator})",
        f"{labels['form']}: {portal.name}",
        f"  {portal.url}",
        labels["route"].format(
            checked=portal.checked.isoformat(), source=portal.source, confidence=portal.confidence
        ),
    ]
    if portal.note:
        lines.append(f"{labels['route_note']}: {portal.note}")
    accepted = ", ".join(portal.languages) if portal.languages else values["not_read"]
    policy = (
        f"{portal.policy_name} ({portal.policy_url})" if portal.policy_name else values["not_read"]
    )
    lines += [f"{labels['languages']}: {accepted}", f"{labels['policy']}: {policy}", ""]
    lines.append(labels["fields"] + ":")
    if portal.fields is None:
        lines.append(t["notes"]["fields_not_read"])
    lines.append("")
    for number, (question, fact) in enumerate(_questions(portal, t), start=1):
        lines.append(f"{number}. {question}")
        given = answers.get(fact, []) if fact else []
        lines += [f"   {line}" for line in given] or [f"   {values['to_fill']}"]
        lines.append("")
    if portal.fields is not None and not portal.fields_complete:
        lines += [t["notes"]["fields_partial"], ""]
    lines.append(labels["urls"].format(n=len(record["items"])) + ":")
    lines += [f"{item['number']}. {item['url']}" for item in record["items"]]
    lines += ["", labels["ticket"]]
    return ("\n".join(lines) + "\n").encode()
