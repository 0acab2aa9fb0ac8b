"""A knowledge-base root with the test register: the bundled law plus tests' organisations.

Why: tests of the register must not depend on the real data's contents (written
in parallel and revised as lists change); the root links to the bundled
jurisdictions, vocabulary and schemas and puts fixtures/register/ in place of
the bundled `_organisations`.
"""

from __future__ import annotations

from pathlib import Path

from comity.law.kb.loader import DEFAULT_ROOT

__all__ = ["REGISTER", "fixture_root"]

REGISTER = Path(__file__).parent / "fixtures" / "register" / "_organisations"


def fixture_root(base: Path, register: Path = REGISTER) -> Path:
    root = base / "kb"
    root.mkdir(parents=True)
    for item in DEFAULT_ROOT.iterdir():
        if item.name != "_organisations":
            (root / item.name).symlink_to(item.resolve())
    (root / "_organisations").symlink_to(register.resolve())
    return root
