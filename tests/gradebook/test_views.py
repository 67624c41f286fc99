"""Pages, rights and exports: what each person may see and do, and that the exports match the page."""

import csv
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from gradebook.arithmetic import AdjustmentKind
from gradebook.models import Adjustment, GradebookWeights
from gradebook.services import adjustment_record

pytestmark = pytest.mark.django_db
CODE = "VITMMA19"


def url(name: str, *args) -> str:
    return reverse(f"gradebook:{name}", args=args)


def page_numbers(html: str, neptun_code: str) -> list[str]:
    """The numbers of one row of the table, as shown (cells, category percentages, total)."""
    row = re.search(rf'<tr id="row-{neptun_code}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {neptun_code}"
    cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', row.group(1), re.S)
    return [re.sub(r"<[^>]+>", "", c).replace("*", "").replace("+", "").strip() for c in cells]


# --- Rights -------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, scenario):
    for target in (url("course", CODE), url("export_csv", CODE), url("my_grades", CODE), url("index")):
        response = client.get(target)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_student_sees_only_their_own_row(client, scenario, student, other_student):
    client.force_login(student)
    for forbidden in (
        url("course", CODE),
        url("course", CODE) + "?q=XYZ789",
        url("export_csv", CODE),
        url("export_xlsx", CODE),
        url("student", CODE, "XYZ789"),
        url("student", CODE, "ABC123"),  # the staff page, even their own: "My grades" is theirs
        url("weights", CODE),
    ):
        assert client.get(forbidden).status_code == 403, forbidden
    response = client.get(url("my_grades", CODE))
    assert response.status_code == 200
    html = response.content.decode()
    assert "ABC123" in html and "XYZ789" not in html and other_student.display_name not in html
    assert 'id="adjustment-form"' not in html
    # The index sends a student of one course straight to their grades.
    assert client.get(url("index"))["Location"] == url("my_grades", CODE)


def test_a_student_cannot_record_or_withdraw_adjustments(client, scenario, student, instructor):
    adjustment = adjustment_record(
        course=scenario.game.course,
        student=student,
        column_key=f"quiz:{scenario.game.pk}",
        kind=AdjustmentKind.EXCUSED,
        reason="Ill",
        by=instructor,
    )
    client.force_login(student)
    data = {"column": f"quiz:{scenario.game.pk}", "kind": "excused", "reason": "I say so"}
    assert client.post(url("adjustment_new", CODE, "ABC123"), data).status_code == 403
    assert client.post(url("adjustment_withdraw", adjustment.pk)).status_code == 403
    assert Adjustment.objects.filter(withdrawn_at__isnull=True).count() == 1


def test_another_courses_staff_see_nothing_of_this_course(client, scenario, other_course_instructor):
    client.force_login(other_course_instructor)
    for target in (
        url("course", CODE),
        url("export_csv", CODE),
        url("export_xlsx", CODE),
        url("student", CODE, "ABC123"),
        url("weights", CODE),
        url("my_grades", CODE),
    ):
        assert client.get(target).status_code == 403, target


def test_graders_see_everything_record_excused_and_extensions_but_not_overrides_or_weights(
    client, scenario, grader_user
):
    client.force_login(grader_user)
    assert client.get(url("course", CODE)).status_code == 200
    assert client.get(url("export_csv", CODE)).status_code == 200
    detail = client.get(url("student", CODE, "abc123"))  # the code is case-folded
    assert detail.status_code == 200 and 'value="override"' not in detail.content.decode()
    assert client.get(url("weights", CODE)).status_code == 403
    hw = f"assignment:{scenario.homework.pk}"
    response = client.post(
        url("adjustment_new", CODE, "ABC123"),
        {"column": hw, "kind": "extension", "extension_days": "2", "reason": "Doctor's note"},
    )
    assert response.status_code == 302
    refused = client.post(
        url("adjustment_new", CODE, "ABC123"),
        {"column": hw, "kind": "override", "points": "10", "reason": "x"},
    )
    assert refused.status_code == 400
    assert list(Adjustment.objects.values_list("kind", "created_by__username")) == [("extension", "grader")]


def test_an_unknown_student_is_not_found(client, scenario, instructor):
    client.force_login(instructor)
    assert client.get(url("student", CODE, "NOONE1")).status_code == 404


# --- The page ---------------------------------------------------------------------------------------------


def test_the_page_shows_every_row_with_links_to_the_submission_that_counts(client, scenario, instructor):
    client.force_login(instructor)
    html = client.get(url("course", CODE)).content.decode()
    assert page_numbers(html, "ABC123") == ["1500", "7.2", "10", "15", "75", "86", "75", "80.5"]
    assert page_numbers(html, "XYZ789") == ["500", "–", "–", "15", "25", "0", "75", "27.5"]
    assert reverse("grader:submission", args=[scenario.late.pk]) in html
    assert reverse("grader:submission", args=[scenario.on_time.pk]) not in html
    assert "2 students shown of 2." in html


def test_a_student_without_a_neptun_code_still_has_a_row(client, scenario, course, instructor):
    from accounts.models import Role
    from accounts.services import enrollment_set
    from tests.factories import UserFactory

    enrollment_set(
        course=course, user=UserFactory(username="exchange", full_name="Erasmus Student"), role=Role.STUDENT
    )
    client.force_login(instructor)
    response = client.get(url("course", CODE))
    assert response.status_code == 200
    assert "Erasmus Student" in response.content.decode() and "no Neptun code" in response.content.decode()


def test_search_filter_and_sort_by_query_parameters(client, scenario, instructor):
    client.force_login(instructor)
    html = client.get(url("course", CODE), {"q": "xyz7"}).content.decode()
    assert 'id="row-XYZ789"' in html and 'id="row-ABC123"' not in html
    html = client.get(url("course", CODE), {"sort": "total", "order": "desc"}).content.decode()
    assert html.index('id="row-ABC123"') < html.index('id="row-XYZ789"')
    html = client.get(url("course", CODE), {"sort": "total", "order": "asc"}).content.decode()
    assert html.index('id="row-XYZ789"') < html.index('id="row-ABC123"')
    # The header link toggles the order and keeps the search.
    html = client.get(url("course", CODE), {"sort": "total", "order": "asc", "q": "a"}).content.decode()
    assert "?q=a&amp;sort=total&amp;order=desc" in html
    html = client.get(url("course", CODE), {"show": "missing"}).content.decode()
    assert 'id="row-XYZ789"' in html and 'id="row-ABC123"' not in html


def test_exports_are_keyed_by_neptun_code_and_match_the_page(client, scenario, instructor):
    client.force_login(instructor)
    html = client.get(url("course", CODE)).content.decode()

    response = client.get(url("export_csv", CODE))
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="VITMMA19-gradebook.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[:2] == ["Neptun code", "Name"] and header[-4:] == [
        "Total %",
        "Signature",
        "Offered grade",
        "Mark",
    ]
    assert header[2:6] == [
        "Q1 Convolutions " + scenario.game.finished_at.astimezone().strftime("%Y-%m-%d") + " (2000)",
        "HW1 CNN on digits (10)",
        "HW2 LSTM forecast (10)",
        "M1 Data (20)",
    ]
    by_code = {row[0]: row for row in rows[1:]}
    assert list(by_code) == ["ABC123", "XYZ789"]
    for code, row in by_code.items():
        shown = [n if n != "–" else "0" for n in page_numbers(html, code)]
        assert row[2:-3] == shown, code
        # No conditions set: the signature stands, and the offered grade is the mark when it passes.
        mark = (
            5
            if float(row[-4]) >= 85
            else 4
            if float(row[-4]) >= 70
            else 3
            if float(row[-4]) >= 55
            else 2
            if float(row[-4]) >= 40
            else 1
        )
        assert row[-3:] == ["yes", str(mark) if mark >= 2 else "", str(mark)], code

    workbook = openpyxl.load_workbook(io.BytesIO(client.get(url("export_xlsx", CODE)).content))
    sheet = workbook.active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == header
    for row in values[1:]:
        code = row[0]
        assert [Decimal(str(v)) for v in row[2:-3]] == [Decimal(n) for n in by_code[code][2:-3]], code
        assert [str(v) if v is not None else "" for v in row[-3:]] == by_code[code][-3:], code
    assert values[1][1] == by_code["ABC123"][1]


def test_excused_cells_are_marked_in_the_page_and_the_exports(client, scenario, student, instructor):
    adjustment_record(
        course=scenario.game.course,
        student=student,
        column_key=f"quiz:{scenario.game.pk}",
        kind=AdjustmentKind.EXCUSED,
        reason="Ill",
        by=instructor,
    )
    client.force_login(instructor)
    html = client.get(url("course", CODE)).content.decode()
    assert page_numbers(html, "ABC123")[0] == "excused"
    rows = list(csv.reader(io.StringIO(client.get(url("export_csv", CODE)).content.decode("utf-8-sig"))))
    assert rows[1][2] == "excused" and rows[1][-4] == page_numbers(html, "ABC123")[-1] == "81.88"


# --- Detail page, adjustments, weights -------------------------------------------------------------------


def test_detail_page_shows_the_history_and_records_an_override(client, scenario, instructor):
    client.force_login(instructor)
    html = client.get(url("student", CODE, "ABC123")).content.decode()
    for expected in (
        "CNN on digits",
        "Good split.",
        "Data pipeline",
        "Bird songs",
        "7.2",
        "counts",
        "Failed",
    ):
        assert expected in html, expected
    response = client.post(
        url("adjustment_new", CODE, "ABC123"),
        {
            "column": f"milestone:{scenario.milestone.pk}",
            "kind": "override",
            "points": "20",
            "reason": "Regraded",
        },
    )
    assert response.status_code == 302 and response["Location"] == url("student", CODE, "ABC123")
    html = client.get(url("student", CODE, "ABC123")).content.decode()
    assert "Regraded" in html and "in force" in html and instructor.display_name in html
    # 15 + 43 + 30 × 100 %
    assert re.search(r'id="total">\s*88%', html)
    missing_reason = client.post(
        url("adjustment_new", CODE, "ABC123"),
        {"column": f"milestone:{scenario.milestone.pk}", "kind": "excused", "reason": "  "},
    )
    assert missing_reason.status_code == 400
    extension_on_quiz = client.post(
        url("adjustment_new", CODE, "ABC123"),
        {"column": f"quiz:{scenario.game.pk}", "kind": "extension", "extension_days": "2", "reason": "x"},
    )
    assert (
        extension_on_quiz.status_code == 400
        and "homework assignments only" in extension_on_quiz.content.decode()
    )


def test_withdrawing_keeps_the_record(client, scenario, student, instructor):
    adjustment = adjustment_record(
        course=scenario.game.course,
        student=student,
        column_key=f"assignment:{scenario.homework.pk}",
        kind=AdjustmentKind.OVERRIDE,
        points=Decimal("1"),
        reason="Plagiarism hearing",
        by=instructor,
    )
    client.force_login(instructor)
    assert client.post(url("adjustment_withdraw", adjustment.pk)).status_code == 302
    adjustment.refresh_from_db()
    assert adjustment.withdrawn_by == instructor
    html = client.get(url("student", CODE, "ABC123")).content.decode()
    assert "Plagiarism hearing" in html and "withdrawn by" in html


def test_instructor_sets_the_weights(client, scenario, instructor):
    client.force_login(instructor)
    assert client.get(url("weights", CODE)).status_code == 200
    bad = client.post(
        url("weights", CODE), {"quiz_weight": "0", "assignment_weight": "0", "milestone_weight": "0"}
    )
    assert bad.status_code == 400 and not GradebookWeights.objects.exists()
    response = client.post(
        url("weights", CODE), {"quiz_weight": "0", "assignment_weight": "1", "milestone_weight": "1"}
    )
    assert response.status_code == 302
    weights = GradebookWeights.objects.get()
    assert weights.updated_by == instructor
    html = client.get(url("course", CODE)).content.decode()
    assert page_numbers(html, "ABC123")[-1] == "80.5"  # (86 + 75) / 2
    assert "Live quizzes 0.0%" in html


def test_my_grades_hides_unrevealed_points_and_shows_the_history(client, scenario, student):
    client.force_login(student)
    html = client.get(url("my_grades", CODE)).content.decode()
    assert re.search(r'id="total">\s*73\.5%', html)
    assert "LSTM forecast" in html and 'id="hidden-columns"' in html
    assert "CNN on digits" in html and "Good split." in html


def test_staff_following_my_grades_land_on_the_gradebook(client, scenario, instructor):
    client.force_login(instructor)
    assert client.get(url("my_grades", CODE))["Location"] == url("course", CODE)


def test_admin_lists_adjustments_searchable_by_neptun_code(
    client, scenario, student, other_student, instructor
):
    from tests.factories import UserFactory

    for who, reason in ((student, "Doctor's note for ABC"), (other_student, "Conference trip for XYZ")):
        adjustment_record(
            course=scenario.game.course,
            student=who,
            column_key=f"quiz:{scenario.game.pk}",
            kind=AdjustmentKind.EXCUSED,
            reason=reason,
            by=instructor,
        )
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:gradebook_adjustment_changelist"), {"q": "abc123"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "ABC123" in html and "XYZ789" not in html


def test_my_grades_does_not_show_adjustments_of_unpublished_homework(client, scenario, student, instructor):
    for column, reason in (
        (scenario.upcoming, "Extension for the LSTM"),
        (scenario.homework, "Extension for CNN"),
    ):
        adjustment_record(
            course=scenario.game.course,
            student=student,
            column_key=f"assignment:{column.pk}",
            kind=AdjustmentKind.EXTENSION,
            extension_days=1,
            reason=reason,
            by=instructor,
        )
    client.force_login(student)
    html = client.get(url("my_grades", CODE)).content.decode()
    assert "Extension for CNN" in html and "Extension for the LSTM" not in html


def test_the_index_lists_every_course_with_the_right_page(client, scenario, student, instructor):
    from accounts.models import Role
    from accounts.services import enrollment_set
    from tests.factories import CourseFactory

    enrollment_set(course=CourseFactory(code="VITMAV45"), user=instructor, role=Role.STUDENT)
    client.force_login(instructor)
    html = client.get(url("index")).content.decode()
    assert url("course", CODE) in html and url("my_grades", "VITMAV45") in html
