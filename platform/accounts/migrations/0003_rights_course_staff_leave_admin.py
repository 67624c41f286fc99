"""Course staff lose the admin: clear ``is_staff`` of everyone but superusers, and the groups' permissions.

Before, enrolling an instructor or grader set ``is_staff`` and their group carried site-wide model
permissions, so any course's staff could change any course (and any account) in /admin.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Group = apps.get_model("auth", "Group")
    User.objects.filter(is_staff=True, is_superuser=False).update(is_staff=False)
    for group in Group.objects.filter(name__in=["Students", "Instructors", "Graders"]):
        group.permissions.clear()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_user_language"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
