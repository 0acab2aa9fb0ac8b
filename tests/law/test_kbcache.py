"""The knowledge-base disk cache: the same answers as a fresh load, never stale."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from comity.law._index import index_of
from comity.law.engine import assess
from comity.law.kb import _kbcache
from comity.law.kb.loader import DEFAULT_ROOT, KnowledgeBaseError, kb_digest, read_kb

SAMPLE = [
    ("terrorism.incitement", {"public": True, "intent": True}, "DE", "2024-05-01"),
    ("terrorism.glorification", {"public": True}, "US", "2020-01-01"),
    ("separatism.propaganda", {"public": True}, "RU", "2019-06-01"),
    ("terrorism.threat", {"intent": True, "purpose": "journalistic"}, "FR", "2023-02-01"),
    ("terrorism.recruitment", {"public": True}, "GB", "2015-03-01"),
    ("hatred.incitement", {"public": True}, "EU", "2012-01-01"),
    ("terrorism.financing", {}, "MN", "2024-05-01"),
]


@pytest.fixture
def kb_root(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_ROOT, root)
    return root


def _answers(root: Path, cache_dir: Path | None) -> list[dict[str, object]]:
    kb = read_kb(root, cache_dir=cache_dir)
    return [
        assess(kb=kb, conduct=c, facts=f, host=h, on=d, cache=False).to_json()
        for c, f, h, d in SAMPLE
    ]


def test_cached_kb_gives_the_same_assessments_as_a_fresh_load(
    kb_root: Path, tmp_path: Path
) -> None:
    cache_dir = tmp_path / "cache"
    fresh = _answers(kb_root, None)
    first = _answers(kb_root, cache_dir)  # miss: validates, then writes the entry
    (entry,) = cache_dir.glob("kb-*.json")
    assert entry.name == f"kb-{kb_digest(kb_root)}.json"
    warm = _answers(kb_root, cache_dir)  # hit
    assert fresh == first == warm
    assert read_kb(kb_root, cache_dir=cache_dir) == read_kb(kb_root, cache_dir=None)


def test_a_modified_yaml_file_invalidates_the_cache(kb_root: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    before = read_kb(kb_root, cache_dir=cache_dir)
    path = kb_root / "KZ" / "provisions.yaml"
    text = path.read_text(encoding="utf-8")
    # a mistake the strict loader must catch: proves the edited file is validated again
    path.write_text(
        text.replace("conducts: [terrorism.threat]", "conducts: [terrorism.threats]", 1),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError, match=r"terrorism\.threats"):
        read_kb(kb_root, cache_dir=cache_dir)
    # an innocent edit: a new version, a new entry, and the edit is what the engine sees
    path.write_text(text.replace("УК РК ст. 180", "УК РК ст. 180 (edited)", 1), encoding="utf-8")
    after = read_kb(kb_root, cache_dir=cache_dir)
    assert after.digest != before.digest
    assert any("(edited)" in p.citation for p in after.provisions_by_id.values())
    assert len(list(cache_dir.glob("kb-*.json"))) == 2


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda data: b"\x00not json",
        lambda data: json.dumps({**data, "digest": "0" * 64}).encode(),
        lambda data: json.dumps({**data, "code": "older loader"}).encode(),
        lambda data: json.dumps({**data, "folders": []}).encode(),
    ],
    ids=["unreadable", "other_digest", "other_loader_code", "wrong_shape"],
)
def test_a_bad_cache_entry_is_ignored_and_rewritten(
    kb_root: Path, tmp_path: Path, corrupt: object
) -> None:
    cache_dir = tmp_path / "cache"
    expected = read_kb(kb_root, cache_dir=cache_dir)
    (entry,) = cache_dir.glob("kb-*.json")
    entry.write_bytes(corrupt(json.loads(entry.read_bytes())))  # type: ignore[operator]
    assert read_kb(kb_root, cache_dir=cache_dir) == expected
    assert json.loads(entry.read_bytes())["digest"] == expected.digest  # rebuilt


def test_an_unwritable_cache_directory_only_costs_time(kb_root: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be", encoding="utf-8")
    kb = read_kb(kb_root, cache_dir=blocker / "cache")
    assert kb.digest == kb_digest(kb_root)


def test_cache_location_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COMITY_KB_CACHE", "off")
    assert _kbcache.default_cache_dir() is None
    monkeypatch.setenv("COMITY_KB_CACHE", str(tmp_path / "elsewhere"))
    assert _kbcache.default_cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("COMITY_KB_CACHE")
    monkeypatch.setenv("COMITY_HOME", str(tmp_path / "home"))
    assert _kbcache.default_cache_dir() == tmp_path / "home" / "cache"


def test_a_warm_start_imports_neither_yaml_nor_jsonschema(tmp_path: Path) -> None:
    code = (
        "import sys; from comity.law.kb.loader import load_kb; kb = load_kb(); "
        "print(len(kb.jurisdictions), 'yaml' in sys.modules, 'jsonschema' in sys.modules)"
    )
    env = {**os.environ, "COMITY_KB_CACHE": str(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    # cold: validated from the YAML; the compiled schema check accepts it, so jsonschema
    # (loaded only to name the errors of a rejected file) stays out
    assert runs[0][1:] == ["True", "False"]
    assert runs[1][1:] == ["False", "False"]  # warm: built from the validated entry
    assert runs[0][0] == runs[1][0]


def test_verdict_memo_admits_repeats_and_never_leaks_between_dates() -> None:
    kb = read_kb(DEFAULT_ROOT, cache_dir=None)
    args = {"kb": kb, "conduct": "terrorism.incitement", "facts": {"public": True}, "host": "MN"}
    once = assess(**args, on="2015-01-01")  # type: ignore[arg-type]
    assert not kb.memo.get("verdicts")  # a key seen once is not kept
    early = assess(**args, on="2015-01-01")  # type: ignore[arg-type]
    late = assess(**args, on="2015-01-02")  # type: ignore[arg-type]
    index = index_of(kb)
    assert index.bucket(early.date) == index.bucket(late.date)
    assert early.verdict is late.verdict  # one knowledge-base period, one memoised verdict
    assert once == early and early.to_json()["date"] != late.to_json()["date"]
