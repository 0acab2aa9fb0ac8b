"""One located knowledge-base mistake (kept free of YAML imports: the warm load needs it)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KBError"]


@dataclass(frozen=True, slots=True)
class KBError:
    """One knowledge-base mistake, located."""

    file: str
    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.kind}] {self.message}"
