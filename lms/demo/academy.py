"""The demo academy's cohorts, each built through the feature services with dates from today."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from lms.assessment.services import grade_response, grading_queue, set_schedule
from lms.auth.models import Site, User
from lms.certificates.services import (
    eligibility,
    issue_certificate,
    reissue_certificate,
    revoke_certificate,
)
from lms.curricula.models import Programme
from lms.demo import people, work
from lms.extensions import db
from lms.training.models import Cohort, Enrolment
from lms.training.roster import prepare_import
from lms.training.services import (
    assign_trainer,
    create_class,
    create_cohort,
    create_meeting,
    enrol,
    set_vetting,
)
from lms.training.tot import complete_enrolment, record_qualification

PROXIMITE, FRONTIERES, MINES, TOT = ("police-de-proximite", "police-des-frontieres",
                                     "police-des-mines", "formation-des-formateurs")
MBUJI_UNITS = ["Sous-commissariat Bipemba", "Commissariat Kampemba", "Sous-commissariat Dibindi",
               "Commissariat Diulu", "Sous-commissariat Muya", "Commissariat Kanshi"]
BORDER_UNITS = ["Poste frontalier de Kasumbalesa", "Poste frontalier de Mokambo",
                "Aéroport de la Luano"]
DGM_UNIT = "Direction générale de migration (DGM)"
MINES_UNITS = ["Police des mines Kolwezi", "Police des mines Likasi", "Police des mines Fungurume"]


def programme(code: str) -> Programme:
    """A published programme by code."""
    return db.session.scalar(select(Programme).where(Programme.code == code))


def _items(cohort: Cohort) -> dict[str, list[str]]:
    """The cohort's course items by kind, in course order."""
    structure = cohort.curriculum_version.structure
    found: dict[str, list[str]] = {"lesson": [], "quiz": [], "practical": []}
    for module in structure["modules"]:
        for item in module["items"]:
            found.setdefault(item["kind"], []).append(item["key"])
    found["pre"] = [f"evaluations/{structure['pre_test']}"]
    found["post"] = [f"evaluations/{structure['post_test']}"]
    return found


def _meetings(cohort_class, first: date, last: date, start: time, end: time, room: str,
              modules: list[str], weekdays=(0, 2, 4), also: date | None = None) -> list:
    """Meetings of a class on the given weekdays (and on `also`), modules in course order."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    days = [d for d in days if d.weekday() in weekdays or d == also]
    meetings = []
    for index, day in enumerate(days):
        module = modules[min(len(modules) - 1, index * len(modules) // max(1, len(days)))]
        meetings.append(create_meeting(cohort_class, day=day, start=start, end=end, room=room,
                                       module_id=module))
    return meetings


def kasapa_tot(sites: dict[str, Site], today: date, staff: User) -> Cohort:
    """The finished train-the-trainer session at Kasapa: its graduates lead today's classes."""
    start = today - timedelta(days=300)
    cohort = create_cohort(name=f"Formation des formateurs — Kasapa {start.year}",
                           programme=programme(TOT), site=sites["kasapa"], start=start,
                           end=start + timedelta(days=25), actor=staff,
                           qualifies_for=[programme(PROXIMITE), programme(FRONTIERES),
                                          programme(MINES)])
    master = people.add_person("FORM-006", *people.TRAINERS[-1][1:6], sites["kasapa"],
                               ("trainer",))
    db.session.flush()
    record_qualification(master, programme(TOT), date(2019, 6, 14), actor=staff)
    assign_trainer(cohort, master, actor=staff)
    rng = random.Random("tot")
    items = _items(cohort)
    graduates = [User.by_login("FORM-001")]
    for number, first, last, sex, rank, unit, site in people.TRAINERS[:-1]:
        graduates.append(people.add_person(number, first, last, sex, rank, unit, sites[site],
                                           ("trainer",)))
    db.session.flush()
    session_class = create_class(cohort, "Session unique", trainer=master, actor=staff)
    enrolments = [enrol(trainee, cohort, actor=staff, cohort_class=session_class)
                  for trainee in graduates]
    db.session.flush()
    modules = [m["id"] for m in cohort.curriculum_version.structure["modules"]]
    for meeting in _meetings(session_class, start, start + timedelta(days=24), time(8),
                             time(16), "Salle des formateurs", modules, weekdays=(0, 2, 4)):
        work.take_register(meeting, master, set(), set(), set())
    for enrolment in enrolments:
        for key in items["practical"]:
            work.record_rubric(master, enrolment, key, True,
                               work.at(start + timedelta(days=20), 10))
    for enrolment in enrolments:
        work.sit_quiz(enrolment, items["pre"][0], 0.45, work.at(start, 9), rng)
        work.read_lessons(enrolment, items["lesson"])
        for step, key in enumerate(items["quiz"]):
            work.sit_quiz(enrolment, key, 1.0, work.at(start + timedelta(days=4 * step + 4), 9),
                          rng)
        work.sit_quiz(enrolment, items["post"][0], 0.9, work.at(start + timedelta(days=24), 9),
                      rng)
    for response in grading_queue(master, cohort.id):
        grade_response(master, response, response.max_score, "Très clair.", 0,
                       now=work.at(start + timedelta(days=23), 17))
    for enrolment in cohort.enrolments:
        complete_enrolment(enrolment, actor=staff, on=start + timedelta(days=25))
    db.session.commit()
    return cohort


def mbuji_mayi(sites: dict[str, Site], today: date, staff: User, trainees: int) -> Cohort:
    """The community-policing intake at Mbuji-Mayi, ten weeks into a six-month course."""
    start = today - timedelta(days=70)
    site = sites["mbuji-mayi"]
    cohort = create_cohort(name=f"Police de proximité — Mbuji-Mayi {start.year}",
                           programme=programme(PROXIMITE), site=site, start=start,
                           end=start + timedelta(days=182), actor=staff)
    grace, olivier = User.by_login("FORM-001"), User.by_login("FORM-002")
    for trainer in (grace, olivier):
        assign_trainer(cohort, trainer, actor=staff)
    named = [User.by_login(n) for n, *_rest in people.NAMED_USERS if n.startswith("PNC-")]
    others = people.generated("PNC", 1007, max(0, trainees - len(named)), MBUJI_UNITS, site,
                              seed="mbuji-mayi", women=0.3)
    everyone = (named + others)[:trainees]
    half = (len(everyone) + 1) // 2
    # The named trainees sit in both classes (A: 1001, 1002, 1004; B: 1003, 1005, 1006).
    split = ([u for u in everyone if u.service_number in ("PNC-1001", "PNC-1002", "PNC-1004")]
             + [u for u in others[:half - 3]],
             [u for u in everyone if u.service_number in ("PNC-1003", "PNC-1005", "PNC-1006")]
             + [u for u in others[half - 3:]])
    items = _items(cohort)
    modules = [m["id"] for m in cohort.curriculum_version.structure["modules"]]
    classes = []
    for name, trainer, members, hours, room in (
            ("Classe A", grace, split[0], (time(8), time(10)), "Salle 1"),
            ("Classe B", olivier, split[1], (time(10, 30), time(12, 30)), "Salle 2")):
        cohort_class = create_class(cohort, name, trainer=trainer, actor=staff)
        for user in members:
            enrol(user, cohort, actor=staff, cohort_class=cohort_class)
        meetings = _meetings(cohort_class, start + timedelta(days=1), today + timedelta(days=14),
                             *hours, room, modules, also=today)
        classes.append((cohort_class, trainer, meetings))
    db.session.flush()
    enrolments = sorted(cohort.enrolments, key=lambda e: e.user.service_number)
    # Two trainees of Grâce Ilunga's class are at risk: one misses classes, one failed a quiz.
    named = {n for n, *_rest in people.NAMED_USERS}
    class_a = sorted((e for e in classes[0][0].enrolments if e.user.service_number not in named),
                     key=lambda e: e.user.service_number)
    at_risk = {e.id: reason for e, reason in zip(class_a[-2:], ("absent", "failed"),
                                                 strict=False)}
    _mbuji_registers(classes, today, at_risk)
    _mbuji_work(cohort, enrolments, items, start, today, at_risk)
    for index, enrolment in enumerate(enrolments):
        status = ("cleared", "cleared", "cleared", "pending", "unknown")[index % 5]
        if status != "unknown":
            set_vetting(enrolment.user, status, actor=staff)
    db.session.commit()
    return cohort


def _mbuji_registers(classes, today: date, at_risk: dict[int, str]) -> None:
    """Registers of every past meeting: a few absences, late arrivals, an excused absence
    corrected afterwards, and one trainee who misses many classes."""
    rng = random.Random("registers")
    for cohort_class, trainer, meetings in classes:
        members = [e.id for e in cohort_class.enrolments]
        named = {e.id for e in cohort_class.enrolments
                 if e.user.service_number in ("PNC-1001", "PNC-1002", "PNC-1003", "PNC-1004",
                                              "PNC-1005", "PNC-1006")}
        past = [m for m in meetings if m.day < today]
        for number, meeting in enumerate(past):
            absent = {e for e in members if e not in named and rng.random() < 0.04}
            absent |= {e for e in members if at_risk.get(e) == "absent" and number % 3 != 0}
            late = {e for e in members if e not in absent and rng.random() < 0.05}
            work.take_register(meeting, trainer, absent, late, set())
        if past:  # an absence found excused the next day: a correction, with its history
            meeting = past[-1]
            excused = next((e for e in members if e not in named and at_risk.get(e) is None),
                           None)
            if excused is None:
                continue
            statuses = {r.enrolment_id: r.status for r in meeting.records}
            statuses[excused] = "absent"
            work.take_register(meeting, trainer, {e for e, s in statuses.items()
                                                  if s == "absent"},
                               {e for e, s in statuses.items() if s == "late"}, set(),
                               reason="Parti avant la pause, noté présent par erreur.")
            statuses[excused] = "excused"
            work.take_register(meeting, trainer, {e for e, s in statuses.items()
                                                  if s == "absent"},
                               {e for e, s in statuses.items() if s == "late"}, {excused},
                               reason="Certificat médical apporté le lendemain.")


def _mbuji_work(cohort: Cohort, enrolments: list[Enrolment], items: dict, start: date,
                today: date, at_risk: dict[int, str]) -> None:
    """The course so far: pre-test, two modules done, the third under way with essays to grade."""
    rng = random.Random("mbuji-work")
    staff = User.by_login("STAFF-001")
    quizzes, lessons = items["quiz"], items["lesson"]
    problem_solving = quizzes[2]
    set_schedule(staff, cohort, problem_solving, work.at(today - timedelta(days=3), 8),
                 work.at(today + timedelta(days=4), 18))
    set_schedule(staff, cohort, quizzes[3], work.at(today + timedelta(days=2), 8),
                 work.at(today + timedelta(days=16), 18))
    grace = User.by_login("FORM-001")
    for index, enrolment in enumerate(enrolments):
        named = enrolment.user.service_number <= "PNC-1006"
        skill = 0.55 + 0.4 * rng.random()
        trainer = enrolment.cohort_class.trainer
        work.sit_quiz(enrolment, items["pre"][0], skill - 0.3, work.at(start + timedelta(days=1),
                                                                       8, 15), rng)
        work.read_lessons(enrolment, lessons[:2])
        if named:  # the README's trainees are where a newcomer starts: the first quiz next
            work.read_lessons(enrolment, lessons[2:3])
            continue
        first = work.at(start + timedelta(days=20), 9)
        if rng.random() < 0.2:  # failed once, passed at the second attempt
            work.sit_quiz(enrolment, quizzes[0], 0.2, first, rng)
        work.sit_quiz(enrolment, quizzes[0], max(skill, 0.9), first + timedelta(days=1), rng)
        work.record_rubric(trainer, enrolment, items["practical"][0], rng.random() < 0.85,
                           work.at(start + timedelta(days=22), 10))
        work.read_lessons(enrolment, lessons[2:3])
        if at_risk.get(enrolment.id) == "failed":
            work.sit_quiz(enrolment, quizzes[1], 0.1, work.at(start + timedelta(days=45), 9),
                          rng)
            continue
        work.sit_quiz(enrolment, quizzes[1], max(skill, 0.9),
                      work.at(start + timedelta(days=45), 9), rng)
        work.read_lessons(enrolment, lessons[3:4])
        if index % 3 == 0:  # this week's quiz, with an essay waiting for the trainer
            work.sit_quiz(enrolment, problem_solving, max(skill, 0.9),
                          work.at(today - timedelta(days=1 + index % 2), 9), rng)
    # Grâce has graded some of this week's essays already; the rest wait in her queue.
    for response in grading_queue(grace, cohort.id)[::2]:
        grade_response(grace, response, response.max_score - 1,
                       "Bonne analyse ; précisez les partenaires.", 0,
                       now=work.at(today, 7))


def lubumbashi_border(sites: dict[str, Site], today: date, staff: User, count: int) -> Cohort:
    """A finished border-police intake with the migration directorate (DGM), certified."""
    start, end = today - timedelta(days=160), today - timedelta(days=30)
    site = sites["kasapa"]
    cohort = create_cohort(name=f"Police des frontières — Lubumbashi {start.year}",
                           programme=programme(FRONTIERES), site=site, start=start, end=end,
                           actor=staff)
    nathalie = User.by_login("FORM-005")
    assign_trainer(cohort, nathalie, actor=staff)
    officers = people.generated("PNC", 5001, count - count // 4, BORDER_UNITS, site,
                                seed="frontieres", women=0.25)
    officers += people.generated("DGM", 501, count // 4, [DGM_UNIT], site, seed="dgm",
                                 women=0.4)
    cohort_class = create_class(cohort, "Classe unique", trainer=nathalie, actor=staff)
    for user in officers:
        enrol(user, cohort, actor=staff, cohort_class=cohort_class)
    db.session.flush()
    modules = [m["id"] for m in cohort.curriculum_version.structure["modules"]]
    meetings = _meetings(cohort_class, start + timedelta(days=1), end, time(8), time(11),
                         "Amphithéâtre", modules, weekdays=(1,))
    db.session.flush()
    rng = random.Random("border")
    enrolments = sorted(cohort.enrolments, key=lambda e: e.user.service_number)
    dropped = enrolments[-1].id  # missed most classes and the post-test: no certificate
    for number, meeting in enumerate(meetings):
        absent = {e.id for e in enrolments if rng.random() < 0.03}
        if number % 2:
            absent.add(dropped)
        work.take_register(meeting, nathalie, absent, set(), set())
    items = _items(cohort)
    for enrolment in enrolments:
        skill = 0.6 + 0.35 * rng.random()
        work.sit_quiz(enrolment, items["pre"][0], skill - 0.35, work.at(start + timedelta(days=1),
                                                                        9), rng)
        work.read_lessons(enrolment, items["lesson"])
        for step, key in enumerate(items["quiz"]):
            work.sit_quiz(enrolment, key, max(skill, 0.9),
                          work.at(start + timedelta(days=25 * (step + 1)), 9), rng)
        for key in items["practical"]:
            work.record_rubric(nathalie, enrolment, key, True, work.at(end - timedelta(days=5),
                                                                       10))
        if enrolment.id != dropped:
            work.sit_quiz(enrolment, items["post"][0], min(0.98, skill + 0.15),
                          work.at(end, 9), rng)
    for response in grading_queue(nathalie, cohort.id):
        grade_response(nathalie, response, response.max_score, "Analyse complète.", 0,
                       now=work.at(end - timedelta(days=2), 16))
    _certify(cohort, enrolments, today, staff)
    for index, enrolment in enumerate(enrolments):
        set_vetting(enrolment.user, "cleared" if index % 7 else "pending", actor=staff)
    db.session.commit()
    return cohort


def _certify(cohort: Cohort, enrolments: list[Enrolment], today: date, staff: User) -> None:
    """Certificates for the eligible, one left to issue; one revoked, one reissued."""
    eligible = [e for e in enrolments if eligibility(e).eligible]
    issued = [issue_certificate(e, staff, now=work.at(today - timedelta(days=6), 10))
              for e in eligible[:-1]]
    if len(issued) >= 2:
        revoke_certificate(issued[0], staff, "Délivré sous un mauvais matricule : à délivrer "
                           "de nouveau après vérification.",
                           now=work.at(today - timedelta(days=4), 11))
        corrected = issued[1].user
        reissue_certificate(issued[1], staff, "Post-nom ajouté à la demande de l'officier.",
                            name=f"{corrected.first_name} {corrected.last_name.upper()} "
                                 "KANYINDA",
                            now=work.at(today - timedelta(days=2), 15))


def kolwezi_mines(sites: dict[str, Site], today: date, staff: User, count: int) -> Cohort:
    """A mining-police cohort three weeks in, with a roster of late arrivals being imported."""
    start = today - timedelta(days=20)
    site = sites["kolwezi"]
    cohort = create_cohort(name=f"Police des mines — Kolwezi {start.year}",
                           programme=programme(MINES), site=site, start=start,
                           end=start + timedelta(days=120), actor=staff)
    emmanuel = User.by_login("FORM-004")
    assign_trainer(cohort, emmanuel, actor=staff)
    cohort_class = create_class(cohort, "Classe unique", trainer=emmanuel, actor=staff)
    officers = people.generated("PNC", 6001, count, MINES_UNITS, site, seed="mines", women=0.2)
    for user in officers:
        enrol(user, cohort, actor=staff, cohort_class=cohort_class)
    db.session.flush()
    items = _items(cohort)
    rng = random.Random("mines")
    for enrolment in cohort.enrolments:
        work.sit_quiz(enrolment, items["pre"][0], 0.25 + 0.4 * rng.random(),
                      work.at(start + timedelta(days=1), 9), rng)
        work.read_lessons(enrolment, items["lesson"][:2])
    for index, enrolment in enumerate(cohort.enrolments):
        status = "refused" if index == 3 else ("cleared", "pending")[index % 4 == 1]
        set_vetting(enrolment.user, status, actor=staff,
                    note="Dossier transmis au bureau de l'attaché." if status == "pending" else "")
    roster = ("Nom;Prénom;Sexe;Grade;Unité\nMULAMBA;Germaine;F;Agent de police;"
              "Police des mines Kolwezi\nKITENGE;Rodrigue;M;Brigadier;Police des mines Likasi\n"
              "MWEPU;Aimé;M;Agent de police;Police des mines Fungurume\n").encode()
    prepare_import(cohort, staff, "arrivees-tardives-kolwezi.csv", roster)
    db.session.commit()
    return cohort


def demo_now(today: date) -> datetime:
    """Noon of the demo day, in UTC."""
    return work.at(today, 12)
