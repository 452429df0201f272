"""Signed certificate codes: verified with public keys only; any change or unknown key caught."""

import json
import os
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lms.certificates import signing

CLAIMS = {"serial": "7K3QDXM2P9", "name": "Grâce ILUNGA", "programme": "police-de-proximite",
          "version": "1.0.0", "issued": "2026-08-28"}


def _keys(folder):
    return signing.public_keys_from_set(signing.read_key_set(folder))


def test_a_signed_code_verifies_and_returns_its_claims(tmp_path):
    kid = signing.generate_key(tmp_path)
    token = signing.sign_token(signing.load_private_key(tmp_path), **CLAIMS)
    claims = signing.verify_token(token, _keys(tmp_path))
    assert claims == signing.Claims(**CLAIMS, key_id=kid)


def test_a_changed_name_in_the_payload_is_caught(tmp_path):
    signing.generate_key(tmp_path)
    token = signing.sign_token(signing.load_private_key(tmp_path), **CLAIMS)
    payload, signature = token.split(".")
    forged = signing.unb64url(payload).replace("Grâce".encode(), b"Grace")
    with pytest.raises(signing.VerificationFailed) as caught:
        signing.verify_token(signing.b64url(forged) + "." + signature, _keys(tmp_path))
    assert caught.value.reason == "bad_signature"


@pytest.mark.parametrize("part", [0, 1])
def test_any_flipped_byte_in_payload_or_signature_is_caught(tmp_path, part):
    signing.generate_key(tmp_path)
    token = signing.sign_token(signing.load_private_key(tmp_path), **CLAIMS)
    pieces = [signing.unb64url(p) for p in token.split(".")]
    for index in range(len(pieces[part])):
        damaged = bytearray(pieces[part])
        damaged[index] ^= 0x01
        candidate = [*pieces]
        candidate[part] = bytes(damaged)
        text = ".".join(signing.b64url(p) for p in candidate)
        with pytest.raises(signing.VerificationFailed):
            signing.verify_token(text, _keys(tmp_path))


def test_a_code_signed_by_another_key_is_unknown(tmp_path):
    signing.generate_key(tmp_path)
    token = signing.sign_token(Ed25519PrivateKey.generate(), **CLAIMS)
    with pytest.raises(signing.VerificationFailed) as caught:
        signing.verify_token(token, _keys(tmp_path))
    assert caught.value.reason == "unknown_key"


@pytest.mark.parametrize("text", ["", "abc", "a.b.c", "!!!.???", "e30.AAAA"])
def test_garbage_is_malformed(tmp_path, text):
    signing.generate_key(tmp_path)
    with pytest.raises(signing.VerificationFailed) as caught:
        signing.verify_token(text, _keys(tmp_path))
    assert caught.value.reason == "malformed"


def test_rotation_keeps_old_public_keys_so_old_codes_still_verify(tmp_path):
    first = signing.generate_key(tmp_path)
    old_token = signing.sign_token(signing.load_private_key(tmp_path), **CLAIMS)
    second = signing.generate_key(tmp_path, rotate=True)
    new_token = signing.sign_token(signing.load_private_key(tmp_path), **CLAIMS)
    assert first != second
    keys = _keys(tmp_path)
    assert set(keys) == {first, second}
    assert signing.verify_token(old_token, keys).key_id == first
    assert signing.verify_token(new_token, keys).key_id == second
    stored = signing.read_key_set(tmp_path)["keys"]
    assert "retired" in stored[0] and "retired" not in stored[1]


def test_private_key_is_readable_only_by_its_owner_and_never_replaced_silently(tmp_path):
    signing.generate_key(tmp_path)
    mode = stat.S_IMODE(os.stat(tmp_path / signing.PRIVATE_KEY_FILE).st_mode)
    assert mode == 0o600
    with pytest.raises(signing.SigningKeyError, match="rotate"):
        signing.generate_key(tmp_path)
    with pytest.raises(signing.SigningKeyError, match="generate"):
        signing.generate_key(tmp_path / "empty", rotate=True)


def test_verification_url_with_the_code_is_accepted(tmp_path):
    signing.generate_key(tmp_path)
    token = signing.sign_token(signing.load_private_key(tmp_path), **CLAIMS)
    url = f"https://academie.example.cd/v/{CLAIMS['serial']}?p={token}"
    assert signing.verify_token(url, _keys(tmp_path)).serial == CLAIMS["serial"]


def test_exported_pem_keys_verify_like_the_json_set(tmp_path):
    signing.generate_key(tmp_path)
    token = signing.sign_token(signing.load_private_key(tmp_path), **CLAIMS)
    signing.generate_key(tmp_path, rotate=True)
    pem = tmp_path / "keys.pem"
    pem.write_text(signing.export_pem(signing.read_key_set(tmp_path)))
    jwks = tmp_path / "keys.json"
    jwks.write_text(json.dumps(signing.read_key_set(tmp_path)))
    assert set(signing.load_public_keys(pem)) == set(signing.load_public_keys(jwks))
    assert signing.verify_token(token, signing.load_public_keys(pem)).name == "Grâce ILUNGA"
