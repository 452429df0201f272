"""Certificates: serial, what was certified, by whom, and their status history."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import Site, User
from lms.base import GlobalIdMixin, utcnow
from lms.curricula.models import CurriculumVersion, Programme
from lms.extensions import db
from lms.training.models import Cohort, Enrolment

STATUSES = ("valid", "revoked", "superseded")


class Certificate(GlobalIdMixin, db.Model):
    """Proof that a trainee completed a programme, signed with the academy's key."""

    __tablename__ = "lms_certificates"
    # At most one valid certificate per enrolment, even when two staff issue at the same
    # instant: the check in the issue service alone cannot see the other transaction. A partial
    # index; its WHERE is given for the database at hand when the table is created (below).
    __table_args__ = (
        Index("uq_lms_certificates_one_valid_per_enrolment", "enrolment_id", unique=True),
        # Two certificates issued at once must not share a status list entry: revoking one
        # would revoke both. The second transaction fails and is told to reload.
        UniqueConstraint("key_id", "status_index", name="uq_lms_certificates_status_entry"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(10), unique=True)  # without the dash
    user_id: Mapped[int] = mapped_column(ForeignKey("lms_users.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("lms_enrolments.id"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("lms_cohorts.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("lms_programmes.id"))
    curriculum_version_id: Mapped[int] = mapped_column(ForeignKey("lms_curriculum_versions.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("lms_sites.id"))
    # What is printed, as printed: a later change to the user or programme does not alter it.
    name: Mapped[str] = mapped_column(String(220))
    programme_code: Mapped[str] = mapped_column(String(80))
    programme_title: Mapped[dict] = mapped_column(JSON, default=dict)  # {lang: title}
    version_label: Mapped[str] = mapped_column(String(40))
    content_hash: Mapped[str] = mapped_column(String(64))
    site_name: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    key_id: Mapped[str] = mapped_column(String(16))
    token: Mapped[str] = mapped_column(Text)  # the signed payload carried in the QR code
    status: Mapped[str] = mapped_column(String(12), default="valid", index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("lms_certificates.id"))
    # Printed for third parties; a snapshot like the name.
    service_number: Mapped[str] = mapped_column(String(40), default="")
    # Last day of validity (the manifest's certificate.validity_months), None: no expiry.
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    # Position in the status list of the key that signed it (W3C Bitstring Status List).
    status_index: Mapped[int | None] = mapped_column(Integer)
    # The earlier certificate this one renews (a refresher course), by serial: that one may
    # belong to another cohort, on another server.
    renews_serial: Mapped[str] = mapped_column(String(10), default="")
    # The trainers who led the trainee's classes and the qualification each held, as issued.
    trainers: Mapped[list] = mapped_column(JSON, default=list)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    enrolment: Mapped[Enrolment] = relationship()
    cohort: Mapped[Cohort] = relationship()
    programme: Mapped[Programme] = relationship()
    curriculum_version: Mapped[CurriculumVersion] = relationship()
    site: Mapped[Site] = relationship()
    supersedes: Mapped[Certificate | None] = relationship(
        remote_side=[id], back_populates="superseded_by")
    superseded_by: Mapped[Certificate | None] = relationship(
        back_populates="supersedes", uselist=False)

    @property
    def display_serial(self) -> str:
        """The serial as printed: two groups of five."""
        return f"{self.serial[:5]}-{self.serial[5:]}"

    def expired_on(self, day: date) -> bool:
        """True if the certificate's validity ended before `day`."""
        return self.valid_until is not None and day > self.valid_until

    def title_in(self, lang: str) -> str:
        """The programme title in `lang`, else any."""
        return self.programme_title.get(lang) or next(iter(self.programme_title.values()),
                                                      self.programme_code)


@event.listens_for(Certificate.__table__, "before_create")
def _one_valid_only(table, connection, **_kw) -> None:
    """Make the one-valid-certificate index partial, in the dialect being created.

    Declared here rather than as `sqlite_where=` and `postgresql_where=` arguments: those make
    SQLAlchemy import every named dialect at start-up (PostgreSQL's is 2 MB in each web worker
    of a SQLite lab server). The migrations name both, as before.
    """
    name = connection.dialect.name
    for index in table.indexes:
        if index.name == "uq_lms_certificates_one_valid_per_enrolment":
            index.dialect_kwargs[f"{name}_where"] = text("status = 'valid'")


class CertificateLookup(db.Model):
    """One public certificate look-up, by network address: the rate limit holds across
    worker processes because it is counted in the database."""

    __tablename__ = "lms_certificate_lookups"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
