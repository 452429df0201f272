"""Staff pages: programmes, their published versions, and the diff between two versions."""

from flask import abort, render_template, request

from lms.auth.access import staff_required
from lms.curricula import bp
from lms.i18n import current_locale
from lms.lazy import lazy_module

svc = lazy_module("lms.curricula.services")  # publication, parsing: at first use


@bp.route("/")
@staff_required
def index():
    """List programmes and every published version with its hash."""
    return render_template("lms/curricula/index.html", programmes=svc.list_programmes(),
                           lang=current_locale())


@bp.route("/versions/<int:version_id>")
@staff_required
def version(version_id):
    """Show the outline of one published version, with links to regrade its quizzes."""
    found = svc.get_version(version_id) or abort(404)
    lang = current_locale()
    return render_template("lms/curricula/version.html", version=found, lang=lang,
                           quizzes=svc.quizzes_of(found, lang))


@bp.route("/<code>/diff")
@staff_required
def diff(code):
    """Show what changed between two versions of a programme (?old=ID&new=ID)."""
    old = svc.get_version(request.args.get("old", type=int) or 0)
    new = svc.get_version(request.args.get("new", type=int) or 0)
    if old is None or new is None or old.programme.code != code or new.programme.code != code:
        abort(404)
    return render_template("lms/curricula/diff.html", old=old, new=new,
                           files=svc.diff_versions(old, new))
