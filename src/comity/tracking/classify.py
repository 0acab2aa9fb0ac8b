"""Verdicts from one probe: pure, so every rule is tested with recorded inputs.

Order matters. A CDN challenge or captcha is checked before anything that
reads like removal: measurement tools (OONI among them) are known to have
misread challenge and captcha pages as blocking or removal, and a 403 or 503
from a CDN says only that a robot was not let in. A `challenge` verdict never
counts as removed in the statistics, and never closes a request.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from comity.tracking.probe import ProbeResult
from comity.tracking.signatures import match

__all__ = ["VERDICTS", "Classified", "classify"]

# `reappeared` is not decided from a probe: the content of a removed item was
# captured again at another URL (comity.tracking.reappeared).
VERDICTS = (
    "up",
    "changed",
    "removed",
    "legal_block",
    "challenge",
    "unreachable",
    "moved",
    "reappeared",
)
_REMOVED_STATUS = frozenset({404, 410})


@dataclass(frozen=True)
class Classified:
    verdict: str
    detail: str


def classify(probe: ProbeResult, *, baseline_sha256: str | None) -> Classified:
    """The verdict for `probe`, compared with the item's latest evidence hash.

    `moved` is not decided here: it needs the item's attribution history (the
    monitor re-attributes an `up` item whose addresses changed).
    """
    if probe.outcome == "dns_error":
        return Classified("unreachable", probe.error or "DNS lookup failed")
    if probe.outcome == "refused":
        return Classified("unreachable", f"not checked: {probe.error}")
    if probe.status is None:
        tries = f" after {probe.attempts} attempts" if probe.attempts > 1 else ""
        return Classified("unreachable", f"{probe.outcome}{tries}: {probe.error or ''}".strip())
    host = (httpx.URL(probe.final_url or probe.url).host or "").lower()
    url = probe.final_url or probe.url
    found = match(
        host=host,
        status=probe.status,
        url=url,
        headers=probe.headers,
        body=probe.head,
        kinds=("challenge",),
    )
    if found is not None:
        return Classified("challenge", f"HTTP {probe.status}: {found.id} (not a removal)")
    if probe.status == 451:
        return Classified("legal_block", _blocked_by(probe))
    found = match(
        host=host,
        status=probe.status,
        url=url,
        headers=probe.headers,
        body=probe.head,
        kinds=("removed", "legal_block"),
    )
    if found is not None:
        return Classified(found.kind, f"HTTP {probe.status}: platform page {found.id}")
    if probe.status in _REMOVED_STATUS:
        return Classified("removed", f"HTTP {probe.status}")
    if probe.status == 403:
        # A bare 403 is a refusal to serve us, not evidence that the content is gone.
        return Classified("unreachable", "HTTP 403 without a known challenge page: access refused")
    if not 200 <= probe.status < 300:
        return Classified("unreachable", f"HTTP {probe.status}")
    if probe.outcome == "too_large":
        return Classified("changed", f"HTTP {probe.status}; {probe.error}; not compared")
    if baseline_sha256 is None:
        return Classified("up", f"HTTP {probe.status}; no evidence to compare the content with")
    if probe.sha256 == baseline_sha256:
        return Classified("up", f"HTTP {probe.status}; content identical to the evidence")
    return Classified("changed", f"HTTP {probe.status}; content differs from the evidence")


def _blocked_by(probe: ProbeResult) -> str:
    # RFC 7725 §3: a 451 response SHOULD name the blocking entity in a Link header.
    link = probe.headers.get("link", "")
    if 'rel="blocked-by"' in link:
        return f"HTTP 451; blocked by {link.split(';', 1)[0].strip('<> ')}"
    return "HTTP 451"
