"""Every change to a grade is in the course's audit log: who, when, before and after."""

from decimal import Decimal

import pytest

from core.models import GradeAuditEntry
from gradebook.services import adjustment_record, adjustment_withdraw, weights_set
from grader.services import assignment_regrade
from projects.services import milestone_grade
from quizzes.models import Player
from quizzes.services import player_remove

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def test_an_override_and_its_withdrawal_are_logged_with_who_before_and_after(
    scenario, course, student, instructor
):
    adjustment = adjustment_record(
        course=course,
        student=student,
        column_key=f"assignment:{scenario.homework.pk}",
        kind="override",
        reason="appeal upheld",
        points=Decimal("9.5"),
        by=instructor,
    )
    adjustment_withdraw(adjustment=adjustment, by=instructor)
    adjustment_withdraw(adjustment=adjustment, by=instructor)  # twice: harmless, logged once
    recorded, withdrawn = GradeAuditEntry.objects.filter(course=course).order_by("pk")
    assert (recorded.action, recorded.by, recorded.student) == ("adjustment", instructor, student)
    assert recorded.before is None
    assert recorded.after == {
        "kind": "override",
        "points": "9.5",
        "extension_days": None,
        "reason": "appeal upheld",
    }
    assert "CNN on digits" in recorded.subject
    assert (withdrawn.action, withdrawn.before, withdrawn.after) == (
        "adjustment_withdrawn",
        {"kind": "override", "points": "9.5"},
        None,
    )


def test_rubric_scores_log_the_points_before_and_after(scenario, instructor):
    criterion = scenario.milestone.criteria.get()
    milestone_grade(
        project=scenario.project, milestone=scenario.milestone, grader=instructor, scores={criterion.pk: "18"}
    )
    entry = GradeAuditEntry.objects.get(action="rubric_score")
    assert entry.before == {"points": "15.0"}
    assert entry.after == {"points": "18.0", "scores": {str(criterion.pk): "18.0"}}
    assert entry.by == instructor and entry.subject == "Bird songs: Data"


def test_removing_a_quiz_player_logs_their_score_and_the_reason(scenario, student, instructor):
    player = Player.objects.get(game=scenario.game, user=student)
    player_remove(game=scenario.game, player_id=player.pk, by=instructor, reason="answered from home")
    entry = GradeAuditEntry.objects.get(action="player_removed")
    assert entry.student == student and entry.by == instructor
    assert entry.before == {"neptun_code": "ABC123", "score": 1500}
    assert entry.after == {"removed": True, "reason": "answered from home"}


def test_weights_and_regrades_are_logged(scenario, course, instructor):
    weights_set(course=course, by=instructor, quiz=Decimal(1), assignment=Decimal(2), milestone=Decimal(3))
    entry = GradeAuditEntry.objects.get(action="weights")
    assert entry.before == ["10.00", "60.00", "30.00"] and entry.after == ["1", "2", "3"]
    assignment_regrade(assignment=scenario.homework, by=instructor)
    regrade = GradeAuditEntry.objects.get(action="regrade")
    assert regrade.subject == "CNN on digits" and len(regrade.before) == 3


def test_a_refused_change_leaves_no_audit_entry(scenario, course, student, grader_user):
    with pytest.raises(Exception):  # noqa: B017 (PermissionDeniedError; the point is the empty log)
        adjustment_record(
            course=course,
            student=student,
            column_key=f"assignment:{scenario.homework.pk}",
            kind="override",
            reason="x",
            points=Decimal(1),
            by=grader_user,
        )
    assert not GradeAuditEntry.objects.exists()


def test_no_group_may_change_or_delete_audit_entries_or_term_records(db):
    from django.contrib import admin
    from django.contrib.auth.models import Group

    from accounts.roles import groups_sync
    from lifecycle.models import CourseTerm, TermEvent

    groups_sync()
    for group in Group.objects.all():
        labels = set(group.permissions.values_list("content_type__app_label", flat=True))
        assert not labels & {"core", "lifecycle"}, group.name
    for model in (GradeAuditEntry, CourseTerm, TermEvent):
        assert not admin.site.is_registered(model)  # only the services write them
