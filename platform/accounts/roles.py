"""Site-wide groups name the roles; per-course rights come from Enrollment.role.

The groups carry no model permissions: a Django permission is site-wide ("may change any course"),
and course staff must have rights only in their own courses. Whether a person may act on a course is
decided by ``course_role`` in selectors, on the platform's own pages; the admin is for superusers only
(``accounts.admin_site``).
"""

from django.contrib.auth.models import Group

from accounts.models import Role

GROUP_NAMES = {Role.STUDENT: "Students", Role.INSTRUCTOR: "Instructors", Role.GRADER: "Graders"}


def groups_sync() -> None:
    """Create the three groups, without permissions (removes any they had). Safe to call repeatedly."""
    for name in GROUP_NAMES.values():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.clear()
