"""A seeded database and the LMS under a real gunicorn subprocess."""

import os

import pytest

from bench.harness import enrolment_ids, seed, write_programme

QUESTIONS = 5


@pytest.fixture
def classroom(tmp_path, request):
    """A fresh SQLite database with `trainees` enrolled (set with @pytest.mark.parametrize)."""
    if os.environ.get("LMS_TEST_DATABASE_URL"):
        pytest.skip("gunicorn runs with SQLite here; PostgreSQL concurrency is its own")
    trainees = getattr(request, "param", 40)
    write_programme(tmp_path / "curricula", questions=QUESTIONS, lessons=2)
    logins = seed(tmp_path / "lms.sqlite", tmp_path / "instance", trainees,
                  tmp_path / "curricula")
    return tmp_path, logins, enrolment_ids(tmp_path / "lms.sqlite")
