"""Strict YAML reading that remembers where every key came from.

Why not plain `yaml.safe_load`: the knowledge base must fail with the file and
line of a mistake, reject duplicate keys (PyYAML silently keeps the last one),
keep dates as text so the loader can report a bad one, and not turn the
country code `NO` or the word `yes` into booleans (YAML 1.1 does).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from comity.law.kb._kberror import KBError

__all__ = ["KBError", "MarkedDict", "MarkedList", "line_of", "read_yaml"]

_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class MarkedDict(dict[Any, Any]):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.key_lines: dict[Any, int] = {}


class MarkedList(list[Any]):
    """A sequence that knows its own line and the line of each item (1-based)."""

    line: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.item_lines: list[int] = []


class DuplicateKeyError(yaml.MarkedYAMLError):
    """Raised while composing: the same key twice in one mapping."""


class _Loader(_BaseLoader):  # type: ignore[valid-type,misc]
    pass


# Dates stay strings (checked by the loader); only true/false are booleans.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_map(loader: Any, node: yaml.MappingNode) -> Any:
    data = MarkedDict()
    data.line = node.start_mark.line + 1
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in data:
            raise DuplicateKeyError(
                None,
                None,
                f"duplicate key '{key}' (first at line {data.key_lines[key]})",
                key_node.start_mark,
            )
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_node.start_mark.line + 1


def _construct_seq(loader: Any, node: yaml.SequenceNode) -> Any:
    data = MarkedList()
    data.line = node.start_mark.line + 1
    yield data
    for item in node.value:
        data.append(loader.construct_object(item, deep=True))
        data.item_lines.append(item.start_mark.line + 1)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def read_yaml(path: Path, *, display: str) -> tuple[Any, list[KBError]]:
    """Parse one file; on a syntax or duplicate-key error return it located."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [KBError(display, 1, "unreadable", str(exc))]
    try:
        return yaml.load(text, Loader=_Loader), []  # noqa: S506 - _Loader derives from SafeLoader
    except DuplicateKeyError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        return None, [KBError(display, line, "duplicate_key", str(exc.problem))]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return None, [KBError(display, line, "yaml_syntax", f"{exc.problem or exc}")]
    except yaml.YAMLError as exc:
        return None, [KBError(display, 1, "yaml_syntax", str(exc))]


def line_of(root: Any, path: Sequence[Any]) -> int:
    """The line of the deepest node on `path` (a jsonschema error path)."""
    line = getattr(root, "line", 1) or 1
    node = root
    for step in path:
        if isinstance(node, MarkedDict) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, MarkedList) and isinstance(step, int) and step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
        line = getattr(node, "line", 0) or line
    return line
