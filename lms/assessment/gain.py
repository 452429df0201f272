"""Knowledge gain between the pre-test and the post-test: the one rule, for trainees and groups.

The sitting that counts is each trainee's first submitted, fully graded sitting of the test
(a later retake would measure something else), as a percentage of its maximum score; the
normalized gain is g = (post - pre) / (100 - pre), none when the pre-test is at 100 %. The
reports and the assessment pages read their figures from the queries below, so they agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, case, false, func, literal, or_, select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.curricula.models import CurriculumVersion
from lms.extensions import db
from lms.learning.models import Attempt, Response
from lms.training.models import Cohort, Enrolment

GAIN_LOW, GAIN_HIGH = 0.3, 0.7
SEXES = ("F", "M", "T")


@dataclass(frozen=True)
class PrePost:
    """One curriculum version's pre-test and post-test keys and pass marks."""

    pre_key: str | None
    post_key: str | None
    pre_mark: float = 50.0
    post_mark: float = 50.0


def pre_post(structure: dict) -> PrePost:
    """The pre-test and post-test a curriculum structure names, with their pass marks."""
    pre = f"evaluations/{structure['pre_test']}" if structure.get("pre_test") else None
    post = f"evaluations/{structure['post_test']}" if structure.get("post_test") else None
    return PrePost(pre, post, pass_mark(structure, pre) if pre else 50.0,
                    pass_mark(structure, post) if post else 50.0)


def pass_mark(structure: dict, key: str) -> float:
    """The pass mark of an assessment of a curriculum structure, in percent."""
    variants = structure["assessments"][key]
    first = variants.get(structure["languages"][0]) or next(iter(variants.values()))
    return float(first["settings"]["pass_mark"])


def first_sitting(keys: dict[int, str], enrolments, name: str, ids=None):
    """Subquery: per enrolment of `enrolments`, its first fully graded sitting of the test
    that `keys` names for its curriculum version (attempt id and percentage).

    `ids`, if given, selects the same enrolments' ids more cheaply (the attempts are read
    through their covering index, for those enrolments only).
    """
    # On SQLite (no `ids`), `item_key || ''` keeps its planner on the trainees' own sittings:
    # through the tests' index (item_key first) it took 50 times longer at 10,000 trainees.
    item = Attempt.item_key if ids is not None else Attempt.item_key.concat("")
    parts = [and_(Attempt.curriculum_version_id == vid, item == key)
             for vid, key in keys.items() if key]
    pct = case((Attempt.max_score > 0, 100.0 * Attempt.score / Attempt.max_score), else_=None)
    ranked = select(Attempt.enrolment_id, Attempt.id.label("attempt_id"), pct.label("pct"),
                    func.row_number().over(partition_by=Attempt.enrolment_id,
                                           order_by=Attempt.number).label("rn"))
    if ids is None:  # SQLite: the join (an IN-list made it scan one subquery per row)
        ranked = ranked.join(enrolments, enrolments.c.enrolment_id == Attempt.enrolment_id)
    else:
        ranked = ranked.where(Attempt.enrolment_id.in_(ids))
    ranked = ranked.where(Attempt.status == "submitted", Attempt.pending_grading == 0,
                          Attempt.score.is_not(None), or_(*parts) if parts else false()
                          ).subquery(name + "_ranked")
    # "<= 1", not "= 1": the same rows, but PostgreSQL then expects a third of the sittings
    # rather than 0.5 % of them, and joins them by hash instead of looping over them per
    # cohort (0.5 s at 100,000 trainees).
    return select(ranked.c.enrolment_id, ranked.c.attempt_id, ranked.c.pct) \
        .where(ranked.c.rn <= 1).subquery(name)


def sittings(enrolments, tests: dict[int, PrePost], ids=None):
    """The pre-test and post-test sittings that count for `enrolments` (two subqueries)."""
    return (first_sitting({vid: t.pre_key for vid, t in tests.items()}, enrolments, "pre", ids),
            first_sitting({vid: t.post_key for vid, t in tests.items()}, enrolments, "post",
                          ids))


def normalized_gain(pre, post):
    """SQL: g = (post - pre) / (100 - pre), NULL when the pre-test is at the maximum."""
    return case((pre < 100.0 - 1e-9, (post - pre) / (100.0 - pre)), else_=None)


def _by_version(values: dict[int, float], column, default: float):
    return case(values, value=column, else_=default) if values else literal(default)


def gain_sums(enrolments, tests: dict[int, PrePost], group, ids=None
              ) -> dict[object, dict[str, list]]:
    """Group -> sex (F, M, T) -> the sums and counts behind the gain figures, in one query.

    `enrolments` is a subquery with enrolment_id, version_id and sex columns; `group` one of
    its columns. Only trainees who sat both tests count; sex not recorded counts in T only.
    """
    e = enrolments
    pre, post = sittings(e, tests, ids)
    pre_mark = _by_version({v: t.pre_mark for v, t in tests.items()}, e.c.version_id, 50.0)
    post_mark = _by_version({v: t.post_mark for v, t in tests.items()}, e.c.version_id, 50.0)
    g = normalized_gain(pre.c.pct, post.c.pct)
    has_g = pre.c.pct < 100.0 - 1e-9

    def count_if(condition):
        return func.sum(case((condition, 1), else_=0))

    query = (select(group, e.c.sex, func.count(), func.sum(pre.c.pct), func.sum(post.c.pct),
                    count_if(pre.c.pct >= pre_mark - 1e-9),
                    count_if(post.c.pct >= post_mark - 1e-9),
                    func.count(g), func.sum(g),
                    count_if(and_(has_g, g < GAIN_LOW)),
                    count_if(and_(has_g, g > GAIN_HIGH)),
                    count_if(~has_g))
             .select_from(e)
             .join(pre, pre.c.enrolment_id == e.c.enrolment_id)
             .join(post, post.c.enrolment_id == e.c.enrolment_id)
             .group_by(group, e.c.sex))
    sums: dict[object, dict[str, list]] = {}
    for key, sex, *values in db.session.execute(query):
        per_sex = sums.setdefault(key, {x: [0.0] * 10 for x in SEXES})
        for target in (sex, "T") if sex in ("F", "M") else ("T",):
            per_sex[target] = [a + (b or 0) for a, b in zip(per_sex[target], values,
                                                             strict=True)]
    return sums


@dataclass
class GainFigures:
    """Pre-test to post-test figures for one group of trainees who sat both."""

    both: int = 0
    mean_pre: float | None = None
    mean_post: float | None = None
    pass_pre: float | None = None   # percent of trainees at or above the pass mark
    pass_post: float | None = None
    mean_gain: float | None = None  # mean normalized gain g
    class_gain: float | None = None  # g of the mean scores (Hake's class gain)
    with_gain: int = 0
    low: int = 0
    medium: int = 0
    high: int = 0
    at_maximum: int = 0             # pre-test at 100 %: no g


def gain_figures(sums: list[float], rounded: bool = True) -> GainFigures:
    """The figures of one group from its sums; rounded as the reports show them, or exact."""
    n, pre_sum, post_sum, pass_pre, pass_post, n_g, g_sum, low, high, at_max = sums
    n, n_g = int(n), int(n_g)

    def r(value, digits):
        return round(value, digits) if rounded and value is not None else value

    mean_pre = pre_sum / n if n else None
    mean_post = post_sum / n if n else None
    return GainFigures(
        both=n, mean_pre=r(mean_pre, 1), mean_post=r(mean_post, 1),
        pass_pre=r(100 * pass_pre / n, 1) if n else None,
        pass_post=r(100 * pass_post / n, 1) if n else None,
        mean_gain=r(g_sum / n_g, 2) if n_g else None, with_gain=n_g,
        class_gain=r((mean_post - mean_pre) / (100 - mean_pre), 2)
        if n and mean_pre < 100 - 1e-9 else None,
        low=int(low), high=int(high), medium=n_g - int(low) - int(high),
        at_maximum=int(at_max))


def add_sums(groups) -> dict[str, list[float]]:
    """The sums of several groups added up, per sex (sums and counts add across cohorts)."""
    total = {sex: [0.0] * 10 for sex in SEXES}
    for per_sex in groups:
        for sex, values in per_sex.items():
            total[sex] = [a + b for a, b in zip(total[sex], values, strict=True)]
    return total


# A cohort's page -------------------------------------------------------------------------------

@dataclass
class TraineeGain:
    """One trainee's pre and post percentages and normalized gain."""

    enrolment: Enrolment
    pre: float | None = None
    post: float | None = None
    gain: float | None = None  # None when either is missing or the pre-test is at 100 %


@dataclass
class CohortGain:
    """The cohort's figures, over trainees who sat both tests."""

    both: list[TraineeGain] = field(default_factory=list)
    missing: list[TraineeGain] = field(default_factory=list)
    mean_pre: float | None = None
    mean_post: float | None = None
    mean_gain: float | None = None       # average of individual gains
    class_gain: float | None = None      # gain of the averages (Hake)
    passed_pre: float | None = None      # percent of trainees at or above the pass mark
    passed_post: float | None = None
    items: list[dict] = field(default_factory=list)


def cohort_enrolments(cohort_id: int):
    """Subquery: the cohort's enrolments with their version and the trainee's sex."""
    return (select(Enrolment.id.label("enrolment_id"),
                   Enrolment.curriculum_version_id.label("version_id"),
                   Enrolment.cohort_id, User.sex)
            .join(User, User.id == Enrolment.user_id)
            .where(Enrolment.cohort_id == cohort_id).subquery("enrolments"))


def version_tests(version_ids) -> dict[int, PrePost]:
    """The pre-test and post-test of each of the given curriculum versions, by id."""
    return {v.id: pre_post(v.structure) for v in db.session.scalars(
        select(CurriculumVersion).where(CurriculumVersion.id.in_(list(version_ids))))}


def cohort_gain(cohort: Cohort) -> CohortGain | None:
    """Pre/post figures of a cohort; None when the programme has no pre/post pair."""
    structure = cohort.curriculum_version.structure
    own = pre_post(structure)
    if not (own.pre_key and own.post_key):
        return None
    e = cohort_enrolments(cohort.id)
    tests = version_tests(db.session.scalars(select(e.c.version_id).distinct()).all())
    pre, post = sittings(e, tests)
    rows = {row.enrolment_id: row for row in db.session.execute(
        select(e.c.enrolment_id, pre.c.pct.label("pre"), post.c.pct.label("post"),
               pre.c.attempt_id.label("pre_attempt"), post.c.attempt_id.label("post_attempt"),
               normalized_gain(pre.c.pct, post.c.pct).label("gain"))
        .select_from(e)
        .outerjoin(pre, pre.c.enrolment_id == e.c.enrolment_id)
        .outerjoin(post, post.c.enrolment_id == e.c.enrolment_id))}
    result = CohortGain()
    enrolments = db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id)
                                    .options(joinedload(Enrolment.user)))
    for enrolment in sorted(enrolments, key=lambda x: (x.user.last_name, x.user.first_name)):
        row = rows[enrolment.id]
        trainee = TraineeGain(enrolment, row.pre, row.post,
                              row.gain if row.pre is not None and row.post is not None else None)
        (result.both if row.pre is not None and row.post is not None
         else result.missing).append(trainee)
    if result.both:
        figures = gain_figures(add_sums(gain_sums(e, tests, e.c.cohort_id).values())["T"],
                               rounded=False)
        result.mean_pre, result.mean_post = figures.mean_pre, figures.mean_post
        result.mean_gain, result.class_gain = figures.mean_gain, figures.class_gain
        result.passed_pre, result.passed_post = figures.pass_pre, figures.pass_post
        attempts = {a.id: a for a in db.session.scalars(select(Attempt).where(Attempt.id.in_(
            [rows[t.enrolment.id].pre_attempt for t in result.both]
            + [rows[t.enrolment.id].post_attempt for t in result.both])))}
        result.items = item_gains(
            structure, own.pre_key,
            [attempts[rows[t.enrolment.id].pre_attempt] for t in result.both],
            [attempts[rows[t.enrolment.id].post_attempt] for t in result.both])
    return result


def item_gains(structure: dict, pre_key: str, pre: list[Attempt], post: list[Attempt]
               ) -> list[dict]:
    """Per question: percent of the points earned before and after, and the difference."""
    lang = structure["languages"][0]
    questions = structure["assessments"][pre_key].get(lang) or next(
        iter(structure["assessments"][pre_key].values()))

    def rates(attempts: list[Attempt]) -> dict[str, float]:
        earned: dict[str, float] = {}
        possible: dict[str, float] = {}
        ids = [a.id for a in attempts]
        responses = {(r.attempt_id, r.question_id): r for r in db.session.scalars(
            select(Response).where(Response.attempt_id.in_(ids or [-1])))}
        for attempt in attempts:
            for qid in attempt.question_order:
                response = responses.get((attempt.id, qid))
                q = next((q for q in questions["questions"] if q["id"] == qid), None)
                if q is None:
                    continue
                possible[qid] = possible.get(qid, 0) + q["points"]
                earned[qid] = earned.get(qid, 0) + ((response.score or 0) if response else 0)
        return {qid: 100 * earned[qid] / possible[qid] for qid in possible if possible[qid]}

    before, after = rates(pre), rates(post)
    items = []
    for q in questions["questions"]:
        if q["id"] in before or q["id"] in after:
            b, a = before.get(q["id"]), after.get(q["id"])
            items.append({"id": q["id"], "stem_html": q["stem_html"], "pre": b, "post": a,
                          "change": a - b if a is not None and b is not None else None})
    return items
