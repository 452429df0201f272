"""Locale selection (the user's choice, else the session's, else French), numbers in it, and
lazy messages."""

from datetime import UTC, datetime
from decimal import Decimal

import flask_babel
from babel import numbers
from flask import current_app, has_request_context, session
from flask_babel import get_locale, gettext, ngettext
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup, escape

from lms.base import utcnow


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


def format_answer(value: float | int) -> str:
    """A number a trainee types as an answer, in the user's language without thousands
    separators: the year 2011 stays "2011", 2.5 reads "2,5" in French."""
    return numbers.format_decimal(value, locale=get_locale() or "fr", group_separator=False)


class Message(LazyString):
    """A message translated each time it is shown: in the reader's language in a request, the
    app's default language on the command line, the English msgid without an app.

    Escaped in templates like any text (Flask-Babel's lazy string is not): its values may come
    from an uploaded file.
    """

    def __html__(self) -> Markup:
        return escape(str(self))


def lazy_message(msgid: str, **values) -> Message:
    """`msgid % values`, translated when shown. Import it as `_l` so that it is extracted."""
    return Message(gettext, msgid, **values)


def lazy_plural(singular: str, plural: str, num: int, **values) -> Message:
    """The plural form for `num`, translated when shown. Import it as `_ln` (extracted 1, 2)."""
    return Message(ngettext, singular, plural, num, **values)


def local_to_utc(moment: datetime | None) -> datetime | None:
    """A wall-clock time typed in the academy's time zone (`LMS_TIMEZONE`), as aware UTC."""
    return None if moment is None else flask_babel.to_utc(moment).replace(tzinfo=UTC)


def utc_to_local(moment: datetime | None) -> datetime | None:
    """A stored UTC time as the academy's wall-clock time (naive), e.g. to fill a form."""
    return None if moment is None else flask_babel.to_user_timezone(moment).replace(tzinfo=None)


def timezone_label() -> str:
    """The academy's time zone for people: "Africa/Lubumbashi, UTC+02:00"."""
    zone = flask_babel.get_timezone()
    offset = utcnow().astimezone(zone).strftime("%z")
    return f"{zone}, UTC{offset[:3]}:{offset[3:]}"
