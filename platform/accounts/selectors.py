"""Reads about people, courses and rights."""

from django.db.models import QuerySet

from accounts.models import Course, Enrollment, Role, User

STAFF_ROLES = frozenset({Role.INSTRUCTOR, Role.GRADER})


def course_role(*, user: User, course: Course) -> str | None:
    """The user's role in the course ("student", "instructor", "grader"), or None.

    Superusers count as instructors everywhere.
    """
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.INSTRUCTOR
    return Enrollment.objects.filter(user=user, course=course).values_list("role", flat=True).first()


def course_is_staff(*, user: User, course: Course) -> bool:
    return course_role(user=user, course=course) in STAFF_ROLES


def course_is_instructor(*, user: User, course: Course) -> bool:
    return course_role(user=user, course=course) == Role.INSTRUCTOR


def courses_for_user(*, user: User) -> QuerySet[Course]:
    if user.is_superuser:
        return Course.objects.all()
    return Course.objects.filter(enrollments__user=user).distinct()


def courses_taught_by(*, user: User) -> QuerySet[Course]:
    """Courses where the user is instructor or grader."""
    if user.is_superuser:
        return Course.objects.all()
    return Course.objects.filter(enrollments__user=user, enrollments__role__in=STAFF_ROLES).distinct()


def user_is_teaching_staff(*, user: User) -> bool:
    """Instructor or grader of at least one course (or superuser)."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or Enrollment.objects.filter(user=user, role__in=STAFF_ROLES).exists()


def roster_for_course(*, course: Course) -> QuerySet[Enrollment]:
    return (
        Enrollment.objects.filter(course=course).select_related("user").order_by("role", "user__neptun_code")
    )


def user_by_neptun(*, neptun_code: str) -> User | None:
    return User.objects.filter(neptun_code=neptun_code).first()
