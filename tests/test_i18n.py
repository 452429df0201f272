"""French first, English on request: complete catalogues, remembered choice, local dates."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import render_template_string

from lms.auth.models import User
from lms.curricula.services import publish_programme
from lms.extensions import db
from tests.conftest import (
    ROOT,
    in_language,
    login,
    make_cohort,
    make_enrolment,
    make_programme_folder,
    make_user,
    publish,
)

TRANSLATIONS = ROOT / "lms" / "translations"
FRENCH_PO = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"
FRENCH_MO = FRENCH_PO.with_suffix(".mo")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "_ln": (1, 2)}
SOURCE_DIRS = ("lms", "templates")


def extracted_messages() -> dict[str, tuple[str, int, str | tuple[str, ...]]]:
    """Every string marked for translation in lms/ and templates/, as babel.cfg says."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)

    def in_sources(path: str) -> bool:
        relative = Path(path).relative_to(ROOT).parts
        return not relative or relative[0] in SOURCE_DIRS

    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS, directory_filter=in_sources):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, (filename, lineno, message))
    return found


def read_catalogue(path: Path, reader=read_po):
    with path.open("rb") as f:
        return reader(f)


def translations(catalogue) -> dict:
    """msgid -> msgstr for the entries gettext will use (translated, not fuzzy)."""
    result = {}
    for message in catalogue:
        strings = message.string if isinstance(message.string, str) else tuple(message.string)
        msgid = message.id if isinstance(message.id, str) else tuple(message.id)
        if msgid and not message.fuzzy and all(strings):
            result[msgid] = strings
    return result


def test_extraction_finds_strings_from_python_forms_and_templates():
    found = extracted_messages()
    assert "Sign in" in found  # templates and forms (lazy_gettext as _l)
    assert found["Service number or academy number"][0] == "lms/auth/forms.py"
    assert "Wrong number or password. Check both and try again." in found  # views
    assert isinstance(found["%(num)d question"][2], tuple)  # ngettext keeps its plural


def test_every_interface_string_has_a_french_translation():
    catalogue = read_catalogue(FRENCH_PO)
    untranslated = []
    for msgid, (filename, lineno, message) in sorted(extracted_messages().items()):
        entry = catalogue.get(msgid)
        strings = () if entry is None else (
            entry.string if isinstance(entry.string, tuple) else (entry.string,))
        plural_missing = isinstance(message, tuple) and not (entry and entry.pluralizable)
        if entry is None or entry.fuzzy or not strings or not all(strings) or plural_missing:
            untranslated.append(f"{filename}:{lineno}: {msgid!r}")
    assert not untranslated, (
        "Strings without a French translation (run scripts/update-translations.sh, translate "
        "them in lms/translations/fr/LC_MESSAGES/messages.po, run the script again):\n"
        + "\n".join(untranslated))


def test_french_translations_keep_the_placeholders_and_two_plural_forms():
    catalogue = read_catalogue(FRENCH_PO)
    assert catalogue.num_plurals == 2
    assert catalogue.plural_expr == "(n > 1)"
    problems = [f"{message.id!r}: {errors}" for message, errors in catalogue.check()]
    assert not problems, "\n".join(problems)


def test_compiled_french_catalogue_matches_the_po_file():
    po = read_catalogue(FRENCH_PO)
    mo = read_catalogue(FRENCH_MO, read_mo)
    assert translations(mo) == translations(po), (
        "lms/translations/fr/LC_MESSAGES/messages.mo is out of date: run "
        "scripts/update-translations.sh and commit the .mo")
    assert mo.plural_forms == po.plural_forms


# Pages --------------------------------------------------------------------------------------

def choose_language(client, lang, next_path="/login"):
    return client.post("/language", data={"lang": lang, "next": next_path})


def test_login_page_is_in_french_by_default(client):
    page = client.get("/login")
    assert '<html lang="fr">' in page.text
    assert "Se connecter" in page.text
    assert "Matricule ou numéro d'académie" in page.text  # form labels (lazy_gettext)
    assert "Sign in" not in page.text


def test_english_chosen_before_sign_in_lasts_for_the_session(app, client):
    response = choose_language(client, "en")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login")
    assert '<html lang="en">' in page.text
    assert "Sign in" in page.text and "Se connecter" not in page.text
    assert "Se connecter" in app.test_client().get("/login").text  # another browser: French


def test_signed_in_users_language_is_stored_and_used_at_the_next_sign_in(app, client):
    user = make_user()
    user_id, login_id = user.id, user.login_id
    login(client, login_id)
    assert "Ma formation" in client.get("/").text
    choose_language(client, "en", "/")
    db.session.rollback()  # see what the request wrote
    assert db.session.get(User, user_id).locale == "en"
    assert "My training" in client.get("/").text
    client.post("/logout")

    other = app.test_client()  # another computer: no session, French until sign-in
    assert "Se connecter" in other.get("/login").text
    login(other, login_id)
    page = other.get("/")
    assert '<html lang="en">' in page.text and "My training" in page.text

    choose_language(other, "fr", "/")
    db.session.rollback()
    assert db.session.get(User, user_id).locale == "fr"
    assert "Ma formation" in other.get("/").text


def test_unknown_language_is_ignored(client):
    choose_language(client, "xx")
    assert "Se connecter" in client.get("/login").text


def test_cohort_dates_are_written_in_the_users_language(client):
    enrolment = make_enrolment()  # cohort from 29 March to 28 August 2026
    login(client, enrolment.user)
    page = client.get(f"/learn/{enrolment.id}")
    assert "du 29 mars 2026 au 28 août 2026" in page.text
    choose_language(client, "en", "/")
    assert "from March 29, 2026 to August 28, 2026" in client.get(f"/learn/{enrolment.id}").text


def test_publication_date_uses_french_month_names(client):
    version = publish()
    staff = make_user(roles=("staff",))
    login(client, staff)
    page = client.get("/curricula/")
    # The date on the academy's calendar (Africa/Lubumbashi, UTC+2), not UTC's: they differ
    # from 22:00 UTC to midnight.
    local = version.published_at.replace(tzinfo=UTC).astimezone(
        ZoneInfo("Africa/Lubumbashi"))
    assert format_date(local, "medium", locale="fr") in page.text
    choose_language(client, "en", "/")
    assert format_date(local, "medium", locale="en") in client.get("/curricula/").text


@pytest.mark.parametrize("lang, expected", [("fr", "7,5 / 10 (15/20)"),
                                            ("en", "7.5 / 10 (15/20)")])
def test_scores_use_the_locales_decimal_separator(app, lang, expected):
    with in_language(app, lang):
        html = render_template_string(
            '{% from "lms/macros.html" import score %}{{ score(7.5, 10) }}')
    assert html == expected


def test_plural_forms_follow_french_rules(app):
    template = '{{ ngettext("%(num)d question", "%(num)d questions", n) }}'
    with in_language(app, None):
        assert [render_template_string(template, n=n) for n in (0, 1, 2)] == [
            "0 question", "1 question", "2 questions"]
    with in_language(app, "en"):
        assert [render_template_string(template, n=n) for n in (0, 1, 2)] == [
            "0 questions", "1 question", "2 questions"]


def test_lazy_messages_without_an_app_are_the_english_msgid():
    from lms.i18n import lazy_message

    message = lazy_message("question '%(id)s' has no text", id="q1")
    assert str(message) == "question 'q1' has no text" and "'q1'" in message


def test_lazy_messages_are_translated_when_shown_and_escaped_in_pages(app):
    from lms.i18n import lazy_message

    message = lazy_message("question '%(id)s' has no text", id="<b>q1</b>")
    template = "{{ m }}"
    with in_language(app, None):
        assert render_template_string(template, m=message) == (
            "la question «\xa0&lt;b&gt;q1&lt;/b&gt;\xa0» n&#39;a pas de texte")
    with in_language(app, "en"):
        assert render_template_string(template, m=message) == (
            "question &#39;&lt;b&gt;q1&lt;/b&gt;&#39; has no text")


def test_service_errors_reach_people_in_their_language(app):
    from lms.auth.services import AccountError

    with in_language(app, None), pytest.raises(AccountError, match="au moins 8 caractères"):
        make_user(password="short")
    with in_language(app, "en"), pytest.raises(AccountError, match="at least 8 characters"):
        make_user(password="short")


def test_command_line_errors_are_translated_without_a_request(runner):
    result = runner.invoke(args=["lms", "user", "create", "--first-name", "A", "--last-name",
                                 "B", "--sex", "F", "--password", "short"])
    assert result.exit_code == 1
    assert "au moins 8 caractères" in result.output


def test_version_conflict_message_is_translated(app, tmp_path):
    from lms.curricula.services import VersionConflict

    folder = make_programme_folder(tmp_path)
    publish_programme(folder)
    lesson = folder / "modules" / "principes" / "six-principes.fr.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nUne phrase de plus.\n",
                      encoding="utf-8")
    with in_language(app, None), pytest.raises(VersionConflict, match="déjà publiée"):
        publish_programme(folder)
    with in_language(app, "en"), pytest.raises(VersionConflict, match="already published"):
        publish_programme(folder)


# Curricula in the trainee's language, with fallback -------------------------------------------

def test_lesson_missing_in_english_is_shown_in_french_with_a_note(app, client, tmp_path):
    folder = make_programme_folder(tmp_path)
    (folder / "modules" / "principes" / "six-principes.en.md").unlink()
    version, _created = publish_programme(folder)
    user = make_user(locale="en")
    enrolment = make_enrolment(user, make_cohort(version))
    login(client, user)

    page = client.get(f"/learn/{enrolment.id}/principes/six-principes")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert "This lesson is not available in your language yet" in page.text
    assert '<article class="lesson" lang="fr">' in page.text
    french = version.structure["lessons"]["principes/six-principes"]["fr"]["html"]
    assert french in page.text

    other = client.get(f"/learn/{enrolment.id}/principes/accueil-au-poste")
    assert '<article class="lesson" lang="en">' in other.text
    assert "not available in your language" not in other.text
