"""Request dossiers in the database: drafts, issued (frozen) versions and their files.

A dossier is a draft until it is issued; issuing assigns the reference number,
stores every rendered file with its SHA-256 and freezes the dossier. Nothing
about an issued dossier changes afterwards except that a later version may
mark it `superseded`: the service has no other UPDATE path, and triggers
created by migration 0006 refuse anything else at the database level.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from comity.core.db import Base, UTCDateTime, utcnow

__all__ = ["DOSSIER_STATES", "DossierEntry", "DossierFile", "DossierRecord", "DossierSequence"]

DOSSIER_STATES = ("draft", "issued", "superseded")


class DossierRecord(Base):
    """One dossier (one version) to one addressee."""

    __tablename__ = "dossiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    channel: Mapped[str] = mapped_column(String(48), nullable=False)
    # Hosting country for one-state dossiers; None for the EU coordinator list.
    host: Mapped[str | None] = mapped_column(String(8))
    # Authority id (e.g. "DE.AA"), "provider:<name>" or "coordinator:EU".
    addressee_key: Mapped[str] = mapped_column(String(300), nullable=False, index=True)
    # Party fields, with per-language names: {"country":..., "names": {"en": {...}}}
    addressee: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    sender: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    languages: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    # Languages wanted but not rendered, with the reason (e.g. no dative name).
    skipped_languages: Mapped[dict[str, str]] = mapped_column(JSON, nullable=False)
    priority: Mapped[str] = mapped_column(String(16), nullable=False, default="standard")
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    issued_by: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    issue_date: Mapped[date | None] = mapped_column(Date)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DossierEntry(Base):
    """A proposal in a dossier: included, or taken out (moved, vanished) with the reason.

    `attribution_id` is the observation the entry was grouped on; `snapshot` is
    the annex line exactly as issued (hosting re-attributed at issue time).
    """

    __tablename__ = "dossier_items"
    __table_args__ = (UniqueConstraint("dossier_id", "proposal_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), nullable=False, index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), nullable=False, index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), nullable=False, index=True)
    attribution_id: Mapped[int | None] = mapped_column(ForeignKey("attributions.id"))
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="included")
    reason: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DossierFile(Base):
    """One rendered file of an issued dossier, stored content-addressed under the data folder."""

    __tablename__ = "dossier_files"
    __table_args__ = (
        UniqueConstraint("dossier_id", "format", "language"),
        Index("ix_dossier_files_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), nullable=False)
    format: Mapped[str] = mapped_column(String(16), nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    path: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


class DossierSequence(Base):
    """The last reference number given per year (one row per year, locked while counting)."""

    __tablename__ = "dossier_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, nullable=False)
