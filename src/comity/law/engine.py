"""The dual-criminality engine: pure, deterministic, no I/O.

`assess(kb=..., conduct=..., facts=..., host=..., on=...)` answers: would the
host's own law forbid this conduct on that date, under which provisions and
elements, what is missing, and which channels can work.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from comity.core.errors import BadInput
from comity.law.assessment import Assessment, ChannelStat, ExclusionApplied, ProvisionResult
from comity.law.channels import rank_channels
from comity.law.countries import normalise_code
from comity.law.evaluate import evaluate_provision
from comity.law.model import KnowledgeBase

__all__ = ["assess", "check_facts", "parse_date"]

_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


def parse_date(value: date | str, *, field: str = "date") -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise BadInput(
            f"{field}: '{value}' is not a date; valid: YYYY-MM-DD, e.g. 2024-05-01", field=field
        ) from None


def check_facts(kb: KnowledgeBase, facts: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise facts (booleans may be given as true/false/yes/no text)."""
    specs = kb.vocabulary.facts
    out: dict[str, Any] = {}
    for name, raw in facts.items():
        spec = specs.get(name)
        if spec is None:
            raise BadInput(
                f"fact '{name}' is unknown; valid: {', '.join(sorted(specs))}", field="facts"
            )
        if raw is None:
            continue
        if spec.type == "bool":
            if isinstance(raw, bool):
                out[name] = raw
            elif isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
                out[name] = raw.strip().lower() in _TRUE
            else:
                raise BadInput(
                    f"fact '{name}': '{raw}' is not valid; valid: true, false", field=name
                )
        else:
            value = str(raw).strip()
            if value not in spec.values:
                raise BadInput(
                    f"fact '{name}': '{raw}' is not valid; valid: {', '.join(spec.values)}",
                    field=name,
                )
            out[name] = value
    return out


def _choice(value: str, valid: Mapping[str, Any] | tuple[str, ...], field: str) -> str:
    if value not in valid:
        raise BadInput(
            f"{field}: '{value}' is unknown; valid: {', '.join(sorted(valid))}", field=field
        )
    return value


def _evaluate_all(
    kb: KnowledgeBase,
    jur: str,
    conduct: str,
    facts: Mapping[str, Any],
    on: date,
    host: str,
    requesting: str,
    exclusions: list[ExclusionApplied],
) -> tuple[ProvisionResult, ...]:
    constraints = kb.constraints.get((jur, conduct), ())
    return tuple(
        evaluate_provision(
            kb=kb,
            provision=p,
            constraints=constraints,
            facts=facts,
            on=on,
            host=host,
            requesting=requesting,
            exclusions=exclusions,
        )
        for p in kb.offences.get((jur, conduct), ())
    )


def _outcome(results: tuple[ProvisionResult, ...]) -> str:
    statuses = {r.status for r in results}
    return "yes" if "yes" in statuses else ("conditional" if "conditional" in statuses else "no")


def assess(
    *,
    kb: KnowledgeBase,
    conduct: str,
    facts: Mapping[str, Any],
    host: str,
    requesting: str = "KZ",
    on: date | str,
    priority: str = "standard",
    role: str = "hosting",
    channel_stats: Mapping[tuple[str, str], ChannelStat] | None = None,
) -> Assessment:
    """Assess one conduct against one host's law (and the requesting state's) on a date."""
    vocab = kb.vocabulary
    _choice(conduct, vocab.conducts, "conduct")
    _choice(priority, vocab.priorities, "priority")
    _choice(role, vocab.roles, "role")
    on = parse_date(on)
    host = normalise_code(host, field="host")
    requesting = normalise_code(requesting, field="requesting", allow_eu=False)
    clean = check_facts(kb, facts)
    host_jur = kb.jurisdictions.get(host)
    exclusions: list[ExclusionApplied] = []
    reasons: list[str] = []
    host_results: tuple[ProvisionResult, ...] = ()
    eu_layer: tuple[ProvisionResult, ...] = ()
    if host_jur is None:
        outcome = "unsupported"
        reasons.append(f"{host} has no encoding in the knowledge base: unsupported, never a guess")
    else:
        host_results = _evaluate_all(kb, host, conduct, clean, on, host, requesting, exclusions)
        outcome = _outcome(host_results)
        if not host_results:
            reasons.append(f"no provision of {host} covers {conduct}")
        if host != "EU" and "EU" in kb.jurisdictions and host_jur.member_of("EU", on):
            eu_layer = _evaluate_all(kb, "EU", conduct, clean, on, "EU", requesting, [])
            reasons.append(
                f"{host} is an EU member on {on}: the Directive's minimum rules explain its "
                "national provisions but do not by themselves establish dual criminality"
            )
    requesting_results: tuple[ProvisionResult, ...] = ()
    if requesting in kb.jurisdictions:
        requesting_results = _evaluate_all(
            kb, requesting, conduct, clean, on, requesting, requesting, []
        )
        requesting_outcome = _outcome(requesting_results)
    else:
        requesting_outcome = "unsupported"
    missing: dict[str, None] = {}
    if outcome == "conditional":
        for result in host_results:
            if result.status == "conditional":
                missing.update(dict.fromkeys(result.missing_facts))
    channels, channels_excluded = rank_channels(
        kb=kb,
        host_jur=host_jur,
        host=host,
        requesting=requesting,
        conduct=conduct,
        facts=clean,
        on=on,
        outcome=outcome,
        role=role,
        priority=priority,
        channel_stats=channel_stats,
    )
    return Assessment(
        dual_criminality=outcome,  # type: ignore[arg-type]
        conduct=conduct,
        host=host,
        requesting=requesting,
        date=on,
        role=role,
        priority=priority,
        facts=tuple(sorted(clean.items())),
        host_provisions=host_results,
        requesting_outcome=requesting_outcome,
        requesting_provisions=requesting_results,
        eu_layer=eu_layer,
        missing_facts=tuple(sorted(missing)),
        exclusions=tuple(exclusions),
        channels=channels,
        channels_excluded=channels_excluded,
        reasons=tuple(reasons),
        kb_version=kb.digest,
    )
