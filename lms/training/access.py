"""What a staff member or trainer may open: staff every cohort, a trainer only their own."""

from __future__ import annotations

from flask import abort

from lms.extensions import db
from lms.training.models import ClassMeeting, Cohort, CohortClass, Enrolment
from lms.training.services import can_see_cohort


def get_cohort_for_teaching(user, cohort_id: int) -> Cohort:
    """The cohort if the user leads or teaches it (staff: any), else 404."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not can_see_cohort(user, cohort):
        abort(404)
    return cohort


def get_class_for(user, class_id: int) -> CohortClass:
    """The class if the user may see its cohort, else 404."""
    found = db.session.get(CohortClass, class_id)
    if found is None or not can_see_cohort(user, found.cohort):
        abort(404)
    return found


def get_meeting_for(user, meeting_id: int) -> ClassMeeting:
    """The class meeting if the user may see its cohort, else 404."""
    meeting = db.session.get(ClassMeeting, meeting_id)
    if meeting is None or not can_see_cohort(user, meeting.cohort_class.cohort):
        abort(404)
    return meeting


def get_enrolment_in(cohort: Cohort, enrolment_id: int) -> Enrolment:
    """An enrolment of this cohort, else 404."""
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.cohort_id != cohort.id:
        abort(404)
    return enrolment
