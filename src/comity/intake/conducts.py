"""The conduct codes of ASSESSMENT.md, read from the knowledge base's vocabulary."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from comity.core.errors import BadInput

__all__ = ["check_conduct", "conduct_codes"]


@lru_cache(maxsize=1)
def conduct_codes() -> tuple[str, ...]:
    text = resources.files("comity.law").joinpath("knowledge/_vocabulary.yaml").read_text("utf-8")
    return tuple(yaml.safe_load(text)["conducts"])


def check_conduct(code: str, *, where: str = "conduct") -> str:
    code = code.strip()
    if code not in conduct_codes():
        valid = ", ".join(conduct_codes())
        raise BadInput(
            f"{where}: unknown conduct code {code!r}; valid: {valid}", field=where.lstrip("-")
        )
    return code
