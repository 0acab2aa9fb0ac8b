"""A missing or corrupt dataset file is detected at load with the file named."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from comity.hosting.ipdata import DatasetError, data_dir, health, lookup
from comity.hosting.ipdata.tables import reset_cache


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    target = tmp_path / "ipdata"
    shutil.copytree(data_dir(), target)
    monkeypatch.setenv("COMITY_IPDATA_DIR", str(target))
    reset_cache()
    yield target
    reset_cache()


def test_bundled_datasets_are_healthy_and_sourced() -> None:
    statuses = health()
    names = {s.name for s in statuses}
    assert {"ip-asn", "asn-org", "ip-country", "cdn-ranges", "cdn-operators", "iptocc"} <= names
    for s in statuses:
        assert s.healthy, s.problem
        assert s.licence and s.date and s.upstream


def test_flipped_byte_in_a_table_is_refused_naming_the_file(copy: Path) -> None:
    path = copy / "ip-asn.npz"
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(DatasetError) as err:
        lookup(["8.8.8.8"])
    assert str(path) in err.value.message and "corrupt" in err.value.message
    broken = [s for s in health() if not s.healthy]
    assert [s.name for s in broken] == ["ip-asn"]


def test_missing_file_is_reported_by_health_without_raising(copy: Path) -> None:
    (copy / "cdn-operators.yaml").unlink()
    statuses = {s.name: s for s in health()}
    assert statuses["cdn-operators"].healthy is False
    assert "cdn-operators.yaml" in (statuses["cdn-operators"].problem or "")
    assert statuses["ip-asn"].healthy is True
    with pytest.raises(DatasetError, match=r"cdn-operators\.yaml"):
        lookup(["1.1.1.1"])


def test_truncated_table_with_matching_checksum_is_unreadable_not_a_crash(copy: Path) -> None:
    # Someone "fixes" the checksum after truncation: the npz itself must still be refused.
    from comity.hosting.ipdata.build import sha256_file

    path = copy / "asn-org.npz"
    path.write_bytes(path.read_bytes()[:1000])
    sources = yaml.safe_load((copy / "sources.yaml").read_text())
    for entry in sources["datasets"]:
        if entry["file"] == "asn-org.npz":
            entry["sha256"] = sha256_file(path)
    (copy / "sources.yaml").write_text(yaml.safe_dump(sources))
    with pytest.raises(DatasetError, match=r"asn-org\.npz is not a readable table"):
        lookup(["8.8.8.8"])


def test_unknown_key_in_sources_yaml_is_refused(copy: Path) -> None:
    sources = yaml.safe_load((copy / "sources.yaml").read_text())
    sources["datasets"][0]["licence_url"] = "x"
    (copy / "sources.yaml").write_text(yaml.safe_dump(sources))
    with pytest.raises(DatasetError, match=r"unknown keys \['licence_url'\]"):
        lookup(["8.8.8.8"])
    assert health()[0].healthy is False
