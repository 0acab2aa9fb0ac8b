"""`comity url canonical` and `comity url inspect`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from comity.cli.main import app
from comity.core.settings import Settings, override_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def _allow_loopback(tmp_path: Path) -> Iterator[None]:
    with override_settings(Settings(home=tmp_path, fetch_allow=("127.0.0.1",), user=None)):
        yield


def test_canonical_prints_only_the_canonical_url() -> None:
    result = runner.invoke(
        app, ["url", "canonical", "HTTP://Example.COM:80/a/../b?utm_source=x#top"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "http://example.com/b\n"


def test_inspect_json_has_host_domain_suffix_and_flags() -> None:
    result = runner.invoke(app, ["url", "inspect", "--json", "https://alice.blogspot.com/p?id=1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["url"] == "https://alice.blogspot.com/p?id=1"
    assert data["host"] == "alice.blogspot.com"
    assert data["registrable_domain"] == "alice.blogspot.com"
    assert data["public_suffix"] == "blogspot.com"
    assert data["flags"] == ["private_suffix"]


def test_inspect_human_output_shows_unicode_host_and_flags() -> None:
    result = runner.invoke(app, ["url", "inspect", "http://p\u0430ypal.com/"])
    assert result.exit_code == 0, result.output
    assert "xn--pypal-4ve.com (p\u0430ypal.com)" in result.stdout
    assert "mixed_script" in result.stdout


def test_inspect_shows_ipv6_brackets_literally() -> None:
    result = runner.invoke(app, ["url", "inspect", "http://[2001:4860::8888]:8080/"])
    assert result.exit_code == 0, result.output
    assert "http://[2001:4860::8888]:8080/" in result.stdout


@pytest.mark.parametrize("command", ["canonical", "inspect"])
@pytest.mark.parametrize(
    ("url", "reason"),
    [("javascript:alert(1)", "scheme 'javascript'"), ("http://10.0.0.1/", "private")],
)
def test_bad_url_is_one_line_on_stderr_and_exit_2(command: str, url: str, reason: str) -> None:
    result = runner.invoke(app, ["url", command, url])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and reason in lines[0]


def test_settings_allowlist_reaches_the_cli() -> None:
    result = runner.invoke(app, ["url", "inspect", "--json", "http://127.0.0.1:8000/x"])
    assert result.exit_code == 0, result.output
    assert "allowlisted" in json.loads(result.stdout)["flags"]
