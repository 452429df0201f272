"""The stand-alone HTML verifier, opened from a file in Chromium with the network cut: it checks
a pasted certificate link with the browser's own Ed25519 (WebCrypto), and a status list file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from lms.certificates import services as svc
from lms.extensions import db
from tests.certificates.conftest import eligible_enrolment, key_id, three_year_version  # noqa: F401
from tests.conftest import make_user


def _check(page, text: str, status_file=None) -> tuple[str, str]:
    page.fill("#code", text)
    page.set_input_files("#statuslist", [str(status_file)] if status_file else [])
    page.evaluate("document.getElementById('result').dataset.state = ''")
    page.click("#check")
    page.wait_for_function("document.getElementById('result').dataset.state !== ''")
    return page.get_attribute("#result", "data-state"), page.inner_text("#result")


@pytest.mark.browser
def test_the_verifier_file_tells_valid_tampered_revoked_and_expired(
        app, client, runner, browser, key_id, three_year_version, tmp_path):  # noqa: F811
    kept = svc.issue_certificate(eligible_enrolment(three_year_version, first_name="Grâce"),
                                 None)
    revoked = svc.issue_certificate(eligible_enrolment(three_year_version), None)
    svc.revoke_certificate(revoked, make_user(roles=("staff",)), "Fraude")
    db.session.commit()
    links = {c.serial: f"https://academie.example/v/{c.serial}?p={c.token}"
             for c in (kept, revoked)}
    verifier = tmp_path / "verifier.html"
    verifier.write_bytes(client.get("/v/verifier.html").data)
    status_file = tmp_path / "status.json"
    assert runner.invoke(args=["lms", "certificate", "status-list", "-o", str(status_file)]
                         ).exit_code == 0
    payload, signature = kept.token.split(".")
    forged = payload[:-3] + ("A" if payload[-3] != "A" else "B") + payload[-2:] + "." + signature

    context = browser.new_context(offline=True)
    try:
        page = context.new_page()
        page.goto(verifier.as_uri())
        state, text = _check(page, links[kept.serial])
        assert state == "valid" and "Grâce" in text and "VALABLE" in text
        assert _check(page, links[kept.serial], status_file)[0] == "valid"
        assert _check(page, kept.token, status_file)[0] == "valid"  # the bare code works too
        assert _check(page, forged)[0] == "invalid"
        assert _check(page, "https://academie.example/v/X?p=" + "W" * 5000)[0] == "invalid"
        state, text = _check(page, links[revoked.serial], status_file)
        assert state == "revoked" and "ANNULÉ" in text

        later = datetime.now(UTC) + timedelta(days=3 * 365 + 1)
        page.clock.set_fixed_time(later)
        page.goto(verifier.as_uri())
        state, text = _check(page, links[kept.serial], status_file)
        assert state == "expired" and kept.valid_until.isoformat() in text
        assert _check(page, links[revoked.serial], status_file)[0] == "revoked"
        # The status list's own signature is checked: an altered list is refused.
        altered = json.loads(status_file.read_text())
        altered["validFrom"] = "2099-01-01T00:00:00Z"
        bad_list = tmp_path / "altered.json"
        bad_list.write_text(json.dumps(altered))
        assert _check(page, links[kept.serial], bad_list)[0] == "invalid"
    finally:
        context.close()
