"""Zip files from outside (rosters, sync bundles) measured before they are read.

A zip says how large each member inflates to; Python's zipfile never inflates a member past
that size (a member that lies fails its CRC check). So the declared sizes bound the work: a file
small on disk that would inflate to gigabytes is refused before a byte is inflated.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from flask_babel import gettext as _

from lms.base import LMSError

MIB = 1024 * 1024


class ArchiveRefused(LMSError):
    """The zip would inflate beyond what such a file ever holds."""


@dataclass(frozen=True)
class ArchiveLimits:
    """What a kind of zip may hold once inflated."""

    total_bytes: int  # every member together
    member_bytes: dict[str, int] | None = None  # per member name, where tighter
    ratio: int = 100  # inflated / compressed, for members over `ratio_from` bytes
    ratio_from: int = MIB
    members: int = 10_000


ROSTER_LIMITS = ArchiveLimits(total_bytes=16 * MIB)


def open_archive(data: bytes, limits: ArchiveLimits) -> zipfile.ZipFile:
    """Open zip bytes after checking every member's declared size and compression ratio.

    A damaged zip raises zipfile.BadZipFile (or ValueError, EOFError), for the caller's message.
    """
    archive = zipfile.ZipFile(io.BytesIO(data))
    try:
        check_archive(archive, limits)
    except ArchiveRefused:
        archive.close()
        raise
    return archive


def check_archive(archive: zipfile.ZipFile, limits: ArchiveLimits) -> None:
    """Raise ArchiveRefused if the members would inflate past the limits."""
    members = archive.infolist()
    too_large = ArchiveRefused(_(
        "The file is too large once unpacked (more than %(mb)d MB): it is not an ordinary "
        "file of this kind. Save it again from the spreadsheet or the server that made it, or "
        "split it.", mb=limits.total_bytes // MIB))
    if len(members) > limits.members:
        raise too_large
    total = 0
    for member in members:
        total += member.file_size
        limit = (limits.member_bytes or {}).get(member.filename)
        if total > limits.total_bytes or (limit is not None and member.file_size > limit):
            raise too_large
        if (member.file_size > limits.ratio_from
                and member.file_size > limits.ratio * max(member.compress_size, 1)):
            raise ArchiveRefused(_(
                "The file is packed far more tightly than an ordinary file of this kind (%(name)s "
                "inflates more than %(ratio)d times): it was not made by a spreadsheet or by "
                "this application. Save it again and send it.", name=member.filename[:80],
                ratio=limits.ratio))
