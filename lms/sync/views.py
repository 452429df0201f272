"""Staff page: this server, its peers, bundles in and out, conflicts to review; import/export."""

import tempfile

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.access import staff_required
from lms.base import LMSError
from lms.extensions import db
from lms.lazy import lazy_module
from lms.sync import bp
from lms.sync.models import SyncConflict

svc = lazy_module("lms.sync.services")  # bundles, signatures: at first use


@bp.route("/")
@staff_required
def index():
    """Show each peer's last sync, recent bundles and the conflicts waiting for review."""
    return render_template("lms/sync/index.html", me=svc.identity(), peers=svc.list_peers(),
                           conflicts=svc.open_conflicts())


@bp.route("/export/<int:peer_id>", methods=["POST"])
@staff_required
def export(peer_id):
    """Download a signed bundle for a peer."""
    peer = next((p for p in svc.list_peers() if p.id == peer_id), None) or abort(404)
    out = tempfile.TemporaryFile()
    try:
        filename, _size = svc.export_bundle(peer, current_user, full="full" in request.form,
                                            out=out)
    except LMSError as exc:
        out.close()
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    out.seek(0)
    return send_file(out, mimetype="application/octet-stream", as_attachment=True,
                     download_name=filename)


@bp.route("/import", methods=["POST"])
@staff_required
def import_():
    """Import a bundle file brought from another server."""
    upload = request.files.get("bundle")
    if upload is None or not upload.filename:
        flash(_("Choose the bundle file first."), "error")
        return redirect(url_for(".index"))
    try:
        entry, new = svc.import_bundle(upload.stream, current_user)
    except LMSError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    if new:
        flash(_("Bundle from %(name)s imported. What arrived: %(summary)s.",
                name=entry.peer.name, summary=svc.summary(entry)), "info")
    else:
        flash(_("This bundle was already imported: nothing changed."), "info")
    return redirect(url_for(".index"))


@bp.route("/conflicts/<int:conflict_id>/reviewed", methods=["POST"])
@staff_required
def reviewed(conflict_id):
    """Mark a conflict as reviewed."""
    conflict = db.session.get(SyncConflict, conflict_id) or abort(404)
    svc.mark_reviewed(conflict, current_user)
    return redirect(url_for(".index"))
