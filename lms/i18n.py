"""Locale selection (the user's choice, else the session's, else French) and numbers in it."""

from decimal import Decimal

from babel import numbers
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


def format_percentage(value: float | int | None, digits: int = 1) -> str:
    """A percentage given out of 100, in the user's language: "72,5 %" in French, "72.5%" in
    English; a dash when there is none."""
    if value is None:
        return "—"
    fraction = Decimal(str(round(value, digits))).normalize() / 100
    return numbers.format_percent(fraction, locale=get_locale() or "fr", decimal_quantization=False)
