"""Import every model so that metadata (and Alembic) sees all tables."""

from lms.assessment.models import Grade, GradeHistory, QuizSchedule
from lms.audit import AuditRecord
from lms.auth.models import Site, User, UserRole
from lms.auth.throttle import LoginFailure
from lms.authoring.models import Draft, DraftFile
from lms.certificates.models import Certificate
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

__all__ = ["Attempt", "AttendanceChange", "AttendanceRecord", "AuditRecord", "Certificate",
           "ClassMeeting", "Cohort", "CohortClass", "CohortTrainer", "CurriculumVersion",
           "Draft", "DraftFile", "Enrolment", "Grade", "GradeHistory", "LessonProgress",
           "LoginFailure", "PendingImport",
           "Programme", "QuizSchedule", "Qualification", "Response", "Site", "SyncBundle",
           "SyncConflict", "SyncIdentity", "SyncPeer", "SyncRecordState", "TotProgramme", "User",
           "UserRole", "Vetting"]
