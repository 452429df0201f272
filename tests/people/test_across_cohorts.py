"""People move between cohorts and sites: a trainer qualified at Kasapa comes back for a
refresher at Mbuji-Mayi, a former trainee starts a second programme; their page shows it all."""

from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import func, select

from lms.auth.models import User
from lms.extensions import db
from lms.training import services as svc
from lms.training import tot
from lms.training.models import Enrolment
from tests.conftest import CURRICULA, login, make_certificate, make_user, publish


def _cohort(code: str, site: tuple[str, str], name: str, start: date, **extra):
    version = publish(CURRICULA / code)
    cohort = svc.create_cohort(name=name, programme=version.programme,
                               site=svc.get_or_create_site(*site), start=start,
                               end=date(start.year, start.month + 1, 28), version=version, **extra)
    db.session.commit()
    return cohort


KASAPA = ("kasapa", "Académie de police de Kasapa (Lubumbashi)")
MBUJI_MAYI = ("mbuji-mayi", "École de police de Mbuji-Mayi")


def _qualified_at_kasapa(app):
    """A serving officer trained as a trainer at Kasapa, with a certificate."""
    with app.test_request_context():
        proximite = publish(CURRICULA / "police-de-proximite").programme
        tot_cohort = _cohort("formation-des-formateurs", KASAPA, "ToT Kasapa 2016",
                             date(2016, 3, 14), qualifies_for=[proximite])
        trainer = make_user(first_name="Odette", last_name="Mutombo", service_number="PNC-5001",
                            site=tot_cohort.site)
        enrolment = svc.enrol(trainer, tot_cohort)
        # Qualified at that session (its certificate rules are tested in tests/training).
        enrolment.status = "completed"
        tot.record_qualification(trainer, proximite, date(2016, 3, 26), source_cohort=tot_cohort)
        certificate = make_certificate(enrolment)
        db.session.commit()
        return trainer, tot_cohort, certificate.display_serial


def test_a_kasapa_trainer_is_enrolled_in_a_refresher_at_mbuji_mayi(app, client):
    trainer, tot_cohort, serial = _qualified_at_kasapa(app)
    refresher = _cohort("police-de-proximite", MBUJI_MAYI, "Recyclage proximité 2017",
                        date(2017, 2, 6))
    with app.test_request_context():
        svc.create_class(refresher, "Classe A")
    db.session.commit()
    refresher_id, class_id, trainer_id = refresher.id, refresher.classes[0].id, trainer.id
    version_id = refresher.curriculum_version_id
    login(client, make_user(roles=("staff",)))
    assert "Ajouter des personnes existantes" in client.get(
        f"/training/cohorts/{refresher_id}").text
    url = f"/training/cohorts/{refresher_id}/add-people"
    for typed in ("pnc-5001", trainer.academy_number, "mutombo"):
        assert "Odette MUTOMBO" in client.get(url, query_string={"q": typed}).text
    done = client.post(url, data={"user_id": trainer_id, "class_id": class_id, "q": "5001"},
                       follow_redirects=True)
    assert "Odette MUTOMBO est maintenant inscrit(e) dans cette cohorte" in done.text
    assert "déjà inscrit(e) dans cette cohorte" in done.text  # the search shows it at once
    again = client.post(url, data={"user_id": trainer_id, "q": "5001"}, follow_redirects=True)
    assert "Odette MUTOMBO (PNC-5001) est déjà inscrit dans cette cohorte" in again.text
    db.session.rollback()
    [enrolment] = db.session.scalars(select(Enrolment).where(
        Enrolment.cohort_id == refresher_id)).all()
    assert (enrolment.user_id, enrolment.class_id) == (trainer_id, class_id)
    assert enrolment.curriculum_version_id == version_id
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.service_number == "PNC-5001")) == 1
    page = client.get(f"/people/{trainer_id}").text
    enrolments = page.split('id="enrolments"')[1].split("</tbody>")[0]
    assert "Recyclage proximité 2017" in enrolments and "ToT Kasapa 2016" in enrolments
    assert "École de police de Mbuji-Mayi" in enrolments
    assert "Académie de police de Kasapa (Lubumbashi)" in enrolments
    qualifications = page.split('id="qualifications"')[1].split("</tbody>")[0]
    assert "Police de proximit" in qualifications and "ToT Kasapa 2016" in qualifications
    assert serial in page.split('id="certificates"')[1]


def _roster(*rows: str) -> bytes:
    return ("matricule;nom;postnom;prenom;sexe;grade;unite;telephone\n"
            + "\n".join(rows) + "\n").encode("utf-8")


def test_a_former_trainee_starts_a_second_programme_from_a_roster(app, client):
    first = _cohort("police-de-proximite", MBUJI_MAYI, "Proximité 2016", date(2016, 3, 29))
    former = make_user(first_name="Jean", last_name="Kabeya Tshibangu",
                       service_number="PNC-6001")
    no_matricule = make_user(first_name="Rose", last_name="Ngoy", service_number=None)
    make_user(first_name="Paul", last_name="Kasongo", service_number="PNC-6002")
    with app.test_request_context():
        tot.complete_enrolment(svc.enrol(former, first))
    db.session.commit()
    mines = _cohort("police-des-mines", ("kalemie", "Centre de Kalemie"), "Mines Kalemie 2017",
                    date(2017, 5, 2))
    mines_id, former_id, version_id = mines.id, former.id, mines.curriculum_version_id
    staff = make_user(roles=("staff",))
    users_before = db.session.scalar(select(func.count()).select_from(User))
    data = _roster(
        "pnc-6001;KABEYA;Tshibangu;Jean;M;Agent;Kalemie;+243 81 234 5678",  # 2 the same person
        f"{no_matricule.academy_number};Ngoy;;Rose;F;Agent;Kalemie;",      # 3 by academy number
        "PNC-6002;Ilunga;;Marc;M;Agent;Kalemie;",                           # 4 another's number
        "PNC-6003;Banza;;Luc;M;Agent;=HYPERLINK(\"http://x\";\"Mines\");",  # 5 a formula
        "PNC-6004;Mwamba;;Esther;F;@SUM(A1);Kalemie;",                      # 6 a formula
        "PNC-6005;Kalenga;;Marie;F;Agent;Kalemie;+243 99 000 1111",         # 7 new
    )
    login(client, staff)
    upload = client.post(f"/training/cohorts/{mines_id}/import",
                         data={"file": (io.BytesIO(data), "liste.csv")},
                         content_type="multipart/form-data")
    preview = client.get(upload.headers["Location"]).text
    assert "personne existante\u00a0: Jean KABEYA TSHIBANGU, sera inscrite" in preview
    assert "personne existante\u00a0: Rose NGOY, sera inscrite" in preview
    assert 'id="valid-count">3<' in preview and 'id="problem-count">3<' in preview
    assert "dont 2 personnes qui ont déjà un compte" in preview
    problems = preview.split('id="problems"')[1].split("</table>")[0]
    assert "PNC-6002 appartient déjà à Paul KASONGO, dont le nom diffère" in problems
    assert problems.count("commence comme une formule de tableur") == 2
    done = client.post(upload.headers["Location"], data={"mode": "valid"})
    assert done.text.count("compte existant\u00a0: se connecte comme avant") == 2
    assert len(re.findall(r"<td><code>[a-z0-9]{4}-[a-z0-9]{4}</code>", done.text)) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before + 1
    units = set(db.session.scalars(select(User.unit)))
    assert not any(unit.startswith(("=", "@")) for unit in units)
    second = db.session.scalar(select(Enrolment).where(Enrolment.user_id == former_id,
                                                       Enrolment.cohort_id == mines_id))
    assert second.curriculum_version_id == version_id and second.status == "active"
    page = client.get(f"/people/{former_id}").text
    assert "Proximité 2016" in page and "Mines Kalemie 2017" in page
    assert "Centre de Kalemie" in page and "École de police de Mbuji-Mayi" in page
