"""Site-wide groups and what each may do; per-course rights come from Enrollment.role.

The groups carry Django model permissions (admin, API). Whether a person may act on a given
course is decided by ``course_role`` in selectors: an instructor of one course has no rights
in another.
"""

from django.contrib.auth.models import Group, Permission

from accounts.models import Role

GROUP_NAMES = {Role.STUDENT: "Students", Role.INSTRUCTOR: "Instructors", Role.GRADER: "Graders"}

# App labels whose models instructors manage and graders read.
COURSE_APPS = ("accounts", "quizzes", "grader", "projects", "gradebook")


def groups_sync() -> None:
    """Create the three groups and give them their permissions. Safe to call repeatedly."""
    for role, name in GROUP_NAMES.items():
        group, _ = Group.objects.get_or_create(name=name)
        course_perms = Permission.objects.filter(content_type__app_label__in=COURSE_APPS)
        if role == Role.INSTRUCTOR:
            perms = course_perms.exclude(content_type__model="user", codename__startswith="delete")
        elif role == Role.GRADER:
            perms = course_perms.filter(codename__startswith="view")
        else:
            perms = Permission.objects.none()
        group.permissions.set(perms)
