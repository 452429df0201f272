"""Import every model so that metadata (and Alembic) sees all tables."""

from lms.assessment.models import Grade, GradeHistory, QuizSchedule
from lms.audit import AuditRecord
from lms.auth.models import Site, User, UserRole
from lms.auth.throttle import LoginFailure
from lms.curricula.models import CurriculumVersion, Programme
from lms.learning.models import Attempt, LessonProgress, Response
from lms.sync.models import (
    SyncBundle,
    SyncConflict,
    SyncIdentity,
    SyncPeer,
    SyncRecordState,
)
from lms.training.models import (
    AttendanceChange,
    AttendanceRecord,
    ClassMeeting,
    Cohort,
    CohortClass,
    CohortTrainer,
    Enrolment,
    PendingImport,
    Qualification,
    TotProgramme,
    Vetting,
)

__all__ = ["Attempt", "AuditRecord", "Cohort", "CohortTrainer", "CurriculumVersion", "Enrolment",
           "LessonProgress", "LoginFailure", "Programme", "Response", "Site", "SyncBundle",
           "SyncConflict", "SyncIdentity", "SyncPeer", "SyncRecordState", "User", "UserRole",
           "Grade", "GradeHistory", "QuizSchedule",
           "AttendanceChange", "AttendanceRecord", "ClassMeeting", "CohortClass",
           "PendingImport", "Qualification", "TotProgramme", "Vetting"]
