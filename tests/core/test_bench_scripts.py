"""`make bench BENCH_ARGS=--quick` passes --quick to every bench/bench_*.py (run_all.py):
a script without the option stops the whole run with a usage error (bench_serve_workers
did, found by running `make bench --quick` on a fresh clone)."""

from __future__ import annotations

import ast
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _options(script: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "add_argument"
        ):
            found |= {str(a.value) for a in node.args if isinstance(a, ast.Constant)}
    return found


def test_every_benchmark_takes_quick() -> None:
    scripts = sorted(BENCH.glob("bench_*.py"))
    assert len(scripts) >= 20  # the glob found the folder run_all.py runs
    missing = [s.name for s in scripts if "--quick" not in _options(s)]
    assert missing == []
