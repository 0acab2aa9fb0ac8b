"""The facts the assessment form asks first are every fact the engine can find missing."""

from __future__ import annotations

from itertools import product

from comity.law.engine import assess
from comity.law.facts_used import facts_used
from comity.law.kb.loader import load_kb


def test_every_fact_the_engine_reports_missing_is_among_the_facts_used_by_the_provisions() -> None:
    kb = load_kb()
    hosts = [code for code in kb.jurisdictions if code != "KZ"]
    escaped = {}
    for conduct, host in product(kb.vocabulary.conducts, hosts):
        used = facts_used(kb, conduct=conduct, jurisdictions=[host, "KZ"])
        for facts in ({}, {"public": True, "intent": True}):
            result = assess(kb=kb, conduct=conduct, facts=facts, host=host, on="2026-12-01")
            extra = {f.partition("@")[0] for f in result.missing_facts} - used
            if extra:
                escaped[(conduct, host)] = sorted(extra)
    assert escaped == {}


def test_the_facts_used_narrow_the_form_for_a_conduct() -> None:
    kb = load_kb()
    used = facts_used(kb, conduct="terrorism.financing", jurisdictions=["KZ", "DE"])
    assert "knowledge_of_use" in used and "public_peace" not in used
    assert len(used) < len(kb.vocabulary.facts)
