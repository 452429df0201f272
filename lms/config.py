"""Configuration: defaults for every `LMS_*` key, overridable from the environment."""

import os
import secrets
import time
from pathlib import Path

DEFAULTS = {
    "LMS_DEFAULT_LOCALE": "fr",
    # Times are stored in UTC and shown in the academy's time zone (Lubumbashi and Mbuji-Mayi:
    # UTC+2; Kinshasa: "Africa/Kinshasa", UTC+1).
    "LMS_TIMEZONE": "Africa/Lubumbashi",
    "LMS_LOCALES": ("fr", "en"),
    "LMS_SESSION_IDLE_MINUTES": 60,
    "LMS_MAX_UPLOAD_BYTES": 5 * 1024 * 1024,
    "LMS_MAX_ANSWER_CHARS": 20_000,
    "LMS_CURRICULA_DIR": None,  # None: the curricula bundled with the package
    "LMS_SQLITE_BUSY_TIMEOUT_MS": 15_000,
    "LMS_ACADEMY_NAME": "Académie de police",  # printed on certificates and transcripts
    "LMS_PUBLIC_URL": None,  # e.g. "https://academie.example.cd": base of printed verify links
    "LMS_CERTIFICATE_KEY_DIR": None,  # None: <instance>/certificate-keys
    "LMS_LOGIN_MAX_FAILURES_ACCOUNT": 5,
    "LMS_LOGIN_MAX_FAILURES_ADDRESS": 50,
    "LMS_LOGIN_WINDOW_MINUTES": 15,
    "LMS_CERTIFICATE_LOOKUPS_PER_WINDOW": 30,  # public /v/ checks per address per window
    "LMS_CERTIFICATE_LOOKUP_WINDOW_MINUTES": 1,
    "LMS_RESET_CODE_HOURS": 72,
    # Photos of paper answer sheets: kept while a person must still look at them, then this
    # many days after the paper's results are final (time for a trainee to contest a mark).
    "LMS_PAPER_SCAN_RETENTION_DAYS": 180,
    "LMS_COMPRESS": True,  # gzip text responses; turn off behind a proxy that compresses
}

# Environment variable -> config key, with a converter.
ENVIRONMENT = {
    "LMS_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "LMS_SECRET_KEY": ("SECRET_KEY", str),
    "LMS_DEFAULT_LOCALE": ("LMS_DEFAULT_LOCALE", str),
    "LMS_TIMEZONE": ("LMS_TIMEZONE", str),
    "LMS_SESSION_IDLE_MINUTES": ("LMS_SESSION_IDLE_MINUTES", int),
    "LMS_CURRICULA_DIR": ("LMS_CURRICULA_DIR", str),
    "LMS_ACADEMY_NAME": ("LMS_ACADEMY_NAME", str),
    "LMS_PUBLIC_URL": ("LMS_PUBLIC_URL", str),
    "LMS_CERTIFICATE_KEY_DIR": ("LMS_CERTIFICATE_KEY_DIR", str),
    "LMS_CERTIFICATE_LOOKUPS_PER_WINDOW": ("LMS_CERTIFICATE_LOOKUPS_PER_WINDOW", int),
    "LMS_CERTIFICATE_LOOKUP_WINDOW_MINUTES": ("LMS_CERTIFICATE_LOOKUP_WINDOW_MINUTES", int),
    "LMS_PAPER_SCAN_RETENTION_DAYS": ("LMS_PAPER_SCAN_RETENTION_DAYS", int),
    "LMS_SECURE_COOKIES": ("SESSION_COOKIE_SECURE", lambda v: v.lower() in ("1", "true", "yes")),
}


def from_environment(environ=os.environ) -> dict:
    """Return the config keys set by `LMS_*` environment variables."""
    return {key: conv(environ[name])
            for name, (key, conv) in ENVIRONMENT.items() if name in environ}


def instance_secret_key(instance_path: str) -> str:
    """Read the secret key from the instance folder, generating it once if absent."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker won the race
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    for _ in range(50):  # the winning worker may still be writing
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"The secret key file {path} is empty: delete it and restart.")


def default_database_uri(instance_path: str) -> str:
    """SQLite file in the instance folder."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + str(Path(instance_path) / "lms.sqlite")
