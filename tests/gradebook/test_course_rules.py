"""The course's end-of-term rules as stored and shown: thresholds and conditions (instructors only), each
student's signature, offered grade and mark in the table, the exports and the student's own page."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import PermissionDeniedError, PlatformError
from core.models import GradeAuditEntry
from gradebook.course_rules import (
    course_rules,
    grade_condition_add,
    grade_condition_remove,
    grading_scheme_set,
)
from gradebook.models import GradeCondition, GradingScheme

CODE = "VITMMA19"


def test_instructors_set_thresholds_and_bad_ones_change_nothing(scenario, course, instructor, grader_user):
    grading_scheme_set(course=course, by=instructor, two="50", three="60", four="75", five="90")
    assert course_rules(course=course).thresholds.two == Decimal("50.00")
    for bad in (
        {"two": "60", "three": "60", "four": "75", "five": "90"},  # must grow
        {"two": "50", "three": "60", "four": "75", "five": "101"},
        {"two": "NaN", "three": "60", "four": "75", "five": "90"},
        {"two": "x", "three": "60", "four": "75", "five": "90"},
    ):
        with pytest.raises(PlatformError):
            grading_scheme_set(course=course, by=instructor, **bad)
    assert GradingScheme.objects.get(course=course).mark5_percent == Decimal("90.00")
    with pytest.raises(PermissionDeniedError):
        grading_scheme_set(course=course, by=grader_user, two="1", three="2", four="3", five="4")
    assert GradeAuditEntry.objects.filter(course=course, action="marks").count() == 1


def test_conditions_name_a_column_of_the_course_once(scenario, course, instructor, student):
    key = f"milestone:{scenario.milestone.pk}"
    grade_condition_add(
        course=course, by=instructor, purpose="offered", column_key=key, requirement="on_time"
    )
    with pytest.raises(PlatformError):
        grade_condition_add(
            course=course, by=instructor, purpose="offered", column_key=key, requirement="on_time"
        )
    for bad in (
        {"purpose": "offered", "column_key": "milestone:999999", "requirement": "on_time"},
        {"purpose": "bribe", "column_key": key, "requirement": "on_time"},
        {"purpose": "signature", "column_key": key, "requirement": "vibes"},
        {"purpose": "signature", "column_key": key, "requirement": "min_percent", "min_percent": "150"},
        {"purpose": "signature", "column_key": key, "requirement": "min_percent", "min_percent": None},
    ):
        with pytest.raises(PlatformError):
            grade_condition_add(course=course, by=instructor, **bad)
    with pytest.raises(PermissionDeniedError):
        grade_condition_add(
            course=course, by=student, purpose="signature", column_key=key, requirement="handed_in"
        )
    assert GradeCondition.objects.filter(course=course).count() == 1
    row = GradeCondition.objects.get()
    assert row.column_title == "M1 Data"
    grade_condition_remove(course=course, by=instructor, condition_id=row.pk)
    assert not GradeCondition.objects.exists()


def test_the_table_the_export_and_the_students_page_show_signature_offered_grade_and_mark(
    client, scenario, course, instructor, student
):
    # ABC123: the milestone was handed in after its deadline; the homework on time and late.
    homework, milestone = f"assignment:{scenario.homework.pk}", f"milestone:{scenario.milestone.pk}"
    grade_condition_add(
        course=course, by=instructor, purpose="signature", column_key=homework, requirement="handed_in"
    )
    grade_condition_add(
        course=course, by=instructor, purpose="offered", column_key=milestone, requirement="on_time"
    )
    client.force_login(instructor)
    html = client.get(reverse("gradebook:course", args=[CODE])).content.decode()
    row = html[html.index('<tr id="row-ABC123">') :]
    row = row[: row.index("</tr>")]
    assert 'class="standing signature met"' in row and "exam" in row  # signed; the late milestone: exam
    other = html[html.index('<tr id="row-XYZ789">') :]
    other = other[: other.index("</tr>")]
    assert 'class="standing signature failed"' in other and "refused" in other  # no homework handed in

    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("gradebook:export_csv", args=[CODE])).content.decode("utf-8-sig"))
        )
    )
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["ABC123"][-3:-1] == ["yes", "exam"] and by_code["XYZ789"][-3:] == ["refused", "exam", "1"]

    client.force_login(student)
    mine = client.get(reverse("gradebook:my_grades", args=[CODE])).content.decode()
    assert 'id="standing"' in mine and 'id="mark-needs"' in mine
    assert "M1</strong> handed in on time" in mine and "HW1</strong> handed in" in mine
    assert "none: the exam decides" in mine


def test_the_rules_page_adds_and_removes_conditions_and_refuses_bad_input(
    client, scenario, course, instructor
):
    client.force_login(instructor)
    url = reverse("gradebook:rules", args=[CODE])
    key = f"assignment:{scenario.homework.pk}"
    response = client.post(
        url, {"action": "add", "purpose": "signature", "column_key": key, "requirement": "min_percent"}
    )
    assert response.status_code == 400 and not GradeCondition.objects.exists()
    response = client.post(
        url,
        {
            "action": "add",
            "purpose": "signature",
            "column_key": key,
            "requirement": "min_percent",
            "min_percent": "40",
        },
    )
    assert response.status_code == 302 and GradeCondition.objects.get().min_percent == Decimal("40.00")
    page = client.get(url).content.decode()
    assert "HW1</strong> CNN on digits" in page and "40%" in page
    response = client.post(
        url, {"action": "thresholds", "two": "70", "three": "60", "four": "75", "five": "90"}
    )
    assert response.status_code == 400 and "must grow" in response.content.decode()
    response = client.post(url, {"action": "remove", "condition": str(GradeCondition.objects.get().pk)})
    assert response.status_code == 302 and not GradeCondition.objects.exists()
    response = client.post(url, {"action": "remove", "condition": "not-a-number"})
    assert response.status_code == 400
