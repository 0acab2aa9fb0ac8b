"""Service functions of the law domain (keyword-only), shared by CLI, web and jobs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from comity.core.errors import BadInput, ComityError
from comity.law.assessment import Assessment, ChannelStat
from comity.law.engine import assess
from comity.law.kb.loader import load_kb
from comity.law.model import KnowledgeBase

__all__ = ["assess_batch", "assess_for_jurisdictions", "parse_batch_line", "parse_fact_options"]


def parse_fact_options(options: Iterable[str]) -> dict[str, str]:
    """`KEY=VALUE` strings from `--fact` into a dict (values checked by the engine)."""
    facts: dict[str, str] = {}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or not key.strip():
            raise BadInput(
                f"--fact '{option}': write KEY=VALUE, e.g. --fact public=true", field="fact"
            )
        facts[key.strip()] = value.strip()
    return facts


def assess_for_jurisdictions(
    *,
    conduct: str,
    facts: Mapping[str, Any],
    jurisdictions: Iterable[tuple[str, str]],
    requesting: str = "KZ",
    on: date,
    priority: str = "standard",
    channel_stats: Mapping[tuple[str, str], ChannelStat] | None = None,
    kb: KnowledgeBase | None = None,
    org: str | None = None,
) -> list[Assessment]:
    """One assessment per (jurisdiction, role) an item's attribution found.

    For `comity assess --item ID`: the caller (cases domain) passes the item's
    conduct, facts and attributed (country, role) pairs, and stores each
    result's `to_json()` together with `kb_version`.
    """
    base = kb or load_kb()
    seen: set[tuple[str, str]] = set()
    out = []
    for host, role in jurisdictions:
        if (host, role) in seen:
            continue
        seen.add((host, role))
        out.append(
            assess(
                kb=base,
                conduct=conduct,
                facts=facts,
                host=host,
                requesting=requesting,
                on=on,
                priority=priority,
                role=role,
                channel_stats=channel_stats,
                org=org,
            )
        )
    return out


_BATCH_KEYS = ("conduct", "host", "facts", "requesting", "date", "role", "priority", "org")


def parse_batch_line(line: str, *, default_date: date) -> dict[str, Any]:
    """One JSON Lines batch line as `assess` keyword arguments (kb apart), or BadInput.

    json.JSONDecodeError (a ValueError) is left to the caller, which names the line.
    """
    item = json.loads(line)
    if not isinstance(item, dict):
        raise BadInput("each line must be a JSON object")
    unknown = set(item) - set(_BATCH_KEYS)
    if unknown:
        raise BadInput(f"unknown key(s) {sorted(unknown)}; valid: {', '.join(_BATCH_KEYS)}")
    for key in ("conduct", "host"):
        if key not in item:
            raise BadInput(f"missing '{key}'")
    facts = item.get("facts") or {}
    if not isinstance(facts, dict):
        raise BadInput("'facts' must be an object")
    return {
        "conduct": str(item["conduct"]),
        "facts": facts,
        "host": str(item["host"]),
        "requesting": str(item.get("requesting", "KZ")),
        "on": item.get("date", default_date),
        "role": str(item.get("role", "hosting")),
        "priority": str(item.get("priority", "standard")),
        "org": None if item.get("org") is None else str(item["org"]),
    }


def assess_batch(
    *, lines: Iterable[str], default_date: date, kb: KnowledgeBase | None = None
) -> Iterator[dict[str, Any]]:
    """JSON Lines in, one result per line out; a bad line yields `{"line": n, "error": ...}`."""
    base = kb or load_kb()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            result = assess(kb=base, **parse_batch_line(line, default_date=default_date))
            yield {"line": number, **result.to_json()}
        except json.JSONDecodeError as exc:
            yield {"line": number, "error": f"line {number}: not JSON ({exc.msg})"}
        except ComityError as exc:
            yield {"line": number, "error": f"line {number}: {exc.message}"}
