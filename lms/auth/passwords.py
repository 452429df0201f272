"""Password hashing with Argon2id at OWASP's minimum recommended cost (19 MiB, t=2, p=1)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """True if `password` matches the stored hash."""
    try:
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
DUMMY_HASH = hash_password("not-a-real-password")
