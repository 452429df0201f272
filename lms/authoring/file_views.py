"""Curriculum editors' pages to add, rename and delete a draft's files (plain forms)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.access import editor_required
from lms.authoring import bp
from lms.authoring.views import draft_or_404, draft_page
from lms.lazy import lazy_module

# Drafts and the curriculum parser: at the first authoring page, not in every web worker.
draft_files = lazy_module("lms.authoring.files")
svc = lazy_module("lms.authoring.services")


@bp.route("/<code>/draft/new-file", methods=["POST"])
@editor_required
def add_file(code):
    """Add a new lesson or quiz file to the draft, from a skeleton or a copy of another file."""
    found = draft_or_404(code)
    path, start = request.form.get("path", ""), request.form.get("start", "")
    try:
        row = draft_files.add_file(found, path, start, current_user)
    except svc.DraftError as exc:
        flash(str(exc), "error")
        return draft_page(found, new_path=path, start=start, status=400)
    flash(_("%(path)s is added. List it in manifest.yaml so that trainees see it.",
            path=row.path), "success")
    return redirect(url_for(".edit", code=code, path=row.path))


def _file_action(code: str, path: str, template: str, act):
    """A rename or delete page: show its form (GET), or do it (POST) and go back to the draft."""
    found = draft_or_404(code)
    row = found.file(path)
    if row is None:
        flash(_("%(path)s is no longer in this draft: someone else renamed or deleted it.",
                path=path), "error")
        return redirect(url_for(".draft", code=code))
    revision, new_path, status = row.revision, request.form.get("new_path", path), 200
    if request.method == "POST":
        revision = request.form.get("revision", type=int) or 0
        try:
            svc.check_same_draft(found, request.form.get("draft"))
            message = act(found, revision, new_path.strip())
        except svc.DraftError as exc:
            flash(str(exc), "error")
            status = 409 if isinstance(exc, svc.StaleSave) else 400
        else:
            flash(message, "success")
            return redirect(url_for(".draft", code=code))
    return render_template(template, code=code, path=path, current=row, revision=revision,
                           draft_token=svc.draft_token(found),
                           new_path=new_path), status


@bp.route("/<code>/draft/rename/<path:path>", methods=["GET", "POST"])
@editor_required
def rename_file(code, path):
    """Rename one file of the draft (refused if the name is taken or the file changed)."""
    def act(found, revision, new_path):
        row = draft_files.rename_file(found, path, new_path, revision, current_user)
        return _("%(old)s is renamed %(new)s. Change manifest.yaml if it names this item.",
                 old=path, new=row.path)
    return _file_action(code, path, "lms/authoring/rename.html", act)


@bp.route("/<code>/draft/delete/<path:path>", methods=["GET", "POST"])
@editor_required
def delete_file(code, path):
    """Ask, then delete one file of the draft (refused if it changed since the page showed)."""
    def act(found, revision, _new_path):
        draft_files.delete_file(found, path, revision, current_user)
        return _("%(path)s is deleted from the draft. Remove it from manifest.yaml if it is "
                 "listed there.", path=path)
    return _file_action(code, path, "lms/authoring/delete.html", act)
