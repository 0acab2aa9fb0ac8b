"""The XARF v4 JSON Schemas (the shared copy of xarf/xarf-spec, MIT) as validators.

The product never reads them; the tests do, from ../shared/data/xarf-spec
beside the checkout (or beside its worktree folder).

XARF v4 lists no type for terrorist content. The specification's way to add
one ("Adding New Types", schemas/v4/types/README.md) is a type schema of its
own (ours: src/comity/dossiers/render/data/xarf-content-terrorist_content.json)
and a conditional reference to it in xarf-v4-master.json. `master_validator`
is the master schema with exactly that reference added, nothing else changed;
`stock_master_validator` is the master schema as published, which rejects
every type it does not list.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

__all__ = [
    "OURS",
    "SPEC",
    "load",
    "master_validator",
    "stock_master_validator",
    "validator",
]

ROOT = Path(__file__).resolve().parents[2]
OURS = ROOT / "src/comity/dossiers/render/data/xarf-content-terrorist_content.json"


def _spec() -> Path:
    tail = Path("shared/data/xarf-spec/schemas/v4")
    for parent in ROOT.parents:
        if (parent / tail).is_dir():
            return parent / tail
    return ROOT.parent / tail


SPEC = _spec()


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _registry() -> Registry:
    schemas = [SPEC / "xarf-core.json", *sorted((SPEC / "types").glob("*.json")), OURS]
    resources = [Resource.from_contents(load(p)) for p in schemas]
    return Registry().with_resources((r.id(), r) for r in resources if r.id())


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(
        schema, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def stock_master_validator() -> Draft202012Validator:
    return validator(load(SPEC / "xarf-v4-master.json"))


def master_validator() -> Draft202012Validator:
    """xarf-v4-master.json with our type registered as the specification says to."""
    master = copy.deepcopy(load(SPEC / "xarf-v4-master.json"))
    ours = load(OURS)
    pair = {"category": {"const": "content"}, "type": {"const": "terrorist_content"}}
    routing = next(part["anyOf"] for part in master["allOf"] if "anyOf" in part)
    routing.append({"properties": {**pair, "type": {"enum": ["terrorist_content"]}}})
    master["allOf"].append({"if": {"properties": pair}, "then": {"$ref": ours["$id"]}})
    return validator(master)
