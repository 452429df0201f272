"""Light pages: weight budget, cache-busting static URLs, gzip, nothing from other hosts, print."""

from __future__ import annotations

import gzip
import hashlib
import re
from html.parser import HTMLParser

import pytest

from lms import resources
from lms.assets import static_version
from lms.extensions import db
from tests.conftest import CURRICULA, csrf_token, login, make_cohort, make_user, publish

BUDGET = 60 * 1024  # lesson and quiz pages, first load, uncompressed, images aside
ROOT = CURRICULA.parent


class _Assets(HTMLParser):
    """Collect the stylesheets and scripts a page loads."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            self.urls.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])


def page_weight(client, url: str) -> tuple[int, dict[str, int]]:
    """Bytes of the page's HTML plus every stylesheet and script it references."""
    page = client.get(url)
    assert page.status_code == 200, url
    parts = {url: len(page.data)}
    parser = _Assets()
    parser.feed(page.text)
    for asset in parser.urls:
        response = client.get(asset, buffered=True)
        assert response.status_code == 200, asset
        parts[asset] = len(response.data)
    return sum(parts.values()), parts


def _enrol_in_every_programme():
    user = make_user()
    from lms.training.services import enrol

    enrolments = []
    for folder in sorted(p for p in CURRICULA.iterdir() if (p / "manifest.yaml").exists()):
        cohort = make_cohort(publish(folder), name=folder.name)
        enrolments.append(enrol(user, cohort))
    db.session.commit()
    return user, enrolments


def test_every_lesson_and_quiz_page_weighs_under_60_kb(app, client):
    user, enrolments = _enrol_in_every_programme()
    login(client, user)
    heaviest: dict[str, tuple[int, str]] = {}

    def weigh(kind: str, url: str) -> None:
        total, parts = page_weight(client, url)
        assert total <= BUDGET, f"{url} weighs {total} bytes: {parts}"
        if total > heaviest.get(kind, (0, ""))[0]:
            heaviest[kind] = (total, url)

    for enrolment in enrolments:
        structure = enrolment.curriculum_version.structure
        base = f"/learn/{enrolment.id}"
        for key in structure["lessons"]:
            weigh("lesson", f"{base}/{key}")
        for key, versions in structure["assessments"].items():
            weigh("assessment", f"{base}/{key}")
            if versions["fr"]["settings"]["kind"] == "practical":
                continue
            started = client.post(f"{base}/{key}/start")
            assert started.status_code == 302
            attempt_url = started.headers["Location"].rsplit("/", 1)[0]
            for number in range(1, len(versions["fr"]["questions"]) + 1):
                weigh("question", f"{attempt_url}/{number}")
            weigh("review", f"{attempt_url}/review")
            client.post(f"{attempt_url}/submit")
            weigh("result", f"{attempt_url}/result")
    assert set(heaviest) == {"lesson", "assessment", "question", "review", "result"}


def test_static_urls_carry_a_content_hash_and_are_cached_for_a_year(app, client):
    page = client.get("/login")
    css = resources.static_dir() / "lms.css"
    digest = int(hashlib.sha256(css.read_bytes()).hexdigest()[:12], 16)
    assert f'/static/lms.css?v={digest}"' in page.text
    response = client.get(f"/static/lms.css?v={digest}", buffered=True)
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.public and not response.cache_control.no_store
    assert page.headers["Cache-Control"] == "no-store"  # personal pages are never cached


def test_a_changed_static_file_gets_a_new_url(tmp_path):
    sheet = tmp_path / "lms.css"
    sheet.write_text("body{color:#000}")
    before = static_version(sheet)
    assert static_version(sheet) == before
    sheet.write_text("body{color:#111;margin:0}")
    assert static_version(sheet) != before
    assert static_version(tmp_path / "missing.css") is None


def test_text_is_gzipped_and_forms_still_work_with_csrf(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user()
    page = client.get("/login", headers={"Accept-Encoding": "gzip, deflate"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    html = gzip.decompress(page.data).decode()
    assert int(page.headers["Content-Length"]) == len(page.data) < len(html.encode())
    signed_in = client.post("/login", data={"login": user.login_id, "password": "secret-pass-1",
                                            "csrf_token": csrf_token(html)},
                            headers={"Accept-Encoding": "gzip"})
    assert signed_in.status_code == 302
    assert client.get("/login", headers={"Accept-Encoding": "identity"}).headers.get(
        "Content-Encoding") is None


def test_the_stylesheet_is_gzipped_and_revalidates(app, client):
    plain = client.get("/static/lms.css", buffered=True)
    packed = client.get("/static/lms.css", headers={"Accept-Encoding": "gzip"}, buffered=True)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    etag = packed.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get("/static/lms.css", headers={"Accept-Encoding": "gzip",
                                                   "If-None-Match": etag}, buffered=True)
    assert again.status_code == 304


def _files(folder, *suffixes):
    return [p for p in folder.rglob("*") if p.suffix in suffixes and "node_modules" not in p.parts]


def test_nothing_is_loaded_from_another_host():
    remote = re.compile(r"""(?:https?:)?//[\w.-]+\.[a-z]{2,}|url\(\s*['"]?https?:""", re.I)
    offenders = []
    for path in _files(ROOT / "templates", ".html") + _files(ROOT / "static", ".css", ".js"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if remote.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    image = re.compile(r"!\[[^\]]*\]\(\s*<?(?:https?:)?//", re.I)
    for path in _files(CURRICULA, ".md"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if image.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "loads from another host:\n" + "\n".join(offenders)


@pytest.mark.parametrize("hidden", [".top", ".qnav", ".actions", ".pager"])
def test_the_stylesheet_prints_without_navigation(hidden):
    css = (resources.static_dir() / "lms.css").read_text(encoding="utf-8")
    match = re.search(r"@media print\s*\{(.*)", css, re.S)
    assert match, "no print stylesheet"
    rule = next(r for r in match.group(1).split("}") if "display:none" in r)
    assert hidden in [s.strip() for s in rule.split("{")[0].split(",")]
