"""Password hashing with Argon2id at OWASP's minimum recommended cost (19 MiB, t=2, p=1)."""

import os
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# Each hash takes 19 MiB and a core for ~20 ms. More hashes at once than cores in one process
# only multiply its memory (a burst of 400 logins) without finishing sooner: queue them.
_slots = threading.BoundedSemaphore(int(os.environ.get("LMS_PASSWORD_HASH_SLOTS", "1")))


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    with _slots:
        return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """True if `password` matches the stored hash."""
    try:
        with _slots:
            return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True if the stored hash uses weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


# Verified against when the login is unknown, so timing does not reveal which logins exist.
# A constant with today's parameters (hashing one at import cost 19 MiB and 20 ms per process).
DUMMY_HASH = ("$argon2id$v=19$m=19456,t=2,p=1$IMchHz5Ee/sMbuzf3DkF2Q$"
              "TdyBkbxxbgVzf7aTsx9UVQiKpO9nFOGIBKI+Y7xGAHA")
