"""Curriculum editors' pages: drafts, editing, checking, preview, publishing, ZIP folders."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.access import editor_required
from lms.authoring import bp
from lms.base import LMSError
from lms.i18n import current_locale
from lms.lazy import lazy_module

# Drafts, diffs, zips and the curriculum parser: at the first authoring page, not in every
# worker of a classroom server.
zipfiles = lazy_module("lms.authoring.zipfiles")
diff = lazy_module("lms.authoring.changes")
svc = lazy_module("lms.authoring.services")
cohorts = lazy_module("lms.authoring.cohorts")
parser = lazy_module("lms.curricula.parser")
curricula = lazy_module("lms.curricula.services")


def draft_or_404(code: str):
    """The open draft of programme `code`, or 404."""
    return svc.get_draft(code) or abort(404)


def _file_problems(problems, code: str, path: str) -> list:
    return [p for p in sorted(problems.items) if p.path == f"{code}/{path}"]


@bp.route("/")
@editor_required
def index():
    """Programmes, their versions and drafts; the form to upload a programme ZIP."""
    return _index_page()


def _index_page(problems=(), status: int = 200):
    drafts = {d.programme_code: d for d in svc.list_drafts()}
    return render_template("lms/authoring/index.html", programmes=curricula.list_programmes(),
                           drafts=drafts, lang=current_locale(), problems=problems,
                           cohorts=cohorts.open_cohorts()), status


@bp.route("/<code>/draft", methods=["POST"])
@editor_required
def start(code):
    """Open the draft of the programme's next version from its latest version."""
    programme = svc.get_programme(code) or abort(404)
    try:
        svc.start_draft(programme, current_user)
    except svc.DraftError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    return redirect(url_for(".draft", code=code))


@bp.route("/<code>/draft")
@editor_required
def draft(code):
    """The draft's files and every problem the checker finds in it."""
    return draft_page(draft_or_404(code))


def draft_page(found, new_path: str = "", start: str = "lesson", status: int = 200):
    """The draft page, with the new-file form holding what the editor typed."""
    _structure, problems = svc.check_draft(found)
    return render_template("lms/authoring/draft.html", draft=found, code=found.programme_code,
                           problems=sorted(problems.items), errors=len(problems.errors),
                           digest=svc.draft_hash(found), item_of=svc.item_of,
                           new_path=new_path, start=start), status


@bp.route("/<code>/draft/files/<path:path>", methods=["GET", "POST"])
@editor_required
def edit(code, path):
    """Edit one file in a plain text area; saving checks the draft again."""
    found = draft_or_404(code)
    row = found.file(path)
    if row is None and request.method == "GET":
        abort(404)
    text, revision, status = getattr(row, "text", ""), getattr(row, "revision", 0), 200
    if request.method == "POST":  # also when the file was renamed or deleted meanwhile
        text = request.form.get("text", "")
        revision = request.form.get("revision", type=int) or 0
        try:
            svc.check_same_draft(found, request.form.get("draft"))
            row = svc.save_file(found, path, text, revision, current_user)
            flash(_("Saved (revision %(revision)d).", revision=row.revision), "success")
            return redirect(url_for(".edit", code=code, path=path))
        except svc.DraftError as exc:
            flash(str(exc), "error")
            status = 409
    _structure, problems = svc.check_draft(found)
    return render_template("lms/authoring/edit.html", draft=found, code=code, path=path,
                           draft_token=svc.draft_token(found),
                           text=text, revision=revision, current=row,
                           problems=_file_problems(problems, code, path),
                           others=len(problems.errors), item=svc.item_of(path)), status


@bp.route("/<code>/draft/preview/<path:path>")
@editor_required
def preview(code, path):
    """A lesson or quiz of the draft as trainees will see it, in every language; the answers
    are shown to the editor only."""
    found = draft_or_404(code)
    found.file(path) or abort(404)
    structure, problems = svc.check_draft(found)
    return render_template("lms/authoring/preview.html", code=code, path=path,
                           shown=svc.preview(structure, path),
                           problems=_file_problems(problems, code, path))


def _publish_plan(found) -> dict:
    structure, problems = svc.check_draft(found)
    base = curricula.get_version(found.base_version_id) if found.base_version_id else None
    plan = {"structure": structure, "problems": sorted(problems.errors), "base": base,
            "files": diff.file_diffs(base.sources if base else {}, found.sources,
                                     base.version if base else "-", "draft"),
            "changes": None, "suggested": None}
    if structure is not None and not problems.errors:
        if base is not None:
            plan["changes"] = diff.item_changes(base.structure, structure)
            plan["suggested"] = diff.suggest_version(base.version,
                                                     diff.is_structural(plan["changes"]))
        else:
            plan["suggested"] = structure["version"]
    return plan


@bp.route("/<code>/draft/publish", methods=["GET", "POST"])
@editor_required
def publish(code):
    """Compare the draft with the version it started from, then publish it as a new version."""
    found = draft_or_404(code)
    if request.method == "POST":
        version = (request.form.get("version") or "").strip()
        if not version or len(version) > 40:
            flash(_("Give the version number to publish, for example 1.0.1."), "error")
        else:
            try:
                svc.set_version(found, version, current_user)
                published = svc.publish_draft(found, current_user)
            except LMSError as exc:  # a draft problem, CurriculumInvalid, VersionConflict
                flash(str(exc), "error")
            else:
                flash(_("Version %(version)s is published (hash %(hash)s).",
                        version=published.version, hash=published.content_hash[:12]),
                      "success")
                return redirect(url_for("lms.curricula.version", version_id=published.id))
    return render_template("lms/authoring/publish.html", draft=found, code=code,
                           plan=_publish_plan(found))


@bp.route("/<code>/draft/discard", methods=["POST"])
@editor_required
def discard(code):
    """Delete the draft; published versions are untouched."""
    svc.discard_draft(draft_or_404(code), current_user)
    flash(_("The draft is discarded."), "success")
    return redirect(url_for(".index"))


def _zip_response(folder: str, sources: dict, filename: str) -> Response:
    return Response(zipfiles.make_zip(folder, sources), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/<code>/draft.zip")
@editor_required
def draft_zip(code):
    """The draft as a ZIP of its programme folder."""
    return _zip_response(code, draft_or_404(code).sources, f"{code}-draft.zip")


@bp.route("/versions/<int:version_id>.zip")
@editor_required
def version_zip(version_id):
    """A published version as a ZIP of its programme folder, ready to commit to git."""
    version = curricula.get_version(version_id) or abort(404)
    code = version.programme.code
    return _zip_response(code, version.sources, f"{code}-{version.version}.zip")


@bp.route("/upload", methods=["POST"])
@editor_required
def upload():
    """Check an uploaded programme ZIP; store it as a draft only if it has no error."""
    upload_file = request.files.get("archive")
    problems, message = [], None
    if upload_file is None or not upload_file.filename:
        message = _("Choose the ZIP file of the programme folder.")
    else:
        try:
            with upload_file.stream as stream:
                data = stream.read(zipfiles.MAX_UPLOAD_BYTES + 1)
            name, files = zipfiles.read_zip(data)
            structure, found = parser.parse_sources(name or "programme",
                                             svc.raw_sources(files))
            problems = sorted(found.items)
            if structure is None or found.errors:
                message = _("The programme has errors: nothing was stored. Correct them and "
                            "send the ZIP again.")
            else:
                svc.store_draft(structure["id"], files, current_user)
                flash(_("The programme is stored as a draft; nothing is published until you "
                        "publish it."), "success")
                return redirect(url_for(".draft", code=structure["id"]))
        except (zipfiles.UploadRefused, svc.DraftError) as exc:
            message = str(exc)
    flash(message, "error")
    return _index_page(problems, 400)

