"""What the item's action forms offer, narrowed to the case: the facts the conduct's
provisions read in the states concerned, and who each channel would address."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from comity.core.errors import ComityError
from comity.law.kb.loader import load_kb

__all__ = ["addressees", "attributed_states", "needed_facts"]


def attributed_states(session: Session, item_id: int) -> list[str] | None:
    """The countries of the item's latest attribution (None: not attributed yet)."""
    from comity.hosting.store import latest

    row = latest(session, item_id)
    if row is None:
        return None
    return sorted({str(j["country"]) for j in row.data.get("jurisdictions", [])})


def needed_facts(
    session: Session, item_id: int, conducts: list[str], requesting: str
) -> frozenset[str] | None:
    """Facts any provision of the requesting state or an attributed host reads for the
    item's conducts; None before attribution (every fact may then matter)."""
    from comity.law.facts_used import facts_used

    states = attributed_states(session, item_id)
    if states is None:
        return None
    kb = load_kb()
    found: frozenset[str] = frozenset()
    for conduct in conducts:
        found |= facts_used(kb, conduct=conduct, jurisdictions=[requesting, *states])
    return found


def addressees(
    session: Session,
    item_id: int,
    *,
    host: str,
    channels: list[str],
    assessment: dict[str, Any],
    requesting: str,
    lang: str,
) -> dict[str, dict[str, str]]:
    """channel -> {"name": who a dossier through it would address} or {"problem": why
    none can be named} (the dossier builder's own choice, so the form says what the
    dossier will)."""
    from comity.dossiers.build import addressee_for
    from comity.hosting.store import latest

    kb = load_kb()
    row = latest(session, item_id)
    attribution = row.data if row is not None else None
    out: dict[str, dict[str, str]] = {}
    for channel in channels:
        try:
            party = addressee_for(
                kb=kb,
                requesting=requesting,
                channel=channel,
                host=host,
                assessment=assessment,
                attribution=attribution,
            ).party
        except ComityError as exc:
            out[channel] = {"problem": exc.message}
            continue
        except KeyError:  # a channel no dossier kind serves (no_action)
            continue
        names = party.get("names") or {}
        entry = names.get(lang) or names.get("en") or {}
        out[channel] = {"name": str(entry.get("name") or party.get("id") or "")}
        # How surely the knowledge base knows the addressee: the form warns before a
        # dossier goes to an authority whose designation was not read in its text.
        authority = kb.jurisdictions[host].authorities.get(str(party.get("id") or ""))
        if authority is not None:
            out[channel]["confidence"] = authority.confidence
    return out
