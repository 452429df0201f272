"""Locate the templates, static files and bundled curricula, in a wheel or a source checkout."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_SOURCE_ROOT = _PACKAGE.parent


def _locate(installed_name: str, source_name: str) -> Path:
    installed = _PACKAGE / installed_name
    return installed if installed.is_dir() else _SOURCE_ROOT / source_name


def templates_dir() -> Path:
    """Folder holding `lms/*.html` templates."""
    return _locate("templates", "templates")


def static_dir() -> Path:
    """Folder served as the LMS's static files."""
    return _locate("static", "static") / "lms"


def bundled_curricula_dir() -> Path:
    """Folder of the curricula shipped with the package."""
    return _locate("curricula_bundled", "curricula")


def migrations_dir() -> Path:
    """Alembic migrations, shipped inside the package."""
    return _PACKAGE / "migrations"


def translations_dir() -> Path:
    """Compiled message catalogues (French and English)."""
    return _PACKAGE / "translations"


def fonts_dir() -> Path:
    """Fonts embedded in the PDFs: private to the package, never served under /static."""
    return _PACKAGE / "fonts"
