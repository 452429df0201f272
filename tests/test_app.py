"""Configuration from the environment, the instance folder, SQLite settings, and mounting."""

import os
import re
import stat
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from sqlalchemy import text

from lms import LMS, create_app
from lms.extensions import db
from tests.conftest import (
    CURRICULA,
    PASSWORD,
    IsolatedClient,
    login,
    make_cohort,
    make_enrolment,
    make_programme_folder,
    make_user,
    publish,
)


@pytest.fixture
def environment(tmp_path, monkeypatch):
    """A clean LMS environment with its own instance folder."""
    for name in list(os.environ):
        if name.startswith("LMS_"):
            monkeypatch.delenv(name)
    instance = tmp_path / "instance"
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(instance))
    return instance


def _dispose(app):
    with app.app_context():
        db.engine.dispose()


def test_database_url_and_secret_key_come_from_the_environment(environment, monkeypatch,
                                                                tmp_path):
    monkeypatch.setenv("LMS_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.sqlite'}")
    monkeypatch.setenv("LMS_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("LMS_SESSION_IDLE_MINUTES", "15")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'elsewhere.sqlite'}"
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["LMS_SESSION_IDLE_MINUTES"] == 15
    assert not (environment / "secret_key").exists()
    _dispose(app)


def test_a_postgresql_url_uses_the_psycopg_driver(environment, monkeypatch):
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql://lms@db.example/lms")
    monkeypatch.setenv("LMS_SECRET_KEY", "k")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://lms@db.example/lms"
    _dispose(app)


def test_secret_key_is_generated_once_into_the_instance_folder(environment):
    first = create_app()
    key_file = environment / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.config["SECRET_KEY"] == key_file.read_text().strip()
    assert len(first.config["SECRET_KEY"]) >= 32
    second = create_app()
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    _dispose(first)
    _dispose(second)


def test_no_secret_key_is_written_in_the_code():
    source = "".join(p.read_text() for p in (CURRICULA.parent / "lms").rglob("*.py"))
    assert not re.search(r"SECRET_KEY['\"]?\]?\s*[:=]\s*['\"]", source)


def test_default_database_is_a_sqlite_file_in_the_instance_folder(environment):
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{environment / 'lms.sqlite'}"
    with app.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    assert (environment / "lms.sqlite").is_file()


def test_sqlite_pragmas_are_in_effect(environment):
    app = create_app()
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        db.engine.dispose()


def test_wsgi_module_exposes_the_app(environment):
    import importlib

    import wsgi

    module = importlib.reload(wsgi)
    assert isinstance(module.app, Flask)
    _dispose(module.app)


# Mounted under a prefix ------------------------------------------------------------------------

@pytest.fixture
def host(tmp_path, database_url):
    """A host application with its own route, the LMS mounted under /academy."""
    host = Flask("host_app", instance_path=str(tmp_path / "host-instance"))
    host.config.update(TESTING=True, SECRET_KEY="host-secret", WTF_CSRF_ENABLED=False,
                       SQLALCHEMY_DATABASE_URI=database_url, LMS_CURRICULA_DIR=str(CURRICULA))

    @host.route("/")
    def home():
        return "Host home page"

    LMS(host, url_prefix="/academy/")
    host.test_client_class = IsolatedClient
    with host.app_context():
        db.create_all()
        yield host
        db.session.remove()
        db.engine.dispose()


LINK = re.compile(r'<(a|link|script|form)\b[^>]*?\b(href|src|action)="([^"]*)"', re.I)
NEXT = re.compile(r'name="next" value="([^"]*)"')


def crawl(client, *starts: str) -> dict[str, int]:
    """GET every same-site link reachable from `starts`; check every URL seen; return statuses."""
    seen: dict[str, int] = {}
    queue = deque(starts)
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        response.close()
        seen[url] = response.status_code
        if response.status_code in (301, 302, 303):
            location = response.headers["Location"]
            assert location.startswith("/academy"), (url, location)
            queue.append(location)
            continue
        assert response.status_code == 200, url
        if not response.mimetype == "text/html":
            continue
        html = response.text
        for value in NEXT.findall(html):
            assert value == "" or value.startswith("/academy"), (url, value)
        for tag, _attr, target in LINK.findall(html):
            target = target.replace("&amp;", "&")
            if target.startswith("#"):
                continue
            absolute = urljoin(url, target)
            parts = urlsplit(absolute)
            assert not parts.netloc, (url, target)
            assert parts.path.startswith("/academy"), (url, target)
            if tag.lower() != "form":
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def test_trainee_pages_and_links_all_work_under_the_prefix(host):
    client = host.test_client()
    enrolment = make_enrolment()
    eid = enrolment.id
    response = login(client, enrolment.user, prefix="/academy")
    assert response.headers["Location"] == "/academy/"
    started = client.post(f"/academy/learn/{eid}/principes/quiz-principes/start")
    assert started.headers["Location"].startswith("/academy/attempt/")
    client.post(f"/academy/learn/{eid}/principes/accueil-au-poste/read")
    # The open attempt is reached through the start form (a POST): crawl from it too.
    seen = crawl(client, "/academy/", started.headers["Location"])
    pages = set(seen)
    assert f"/academy/learn/{eid}/principes/six-principes" in pages
    assert any(p.startswith("/academy/attempt/") for p in pages)
    assert any(p.startswith("/academy/static/lms.css") for p in pages)
    assert any(p.startswith("/academy/static/quiz.js") for p in pages)
    assert len(pages) > 20
    # The attempt can be finished and its result page crawled too.
    attempt = started.headers["Location"].split("/")[3]
    client.post(f"/academy/attempt/{attempt}/submit")
    crawl(client, f"/academy/attempt/{attempt}/result")


def test_staff_pages_and_links_all_work_under_the_prefix(host, tmp_path):
    client = host.test_client()
    folder = make_programme_folder(tmp_path)
    publish(folder)
    manifest = folder / "manifest.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"1.0.0"', '"1.1.0"'),
                        encoding="utf-8")
    publish(folder)
    make_cohort()
    login(client, make_user(roles=("staff",)), prefix="/academy")
    seen = crawl(client, "/academy/")
    assert "/academy/curricula/" in seen
    assert any("/diff?old=" in p for p in seen)
    assert any(p.startswith("/academy/curricula/versions/") for p in seen)


def test_anonymous_visitor_is_sent_to_the_prefixed_login(host):
    client = host.test_client()
    response = client.get("/academy/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/academy/login")
    page = client.get("/academy/login")
    assert 'action=""' not in page.text
    assert re.search(r'href="/academy/static/lms\.css\?v=\d+"', page.text)
    crawl(client, "/academy/login")


def test_the_host_keeps_its_own_route_and_headers(host):
    client = host.test_client()
    enrolment = make_enrolment()
    login(client, enrolment.user, PASSWORD, prefix="/academy")
    response = client.get("/")
    assert response.status_code == 200 and response.text == "Host home page"
    assert "Content-Security-Policy" not in response.headers
    assert "X-Frame-Options" not in response.headers
    assert "no-store" not in response.headers.get("Cache-Control", "")
    lms_page = client.get("/academy/")
    assert "Content-Security-Policy" in lms_page.headers
    assert client.get("/learn/1").status_code == 404  # nothing of the LMS outside the prefix


def test_the_site_has_its_own_favicon(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon"' in page and "//" not in page.split('rel="icon"')[1].split(">")[0]
    with client.get("/favicon.ico") as icon:
        assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    with client.get("/static/favicon.svg") as svg:
        assert svg.data.startswith(b"<svg")
