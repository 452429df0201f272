"""A sync bundle is a zip: it is measured before anything in it is inflated or parsed."""

import io
import time
import zipfile

import pytest

from lms.sync.bundle import BundleRefused, open_bundle


def _bundle_with(member: str, megabytes: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open(member, "w", force_zip64=True) as stream:
            stream.write(b'{"format": "lms-sync-bundle/1", "x": "')
            block = b" " * 1024 * 1024
            for _ in range(megabytes):
                stream.write(block)
            stream.write(b'"}')
        if member != "manifest.sig":
            archive.writestr("manifest.sig", b"c2ln")
    return out.getvalue()


@pytest.mark.parametrize("member, megabytes", [("manifest.json", 64), ("manifest.sig", 8)])
def test_a_bundle_whose_manifest_inflates_hugely_is_refused_at_once(app, member, megabytes):
    data = _bundle_with(member, megabytes)
    assert len(data) < 1024 * 1024
    started = time.perf_counter()
    with pytest.raises(BundleRefused):
        open_bundle(io.BytesIO(data), [])
    assert time.perf_counter() - started < 0.5
