"""Role checks for views."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(*roles: str):
    """Allow the view only to signed-in users holding one of `roles` (admin holds all)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


trainer_required = role_required("trainer", "staff")
editor_required = role_required("curriculum_editor")
staff_required = role_required("staff")
admin_required = role_required("admin")
