"""A node's own demand table, uploaded as CSV (as a chamber of commerce would give it)."""

from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from community_node.database import Base, created_at, intpk


class DemandFigure(Base):
    """One occupation's row of the uploaded table; an upload replaces the whole table."""

    __tablename__ = "demand_figures"

    id: Mapped[intpk]
    soc_code: Mapped[str] = mapped_column(String(7), unique=True)
    location_quotient: Mapped[float] = mapped_column(Float)
    jobs_per_1000: Mapped[float] = mapped_column(Float)
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[created_at]
