"""Typed, frozen settings from `COMITY_*` environment variables and an optional TOML file.

Precedence (highest first): environment, TOML file (`COMITY_CONFIG`, else
`$COMITY_HOME/comity.toml` when present), defaults. Settings are read once per
process (`get_settings`) and never mutated; tests build their own with
`Settings(...)` or `override_settings`.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from comity.core.errors import BadInput

__all__ = ["DEV_SECRET", "Settings", "get_settings", "override_settings"]

# A placeholder, not a secret: refused outside development mode (see _refuse_default_secret).
DEV_SECRET = "comity-development-only-secret-key"  # noqa: S105


def _toml_path() -> Path | None:
    explicit = os.environ.get("COMITY_CONFIG")
    if explicit:
        return Path(explicit)
    home = Path(os.environ.get("COMITY_HOME", "var"))
    candidate = home / "comity.toml"
    return candidate if candidate.is_file() else None


class Settings(BaseSettings):
    """Everything Comity can be told from outside the code."""

    model_config = SettingsConfigDict(
        env_prefix="COMITY_", frozen=True, extra="forbid", env_ignore_empty=True
    )

    mode: Literal["development", "production"] = "development"
    home: Path = Path("var")
    database_url: str | None = None
    queue_url: str | None = None
    secret_key: str = DEV_SECRET
    user: str | None = None
    # Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks,
    # comma-separated). Empty: nobody, not even loopback (comity.web.serving).
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(default=())
    requesting_state: str = "KZ"
    # The time zone the pages show dates in (an IANA name: "Asia/Almaty"); times are
    # stored in UTC and every shown time names its zone.
    time_zone: str = Field(default="UTC", max_length=64)
    # How old the dashboard's figures may be, in seconds: each web process computes
    # them at most once per period and language, however many supervisors look
    # (0: on every view). The page says when they were computed.
    dashboard_cache_seconds: int = Field(default=30, ge=0, le=3600)
    # The domain of the Message-ID of every e-mail Comity writes (RFC 5322
    # 3.6.4: id-right); empty: the sender's own e-mail domain.
    mail_domain: str = Field(
        default="",
        pattern=r"^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$|^$",
        max_length=253,
    )
    online: bool = False
    # Addresses, networks or host names the fetcher may reach although they are
    # not public (the demo internet, tests). Comma-separated in the environment.
    fetch_allow: Annotated[tuple[str, ...], NoDecode] = Field(default=())
    # Ports the fetcher and monitor may connect to ("8080" or "8000-8099",
    # comma-separated); anything else is refused as a likely SSRF probe.
    fetch_allowed_ports: Annotated[tuple[str, ...], NoDecode] = Field(default=("80", "443"))
    # DNS resolvers as ip[:port] (comma-separated); empty means the system resolver.
    dns_servers: Annotated[tuple[str, ...], NoDecode] = Field(default=())
    dns_timeout_seconds: float = 3.0
    # Demo internet and tests: host name -> loopback ip:port to connect to instead
    # of the public address DNS gives ("name=127.0.0.1:8080", comma-separated).
    connect_overrides: Annotated[tuple[str, ...], NoDecode] = Field(default=())
    # Seconds one connect, read or write may wait, and the overall deadline of
    # one capture and of one monitor check (headers, body and redirects
    # together, retries included for the monitor): a server that dribbles a
    # byte at a time never holds a batch longer than its deadline.
    fetch_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    capture_deadline_seconds: float = Field(default=30.0, gt=0, le=600)
    monitor_deadline_seconds: float = Field(default=15.0, gt=0, le=300)
    fetch_max_bytes: int = 20_000_000
    fetch_max_redirects: int = 5
    # The largest request body the web server accepts (an upload): refused with
    # 413 from its Content-Length, or as it streams, before it reaches the disk.
    max_upload_mb: int = Field(default=100, ge=1, le=10_000)
    # API requests per credential (token, session, or client address) per window;
    # past it, 429 with Retry-After (comity.web.ratelimit).
    api_rate_limit: int = Field(default=1200, ge=1, le=10_000_000)
    api_rate_window_seconds: int = Field(default=60, ge=1, le=3600)
    # Outgoing webhooks (comity.webhooks): the whole of one attempt (connect, send,
    # read the answer) is bounded; a private or loopback address is refused unless
    # webhook_allow_loopback (tests and the demo only) lets loopback through.
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    webhook_allow_loopback: bool = False
    evidence_max_age_days: int = 30
    # Retention periods in days that replace the defaults of
    # comity.complaints.retention ("evidence.withdrawn=180", comma-separated).
    retention_days: Annotated[tuple[str, ...], NoDecode] = Field(default=())
    approval_valid_days: int = 30
    # Rows per import transaction: at 1M rows 20,000 beat 5,000 by a quarter
    # (bench/results/intake.md); an interrupted import keeps complete batches.
    import_batch_size: int = 20_000
    # Monitor politeness, per worker process: checks started per second, all
    # hosts together, and checks in flight to one host name. A worker at 50/s
    # is about a sixteenth of what it can do (bench/results/monitor.md): raise
    # the rate for a large list spread over many hosts, never per_host, which
    # is what a single small site feels.
    monitor_rate: float = Field(default=50.0, gt=0, le=10_000)
    monitor_per_host: int = Field(default=2, ge=1, le=16)
    # Ed25519 private key (PEM file, made by `comity audit keygen`) that signs
    # exported audit chain heads. It must live outside the database (ideally on
    # another machine's disk); the periodic export writes to audit_head_dir
    # (default: <home>/audit-heads), to be copied off the database host.
    audit_signing_key: Path | None = None
    audit_head_dir: Path | None = None
    # The signed documents (notes verbales, letter of request): the text of the
    # Ministry of Foreign Affairs' seal, the initials of the officer who initials it,
    # and the contact of the requesting authority named in the body. Empty:
    # such a document is refused before issue, naming the missing setting
    # (comity.dossiers.build.letterhead). The place of issue and the names are
    # in dossiers/parties.yaml.
    sender_seal: str = Field(default="", max_length=300)
    sender_initials: str = Field(default="", max_length=40)
    # A letter of request is sealed by the central authority that sends it.
    central_authority_seal: str = Field(default="", max_length=300)
    central_authority_initials: str = Field(default="", max_length=40)
    sender_contact_email: str = Field(default="", max_length=254)
    sender_contact_phone: str = Field(default="", max_length=40)
    # How a note verbale reaches the host state: to its ministry of foreign
    # affairs (default), to its embassy in the requesting state's capital, or
    # to its ministry through the requesting state's embassy there.
    note_via: Literal["foreign_ministry", "host_embassy", "own_embassy"] = "foreign_ministry"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _toml_path()
        if path is not None:
            if not path.is_file():
                raise BadInput(f"{path}: settings file not found (COMITY_CONFIG)")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: Any) -> Any:
        parts = value.split(",") if isinstance(value, str) else value
        entries = tuple(str(part).strip() for part in parts if str(part).strip())
        for entry in entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network") from None
        return entries

    @field_validator(
        "fetch_allow",
        "fetch_allowed_ports",
        "dns_servers",
        "connect_overrides",
        "retention_days",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Asia/Almaty)") from None
        return value

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.mode != "development" and self.secret_key == DEV_SECRET:
            raise ValueError(
                "COMITY_SECRET_KEY must be set to a secret of your own outside development mode"
            )
        if self.mode != "development" and len(self.secret_key) < 32:
            raise ValueError("COMITY_SECRET_KEY must be at least 32 characters in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        """The database URL; the embedded SQLite file under `home` by default."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'comity.db').resolve()}"

    def public_dict(self) -> dict[str, Any]:
        """Settings as shown to a person: the secret key is never printed."""
        data = self.model_dump(mode="json")
        data["secret_key"] = (
            "(default, development only)" if (self.secret_key == DEV_SECRET) else "(set)"
        )
        data["database_url"] = _redact_url(self.resolved_database_url)
        if self.queue_url:
            data["queue_url"] = _redact_url(self.queue_url)
        return data


def _redact_url(url: str) -> str:
    """Hide a password in a database or queue URL."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    creds, _, hostpart = rest.rpartition("@")
    user = creds.split(":", 1)[0]
    return f"{scheme}://{user}:***@{hostpart}"


@lru_cache(maxsize=1)
def _cached() -> Settings:
    try:
        return Settings()
    except BadInput:
        raise
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        raise BadInput(f"settings: {_first_error(exc)}") from None


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = str(first.get("msg", exc)).removeprefix("Value error, ")
        return f"{where}: {message}" if where else message
    return str(exc)


_override: list[Settings] = []


def get_settings() -> Settings:
    """The process's settings (or the innermost `override_settings`)."""
    if _override:
        return _override[-1]
    return _cached()


@contextmanager
def override_settings(settings: Settings) -> Iterator[Settings]:
    """Use `settings` for the duration of the block (tests, the demo)."""
    _override.append(settings)
    try:
        yield settings
    finally:
        _override.pop()


def reset_settings_cache() -> None:
    """Forget cached settings (after the environment changed)."""
    _cached.cache_clear()
