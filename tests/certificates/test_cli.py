"""`flask lms keys ...` and `flask lms certificate verify` through Click's runner."""

import json
import os
import stat

import flask_babel

from lms.certificates import services as svc
from lms.certificates import signing
from tests.certificates.conftest import eligible_enrolment


def test_keys_generate_rotate_and_export(app, runner, tmp_path):
    made = runner.invoke(args=["lms", "keys", "generate"])
    assert made.exit_code == 0, made.output
    private = svc.key_folder() / signing.PRIVATE_KEY_FILE
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600
    assert str(private).startswith(app.instance_path)
    again = runner.invoke(args=["lms", "keys", "generate"])
    assert again.exit_code != 0 and "rotate" in again.output
    assert runner.invoke(args=["lms", "keys", "rotate"]).exit_code == 0
    exported = runner.invoke(args=["lms", "keys", "export-public"])
    key_set = json.loads(exported.output)
    assert len(key_set["keys"]) == 2 and all("d" not in k for k in key_set["keys"])
    pem = runner.invoke(args=["lms", "keys", "export-public", "--format", "pem"]).output
    assert pem.count("BEGIN PUBLIC KEY") == 2 and "PRIVATE" not in pem


def test_verify_offline_with_exported_keys_and_catch_forgery(app, runner, ctx, tmp_path,
                                                            quiz_only_version):
    runner.invoke(args=["lms", "keys", "generate"])
    cert = svc.issue_certificate(eligible_enrolment(quiz_only_version, first_name="Grâce"), None)
    runner.invoke(args=["lms", "keys", "rotate"])  # old certificates must still verify
    keys_file = tmp_path / "academy-keys.json"
    keys_file.write_text(runner.invoke(args=["lms", "keys", "export-public"]).output)

    ok = runner.invoke(args=["lms", "certificate", "verify", cert.token,
                             "--public-keys", str(keys_file)])
    assert ok.exit_code == 0, ok.output
    assert "Signature valide" in ok.output and "Grâce USER" in ok.output
    assert cert.display_serial in ok.output
    url = f"https://academie.example.cd/v/{cert.serial}?p={cert.token}"
    assert runner.invoke(args=["lms", "certificate", "verify", url, "--public-keys",
                               str(keys_file)]).exit_code == 0

    payload, signature = cert.token.split(".")
    forged = signing.b64url(signing.unb64url(payload).replace("Grâce".encode(), b"Marie")) \
        + "." + signature
    bad = runner.invoke(args=["lms", "certificate", "verify", forged, "--public-keys",
                              str(keys_file)])
    assert bad.exit_code == 1 and "NON VALIDE" in bad.output and "modifié ou falsifié" in bad.output

    stranger = tmp_path / "other"
    signing.generate_key(stranger)
    other_keys = tmp_path / "other.json"
    other_keys.write_text(json.dumps(signing.read_key_set(stranger)))
    unknown = runner.invoke(args=["lms", "certificate", "verify", cert.token, "--public-keys",
                                  str(other_keys)])
    assert unknown.exit_code == 1 and "n'est pas parmi les clés publiques" in unknown.output


def test_revoke_from_the_command_line(app, runner, ctx, quiz_only_version):
    runner.invoke(args=["lms", "keys", "generate"])
    cert = svc.issue_certificate(eligible_enrolment(quiz_only_version), None)
    done = runner.invoke(args=["lms", "certificate", "revoke", cert.display_serial,
                               "--reason", "Doublon"])
    assert done.exit_code == 0, done.output
    listed = runner.invoke(args=["lms", "certificate", "list"]).output
    assert f"{cert.display_serial}\trevoked" in listed


def test_the_command_line_speaks_the_server_language(app, runner, ctx, quiz_only_version):
    """French by default (LMS_DEFAULT_LOCALE), English on a server set to English (#18)."""
    made = runner.invoke(args=["lms", "keys", "generate"])
    assert "Clé de signature" in made.output and "Signing key" not in made.output
    cert = svc.issue_certificate(eligible_enrolment(quiz_only_version), None)
    french = runner.invoke(args=["lms", "certificate", "verify", cert.token]).output
    assert "Signature valide" in french and "VALIDE." in french and "Numéro\u00a0:" in french
    app.config["LMS_DEFAULT_LOCALE"] = "en"
    flask_babel.refresh()
    try:
        english = runner.invoke(args=["lms", "certificate", "verify", cert.token]).output
        assert "Signature valid (key" in english and "VALID." in english
        assert "Serial:" in english and "valide" not in english
        rotated = runner.invoke(args=["lms", "keys", "rotate"]).output
        assert "New signing key" in rotated
    finally:
        app.config["LMS_DEFAULT_LOCALE"] = "fr"
        flask_babel.refresh()
