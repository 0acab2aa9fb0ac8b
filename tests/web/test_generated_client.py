"""A client generated from the OpenAPI document runs the whole job (issue 20).

The document is the contract an integrator builds on: here openapi-python-client
(run from its own environment, `make test` builds it: requirements/client-gen.in)
generates a Python client from the live document, and that client, over real
HTTP on loopback, takes an item from report to verified removal, each step by
the role that does it. The audit trail it leaves must be the one the plain API
calls leave (tests/web/test_api_job.py compares those with the pages).
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from comity.demo.internet import DemoInternet
from tests.web.browser import serve
from tests.web.test_api_job import FACTS, NOTE, URL, _api_steps, _trail, api, demo_net

__all__ = ["api", "demo_net"]  # the fixtures, re-used from the API job test

_GENERATOR = os.environ.get("COMITY_CLIENT_GENERATOR")
pytestmark = pytest.mark.skipif(
    not _GENERATOR,
    reason="run through `make test`, which builds the generator's environment (.venv-gen)",
)
PACKAGE = "comity_client"


def _generate(doc: dict[str, Any], where: Path) -> str:
    spec = where / "openapi.json"
    spec.write_text(json.dumps(doc), encoding="utf-8")
    config = where / "config.json"
    # no post hooks: the generator would run ruff from PATH on the output
    config.write_text(
        json.dumps({"package_name_override": PACKAGE, "post_hooks": []}), encoding="utf-8"
    )
    assert _GENERATOR and Path(_GENERATOR).exists(), f"no generator at {_GENERATOR}"
    done = subprocess.run(
        [
            _GENERATOR,
            "generate",
            "--path",
            str(spec),
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(where / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.fixture
def generated(
    api: tuple[TestClient, dict[str, dict[str, str]]], tmp_path: Path
) -> Iterator[tuple[ModuleType, str]]:
    client, _ = api
    output = _generate(client.app.openapi(), tmp_path)  # type: ignore[attr-defined]
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE), output
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _op(package: ModuleType, tag: str, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.api.{tag}.{name}")


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content[:500]
    return json.loads(response.content)


def test_every_operation_is_generated_without_a_warning(
    generated: tuple[ModuleType, str], api: tuple[TestClient, dict[str, dict[str, str]]]
) -> None:
    package, output = generated
    # the generator says "Warning(s) encountered" and names each operation or
    # schema it had to leave out: an integrator's client would miss them
    assert "Warning" not in output, output
    client, _ = api
    doc = client.app.openapi()  # type: ignore[attr-defined]
    ids = {
        op["operationId"]
        for methods in doc["paths"].values()
        for op in methods.values()
        if isinstance(op, dict) and "operationId" in op
    }
    api_dir = Path(package.__file__).parent / "api"
    modules = {p.stem for p in api_dir.rglob("*.py") if p.stem != "__init__"}
    assert ids == modules
    # short names an integrator can type, not FastAPI's path-derived ones
    assert "propose" in modules and "decide_proposals" in modules


def test_the_generated_client_runs_the_whole_job_and_leaves_the_api_trail(
    generated: tuple[ModuleType, str],
    api: tuple[TestClient, dict[str, dict[str, str]]],
    engine: Engine,
    demo_net: DemoInternet,
) -> None:
    package, _ = generated
    test_client, h = api
    # the same job through plain HTTP calls first: the trail to compare with
    start, _ = _trail(engine, 0)
    _api_steps(test_client, h, URL.replace("post-1", "post-3"))
    middle, by_plain_calls = _trail(engine, start)

    models = importlib.import_module(f"{package.__name__}.models")
    job = "v1_the_job"
    with serve(test_client.app) as base, ExitStack() as clients:  # type: ignore[arg-type]

        def as_user(name: str) -> Any:
            token = h[name]["Authorization"].removeprefix("Bearer ")
            return clients.enter_context(
                package.AuthenticatedClient(base_url=base, token=token, timeout=120.0)
            )

        alice, rita, leo = as_user("alice"), as_user("rita"), as_user("leo")
        item = _ok(
            _op(package, "v1", "create_item").sync_detailed(
                client=alice,
                body=models.NewReport.from_dict(
                    {"url": URL.replace("post-1", "post-4"), "conduct": "terrorism.glorification"}
                ),
            ),
            201,
        )
        item_id = item["id"]
        # An optional body must be given, even empty: the generator (0.29.1) sends
        # its UNSET marker as JSON otherwise (docs/api-guide.md says so).
        empty = models.CaptureBody.from_dict({})
        _ok(_op(package, job, "capture").sync_detailed(item_id, client=alice, body=empty))
        _ok(_op(package, job, "attribute").sync_detailed(item_id, client=alice))
        assessed = _ok(
            _op(package, job, "assess").sync_detailed(
                item_id, client=alice, body=models.AssessBody.from_dict({"facts": FACTS})
            )
        )
        de = next(a for a in assessed["assessments"] if a["host"] == "DE")
        channel = next(c for c in de["channels"] if c != "no_action")
        proposal = _ok(
            _op(package, job, "propose").sync_detailed(
                item_id,
                client=alice,
                body=models.ProposeBody.from_dict(
                    {"assessment": de["id"], "channel": channel, "note": NOTE}
                ),
            ),
            201,
        )
        decide = _op(package, job, "decide_proposals")
        # a conditional assessment is approved only with its missing facts named
        body = models.ReviewDecision.from_dict(
            {
                "decision": "approve",
                "reason": "Dual criminality established (DE): missing facts shown on the capture.",
                "established": de["missing_facts"],
            }
        )
        # the proposer cannot decide: a problem document, parsed by the client
        refused = decide.sync_detailed(proposal["id"], client=alice, body=body)
        assert refused.status_code == 403
        assert json.loads(refused.content)["status"] == 403
        _ok(decide.sync_detailed(proposal["id"], client=rita, body=body))
        built = _ok(
            _op(package, job, "build").sync_detailed(
                client=leo, body=models.BuildBody.from_dict({"channel": channel, "host": "DE"})
            )
        )
        dossier_id = built["created"][0]["id"]
        issued = _ok(
            _op(package, job, "issue_dossier").sync_detailed(
                dossier_id, client=leo, body=models.IssueBody.from_dict({})
            )
        )
        _ok(
            _op(package, job, "dispatch").sync_detailed(
                client=leo, body=models.DispatchBody.from_dict({"dossier": dossier_id})
            ),
            201,
        )
        answered = _ok(
            _op(package, job, "answer").sync_detailed(
                issued["reference"],
                client=leo,
                body=models.AnswerBody.from_dict({"item_id": item_id, "decision": "removed"}),
            )
        )
        assert answered["items"][0]["decision"] == "removed"
        got = _op(package, "v1", "get_item").sync(item_id, client=alice)
        assert got is not None and got.id == item_id and got.state == "answered"

    _, by_generated_client = _trail(engine, middle)
    assert by_generated_client == by_plain_calls
