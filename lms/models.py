"""Import every model so that metadata (and Alembic) sees all tables."""

from lms.assessment.models import Grade, GradeHistory, QuizSchedule
from lms.assessment.paper.models import PaperSheet
from lms.audit import AuditRecord
from lms.auth.models import Site, User, UserRole
from lms.auth.throttle import LoginFailure
from lms.authoring.models import Draft, DraftFile
from lms.certificates.models import Certificate
from lms.curricula.models import CurriculumVersion, Programme
from lms.learning.models import Attempt, LessonProgress, Response
from lms.sync.models import (
    SyncAlias,
    SyncBundle,
    SyncConflict,
    SyncIdentity,
    SyncPeer,
    SyncPeerRecord,
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
           "LoginFailure", "PaperSheet", "PendingImport", "Programme", "QuizSchedule",
           "Qualification", "Response", "Site", "SyncAlias", "SyncBundle", "SyncConflict",
           "SyncIdentity", "SyncPeer", "SyncPeerRecord", "SyncRecordState", "TotProgramme", "User",
           "UserRole", "Vetting"]
