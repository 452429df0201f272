"""Password hashing with Argon2id at OWASP's minimum recommended cost (7 MiB, t=5, p=1).

OWASP lists m=19 MiB/t=2, 12 MiB/t=3, 9 MiB/t=4 and 7 MiB/t=5 (p=1) as giving an equal level of
defence, trading memory for passes. A classroom server verifies hundreds of passwords in a
burst with small worker processes: 7 MiB per hash keeps a worker under 80 MB where 19 MiB did
not and 9 MiB barely did (bench/README.md), for the same CPU time (~18 ms). Hashes made with
other parameters still verify and are replaced at the next sign-in.

Under gunicorn the hashes are made by one small process shared by the workers
(lms.auth.hasher_process): a worker's memory then never carries an Argon2 block.
"""

import logging
import os
import threading

from argon2.exceptions import InvalidHashError

from lms.auth import hasher_process

_hasher = hasher_process.HASHER
log = logging.getLogger(__name__)

# Each hash takes 7 MiB and a core for ~20 ms. More hashes at once than cores in one process
# only multiply its memory (a burst of 400 logins) without finishing sooner: queue them.
_slots = threading.BoundedSemaphore(int(os.environ.get("LMS_PASSWORD_HASH_SLOTS", "1")))


def _here_or_there(request: dict) -> dict:
    """Asked of the server's password process (gunicorn.conf.py starts it) when there is one;
    made in this process when there is none, or when it does not answer (a sign-in never fails
    for it)."""
    path = os.environ.get("LMS_PASSWORD_HASHER")
    if path:
        reply = hasher_process.ask(path, request)
        if reply is not None:
            return reply
        log.warning("The password process at %s did not answer: hashing in this worker.", path)
    with _slots:
        return hasher_process.answer(request, _hasher)


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _here_or_there({"op": "hash", "password": password})["hash"]


def verify_password(stored: str, password: str) -> bool:
    """True if `password` matches the stored hash."""
    return _here_or_there({"op": "verify", "stored": stored, "password": password})["ok"] is True


def needs_rehash(stored: str) -> bool:
    """True if the stored hash was made with other parameters than today's."""
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


# Verified against when the login is unknown, so timing does not reveal which logins exist.
# A constant with today's parameters (hashing one at import would cost memory and 20 ms per
# process).
DUMMY_HASH = ("$argon2id$v=19$m=7168,t=5,p=1$DKZqEm1J9hTfttj/+boBlA$"
              "S/kPnLchQSBGaSCpQaJYpUtiCoHBHspG7NTQbG28Y3A")
