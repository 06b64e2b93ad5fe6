"""Second-factor resets (one row per attempt, from the identity check to the reset) and each
administrator's daily count, kept by an atomic UPDATE."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db


class SecondFactorReset(db.Model):  # type: ignore[name-defined]
    __tablename__ = "second_factor_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    email: Mapped[str] = mapped_column(String(254))  # the address on file the code went to
    admin_id: Mapped[str] = mapped_column(String(64), index=True)
    admin_email: Mapped[str] = mapped_column(String(254))
    console: Mapped[str] = mapped_column(String(16))  # site_admin | plan_admin
    organization_key: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(200))
    code_digest: Mapped[str] = mapped_column(String(64))
    code_salt: Mapped[str] = mapped_column(String(32))
    code_sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    tries: Mapped[int] = mapped_column(default=0)
    # checking -> done (or it simply expires)
    status: Mapped[str] = mapped_column(String(16), default="checking")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]


class ResetQuota(db.Model):  # type: ignore[name-defined]
    """Resets an administrator has done on a (UTC) day."""

    __tablename__ = "second_factor_reset_quota"

    admin_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    used: Mapped[int] = mapped_column(default=0)
