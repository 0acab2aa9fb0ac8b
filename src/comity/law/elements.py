"""Three-valued element evaluation, compiled once per expression.

A fact not given is unknown (None). `all` is false if any child is false,
unknown if any is unknown, else true; `any` is true if any child is true,
unknown if any is unknown, else false; `not` flips and keeps unknown. Only the
unknown facts that decide an unknown result are reported as missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from comity.law.model import Expr, Leaf

__all__ = ["Check", "compile_check", "leaf_result"]

Check = Callable[[Mapping[str, Any]], tuple[bool | None, tuple[str, ...]]]
_NONE: tuple[str, ...] = ()


def leaf_result(leaf: Leaf, facts: Mapping[str, Any]) -> bool | None:
    value = facts.get(leaf.fact)
    if value is None:
        return None
    if leaf.values is None:
        return value is True
    return value in leaf.values


def compile_check(expr: Expr) -> Check:
    if isinstance(expr, Leaf):
        return _compile_leaf(expr)
    children = tuple(compile_check(c) for c in expr.children)
    if expr.op == "not":
        (child,) = children

        def check_not(facts: Mapping[str, Any]) -> tuple[bool | None, tuple[str, ...]]:
            value, unknown = child(facts)
            return (None, unknown) if value is None else (not value, _NONE)

        return check_not
    want = expr.op == "any"  # the value that decides: True for any, False for all

    def check_many(facts: Mapping[str, Any]) -> tuple[bool | None, tuple[str, ...]]:
        unknown: tuple[str, ...] = _NONE
        undecided = False
        for child in children:
            value, missing = child(facts)
            if value is want:
                return want, _NONE
            if value is None:
                undecided = True
                unknown += missing
        return (None, unknown) if undecided else (not want, _NONE)

    return check_many


def _compile_leaf(leaf: Leaf) -> Check:
    name, values, missing = leaf.fact, leaf.values, (leaf.fact,)
    if values is None:

        def check_bool(facts: Mapping[str, Any]) -> tuple[bool | None, tuple[str, ...]]:
            value = facts.get(name)
            return (None, missing) if value is None else (value is True, _NONE)

        return check_bool

    def check_in(facts: Mapping[str, Any]) -> tuple[bool | None, tuple[str, ...]]:
        value = facts.get(name)
        return (None, missing) if value is None else (value in values, _NONE)

    return check_in
