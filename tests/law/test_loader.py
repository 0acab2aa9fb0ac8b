"""The strict loader: one broken fixture per error kind, each located by file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from comity.law.cli import register
from comity.law.kb.loader import DEFAULT_ROOT, KnowledgeBaseError, kb_digest, load_kb, validate_path

BROKEN = Path(__file__).parent / "fixtures" / "broken"
KINDS = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


def _marker(kind: str) -> tuple[Path, int]:
    """The one line marked `# <-- error` in the fixture (a jurisdiction or register file)."""
    (found,) = [
        (path, i)
        for path in sorted((BROKEN / kind).glob("*/*.yaml"))
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "# <-- error" in line
    ]
    return found


def test_every_error_kind_has_a_fixture() -> None:
    assert len(KINDS) >= 15
    assert {
        "duplicate_key",
        "unknown_key",
        "bad_date",
        "overlapping_periods",
        "unknown_conduct",
        "unknown_fact",
        "missing_source",
        "duplicate_id",
        "missing_note",
    } <= set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_broken_fixture_names_file_and_line(kind: str) -> None:
    path, line = _marker(kind)
    errors = validate_path(BROKEN / kind)
    hits = [e for e in errors if e.kind == kind]
    assert hits, [str(e) for e in errors]
    error = hits[0]
    assert Path(error.file).name == path.name and f"{kind}/{path.parent.name}" in error.file
    # a YAML syntax error is detected where the parser gives up: the next line at most
    assert error.line in ((line, line + 1) if kind == "yaml_syntax" else (line,))
    assert f"{path.name}:{error.line}:" in str(error)


def test_bundled_knowledge_base_is_valid_and_loads() -> None:
    assert validate_path(DEFAULT_ROOT) == []
    kb = load_kb()
    assert {"KZ", "EU"} <= set(kb.jurisdictions)
    assert kb.digest == kb_digest(DEFAULT_ROOT) and len(kb.digest) == 64
    assert load_kb() is kb  # cached: loaded once per process


def test_every_provision_has_a_source_and_dated_versions() -> None:
    kb = load_kb()
    for provision in kb.provisions_by_id.values():
        assert provision.source.url.startswith("http"), provision.id
        assert provision.versions and all(v.start for v in provision.versions)
        if provision.confidence != "high":
            assert provision.note, provision.id


def test_a_broken_root_refuses_to_load(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_ROOT, root)
    text = (root / "KZ" / "provisions.yaml").read_text(encoding="utf-8")
    (root / "KZ" / "provisions.yaml").write_text(
        text.replace("conducts: [terrorism.threat]", "conducts: [terrorism.threats]"),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError) as info:
        load_kb(root)
    assert "provisions.yaml:" in info.value.message and "terrorism.threats" in info.value.message


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("  - fact: violence\n    value: true", "  - fact: violent\n    value: true", "violent"),
        ("  - fact: violence\n    value: true", "  - fact: violence\n    value: maybe", "maybe"),
        ("[terrorism.glorification]\n    reason", "[glory]\n    reason", "glory"),
        ("when: {fact: intent, value: true}", "when: {fact: aim, value: true}", "aim"),
        ("when: {fact: intent, value: true}", "when: {fact: intent, value: maybe}", "maybe"),
        (
            "when: {fact: intent, value: true}",
            "when: {fact: knowing_and_willing, value: true}",
            "itself",
        ),
    ],
)
def test_an_implied_fact_must_name_a_known_fact_value_and_conduct(
    tmp_path: Path, old: str, new: str, needle: str
) -> None:
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_ROOT, root)
    path = root / "_vocabulary.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    errors = validate_path(root)
    assert [e.kind for e in errors] == ["bad_implied_fact"], [str(e) for e in errors]
    assert "_vocabulary.yaml:" in str(errors[0]) and needle in errors[0].message


def test_digest_changes_with_content(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_ROOT, root)
    before = kb_digest(root)
    path = root / "KZ" / "jurisdiction.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert kb_digest(root) != before


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def test_cli_validate_exits_1_with_file_and_line() -> None:
    result = CliRunner().invoke(_app(), ["law", "validate", str(BROKEN / "bad_date")])
    assert result.exit_code == 1
    assert "bad_date/LU/provisions.yaml:10: [bad_date]" in result.output


def test_cli_validate_ok_on_bundled_kb() -> None:
    result = CliRunner().invoke(_app(), ["law", "validate"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok:")


@pytest.mark.parametrize(
    ("inserted", "refused"),
    [
        ("(hoax_terrorism) ", True),
        ("(terrorism.threat) ", True),
        # snake_case that is no vocabulary code, and a code's words in prose, pass
        ("(hoax_terrorisms) ", False),
        ("(a terrorism threat) ", False),
    ],
)
def test_a_leaf_label_naming_a_vocabulary_code_is_refused(
    tmp_path: Path, inserted: str, refused: bool
) -> None:
    """Labels are shown to lawyers in words; a code in one is caught at load, not by the
    browser walk after it landed (law25-eub's DE § 126(2) label)."""
    root = tmp_path / "kb"
    shutil.copytree(DEFAULT_ROOT, root)
    path = root / "FR" / "provisions.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    line = next(n for n, text in enumerate(lines, 1) if "{fact: public, label: " in text)
    lines[line - 1] = lines[line - 1].replace('label: "', f'label: "{inserted}', 1)
    path.write_text("".join(lines), encoding="utf-8")
    errors = validate_path(root)
    if not refused:
        assert errors == [], [str(e) for e in errors]
        return
    assert [e.kind for e in errors] == ["label_names_code"], [str(e) for e in errors]
    assert f"FR/provisions.yaml:{line}:" in str(errors[0])
    assert inserted.strip("() ") in errors[0].message
