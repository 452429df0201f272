"""Sync bookkeeping: this server's identity, known peers, bundles seen, record states, conflicts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.base import new_uuid, utcnow
from lms.extensions import db


class SyncIdentity(db.Model):
    """This server: its global id and name (one row). Its private key lives in the instance."""

    __tablename__ = "lms_sync_identity"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(10))  # central | lab
    site_code: Mapped[str | None] = mapped_column(String(40))  # a lab's site
    # A lab's own short code in the academy numbers it hands out (two labs of one site differ).
    number_code: Mapped[str | None] = mapped_column(String(4))
    public_key: Mapped[str] = mapped_column(Text)


class SyncPeer(db.Model):
    """Another server whose bundles we accept (its public key was exchanged at set-up)."""

    __tablename__ = "lms_sync_peers"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(10))
    site_code: Mapped[str | None] = mapped_column(String(40))
    number_code: Mapped[str | None] = mapped_column(String(4))
    public_key: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_import_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_export_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bundles are numbered per direction: ours to it (sent), its to us (received), and the
    # highest of ours it says it has (acked): the next delta starts from that one.
    sent_seq: Mapped[int] = mapped_column(Integer, default=0)
    acked_seq: Mapped[int] = mapped_column(Integer, default=0)
    received_seq: Mapped[int] = mapped_column(Integer, default=0)
    bundles: Mapped[list[SyncBundle]] = relationship(back_populates="peer",
                                                     order_by="SyncBundle.id.desc()")


class SyncBundle(db.Model):
    """A bundle exported to, or imported from, a peer, with its counts."""

    __tablename__ = "lms_sync_bundles"
    id: Mapped[int] = mapped_column(primary_key=True)
    bundle_uuid: Mapped[str] = mapped_column(String(36), index=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("lms_sync_peers.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # {table: {"new": n, ...}}
    seq: Mapped[int | None] = mapped_column(Integer)
    full: Mapped[bool] = mapped_column(default=True)  # every record, not only changes
    size: Mapped[int | None] = mapped_column(Integer)  # bytes
    peer: Mapped[SyncPeer] = relationship(back_populates="bundles")
    __table_args__ = (UniqueConstraint("bundle_uuid", "direction"),)


class SyncRecordState(db.Model):
    """The content hash of a record as last exchanged: the base for spotting two-sided edits."""

    __tablename__ = "lms_sync_record_states"
    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(String(60))
    record_uuid: Mapped[str] = mapped_column(String(36))
    content_hash: Mapped[str] = mapped_column(String(64))
    # When an import last changed the record here (this server's clock), and from which peer:
    # a delta carries it on to the other peers, not back to the one that sent it.
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source_peer_id: Mapped[int | None] = mapped_column(Integer)
    # The uuid leads the unique index: a batch's states are looked up by uuid alone, so that
    # PostgreSQL cannot pick the (table, time) index for them (it did while a first import's
    # rows had no statistics yet: 0.5 s per batch of 500).
    __table_args__ = (UniqueConstraint("record_uuid", "table_name"),
                      Index("ix_lms_sync_record_states_changed", "table_name", "changed_at"))


class SyncPeerRecord(db.Model):
    """A record sent to a peer in bundle `seq`: once the peer acknowledges that bundle, later
    bundles may refer to the record without carrying it again."""

    __tablename__ = "lms_sync_peer_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("lms_sync_peers.id"))
    table_name: Mapped[str] = mapped_column(String(60))
    record_uuid: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(Integer)
    __table_args__ = (UniqueConstraint("peer_id", "table_name", "record_uuid"),)


class SyncAlias(db.Model):
    """Another server's global id for a record held here under ours (one site, one enrolment
    recorded on two servers): references to it resolve to our record."""

    __tablename__ = "lms_sync_aliases"
    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(String(60))
    other_uuid: Mapped[str] = mapped_column(String(36))
    local_uuid: Mapped[str] = mapped_column(String(36))
    __table_args__ = (UniqueConstraint("table_name", "other_uuid"),)


class SyncConflict(db.Model):
    """A record changed in two places: what was kept, what was not, for staff to review."""

    __tablename__ = "lms_sync_conflicts"
    id: Mapped[int] = mapped_column(primary_key=True)
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    peer_id: Mapped[int] = mapped_column(ForeignKey("lms_sync_peers.id"))
    table_name: Mapped[str] = mapped_column(String(60))
    record_uuid: Mapped[str] = mapped_column(String(36))
    rule: Mapped[str] = mapped_column(String(200))
    # both_changed | twice (one fact recorded on two servers) | clash (two people, one number)
    kind: Mapped[str] = mapped_column(String(20), default="both_changed")
    kept: Mapped[dict] = mapped_column(JSON)
    other: Mapped[dict] = mapped_column(JSON)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_users.id"))
    peer: Mapped[SyncPeer] = relationship()


from lms.sync import touch  # noqa: E402,F401  (registers the listener with the models)
