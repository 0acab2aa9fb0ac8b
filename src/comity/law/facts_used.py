"""Which facts a conduct's provisions can turn on, for the states concerned: the
assessment form asks for these first instead of the whole vocabulary.

Read from the knowledge base, not the engine's run: the elements of every
version of each offence filed under (or reaching) the conduct, the conditions of
its reach, the constraints that limit it and their exceptions, the designation
fact a provision needing one reads, `purpose` where a provision excludes some,
and `host_text_verified` for a host's provision with a version encoded with `low`
confidence (the engine's `_outcome` asks for it before such a match founds a request;
facts_used is for any date, so one low wording is enough).
"""

from __future__ import annotations

from collections.abc import Iterable

from comity.law.model import KnowledgeBase, Provision

__all__ = ["facts_used"]


def facts_used(kb: KnowledgeBase, *, conduct: str, jurisdictions: Iterable[str]) -> frozenset[str]:
    """Facts any provision of `jurisdictions` on `conduct` reads, on any date."""
    found: set[str] = set()
    for code in jurisdictions:
        for provision in kb.offences.get((code, conduct), ()):
            found |= _of_provision(kb, code, provision, conduct)
    return frozenset(found)


def _of_provision(kb: KnowledgeBase, code: str, provision: Provision, conduct: str) -> set[str]:
    found = {leaf.fact for version in provision.versions for leaf in version.leaves}
    found |= {leaf.fact for reach in provision.reaches for leaf in reach.leaves}
    for constraint in kb.constraints.get((code, provision.id), ()):
        if constraint.limits(provision.id, conduct):
            found |= {leaf.fact for version in constraint.versions for leaf in version.leaves}
            found |= {leaf.fact for e in constraint.exceptions for leaf in e.leaves}
    if provision.requires_host_designation:
        found |= {"designated_in_host", "designated_in_requesting"}
    if provision.exclusions:
        found.add("purpose")
    if provision.confidence == "low" or any(v.confidence == "low" for v in provision.versions):
        found.add("host_text_verified")
    return found
