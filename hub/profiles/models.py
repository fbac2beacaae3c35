"""A connector's anonymized profile as a node last sent it (or its tombstone)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.database import Base, JSONType, intpk, timestamp


class Profile(Base):
    """One (community, ref): the newest version the hub holds; a tombstone keeps no data."""

    __tablename__ = "profiles"
    __table_args__ = (
        UniqueConstraint("community_id", "ref"),
        Index("ix_profiles_listed", "deleted", "occupation"),
        # The directory search's freshness check reads max(updated_at) every second.
        Index("ix_profiles_updated_at", "updated_at"),
        # Each worker's update reads a synced community's rows stamped after the newest it
        # holds (hub.directory.search.apply_changes): O(the sync), whatever the others did.
        Index("ix_profiles_community_updated", "community_id", "updated_at"),
    )

    id: Mapped[intpk]
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    ref: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(default=False)
    occupation: Mapped[str | None] = mapped_column(String(7))
    occupation_level: Mapped[str | None] = mapped_column(String(10))
    experience_band: Mapped[str | None] = mapped_column(String(5))
    languages: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # " ara eng fra ": ISO 639-3 codes, space-delimited, so one LIKE filters on any backend.
    language_codes: Mapped[str] = mapped_column(String(200), default="")
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    availability: Mapped[list[str]] = mapped_column(JSONType, default=list)
    remote_ok: Mapped[bool] = mapped_column(default=False)
    cross_city_ok: Mapped[bool] = mapped_column(default=False)
    accepting: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[timestamp]


def profile_columns(item: dict[str, Any]) -> dict[str, Any]:
    """Map a loaded wire Profile or Tombstone onto the columns it sets."""
    if item.get("deleted"):
        return {
            "version": item["version"],
            "deleted": True,
            "occupation": None,
            "occupation_level": None,
            "experience_band": None,
            "languages": [],
            "language_codes": "",
            "skills": [],
            "availability": [],
            "remote_ok": False,
            "cross_city_ok": False,
            "accepting": False,
        }
    languages = item["languages"]
    codes = sorted({lang["language"] for lang in languages})
    return {
        "version": item["version"],
        "deleted": False,
        "occupation": item["occupation"],
        "occupation_level": item["occupation_level"],
        "experience_band": item["experience_band"],
        "languages": languages,
        "language_codes": f" {' '.join(codes)} " if codes else "",
        "skills": item["skills"],
        "availability": item["availability"],
        "remote_ok": item["remote_ok"],
        "cross_city_ok": item["cross_city_ok"],
        "accepting": item["accepting"],
    }
