"""`comity attribute --ip` and `comity data status|update` through the real Typer app."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from comity.cli.main import app
from comity.hosting.ipdata import data_dir
from comity.hosting.ipdata.tables import reset_cache

runner = CliRunner()


def test_several_ips_print_json_lines_in_input_order() -> None:
    ips = ["95.59.0.1", "10.0.0.1", "104.16.0.1", "2a01:4f8::10", "8.8.8.8"]
    args = ["attribute", "--json"] + [a for ip in ips for a in ("--ip", ip)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["ip"] for r in lines] == ips
    for record in lines:
        for key in (
            "ip",
            "country",
            "asn",
            "org",
            "routable",
            "cdn",
            "jurisdictions",
            "observed_at",
            "ips",
        ):
            assert key in record
    private, cloudflare, hetzner = lines[1], lines[2], lines[3]
    assert private["routable"] is False and private["jurisdictions"] == []
    assert cloudflare["cdn"] == "Cloudflare"
    assert [j["role"] for j in cloudflare["jurisdictions"]] == ["cdn"]
    assert hetzner["jurisdictions"][0]["role"] == "hosting"
    assert hetzner["jurisdictions"][0]["country"] == "DE"


def test_ip_file_with_comments_then_flags_keep_order(tmp_path: Path) -> None:
    path = tmp_path / "ips.txt"
    path.write_text("# suspects\n151.101.1.1\n\n::1  # loopback\n")
    result = runner.invoke(app, ["attribute", "--ip", "8.8.8.8", "--ip-file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert [json.loads(x)["ip"] for x in result.stdout.splitlines()] == [
        "8.8.8.8",
        "151.101.1.1",
        "::1",
    ]


def test_bad_line_in_ip_file_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "ips.txt"
    path.write_text("8.8.8.8\n999.1.1.1\n")
    result = runner.invoke(app, ["attribute", "--ip-file", str(path)])
    assert result.exit_code == 2
    assert f"{path} line 2" in result.stderr and "999.1.1.1" in result.stderr


def test_invalid_ip_exits_2_naming_it() -> None:
    result = runner.invoke(app, ["attribute", "--ip", "8.8.8", "--json"])
    assert result.exit_code == 2
    assert "'8.8.8'" in result.stderr and result.stdout == ""


def test_ip_never_mixes_with_url() -> None:
    result = runner.invoke(app, ["attribute", "--ip", "8.8.8.8", "--url", "http://a.test/"])
    assert result.exit_code == 2


def test_data_status_lists_every_dataset_as_json() -> None:
    result = runner.invoke(app, ["data", "status", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["ip-asn"]["licence"] == "CC-BY-4.0" and rows["ip-asn"]["records"] > 100_000
    assert rows["cdn-ranges"]["healthy"] is True
    assert "iptocc" in rows


def test_data_status_exits_1_and_says_degraded_when_a_file_is_corrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "ipdata"
    shutil.copytree(data_dir(), target)
    (target / "ip-country.npz").write_bytes(b"not a table")
    monkeypatch.setenv("COMITY_IPDATA_DIR", str(target))
    reset_cache()
    result = runner.invoke(app, ["data", "status"])
    reset_cache()
    assert result.exit_code == 1
    assert "attribution degraded" in result.stderr and "ip-country.npz" in result.stderr


def test_data_update_refuses_when_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    from comity.core.settings import Settings

    monkeypatch.setattr("comity.hosting.ipdata.update.get_settings", lambda: Settings(online=False))
    result = runner.invoke(app, ["data", "update"])
    assert result.exit_code == 1
    assert "offline by default" in result.stderr and "COMITY_ONLINE=1" in result.stderr
