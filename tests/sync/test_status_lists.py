"""The centre's signed certificate status lists travel to the labs in sync bundles (#16)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

from lms.base import utcnow
from lms.certificates import carried, public, signing
from lms.certificates import services as certificates
from lms.extensions import db
from lms.sync import services as sync
from tests.conftest import make_certificate
from tests.sync import test_sync_rounds as rounds

network = rounds.network  # the centre and two labs of Mbuji-Mayi


def _down(central, lab):
    """The centre's bundle for Lab A, imported there; the bundle's bytes."""
    with rounds.on(central):
        data = sync.export_bundle(sync.get_peer("Lab A"))[1]
    with rounds.on(lab):
        assert sync.import_bundle(data)[1]
    return data


def test_a_revocation_at_the_centre_reaches_the_lab_with_the_issuers_own_list(network):
    central, lab_a, _lab_b = network
    with rounds.on(central):
        kid = signing.generate_key(certificates.key_folder())
        cert = make_certificate(rounds._enrolment_of("PNC-1"))
        cert.key_id, cert.status_index = kid, 4242
        db.session.commit()
        serial = cert.serial
    _down(central, lab_a)
    lab = lab_a.test_client()
    assert "Certificat VALABLE" in lab.get(f"/v/{serial}").text
    assert lab.get(f"/v/status/{kid}.json").status_code == 200

    with rounds.on(central):
        certificates.revoke_certificate(certificates.get_by_serial(serial), None, "Fraude")
    data = _down(central, lab_a)
    carried_bytes = zipfile.ZipFile(io.BytesIO(data)).read(f"status/{kid}.json")
    served = lab.get(f"/v/status/{kid}.json")
    assert served.data == carried_bytes  # byte for byte: the issuer's list, not re-signed
    assert json.loads(served.data)["proof"][0]["verificationMethod"].startswith("did:key:")
    assert "Certificat ANNULÉ" in lab.get(f"/v/{serial}").text
    with rounds.on(lab_a):
        assert carried.revoked_by_issuer(kid, 4242) and not carried.revoked_by_issuer(kid, 1)
        assert carried.own_key_id() is None  # the lab never signed this list
        row = certificates.get_by_serial(serial)
        row.status = "valid"  # a row the lab has not heard about: the issuer's list still wins
        db.session.commit()
    assert "Certificat ANNULÉ" in lab.get(f"/v/{serial}").text

    with rounds.on(central):  # an older list, properly signed, never replaces a newer one
        key = signing.load_private_key(certificates.key_folder())
        with central.test_request_context():
            older = public.status_list_document(kid, carried.status_list_url(kid), key,
                                                now=utcnow() - timedelta(days=1))
    older_bytes = json.dumps(older).encode()
    with rounds.on(lab_a):
        assert not carried.keep(older_bytes)
        forged = dict(older, validFrom="2099-01-01T00:00:00Z")  # its proof no longer holds
        assert not carried.keep(json.dumps(forged).encode())
    assert lab.get(f"/v/status/{kid}.json").data == carried_bytes
