"""Safeguards: pure checks that block an approval unless a supervisor overrides.

Each check takes the facts of one proposal (`Context`) and returns findings,
each with a stable `code` and a message a reviewer can act on. No I/O here:
`comity.cases.context` gathers the inputs from the database.

Why these checks: a removal request must be necessary and proportionate
(ECHR art. 10; Cengiz and Others v. Turkey, 2015, and Ahmet Yildirim v.
Turkey, 2012, where blocking a whole platform for one page violated art. 10),
must rest on dual criminality when a state is asked to act, must not reach
journalism, research, education or art, and must rest on current evidence.
A deconfliction hold (another agency or an investigation asked, on a stated
legal basis, that the content stay online until a date) blocks too: removing
the content could ruin that work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

__all__ = [
    "CHECKS",
    "GOVERNMENTAL_CHANNELS",
    "SHARED_HOST_THRESHOLD",
    "TARGETS",
    "Context",
    "Finding",
    "check_all",
]

TARGETS = ("url", "domain", "platform")
# Fallback when the knowledge base's channel vocabulary is not at hand; the
# service passes the vocabulary's own `governmental` flag.
GOVERNMENTAL_CHANNELS = frozenset({"diplomatic_request", "mla_request", "eu_removal_order_request"})
# A server address shared with this many other registrable domains (besides the
# item's own) counts as a shared host. Ten is where an address stops looking
# like one organisation's server (which often carries a handful of its own
# domains: www, mail, brand variants) and starts looking like mass hosting, where
# an address-level measure would hit unrelated sites. A constant, not a setting:
# changing it changes the safeguard, which belongs in code review.
SHARED_HOST_THRESHOLD = 10


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class Context:
    """Everything the checks look at for one proposal, at one moment."""

    now: datetime
    target: str = "url"
    channel: str = "provider_referral"
    governmental: bool | None = None  # None: decide from GOVERNMENTAL_CHANNELS
    channels_offered: tuple[str, ...] | None = None  # the engine's ranked codes
    dual_criminality: str = "yes"
    purpose: str | None = None
    cdn: str | None = None  # the CDN's name when the address is a CDN's
    shared_host_domains: int | None = None  # other registrable domains on the address
    evidence_captured_at: datetime | None = None
    evidence_max_age_days: int = 30
    host: str = ""
    prior_refusals: tuple[dict[str, Any], ...] = field(default=())
    holds: tuple[dict[str, Any], ...] = field(default=())  # deconfliction holds on the item


def target_scope(ctx: Context) -> list[Finding]:
    if ctx.target == "url":
        return []
    return [
        Finding(
            "target_broader_than_content",
            f"the request targets the whole {ctx.target}, not the URL of the content: "
            "it would remove lawful content too (ask for the URL unless the whole "
            f"{ctx.target} is dedicated to the unlawful content)",
        )
    ]


def shared_infrastructure(ctx: Context) -> list[Finding]:
    found = []
    if ctx.cdn:
        found.append(
            Finding(
                "cdn_address",
                f"the address belongs to the CDN {ctx.cdn}: it serves many unrelated sites, "
                "and any address-level measure would hit all of them",
            )
        )
    if ctx.shared_host_domains is not None and ctx.shared_host_domains >= SHARED_HOST_THRESHOLD:
        found.append(
            Finding(
                "shared_host",
                f"the address also serves {ctx.shared_host_domains} other sites "
                f"(threshold {SHARED_HOST_THRESHOLD}): an address-level measure would hit them",
            )
        )
    return found


def excluded_purpose(ctx: Context) -> list[Finding]:
    if not ctx.purpose:
        return []
    return [
        Finding(
            "excluded_purpose",
            f"the content is flagged as {ctx.purpose}: journalistic, educational, research, "
            "artistic and counter-terrorism purposes are excluded from removal",
        )
    ]


def governmental_without_dual_criminality(ctx: Context) -> list[Finding]:
    governmental = (
        ctx.governmental if ctx.governmental is not None else ctx.channel in GOVERNMENTAL_CHANNELS
    )
    found = []
    if governmental and ctx.dual_criminality in ("no", "unsupported"):
        found.append(
            Finding(
                "governmental_channel_without_dual_criminality",
                f"{ctx.channel} is a state-to-state channel but dual criminality is "
                f"{ctx.dual_criminality}: the host state cannot be asked to act on conduct "
                "its own law does not forbid (a provider referral may still fit)",
            )
        )
    if ctx.channels_offered is not None and ctx.channel not in ctx.channels_offered:
        offered = ", ".join(ctx.channels_offered) or "none"
        found.append(
            Finding(
                "channel_not_offered",
                f"the legal engine does not offer {ctx.channel} for this host and conduct "
                f"(offered: {offered})",
            )
        )
    return found


def evidence_age(ctx: Context) -> list[Finding]:
    if ctx.evidence_captured_at is None:
        return [
            Finding(
                "evidence_missing",
                "no successful capture of the content: capture it first (comity capture ITEM)",
            )
        ]
    age = ctx.now - ctx.evidence_captured_at
    if age > timedelta(days=ctx.evidence_max_age_days):
        return [
            Finding(
                "evidence_stale",
                f"the newest capture is {age.days} days old (limit "
                f"{ctx.evidence_max_age_days}): capture it again to show it is still online",
            )
        ]
    return []


def refused_before(ctx: Context) -> list[Finding]:
    if not ctx.prior_refusals:
        return []
    where = "; ".join(
        f"{r.get('kind', 'refused')} {r.get('ref', '?')} (item {r.get('item_id', '?')})"
        for r in ctx.prior_refusals
    )
    return [
        Finding(
            "refused_before",
            f"the same content was already refused for {ctx.host or 'this host'}: {where}",
        )
    ]


def held(ctx: Context) -> list[Finding]:
    """Active deconfliction holds covering the item whose date has not passed.

    Named by id, basis and date only: who asked is need-to-know (comity.holds)."""
    found = []
    for hold in ctx.holds:
        if hold.get("state") != "active" or date.fromisoformat(hold["until"]) < ctx.now.date():
            continue
        found.append(
            Finding(
                "deconfliction_hold",
                f"deconfliction hold {hold['id']} ({hold.get('scope', '?')}) asks that this "
                f"content stay online until {hold['until']} "
                f"(basis: {hold.get('legal_basis', '?')}): another agency or an investigation "
                "needs it; ask the hold's approver before any request",
            )
        )
    return found


CHECKS: tuple[Callable[[Context], list[Finding]], ...] = (
    target_scope,
    shared_infrastructure,
    excluded_purpose,
    governmental_without_dual_criminality,
    evidence_age,
    refused_before,
    held,
)


def check_all(
    ctx: Context, checks: Sequence[Callable[[Context], list[Finding]]] = CHECKS
) -> list[Finding]:
    """Every finding for `ctx`, in the order of `checks`."""
    return [finding for check in checks for finding in check(ctx)]
