"""Light delivery: cache-busting static URLs and gzip-compressed text responses."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from flask import Response, current_app, request

from lms import resources

# Text types worth compressing; images and archives are already compressed.
COMPRESSIBLE = frozenset({
    "text/html", "text/css", "text/plain", "text/csv", "text/javascript",
    "application/javascript", "application/json", "image/svg+xml",
})
MIN_COMPRESS_BYTES = 500

_versions: dict[str, tuple[int, int, str]] = {}
_compressed_static: dict[str, bytes] = {}


def static_version(path: Path) -> str | None:
    """A short hash of the file's content, recomputed only when the file changes."""
    try:
        stat = path.stat()
    except OSError:
        return None
    key = str(path)
    cached = _versions.get(key)
    if cached and cached[:2] == (stat.st_mtime_ns, stat.st_size):
        return cached[2]
    # Decimal digits of the content hash: short, and safe in any URL.
    digest = str(int(hashlib.sha256(path.read_bytes()).hexdigest()[:12], 16))
    _versions[key] = (stat.st_mtime_ns, stat.st_size, digest)
    return digest


def add_static_version(endpoint: str | None, values: dict) -> None:
    """Add `?v=<content hash>` to LMS static URLs, so a year-long cache never serves stale files."""
    if endpoint != "lms.static" or "v" in values or not values.get("filename"):
        return
    folder = resources.static_dir().resolve()
    path = (folder / values["filename"]).resolve()
    if folder not in path.parents:
        return
    version = static_version(path)
    if version:
        values["v"] = version


def compress(response: Response) -> Response:
    """Gzip a text response when the browser accepts it (LMS_COMPRESS = False turns it off)."""
    if not current_app.config.get("LMS_COMPRESS", True):
        return response
    if response.status_code != 200 or response.mimetype not in COMPRESSIBLE:
        return response  # a redirect (every answer saved) or an error page: never compressed
    response.vary.add("Accept-Encoding")
    if ("Content-Encoding" in response.headers
            or request.method == "HEAD" or not request.accept_encodings["gzip"]):
        return response
    # A generator (e.g. a streamed export) stays streamed; files (static) are read whole.
    if response.is_streamed and not response.direct_passthrough:
        return response
    response.direct_passthrough = False
    data = response.get_data()
    if len(data) < MIN_COMPRESS_BYTES:
        return response
    etag, _weak = response.get_etag()
    cache_key = f"{request.path}:{etag}" if etag and request.endpoint == "lms.static" else None
    body = _compressed_static.get(cache_key) if cache_key else None
    if body is None:
        body = gzip.compress(data, compresslevel=6, mtime=0)
        if cache_key and len(_compressed_static) < 256:
            _compressed_static[cache_key] = body
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    if etag:
        # The gzip body is the same resource: a weak validator keeps 304 answers working.
        response.set_etag(etag, weak=True)
    return response
