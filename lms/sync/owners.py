"""Whose server may change a person's record: the ownership rule of lms/sync/registry.py
(`_owned_users`), asked of one person before a change is made."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from lms.auth.models import Site, User
from lms.extensions import db
from lms.sync.models import SyncIdentity


def owner_elsewhere(user: User) -> str | None:
    """None when a change made here to `user` reaches the other servers (the academy's server,
    one not set up for sync, or the lab of the person's own site); else the name of the site
    whose server owns the record. A lab's bundles carry another site's person as a reference,
    which the centre never lets change its copy: the lab's change would stay on the lab."""
    me = db.session.scalar(select(SyncIdentity))
    if me is None or me.role != "lab":
        return None
    site_id = db.session.scalar(select(Site.id).where(Site.code == me.site_code))
    if site_id is not None and user.site_id == site_id:
        return None
    return user.site.name if user.site is not None else _("the academy")
