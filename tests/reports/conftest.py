"""A small border-policing dataset whose report figures are worked out by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from lms.extensions import db
from lms.learning.models import Attempt
from lms.training.services import create_cohort, enrol, get_or_create_site
from tests.conftest import CURRICULA, make_certificate, make_user, publish

PRE, POST = "evaluations/pre-test", "evaluations/post-test"
QUIZ = "poste-frontalier/quiz-poste-frontalier"


def make_attempt(enrolment, key, score, max_score=20.0, number=1, status="submitted",
                 pending=0):
    """A sitting of an assessment with a known score (percent = score / max_score)."""
    attempt = Attempt(enrolment_id=enrolment.id, item_key=key, number=number,
                      curriculum_version_id=enrolment.curriculum_version_id,
                      content_hash=enrolment.curriculum_version.content_hash, language="fr",
                      question_order=[], choice_order={}, status=status,
                      score=None if status == "open" else score, max_score=max_score,
                      pending_grading=pending)
    db.session.add(attempt)
    return attempt


def by_sex(values: dict, *measures: str) -> list:
    """Women, men and total of each measure, from a row given as {column key: value}."""
    return [values[f"{m}_{sex}"] for m in measures for sex in "FMT"]


@dataclass
class Known:
    """Ids of the known dataset."""

    border_id: int
    lubumbashi_id: int
    mbuji_id: int
    cohort_ids: dict


@pytest.fixture
def known(app, ctx) -> Known:
    """Border policing in Lubumbashi, 2026: six trainees with hand-computed figures.

    | who | sex | unit     | pre (first)    | post | g     |
    | W1  | F   | Kampemba | 40             | 80   | 0.667 |
    | W2  | F   | Kampemba | 50             | 100  | 1.0   |
    | W3  | F   | -        | 60             | open | -     |  missed the post-test
    | M1  | M   | Kampemba | 20 then 90     | 40   | 0.25  |
    | M2  | M   | Katuba   | -              | 90   | -     |  missed the pre-test
    | M3  | M   | Katuba   | 100            | 100  | none  |  already at the maximum
    Certificates: W1 valid; W2 revoked, then a valid one; M1 one replaced by a reissue (valid);
    M2 revoked; so 2 women and 1 man certified (each counted once).
    Plus an empty Lubumbashi cohort, a Mbuji-Mayi cohort (W4: 0 -> 100, certified) and a 2025
    Lubumbashi cohort (W5: 10 -> 90, certified), both outside the question's filter.
    """
    version = publish(CURRICULA / "police-des-frontieres")
    lubumbashi = get_or_create_site("lubumbashi", "Académie de police de Kasapa, Lubumbashi")
    mbuji = get_or_create_site("mbuji-mayi", "École de police de Mbuji-Mayi")

    def cohort(name, site, start, end):
        return create_cohort(name=name, programme=version.programme, site=site, start=start,
                             end=end, version=version)

    a = cohort("Frontières Kasapa 2026", lubumbashi, date(2026, 3, 1), date(2026, 6, 30))
    empty = cohort("Frontières Kasapa 2026-B", lubumbashi, date(2026, 7, 1), date(2026, 9, 30))
    c = cohort("Frontières Mbuji-Mayi 2026", mbuji, date(2026, 3, 1), date(2026, 6, 30))
    d = cohort("Frontières Kasapa 2025", lubumbashi, date(2025, 3, 1), date(2025, 6, 30))
    db.session.commit()

    def trainee(name, sex, target, unit="Kampemba", rank="Agent"):
        user = make_user(first_name=name, last_name="Test" + name, sex=sex, unit=unit, rank=rank)
        return enrol(user, target)

    w1, w2 = trainee("W1", "F", a), trainee("W2", "F", a)
    w3 = trainee("W3", "F", a, unit="", rank="")
    m1 = trainee("M1", "M", a)
    m2, m3 = trainee("M2", "M", a, unit="Katuba"), trainee("M3", "M", a, unit="Katuba")
    w4, w5 = trainee("W4", "F", c), trainee("W5", "F", d)
    db.session.flush()
    for enrolment, pre, post in ((w1, 8, 16), (w2, 10, 20), (m3, 20, 20), (w4, 0, 20),
                                 (w5, 2, 18)):
        make_attempt(enrolment, PRE, pre)
        make_attempt(enrolment, POST, post)
    make_attempt(w3, PRE, 12)
    make_attempt(w3, POST, None, status="open")
    make_attempt(m1, PRE, 4, number=1)
    make_attempt(m1, PRE, 18, number=2)
    make_attempt(m1, POST, 8)
    make_attempt(m2, POST, 18)
    # A quiz graded on the best attempt: W1 fails then passes, M1 fails, W2 awaits a grade.
    make_attempt(w1, QUIZ, 6, number=1)
    make_attempt(w1, QUIZ, 12, number=2)
    make_attempt(m1, QUIZ, 8)
    make_attempt(w2, QUIZ, 2, pending=1)
    # Issued on the last day of each cohort (the quarterly summary counts by issue date).
    june, june_2025 = datetime(2026, 6, 30, 10, tzinfo=UTC), datetime(2025, 6, 30, 10, tzinfo=UTC)
    make_certificate(w1, issued_at=june)
    make_certificate(w2, "revoked", issued_at=june)
    make_certificate(w2, issued_at=june)
    make_certificate(m1, supersedes=make_certificate(m1, "superseded", issued_at=june),
                     issued_at=june)
    make_certificate(m2, "revoked", issued_at=june)
    make_certificate(w4, issued_at=june)
    make_certificate(w5, issued_at=june_2025)
    db.session.commit()
    return Known(version.programme_id, lubumbashi.id, mbuji.id,
                 {"a": a.id, "empty": empty.id, "c": c.id, "d": d.id})
