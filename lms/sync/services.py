"""Set up sync, register peers, export a bundle for a peer, import a peer's bundle."""

from __future__ import annotations

import json

from flask_babel import gettext as _
from sqlalchemy import select

from lms import audit
from lms.auth.models import Site
from lms.base import LMSError, new_uuid, utcnow
from lms.extensions import db
from lms.sync.bundle import BundleRefused, read_manifest, verify_bundle, write_bundle
from lms.sync.engine import MergeRefused, export_tables, import_tables
from lms.sync.keys import load_or_create_key, public_pem
from lms.sync.models import SyncBundle, SyncConflict, SyncIdentity, SyncPeer
from lms.sync.registry import Scope


class SyncError(LMSError):
    """Sync is not set up, or a request does not fit it."""


def identity() -> SyncIdentity | None:
    """This server's sync identity, if set up."""
    return db.session.scalar(select(SyncIdentity))


def set_up(name: str, role: str, site_code: str | None = None) -> SyncIdentity:
    """Give this server a sync identity (central, or a lab for one site) and a signing key."""
    if role not in ("central", "lab"):
        raise SyncError(_("The role must be central or lab."))
    if role == "lab" and not site_code:
        raise SyncError(_("A lab server serves one site: give its site code."))
    key = load_or_create_key()
    me = identity() or SyncIdentity(public_key=public_pem(key))
    me.name, me.role, me.site_code, me.public_key = name, role, site_code, public_pem(key)
    db.session.add(me)
    db.session.commit()
    return me


def identity_card() -> str:
    """What a peer needs to trust this server's bundles (JSON, no secret)."""
    me = _require_identity()
    return json.dumps({"uuid": me.uuid, "name": me.name, "role": me.role,
                       "site_code": me.site_code, "public_key": me.public_key}, indent=2)


def add_peer(card_json: str, actor=None) -> SyncPeer:
    """Trust another server, from its identity card (done once, at set-up)."""
    try:
        card = json.loads(card_json)
        fields = {k: card[k] for k in ("uuid", "name", "role", "public_key")}
    except (ValueError, KeyError, TypeError) as exc:
        raise SyncError(_("This is not a server identity card.")) from exc
    peer = db.session.scalar(select(SyncPeer).where(SyncPeer.uuid == fields["uuid"]))
    peer = peer or SyncPeer(uuid=fields["uuid"])
    peer.name, peer.role, peer.public_key = fields["name"], fields["role"], fields["public_key"]
    peer.site_code = card.get("site_code")
    db.session.add(peer)
    audit.record(actor, "sync.peer", None, after={"peer": peer.name, "uuid": peer.uuid})
    db.session.commit()
    return peer


def list_peers() -> list[SyncPeer]:
    """Known peers, by name."""
    return list(db.session.scalars(select(SyncPeer).order_by(SyncPeer.name)))


def get_peer(name_or_uuid: str) -> SyncPeer:
    """A peer by name or uuid."""
    peer = db.session.scalar(select(SyncPeer).where(
        (SyncPeer.name == name_or_uuid) | (SyncPeer.uuid == name_or_uuid)))
    if peer is None:
        raise SyncError(_("No known server is called %(name)s.", name=name_or_uuid))
    return peer


def export_bundle(peer: SyncPeer, actor=None) -> tuple[str, bytes]:
    """Make a signed bundle for `peer`: a lab's site data (central) or everything here (lab)."""
    me = _require_identity()
    site_code = peer.site_code if me.role == "central" else me.site_code
    site_id = None
    if site_code:
        site = db.session.scalar(select(Site).where(Site.code == site_code))
        if site is None:
            raise SyncError(_("The site %(code)s is not on this server.", code=site_code))
        site_id = site.id
    tables = export_tables(Scope(site_id))
    now = utcnow()
    bundle_uuid = new_uuid()
    manifest = {"bundle": bundle_uuid, "from": me.uuid, "from_name": me.name, "to": peer.uuid,
                "created_at": now.isoformat(), "site": site_code}
    data = write_bundle(manifest, tables, load_or_create_key())
    peer.last_export_at = now
    db.session.add(SyncBundle(bundle_uuid=bundle_uuid, peer=peer, direction="out",
                              created_at=now, counts={t: len(r) for t, r in tables.items()}))
    audit.record(actor, "sync.export", None, after={"peer": peer.name, "bundle": bundle_uuid})
    db.session.commit()
    filename = f"{me.name}-to-{peer.name}-{now:%Y%m%d-%H%M}.lmsbundle".replace(" ", "_")
    return filename, data


def import_bundle(data: bytes, actor=None) -> tuple[SyncBundle, bool]:
    """Verify and merge a peer's bundle, all or nothing; (log entry, False if seen before)."""
    me = _require_identity()
    manifest = read_manifest(data)
    peer = db.session.scalar(select(SyncPeer).where(SyncPeer.uuid == manifest.get("from")))
    if peer is None:
        raise BundleRefused(_("This bundle comes from a server this one does not know (%(name)s)."
                              " Add it as a peer first.", name=manifest.get("from_name", "?")))
    bundle = verify_bundle(data, peer.public_key)
    if bundle.manifest.get("to") != me.uuid:
        raise BundleRefused(_("This bundle was made for another server. Nothing was imported."))
    seen = db.session.scalar(select(SyncBundle).where(
        SyncBundle.bundle_uuid == bundle.manifest["bundle"], SyncBundle.direction == "in"))
    if seen is not None:
        return seen, False
    try:
        counts = import_tables(bundle.tables, peer)
        entry = SyncBundle(bundle_uuid=bundle.manifest["bundle"], peer=peer, direction="in",
                           created_at=_parse_time(bundle.manifest["created_at"]), counts=counts)
        peer.last_import_at = utcnow()
        db.session.add(entry)
        audit.record(actor, "sync.import", None,
                     after={"peer": peer.name, "bundle": entry.bundle_uuid})
        db.session.commit()
    except MergeRefused as exc:
        db.session.rollback()
        raise BundleRefused(_("The bundle could not be merged, so nothing was imported: "
                              "%(reason)s", reason=str(exc))) from exc
    except Exception:
        db.session.rollback()
        raise
    return entry, True


def open_conflicts() -> list[SyncConflict]:
    """Conflicts not yet reviewed by staff, oldest first."""
    return list(db.session.scalars(select(SyncConflict).where(
        SyncConflict.resolved_at.is_(None)).order_by(SyncConflict.id)))


def mark_reviewed(conflict: SyncConflict, actor) -> None:
    """Record that staff reviewed a conflict."""
    conflict.resolved_at = utcnow()
    conflict.resolved_by_id = actor.id
    audit.record(actor, "sync.conflict_reviewed", None, after={"conflict": conflict.id})
    db.session.commit()


def _parse_time(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


def _require_identity() -> SyncIdentity:
    me = identity()
    if me is None:
        raise SyncError(_("Sync is not set up on this server: run flask lms sync init."))
    return me
