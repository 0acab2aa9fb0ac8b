"""Benchmark of the legal engine: assessments per second and knowledge-base load time.

Runs N random assessments (conducts, facts, dates, every encoded jurisdiction
plus unencoded ones) and, as the comparison in the same process, the same
inputs through a naive evaluator (`_naive`): uncompiled expressions walked per
call and provisions found by scanning every jurisdiction. Measured:

- `assess` without the verdict memo (`cache=False`) and with it (the hit rate
  is reported: random facts rarely repeat), and `assess` + `to_json`;
- the same inputs with `org=` (an organisation of the register, drawn at
  random), the register deriving `designated_in_host` / `_requesting`;
- the schema check of every knowledge-base document on a cold load: the
  compiled predicate (`_fastschema`) against jsonschema's Draft 2020-12
  validator, the library it replaces on that path, same documents, same run;
- the knowledge-base load in a new process, including the import of
  comity.law: cold (no cache entry: YAML, schema, checks) and warm (the
  validated entry in the cache), with compiled bytecode available (the normal
  case) and without it (PYTHONDONTWRITEBYTECODE, every module compiled).

Rates use the process's CPU time (one core), best of `--repeat` runs, because
the benchmark machine is shared; wall-clock rates are reported beside them.
Writes bench/results/law.json and bench/results/law.md. `--quick` runs 10,000.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from comity.law.engine import assess
from comity.law.kb.loader import load_kb
from comity.law.model import Expr, KnowledgeBase, Leaf

RESULTS = Path(__file__).parent / "results"
LOAD = (
    "import time; t = time.perf_counter(); from comity.law.kb.loader import load_kb; load_kb(); "
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


def _load_seconds(cache_dir: Path | None, bytecode: Path | None) -> float:
    """A new process imports comity.law and loads the KB (interpreter start excluded)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if bytecode is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    else:
        env["PYTHONPYCACHEPREFIX"] = str(bytecode)  # bytecode outside the source tree
    if cache_dir is None:
        env["COMITY_KB_CACHE"] = "off"
    else:
        env["COMITY_KB_CACHE"] = str(cache_dir)
    out = subprocess.check_output([sys.executable, "-c", LOAD], text=True, env=env)
    return float(out)


def _loads(runs: int) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="comity-bench-law-") as tmp:
        base = Path(tmp)
        bytecode = base / "pycache"
        warm_dir = base / "warm"
        _load_seconds(warm_dir, bytecode)  # fills the bytecode cache and the KB cache
        figures = {
            "cold_no_kb_cache": [_load_seconds(None, bytecode) for _ in range(runs)],
            "warm_kb_cache": [_load_seconds(warm_dir, bytecode) for _ in range(runs)],
            "cold_no_kb_cache_no_bytecode": [_load_seconds(None, None) for _ in range(runs)],
            "warm_kb_cache_no_bytecode": [_load_seconds(warm_dir, None) for _ in range(runs)],
        }
    return {
        name: {
            "min": round(min(v), 3),
            "median": round(statistics.median(v), 3),
            "max": round(max(v), 3),
        }
        for name, v in figures.items()
    }


def _schema_check(repeat: int) -> dict[str, Any]:
    """Documents checked per CPU second: the compiled predicate against jsonschema."""
    from jsonschema import Draft202012Validator

    from comity.law.kb import _validate
    from comity.law.kb._fastschema import compile_schema
    from comity.law.kb._kbfiles import DEFAULT_ROOT, schema_documents
    from comity.law.kb.yamlio import read_yaml

    paths = schema_documents(DEFAULT_ROOT)
    docs = [(kind, read_yaml(path, display=str(path))[0]) for kind, path in paths]
    kinds = {kind for kind, _ in docs}
    compiled = {kind: compile_schema(_validate._schema(kind)) for kind in kinds}
    validators = {kind: Draft202012Validator(_validate._schema(kind)) for kind in kinds}

    def fast() -> None:
        assert all(compiled[kind](data) for kind, data in docs)

    def reference() -> None:
        assert all(validators[kind].is_valid(data) for kind, data in docs)

    fast_cpu, _ = _timed(fast, repeat)
    ref_cpu, _ = _timed(reference, repeat)
    return {
        "documents": len(docs),
        "compiled_seconds": round(fast_cpu, 4),
        "jsonschema_seconds": round(ref_cpu, 4),
        "ratio_compiled_vs_jsonschema": round(ref_cpu / fast_cpu, 1),
    }


def _timed(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(best CPU seconds, best wall seconds) over `repeat` runs."""
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        run()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return min(cpu), min(wall)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = 10_000 if args.quick else args.n
    loads = _loads(3 if args.quick else 5)
    schema = _schema_check(args.repeat)
    kb = load_kb()
    items = _inputs(kb, n)
    outcomes: dict[str, int] = {}

    def uncached() -> None:
        for item in items:
            assess(kb=kb, cache=False, **item)

    def cached() -> None:
        kb.memo.pop("verdicts", None)  # each run starts empty: hits come from repeats only
        kb.memo.pop("seen_once", None)
        kb.memo["verdict_misses"] = 0
        for item in items:
            assess(kb=kb, **item)

    pool = _inputs(kb, 300, seed=11)  # a workload that repeats: 300 distinct inputs
    repeated = [pool[i % len(pool)] for i in range(n)]

    def cached_repeats() -> None:
        kb.memo.pop("verdicts", None)
        kb.memo.pop("seen_once", None)
        kb.memo["verdict_misses"] = 0
        for item in repeated:
            assess(kb=kb, **item)

    def with_json() -> None:
        for item in items:
            assess(kb=kb, cache=False, **item).to_json()

    orgs = sorted(kb.register.organisations)
    rng = random.Random(13)
    with_orgs = [
        {
            **item,
            "org": rng.choice(orgs),
            "facts": {k: v for k, v in item["facts"].items() if not k.startswith("designated_in_")},
        }
        for item in items
    ]

    def uncached_org() -> None:
        for item in with_orgs:
            assess(kb=kb, cache=False, **item)

    def with_json_org() -> None:
        for item in with_orgs:
            assess(kb=kb, cache=False, **item).to_json()

    def naive() -> None:
        for item in items:
            _naive(kb, item)

    for item in items:
        result = assess(kb=kb, cache=False, **item)
        outcomes[result.dual_criminality] = outcomes.get(result.dual_criminality, 0) + 1
    timings = {
        "uncached": _timed(uncached, args.repeat),
        "cached": _timed(cached, args.repeat),
        "assess_and_to_json": _timed(with_json, args.repeat),
        "naive": _timed(naive, args.repeat),
        "uncached_with_org": _timed(uncached_org, args.repeat),
        "assess_and_to_json_with_org": _timed(with_json_org, args.repeat),
    }
    hit_rate = 1 - kb.memo["verdict_misses"] / n
    timings["cached_repeated_inputs"] = _timed(cached_repeats, args.repeat)
    repeat_hit_rate = 1 - kb.memo["verdict_misses"] / n
    rate = {name: round(n / cpu) for name, (cpu, _) in timings.items()}
    wall = {name: round(n / w) for name, (_, w) in timings.items()}
    report = {
        "assessments": n,
        "jurisdictions": sorted(kb.jurisdictions),
        "kb_version": kb.digest,
        "per_second_cpu": rate,
        "per_second_wall": wall,
        "assessments_per_second": rate["uncached"],
        "verdict_cache_hit_rate": round(hit_rate, 4),
        "verdict_cache_hit_rate_repeated_inputs": round(repeat_hit_rate, 4),
        "to_json_microseconds": round(
            1e6 * (1 / rate["assess_and_to_json"] - 1 / rate["uncached"]), 1
        ),
        "naive_dual_criminality_only_per_second": rate["naive"],
        "ratio_engine_vs_naive": round(rate["uncached"] / rate["naive"], 3),
        "ratio_cached_engine_vs_naive": round(rate["cached"] / rate["naive"], 3),
        "kb_load_seconds": loads,
        "schema_check": schema,
        "register": {
            "organisations": len(orgs),
            "designations": sum(len(o.designations) for o in kb.register.organisations.values()),
            "lists": len(kb.register.lists),
        },
        "outcomes": outcomes,
        "goal": {"assessments_per_second": 10_000, "kb_load_seconds": 1.0},
        "method": f"CPU time of this process (one core), best of {args.repeat} runs",
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "law.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "law.md").write_text(_markdown(report, n, len(kb.jurisdictions)), encoding="utf-8")
    print(json.dumps(report, indent=2))


def _markdown(r: dict[str, Any], n: int, jurisdictions: int) -> str:
    rate, wall, load = r["per_second_cpu"], r["per_second_wall"], r["kb_load_seconds"]

    def span(name: str) -> str:
        f = load[name]
        return f"{f['median']} s (min {f['min']}, max {f['max']})"

    return (
        "# Legal engine benchmark\n\n"
        f"{n:,} random assessments over {jurisdictions} encoded jurisdictions (+3 unencoded); "
        f"{r['method']} (wall-clock on a shared machine in brackets). "
        "Goal: 10,000/s, load < 1 s.\n\n"
        f"| measure | per second |\n|---|---|\n"
        f"| `assess`, no verdict memo | **{rate['uncached']:,}** ({wall['uncached']:,}) |\n"
        f"| `assess` with the verdict memo, hit rate {r['verdict_cache_hit_rate']:.1%} "
        f"(random facts rarely repeat) | {rate['cached']:,} ({wall['cached']:,}) |\n"
        f"| `assess` with the memo on a workload cycling through 300 inputs, hit rate "
        f"{r['verdict_cache_hit_rate_repeated_inputs']:.1%} | {rate['cached_repeated_inputs']:,} "
        f"({wall['cached_repeated_inputs']:,}) |\n"
        f"| `assess` + `to_json` (full explanation) | {rate['assess_and_to_json']:,} "
        f"({wall['assess_and_to_json']:,}) |\n"
        f"| `assess` with `org=` (the register in the loop), no verdict memo "
        f"| **{rate['uncached_with_org']:,}** ({wall['uncached_with_org']:,}) |\n"
        f"| `assess` with `org=` + `to_json` | {rate['assess_and_to_json_with_org']:,} "
        f"({wall['assess_and_to_json_with_org']:,}) |\n"
        f"| comparison: naive dual-criminality-only evaluator (no index, uncompiled trees) "
        f"| {rate['naive']:,} ({wall['naive']:,}) |\n\n"
        f"Ratio engine/naive: {r['ratio_engine_vs_naive']} without memo, "
        f"{r['ratio_cached_engine_vs_naive']} with it; `to_json` costs "
        f"{r['to_json_microseconds']} µs per assessment.\n\n"
        f"Register: {r['register']['organisations']} organisations, "
        f"{r['register']['designations']} designations on {r['register']['lists']} lists.\n\n"
        "KB load (with the register) in a new process, including the import of comity.law "
        "(median of runs):\n\n"
        f"- warm (validated KB in the cache): {span('warm_kb_cache')}; "
        f"without bytecode: {span('warm_kb_cache_no_bytecode')}\n"
        f"- cold (no cache: YAML, schema, checks): {span('cold_no_kb_cache')}; "
        f"without bytecode: {span('cold_no_kb_cache_no_bytecode')}\n\n"
        f"Schema check of the {r['schema_check']['documents']} knowledge-base documents on a "
        f"cold load (CPU, best of runs): compiled predicate "
        f"{r['schema_check']['compiled_seconds']} s, jsonschema Draft 2020-12 "
        f"{r['schema_check']['jsonschema_seconds']} s: "
        f"{r['schema_check']['ratio_compiled_vs_jsonschema']}x faster.\n\n"
        f"Outcomes: {r['outcomes']}\n"
    )


if __name__ == "__main__":
    main()
