"""Set up sync, register peers, export a bundle for a peer, import a peer's bundle."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import IO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms import audit
from lms.auth.models import Site
from lms.auth.services import new_number_code
from lms.base import LMSError, new_uuid, utcnow
from lms.extensions import db
from lms.sync.bundle import BundleRefused, BundleWriter, open_bundle
from lms.sync.export import Export, changes_since
from lms.sync.keys import load_or_create_key, public_pem
from lms.sync.merge import Merge, MergeRefused, specs_in_order
from lms.sync.models import SyncBundle, SyncConflict, SyncIdentity, SyncPeer
from lms.sync.registry import Scope

NO_SITE = -1  # a site this server has not heard of yet: its scope holds nothing


class SyncError(LMSError):
    """Sync is not set up, or a request does not fit it."""


def identity() -> SyncIdentity | None:
    """This server's sync identity, if set up."""
    return db.session.scalar(select(SyncIdentity))


def set_up(name: str, role: str, site_code: str | None = None,
           number_code: str | None = None) -> SyncIdentity:
    """Give this server a sync identity (central, or a lab for one site) and a signing key; a
    lab gets a short code for its academy numbers (`number_code`, else drawn at random)."""
    if role not in ("central", "lab"):
        raise SyncError(_("The role must be central or lab."))
    if role == "lab" and not site_code:
        raise SyncError(_("A lab server serves one site: give its site code."))
    number_code = (number_code or "").strip().upper()
    if number_code and not re.fullmatch(r"[A-Z0-9]{1,4}", number_code):
        raise SyncError(_("The code for academy numbers is 1 to 4 letters or digits, such "
                          "as K7M."))
    key = load_or_create_key()
    me = identity() or SyncIdentity(public_key=public_pem(key))
    me.name, me.role, me.site_code, me.public_key = name, role, site_code, public_pem(key)
    if role == "lab":
        me.number_code = number_code or me.number_code or new_number_code()
    db.session.add(me)
    db.session.commit()
    return me


def identity_card() -> str:
    """What a peer needs to trust this server's bundles (JSON, no secret)."""
    me = _require_identity()
    return json.dumps({"uuid": me.uuid, "name": me.name, "role": me.role,
                       "site_code": me.site_code, "number_code": me.number_code,
                       "public_key": me.public_key}, indent=2)


def add_peer(card_json: str, actor=None) -> SyncPeer:
    """Trust another server, from its identity card (done once, at set-up); refuse a lab whose
    academy numbers would look like those of another lab of its site."""
    try:
        card = json.loads(card_json)
        fields = {k: card[k] for k in ("uuid", "name", "role", "public_key")}
    except (ValueError, KeyError, TypeError) as exc:
        raise SyncError(_("This is not a server identity card.")) from exc
    site_code, number_code = card.get("site_code"), card.get("number_code")
    twin = number_code and db.session.scalar(select(SyncPeer).where(
        SyncPeer.uuid != fields["uuid"], SyncPeer.site_code == site_code,
        SyncPeer.number_code == number_code))
    if twin:
        raise SyncError(_("%(other)s, another lab of this site, already uses the code %(code)s "
                          "in its academy numbers. On the new lab, run `flask lms sync init` "
                          "again with another code (--numbers), then send its new identity "
                          "card.", other=twin.name, code=number_code))
    peer = db.session.scalar(select(SyncPeer).where(SyncPeer.uuid == fields["uuid"]))
    peer = peer or SyncPeer(uuid=fields["uuid"])
    peer.name, peer.role, peer.public_key = fields["name"], fields["role"], fields["public_key"]
    peer.site_code, peer.number_code = site_code, number_code
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


def _site_scope(site_code: str | None) -> Scope:
    if not site_code:
        return Scope(None)
    site = db.session.scalar(select(Site).where(Site.code == site_code))
    return Scope(site.id if site is not None else NO_SITE)


def export_bundle(peer: SyncPeer, actor=None, full: bool = False, out: IO[bytes] | None = None,
                  progress: Callable[[int], None] | None = None) -> tuple[str, bytes | int]:
    """Make a signed bundle for `peer`: a lab's site data (central) or this lab's site (lab).

    After the first exchange it carries what changed since the last bundle the peer has
    acknowledged (`full` carries everything again: a new lab, a recovery). Written to `out` in
    batches (then the size is returned), or returned as bytes.
    """
    me = _require_identity()
    site_code = peer.site_code if me.role == "central" else me.site_code
    scope = _site_scope(site_code)
    if me.role == "lab" and scope.site_id == NO_SITE:
        # The lab's own site travels in its bundle, even before the centre has created it.
        from lms.training.services import get_or_create_site

        scope = Scope(get_or_create_site(site_code, site_code).id)
    now = utcnow()
    since = None if full else changes_since(peer)
    peer.sent_seq = (peer.sent_seq or 0) + 1
    bundle_uuid = new_uuid()
    manifest = {"bundle": bundle_uuid, "from": me.uuid, "from_name": me.name, "to": peer.uuid,
                "created_at": now.isoformat(), "site": site_code, "seq": peer.sent_seq,
                "ack": peer.received_seq or 0, "since": since.isoformat() if since else None,
                "role": me.role}
    plan = Export(scope, peer, since, peer.sent_seq, scope if me.role == "lab" else None)
    plan.plan()
    target = out if out is not None else io.BytesIO()
    start = target.tell() if target.seekable() else 0
    writer = BundleWriter(target)
    plan.write(writer, progress)
    if me.role == "central":
        _carry_status_lists(writer)
    manifest = writer.finish(manifest, load_or_create_key())
    size = (target.tell() - start) if target.seekable() else None
    peer.last_export_at = now
    db.session.add(SyncBundle(bundle_uuid=bundle_uuid, peer_id=peer.id, direction="out",
                              created_at=now, counts=manifest["counts"], seq=peer.sent_seq,
                              full=since is None, size=size))
    audit.record(actor, "sync.export", None, after={"peer": peer.name, "bundle": bundle_uuid,
                                                    "seq": peer.sent_seq})
    db.session.commit()
    filename = f"{me.name}-to-{peer.name}-{now:%Y%m%d-%H%M}.lmsbundle".replace(" ", "_")
    return filename, (target.getvalue() if out is None else size or 0)


def _carry_status_lists(writer: BundleWriter) -> None:
    """The centre's signed certificate status lists travel to the lab (#16)."""
    from lms.certificates import carried

    for kid, raw in carried.to_carry().items():
        writer.member(f"{carried.MEMBER_PREFIX}{kid}.json", raw)


def import_bundle(source: bytes | IO[bytes], actor=None,
                  progress: Callable[[int], None] | None = None,
                  on_open: Callable[[int], None] | None = None) -> tuple[SyncBundle, bool]:
    """Check, then merge a peer's bundle in batches, all or nothing; (log entry, False if seen
    before). `on_open` gets the number of records once the bundle is checked."""
    me = _require_identity()
    peers = list_peers()
    opened = open_bundle(io.BytesIO(source) if isinstance(source, bytes) else source,
                         [p.public_key for p in peers])
    try:
        return _merge_bundle(me, peers, opened, actor, progress, on_open)
    finally:
        opened.close()


def _merge_bundle(me, peers, opened, actor, progress, on_open) -> tuple[SyncBundle, bool]:
    manifest = opened.manifest
    peer = next((p for p in peers if p.uuid == manifest.get("from")
                 and p.public_key == opened.signer_key), None)
    if peer is None:
        raise BundleRefused(_("The bundle's signature does not match the server it claims to "
                              "come from. Nothing was imported."))
    if manifest.get("to") != me.uuid:
        raise BundleRefused(_("This bundle was made for another server. Nothing was imported."))
    bundle_uuid = manifest.get("bundle")
    if not isinstance(bundle_uuid, str) or not isinstance(manifest.get("created_at"), str):
        raise BundleRefused(_("This file is not a sync bundle of this application."))
    seen = db.session.scalar(select(SyncBundle).where(
        SyncBundle.bundle_uuid == bundle_uuid, SyncBundle.direction == "in"))
    if seen is not None:
        return seen, False
    if on_open:
        on_open(sum(opened.counts.values()))
    merge = Merge(peer, trust_refs=peer.role == "central")
    try:
        for spec in specs_in_order():
            merge.table(spec, opened.batches(spec.table), progress)
        created = _parse_time(manifest["created_at"])
        peer = db.session.merge(peer)
        seq, ack = manifest.get("seq"), manifest.get("ack")
        if isinstance(seq, int):
            peer.received_seq = max(peer.received_seq or 0, seq)
        if isinstance(ack, int) and ack <= (peer.sent_seq or 0):
            peer.acked_seq = max(peer.acked_seq or 0, ack)
        entry = SyncBundle(bundle_uuid=bundle_uuid, peer_id=peer.id, direction="in",
                           created_at=created, counts=merge.counts,
                           seq=seq if isinstance(seq, int) else None,
                           full=manifest.get("since") is None)
        peer.last_import_at = utcnow()
        db.session.add(entry)
        audit.record(actor, "sync.import", None, after={"peer": peer.name, "bundle": bundle_uuid})
        db.session.commit()
        if me.role == "lab" and peer.role == "central":
            from lms.certificates import carried

            for _name, raw in opened.members(carried.MEMBER_PREFIX):
                carried.keep(raw)
    except MergeRefused as exc:
        db.session.rollback()
        raise BundleRefused(_("The bundle could not be merged, so nothing was imported: "
                              "%(reason)s", reason=str(exc))) from exc
    except BundleRefused:
        db.session.rollback()
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        db.session.rollback()
        raise BundleRefused(_("The bundle is signed but its content is malformed: nothing was "
                              "imported. Make a new bundle on the other server with this "
                              "version of the application.")) from exc
    except IntegrityError as exc:
        db.session.rollback()
        raise BundleRefused(_("The bundle could not be merged, so nothing was imported: a "
                              "record breaks a rule of this database (%(detail)s). Tell the "
                              "application's maintainers.", detail=str(exc.orig)[:200])) from exc
    except Exception:
        db.session.rollback()
        raise
    return entry, True


# Each synchronised table as staff name it, for the import summary.
TABLE_NAMES = {
    "lms_sites": _l("sites"), "lms_users": _l("people"), "lms_programmes": _l("programmes"),
    "lms_curriculum_versions": _l("programme versions"), "lms_cohorts": _l("cohorts"),
    "lms_classes": _l("classes"), "lms_enrolments": _l("enrolments"),
    "lms_class_meetings": _l("class sessions"), "lms_attendance": _l("attendance marks"),
    "lms_attendance_changes": _l("attendance corrections"),
    "lms_qualifications": _l("qualifications"), "lms_vetting": _l("vetting records"),
    "lms_quiz_schedules": _l("quiz schedules"), "lms_lesson_progress": _l("lesson progress"),
    "lms_attempts": _l("attempts"), "lms_responses": _l("answers"), "lms_grades": _l("grades"),
    "lms_grade_history": _l("grade changes"), "lms_certificates": _l("certificates"),
    "lms_regrades": _l("regrades"), "lms_regrade_attempts": _l("regraded attempts"),
}


def _tally_words(outcome: str, n: int) -> str:
    """One count of a table's tally in words ("3 new", "1 updated")."""
    if outcome == "new":
        return ngettext("%(num)d new", "%(num)d new", n)
    if outcome == "updated":
        return ngettext("%(num)d updated", "%(num)d updated", n)
    if outcome == "conflicts":
        return ngettext("%(num)d to review", "%(num)d to review", n)
    return ngettext("%(num)d number clash", "%(num)d number clashes", n)


def table_name(table: str) -> str:
    """A synchronised table's name for staff; a table unknown here keeps a readable form."""
    name = TABLE_NAMES.get(table)
    return str(name) if name is not None else table.removeprefix("lms_").replace("_", " ")


def summary(entry: SyncBundle) -> str:
    """What arrived, per table, in words for staff ("attempts: 12 new, 3 updated; ...")."""
    parts = []
    for table, tally in entry.counts.items():
        if not isinstance(tally, dict):
            continue
        shown = ", ".join(_tally_words(outcome, tally[outcome])
                          for outcome in ("new", "updated", "conflicts", "clashes")
                          if isinstance(tally.get(outcome), int) and tally[outcome] > 0)
        if shown:
            parts.append(_("%(table)s: %(counts)s", table=table_name(table), counts=shown))
    # TRANSLATORS: between two tables of the sync summary ("people: 4 new; cohorts: 1 new").
    return _("; ").join(parts) or _("nothing new")


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
