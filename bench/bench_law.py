"""Benchmark of the legal engine: assessments per second and cold knowledge-base load time.

Runs N random assessments (conducts, facts, dates, every encoded jurisdiction
plus unencoded ones) and, as the comparison in the same process, the same
inputs through a naive evaluator (`_naive`): uncompiled expressions walked per
call and provisions found by scanning every jurisdiction. Writes
bench/results/law.json and bench/results/law.md. `--quick` runs 10,000.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from comity.law.engine import assess
from comity.law.loader import load_kb
from comity.law.model import Expr, KnowledgeBase, Leaf

RESULTS = Path(__file__).parent / "results"
COLD = (
    "import time; t = time.perf_counter(); from comity.law.loader import load_kb; load_kb(); "
    "print(time.perf_counter() - t)"
)


def _inputs(kb: KnowledgeBase, n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    hosts = [*sorted(kb.jurisdictions), "MN", "BR", "JP"]
    conducts = sorted(kb.vocabulary.conducts)
    specs = list(kb.vocabulary.facts.values())
    start = date(2012, 1, 1)
    out = []
    for _ in range(n):
        facts: dict[str, Any] = {}
        for spec in rng.sample(specs, rng.randint(0, 6)):
            facts[spec.name] = (
                rng.choice(spec.values) if spec.type == "string" else rng.random() < 0.7
            )
        out.append(
            {
                "conduct": rng.choice(conducts),
                "facts": facts,
                "host": rng.choice(hosts),
                "on": start + timedelta(days=rng.randint(0, 5000)),
                "priority": rng.choice(["standard", "standard", "threat_to_life"]),
            }
        )
    return out


def _walk(expr: Expr, facts: dict[str, Any]) -> bool | None:
    if isinstance(expr, Leaf):
        value = facts.get(expr.fact)
        return (
            None
            if value is None
            else (value is True if expr.values is None else value in expr.values)
        )
    values = [_walk(c, facts) for c in expr.children]
    if expr.op == "not":
        return None if values[0] is None else not values[0]
    want = expr.op == "any"
    if want in values:
        return want
    return None if None in values else not want


def _naive(kb: KnowledgeBase, item: dict[str, Any]) -> str:
    """Comparison baseline: dual criminality only, no indexes, no compiled trees."""
    jur = kb.jurisdictions.get(item["host"])
    if jur is None:
        return "unsupported"
    results = []
    for p in (p for j in kb.jurisdictions.values() for p in j.provisions):
        if p.jurisdiction == item["host"] and p.kind == "offence" and item["conduct"] in p.conducts:
            version = p.version_on(item["on"])
            if version is not None:
                results.append(_walk(version.elements, item["facts"]))
    return "yes" if True in results else ("conditional" if None in results else "no")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("-n", type=int, default=100_000)
    args = parser.parse_args()
    n = 10_000 if args.quick else args.n
    cold = [
        float(subprocess.check_output([sys.executable, "-c", COLD], text=True)) for _ in range(3)
    ]
    kb = load_kb()
    items = _inputs(kb, n)
    t0 = time.perf_counter()
    outcomes: dict[str, int] = {}
    for item in items:
        result = assess(kb=kb, **item)
        outcomes[result.dual_criminality] = outcomes.get(result.dual_criminality, 0) + 1
    engine_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    for item in items:
        _naive(kb, item)
    naive_s = time.perf_counter() - t1
    report = {
        "assessments": n,
        "jurisdictions": sorted(kb.jurisdictions),
        "kb_version": kb.digest,
        "engine_seconds": round(engine_s, 3),
        "assessments_per_second": round(n / engine_s),
        "naive_dual_criminality_only_per_second": round(n / naive_s),
        "ratio_engine_vs_naive": round((n / engine_s) / (n / naive_s), 3),
        "kb_load_cold_seconds": {"min": round(min(cold), 3), "max": round(max(cold), 3)},
        "outcomes": outcomes,
        "goal": {"assessments_per_second": 10_000, "kb_load_seconds": 1.0},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "law.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "law.md").write_text(
        f"# Legal engine benchmark\n\n"
        f"- {n:,} assessments over {len(kb.jurisdictions)} encoded jurisdictions (+3 unencoded): "
        f"**{report['assessments_per_second']:,}/s** (goal 10,000/s), full assessment with "
        f"explanations and channel ranking.\n"
        f"- Comparison (same process): naive dual-criminality-only evaluator (no index, uncompiled "
        f"trees): {report['naive_dual_criminality_only_per_second']:,}/s; ratio engine/naive "
        f"{report['ratio_engine_vs_naive']}.\n"
        f"- Cold KB load (new process, incl. imports, YAML, schema, checks): "
        f"min {report['kb_load_cold_seconds']['min']} s, "
        f"max {report['kb_load_cold_seconds']['max']} s "
        f"(goal < 1 s).\n- Outcomes: {outcomes}\n",
        encoding="utf-8",
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
