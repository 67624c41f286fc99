"""The term's life: archive (close/reopen), copy into a new term, personal data, backup and restore."""

from lifecycle.services.archive import (
    CourseClosedError,
    course_assert_writable,
    course_close,
    course_erasure_due,
    course_is_closed,
    course_reopen,
    course_retention_set,
    course_term,
)
from lifecycle.services.copying import CopyPlan, course_copy
from lifecycle.services.personal import (
    ErasurePlan,
    course_personal_data_erase,
    personal_data_export,
    retention_due,
    retention_sweep,
)

__all__ = [
    "CopyPlan",
    "CourseClosedError",
    "ErasurePlan",
    "course_assert_writable",
    "course_close",
    "course_copy",
    "course_erasure_due",
    "course_is_closed",
    "course_personal_data_erase",
    "course_reopen",
    "course_retention_set",
    "course_term",
    "personal_data_export",
    "retention_due",
    "retention_sweep",
]
