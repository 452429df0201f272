"""Police academy LMS: a Flask application and an extension a host app can mount."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

__all__ = ["LMS", "create_app"]


class LMS:
    """The LMS as a Flask extension: `LMS().init_app(app, url_prefix="/academy")`."""

    def __init__(self, app: Flask | None = None, url_prefix: str = "") -> None:
        if app is not None:
            self.init_app(app, url_prefix=url_prefix)

    def init_app(self, app: Flask, url_prefix: str = "") -> None:
        """Configure `app`, bind extensions, register the LMS blueprints under `url_prefix`."""
        from lms.setup import configure_app

        configure_app(app, url_prefix=url_prefix.rstrip("/"))
        app.extensions["lms"] = self


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the standalone LMS application (config overrides environment and instance)."""
    instance_path = os.environ.get("LMS_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True,
                static_folder=None)
    app.config["SESSION_COOKIE_NAME"] = "lms_session"
    app.config.from_pyfile("lms.cfg", silent=True)
    from lms.config import from_environment

    app.config.update(from_environment())
    if config:
        app.config.update(config)
    LMS(app, url_prefix=app.config.get("LMS_URL_PREFIX", ""))
    return app
