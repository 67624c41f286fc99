"""Services of the gradebook: who may record what, the checks on input, the demo seeder."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import PermissionDeniedError, PlatformError
from gradebook.arithmetic import AdjustmentKind
from gradebook.demo import demo_seed
from gradebook.models import Adjustment, GradebookWeights, GradeCondition, GradingScheme
from gradebook.selectors import gradebook_for_course
from gradebook.services import adjustment_record, adjustment_withdraw, weights_set

pytestmark = pytest.mark.django_db


def record(scenario, by, **overrides):
    kwargs = {
        "course": scenario.game.course,
        "student": scenario.late.user,
        "column_key": f"assignment:{scenario.homework.pk}",
        "kind": AdjustmentKind.EXCUSED,
        "reason": "Ill",
        "by": by,
    }
    kwargs.update(overrides)
    return adjustment_record(**kwargs)


def test_only_instructors_override_and_only_staff_adjust(scenario, instructor, grader_user, other_student):
    with pytest.raises(PermissionDeniedError, match="instructors override"):
        record(scenario, grader_user, kind=AdjustmentKind.OVERRIDE, points=Decimal("3"))
    with pytest.raises(PermissionDeniedError):
        record(scenario, other_student)
    by_grader = record(scenario, grader_user, kind=AdjustmentKind.EXTENSION, extension_days=1)
    override = record(scenario, instructor, kind=AdjustmentKind.OVERRIDE, points=Decimal("3"))
    with pytest.raises(PermissionDeniedError):
        adjustment_withdraw(adjustment=override, by=grader_user)
    adjustment_withdraw(adjustment=by_grader, by=grader_user)
    assert Adjustment.objects.get(pk=by_grader.pk).withdrawn_by == grader_user


def test_adjustments_are_checked(scenario, instructor, other_course_instructor):
    with pytest.raises(PlatformError, match="No such column"):
        record(scenario, instructor, column_key="assignment:999999")
    with pytest.raises(PlatformError, match="reason"):
        record(scenario, instructor, reason="   ")
    with pytest.raises(PlatformError, match="needs the points"):
        record(scenario, instructor, kind=AdjustmentKind.OVERRIDE)
    with pytest.raises(PlatformError, match="cannot be negative"):
        record(scenario, instructor, kind=AdjustmentKind.OVERRIDE, points=Decimal("-1"))
    with pytest.raises(PlatformError, match="1 to 365"):
        record(scenario, instructor, kind=AdjustmentKind.EXTENSION, extension_days=0)
    with pytest.raises(PlatformError, match="homework assignments only"):
        record(
            scenario,
            instructor,
            kind=AdjustmentKind.EXTENSION,
            extension_days=2,
            column_key=f"quiz:{scenario.game.pk}",
        )
    with pytest.raises(PlatformError, match="not a student"):
        record(scenario, instructor, student=instructor)
    with pytest.raises(PermissionDeniedError):
        record(scenario, other_course_instructor)
    assert not Adjustment.objects.exists()


def test_weights_are_checked(scenario, instructor, grader_user):
    course = scenario.game.course
    with pytest.raises(PermissionDeniedError):
        weights_set(
            course=course, by=grader_user, quiz=Decimal(1), assignment=Decimal(1), milestone=Decimal(1)
        )
    with pytest.raises(PlatformError, match="above 0"):
        weights_set(
            course=course, by=instructor, quiz=Decimal(0), assignment=Decimal(0), milestone=Decimal(0)
        )
    with pytest.raises(PlatformError, match="between 0 and 1000"):
        weights_set(
            course=course, by=instructor, quiz=Decimal(-1), assignment=Decimal(1), milestone=Decimal(1)
        )
    weights_set(course=course, by=instructor, quiz=Decimal(1), assignment=Decimal(2), milestone=Decimal(1))
    weights_set(course=course, by=instructor, quiz=Decimal(1), assignment=Decimal(3), milestone=Decimal(1))
    assert GradebookWeights.objects.get().assignment_weight == 3


def test_demo_seed_sets_weights_and_one_adjustment_of_each_kind_once(
    scenario, instructor, student, other_student
):
    course = scenario.game.course
    out = io.StringIO()
    demo_seed(course=course, stdout=out)
    demo_seed(course=course, stdout=out)
    assert sorted(Adjustment.objects.values_list("kind", flat=True)) == ["excused", "extension", "override"]
    weights = GradebookWeights.objects.get(course=course)
    assert (weights.quiz_weight, weights.assignment_weight, weights.milestone_weight) == (20, 50, 30)
    assert "3 new demo adjustment(s)" in out.getvalue() and "0 new demo adjustment(s)" in out.getvalue()
    rows = gradebook_for_course(course=course).rows
    assert any(cell.excused for row in rows for cell in row.cells)
    assert any(cell.overridden for row in rows for cell in row.cells)
    # The course's rules: homework handed in for the signature, the milestone on time for the offered grade.
    conditions = sorted(GradeCondition.objects.values_list("purpose", "requirement"))
    assert conditions == [("offered", "handed_in"), ("signature", "handed_in"), ("signature", "handed_in")]
    assert GradingScheme.objects.get(course=course).mark3_percent == 55


def test_demo_data_runs_the_gradebook_seeder_last():
    from core.management.commands.demo_data import DEMO_SEEDERS

    assert DEMO_SEEDERS[-1] == "gradebook.demo"


def test_home_page_links_staff_to_the_gradebook_and_students_to_their_grades(
    client, scenario, instructor, student
):
    client.force_login(instructor)
    assert reverse("gradebook:course", args=["VITMMA19"]) in client.get("/").content.decode()
    client.force_login(student)
    html = client.get("/").content.decode()
    assert reverse("gradebook:my_grades", args=["VITMMA19"]) in html
    assert f'href="{reverse("gradebook:course", args=["VITMMA19"])}"' not in html
