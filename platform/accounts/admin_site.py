"""The admin site, for superusers only.

Course staff (instructors, graders) work on the platform's own pages, which check the role per course.
The admin checks Django's site-wide model permissions, which cannot say "only course A": an instructor
with `change_user` there could reset the superuser's password or enrol themselves in another course.
"""

from django.contrib import admin
from django.http import HttpRequest


class SuperuserAdminSite(admin.AdminSite):
    site_header = "Deep Learning in practice — administration"
    site_title = "DL in practice admin"

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)
