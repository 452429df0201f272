"""The staff home page counts the certificates expiring in the next 90 days (#18)."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for

from lms.base import utcnow
from lms.certificates import services as svc
from lms.extensions import db
from tests.certificates.conftest import eligible_enrolment
from tests.conftest import login, make_user


def test_staff_home_counts_certificates_expiring_soon_with_a_link(app, client, key_id,
                                                                   three_year_version):
    staff = make_user(roles=("staff",))
    db.session.commit()
    login(client, staff)
    assert "Aucun certificat n" in client.get("/").text  # nothing expires yet
    enrolment = eligible_enrolment(three_year_version, service_number="PNC-778")
    db.session.commit()
    cert = svc.issue_certificate(enrolment, None, now=utcnow() - timedelta(days=3 * 365 - 30))
    assert 0 < (cert.valid_until - utcnow().date()).days <= 31
    html = client.get("/").text
    with app.test_request_context():
        link = url_for("lms.certificates.expiring")
    line = html[html.index('id="home-expiring"'):]
    line = line[:line.index("</li>")]
    assert f'href="{link}"' in line and "1 certificat expire bientôt" in line
