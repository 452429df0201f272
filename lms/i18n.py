"""Locale selection: the user's choice, else the session's, else French."""

from flask import current_app, has_request_context, session
from flask_babel import get_locale
from flask_login import current_user


def select_locale() -> str:
    """Pick the interface language for this request."""
    locales = current_app.config["LMS_LOCALES"]
    if not has_request_context():  # command line, background work
        return current_app.config["LMS_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in locales:
        return current_user.locale
    if session.get("locale") in locales:
        return session["locale"]
    return current_app.config["LMS_DEFAULT_LOCALE"]


def current_locale() -> str:
    """The language code in use, e.g. "fr"."""
    return str(get_locale() or current_app.config["LMS_DEFAULT_LOCALE"])
