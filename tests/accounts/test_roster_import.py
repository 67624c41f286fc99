import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from accounts.models import Enrollment, User
from accounts.roster import RosterFileError, roster_import, roster_parse

pytestmark = pytest.mark.services

HU_HEADER = "Neptun kód;Név;E-mail\r\n"


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_semicolon_utf8_with_bom_and_hungarian_headers(course):
    content = (
        "\ufeff"
        + HU_HEADER
        + "abc123;Kovács Árpád;arpad@example.hu\r\nQWE456;Szőke Zsófia;zsofi@example.hu\r\n"
    ).encode()
    report = roster_import(course=course, filename="neptun.csv", content=content)
    assert (report.created, report.enrolled, report.problems) == (2, 2, [])
    user = User.objects.get(neptun_code="ABC123")
    assert user.full_name == "Kovács Árpád" and user.email == "arpad@example.hu" and not user.is_active
    assert not user.has_usable_password()


def test_comma_utf8_without_bom_english_headers(course):
    content = b"Neptun code,Name,Email\nAAA111,Alice Example,alice@example.edu\n"
    report = roster_import(course=course, filename="roster.csv", content=content)
    assert (
        report.created == 1 and Enrollment.objects.filter(course=course, user__neptun_code="AAA111").exists()
    )


def test_cp1250_is_decoded(course):
    content = (HU_HEADER + "BBB222;Őri Ödön;odon@example.hu\r\n").encode("cp1250")
    roster_import(course=course, filename="export.csv", content=content)
    assert User.objects.get(neptun_code="BBB222").full_name == "Őri Ödön"


def test_xlsx_with_hungarian_headers(course):
    content = xlsx_bytes(
        [["Neptun kód", "Név", "E-mail"], ["ccc333", "Cecília Csík", "c@example.hu"], [None, None, None]]
    )
    report = roster_import(course=course, filename="export.xlsx", content=content)
    assert report.created == 1 and User.objects.get(neptun_code="CCC333").full_name == "Cecília Csík"


def test_bad_rows_are_listed_and_good_rows_still_import(course):
    content = (
        HU_HEADER + "ABC123;Good One;g@example.hu\r\nAB12;Too Short;\r\nABC123;Again;\r\n;No Code;\r\n"
        "DEF456;Bad Mail;not-an-email\r\nGHI789;Fine;\r\n"
    ).encode()
    report = roster_import(course=course, filename="r.csv", content=content)
    assert report.created == 2
    lines = {problem.line: problem.reason for problem in report.problems}
    assert set(lines) == {3, 4, 5, 6}
    assert (
        "Neptun code" in lines[3] and "line 2" in lines[4] and "missing" in lines[5] and "e-mail" in lines[6]
    )


def test_reimport_is_idempotent_and_updates_names_and_emails(course):
    first = (HU_HEADER + "ABC123;Old Name;old@example.hu\r\n").encode()
    roster_import(course=course, filename="r.csv", content=first)
    again = roster_import(course=course, filename="r.csv", content=first)
    assert (again.created, again.updated, again.unchanged, again.enrolled) == (0, 0, 1, 0)
    changed = roster_import(
        course=course, filename="r.csv", content=(HU_HEADER + "abc123;New Name;new@example.hu\r\n").encode()
    )
    assert changed.updated == 1
    assert User.objects.filter(neptun_code="ABC123").count() == 1
    assert Enrollment.objects.filter(course=course).count() == 1
    assert User.objects.get(neptun_code="ABC123").full_name == "New Name"


@pytest.mark.parametrize(
    "content,message",
    [(b"", "empty"), (b"Name;Email\nX;y@z.hu\n", "Neptun"), (b"PK\x03\x04garbage", "Excel")],
)
def test_unreadable_files_raise_and_change_nothing(course, content, message):
    with pytest.raises(RosterFileError, match=message):
        roster_import(
            course=course, filename="r.xlsx" if content.startswith(b"PK") else "r.csv", content=content
        )
    assert User.objects.count() == 0


def test_parse_family_and_given_name_columns():
    rows, problems = roster_parse(
        filename="r.csv", content="Neptun kód;Vezetéknév;Keresztnév\nABC123;Nagy;Anna\n".encode()
    )
    assert rows[0].name == "Nagy Anna" and problems == []


def test_command_reports_problems_and_exits_nonzero_only_when_nothing_imports(course, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes((HU_HEADER + "ABC123;A;\r\nBAD;B;\r\n").encode())
    call_command("import_roster", str(good), "--course", course.code)
    captured = capsys.readouterr()
    assert "1 new students" in captured.out and "line 3" in captured.err
    bad = tmp_path / "bad.csv"
    bad.write_bytes((HU_HEADER + "BAD;B;\r\n").encode())
    with pytest.raises(CommandError):
        call_command("import_roster", str(bad), "--course", course.code)
    with pytest.raises(CommandError, match="No course"):
        call_command("import_roster", str(good), "--course", "NOPE")


# --- A roster of course A cannot take over accounts of course B (issue 10 §3) -----------------------------


def test_a_roster_of_another_course_cannot_redirect_a_students_email_or_rename_them(course, client):
    from django.core import mail

    from accounts.models import Role
    from accounts.services import enrollment_set, invitations_send
    from tests.factories import CourseFactory

    # A student of B who has not activated the account yet.
    roster_import(
        course=course, filename="r.csv", content=(HU_HEADER + "VIC001;Victim;victim@example.hu\r\n").encode()
    )
    course_a = CourseFactory(code="COURSEA")
    attack = (HU_HEADER + "vic001;Renamed;attacker@example.com\r\n").encode()
    report = roster_import(course=course_a, filename="r.csv", content=attack)
    victim = User.objects.get(neptun_code="VIC001")
    assert (victim.full_name, victim.email) == ("Victim", "victim@example.hu")
    assert [p.line for p in report.problems] == [2] and "were kept" in report.problems[0].reason
    assert Enrollment.objects.filter(
        user=victim, course=course_a, role=Role.STUDENT
    ).exists()  # enrolled in A too
    mail.outbox.clear()
    invitations_send(course=course_a)
    assert [m.to for m in mail.outbox] == [["victim@example.hu"]]  # the activation link goes to the student
    # Staff accounts neither: not renamed, and a staff username spelled like a Neptun code is not linked.
    staff = User.objects.create(
        username="ADMIN1", full_name="The Admin", email="admin@example.edu", is_superuser=True
    )
    teacher = User.objects.create(
        username="teach", neptun_code="TEA001", full_name="Teacher B", email="t@b.edu"
    )
    enrollment_set(course=course, user=teacher, role=Role.INSTRUCTOR)
    roster_import(
        course=course_a,
        filename="r.csv",
        content=(HU_HEADER + "ADMIN1;Evil;e@x.com\r\nTEA001;Evil;e@x.com\r\n").encode(),
    )
    staff.refresh_from_db()
    teacher.refresh_from_db()
    assert staff.neptun_code is None and staff.email == "admin@example.edu"
    assert (teacher.full_name, teacher.email) == ("Teacher B", "t@b.edu")


def test_the_own_courses_students_are_still_updated_by_a_reimport(course):
    roster_import(
        course=course, filename="r.csv", content=(HU_HEADER + "OWN001;Old;old@example.hu\r\n").encode()
    )
    report = roster_import(
        course=course, filename="r.csv", content=(HU_HEADER + "OWN001;New;new@example.hu\r\n").encode()
    )
    assert report.updated == 1 and not report.problems
    assert User.objects.get(neptun_code="OWN001").email == "new@example.hu"
