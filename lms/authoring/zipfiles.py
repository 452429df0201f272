"""A programme folder as a ZIP: read an upload safely, write a download reproducibly."""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Mapping
from pathlib import PurePosixPath

from flask_babel import gettext as _

from lms.base import LMSError

MAX_UPLOAD_BYTES = 5_000_000  # the ZIP itself
MAX_FILES = 500
MAX_TOTAL_BYTES = 20_000_000  # all files once decompressed
MAX_RATIO = 100  # decompressed / compressed, for files over RATIO_FROM bytes
RATIO_FROM = 100_000
SOURCE_SUFFIXES = (".md", ".yaml", ".yml")  # what `lms.curricula.parser.read_sources` reads
_IGNORED_PARTS = ("__MACOSX", ".git")
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # the same files always make the same ZIP


class UploadRefused(LMSError):
    """The upload is not a programme folder we can safely read; nothing was stored."""


def read_zip(data: bytes) -> tuple[str, dict[str, str]]:
    """The folder name and {relative path: text} of a programme ZIP; raise UploadRefused."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(_("The file is too big (%(size)d bytes; at most %(limit)d).",
                              size=len(data), limit=MAX_UPLOAD_BYTES))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UploadRefused(_("This file is not a ZIP archive. Compress the programme folder "
                              "(with manifest.yaml inside) and send the .zip file.")) from None
    if len(entries) > MAX_FILES:
        raise UploadRefused(_("The ZIP holds too many files (%(count)d; at most %(limit)d).",
                              count=len(entries), limit=MAX_FILES))
    kept = []
    total = 0
    for info in entries:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if info.filename.startswith(("/", "\\")) or ".." in path.parts or ":" in path.parts[0]:
            raise UploadRefused(_("The ZIP holds a path that leaves the folder: %(path)s.",
                                  path=info.filename))
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UploadRefused(_("The ZIP holds a symbolic link (%(path)s): send real files "
                                  "only.", path=info.filename))
        if any(part in _IGNORED_PARTS or part.startswith("._") for part in path.parts) \
                or path.suffix not in SOURCE_SUFFIXES:
            continue
        total += info.file_size
        if total > MAX_TOTAL_BYTES or (info.file_size > RATIO_FROM and info.file_size
                                       > MAX_RATIO * max(info.compress_size, 1)):
            raise UploadRefused(_("The ZIP expands to too much data (at most %(limit)d bytes): "
                                  "it is refused.", limit=MAX_TOTAL_BYTES))
        kept.append((path, info))
    name, prefix = _top_folder([p for p, _i in kept])
    files: dict[str, str] = {}
    budget = MAX_TOTAL_BYTES
    for path, info in kept:
        with archive.open(info) as handle:  # never trust the sizes the header claims
            raw = handle.read(budget + 1)
        budget -= len(raw)
        if budget < 0:
            raise UploadRefused(_("The ZIP expands to too much data (at most %(limit)d bytes): "
                                  "it is refused.", limit=MAX_TOTAL_BYTES))
        relative = PurePosixPath(*path.parts[prefix:]).as_posix()
        try:
            files[relative] = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[:exc.start].count(b"\n") + 1
            raise UploadRefused(_("%(path)s, line %(line)d, is not UTF-8 text: save the file "
                                  "as UTF-8 and send the ZIP again.",
                                  path=relative, line=line)) from None
    if "manifest.yaml" not in files:
        raise UploadRefused(_("The ZIP has no manifest.yaml at the top of the programme "
                              "folder."))
    return name, files


def _top_folder(paths: list[PurePosixPath]) -> tuple[str, int]:
    """(folder name, parts to strip): one top folder, as a file manager zips a folder."""
    if any(p.as_posix() == "manifest.yaml" for p in paths):
        return "", 0
    tops = {p.parts[0] for p in paths if len(p.parts) > 1}
    if len(tops) == 1 and all(len(p.parts) > 1 for p in paths):
        return tops.pop(), 1
    return "", 0


def make_zip(folder: str, sources: Mapping[str, str]) -> bytes:
    """A ZIP of a programme folder `folder/` holding `sources`, ready to unpack into git."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(sources):
            info = zipfile.ZipInfo(f"{folder}/{path}", date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, sources[path].encode("utf-8"))
    return buffer.getvalue()
