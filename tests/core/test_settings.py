"""Settings: typed, frozen, from environment and TOML; no default secret in production."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from comity.cli.main import app
from comity.core.settings import DEV_SECRET, Settings

runner = CliRunner()


def test_environment_variables_are_read_and_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMITY_FETCH_ALLOW", "127.0.0.1, 10.0.0.0/8 ,demo.test")
    monkeypatch.setenv("COMITY_ONLINE", "true")
    monkeypatch.setenv("COMITY_IMPORT_BATCH_SIZE", "250")
    settings = Settings()
    assert settings.fetch_allow == ("127.0.0.1", "10.0.0.0/8", "demo.test")
    assert settings.online is True and settings.import_batch_size == 250


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.online = True  # type: ignore[misc]


def test_toml_file_is_read_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "comity.toml"
    config.write_text('requesting_state = "KG"\nfetch_max_redirects = 2\n', encoding="utf-8")
    monkeypatch.setenv("COMITY_CONFIG", str(config))
    monkeypatch.setenv("COMITY_FETCH_MAX_REDIRECTS", "7")
    settings = Settings()
    assert settings.requesting_state == "KG" and settings.fetch_max_redirects == 7


def test_default_secret_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMITY_MODE", "production")
    with pytest.raises(ValidationError, match="COMITY_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("COMITY_SECRET_KEY", "x" * 40)
    assert Settings().secret_key != DEV_SECRET


def test_unknown_setting_in_toml_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "comity.toml"
    config.write_text("no_such_setting = 1\n", encoding="utf-8")
    monkeypatch.setenv("COMITY_CONFIG", str(config))
    with pytest.raises(ValidationError, match="no_such_setting"):
        Settings()


def test_config_show_hides_secrets_and_passwords(settings: Settings) -> None:
    result = runner.invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["secret_key"] == "(default, development only)"
    assert DEV_SECRET not in result.stdout
    assert data["database_url"].startswith(("sqlite:///", "postgresql"))
    assert ":***@" in Settings(database_url="postgresql://u:pw@h/db").public_dict()["database_url"]


@pytest.mark.parametrize("domain", ["mail.atc.example", "atc.example", ""])
def test_the_message_id_domain_is_a_host_name(domain: str) -> None:
    assert Settings(mail_domain=domain).mail_domain == domain


@pytest.mark.parametrize("domain", ["atc.example>", "a b.example", "x@atc.example", "-x.example"])
def test_a_message_id_domain_that_would_break_the_header_is_refused(domain: str) -> None:
    with pytest.raises(ValidationError, match="mail_domain"):
        Settings(mail_domain=domain)
