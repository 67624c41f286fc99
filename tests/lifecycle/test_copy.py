"""Next term from this one: what is copied, dates shifted, and nothing personal."""

from datetime import timedelta

import pytest
from django.core.management import call_command

from accounts.models import Course, Enrollment, Role
from core.errors import PermissionDeniedError, PlatformError
from gradebook.models import Adjustment, GradebookWeights
from grader.models import Assignment, Submission
from lifecycle.registry import term_providers
from lifecycle.services import course_copy
from projects.models import Milestone, MilestoneGrade, Project, RubricCriterion
from quizzes.models import Game, Player, Question, Quiz

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def test_every_app_that_owns_term_content_registers_a_copy_provider():
    assert {p.name for p in term_providers() if p.copy} >= {"quizzes", "grader", "projects", "gradebook"}


def test_copy_brings_quizzes_assignments_milestones_rubrics_and_weights_with_dates_shifted(
    scenario, course, instructor
):
    plan = course_copy(source=course, code="VITMMA19-27", term="2027/28/1", offset_days=364, by=instructor)
    new = Course.objects.get(code="VITMMA19-27")
    assert plan.target == new and new.term == "2027/28/1" and new.title == course.title

    old_quiz = Quiz.objects.get(course=course)
    new_quiz = Quiz.objects.get(course=new)
    assert new_quiz.title == old_quiz.title
    assert list(new_quiz.questions.values_list("kind", "text", "points")) == list(
        old_quiz.questions.values_list("kind", "text", "points")
    )

    shift = timedelta(days=364)
    for old in Assignment.objects.filter(course=course):
        copy = Assignment.objects.get(course=new, title=old.title)
        assert copy.deadline == old.deadline + shift and copy.opens_at == old.opens_at + shift
        assert (
            copy.task_key,
            copy.metric,
            copy.points,
            copy.wall_seconds,
            copy.memory_mb,
            copy.daily_limit,
        ) == (
            old.task_key,
            old.metric,
            old.points,
            old.wall_seconds,
            old.memory_mb,
            old.daily_limit,
        )
    milestone = Milestone.objects.get(course=new)
    assert milestone.deadline == scenario.milestone.deadline + shift
    assert list(
        RubricCriterion.objects.filter(milestone=milestone).values_list("name", "max_points")
    ) == list(RubricCriterion.objects.filter(milestone=scenario.milestone).values_list("name", "max_points"))
    weights = GradebookWeights.objects.get(course=new)
    assert (weights.quiz_weight, weights.assignment_weight, weights.milestone_weight) == (10, 60, 30)
    assert any("Quiz “Convolutions” with 3 questions" in line for line in plan.lines)


def test_copy_takes_no_student_no_submission_no_game_and_no_grade(scenario, course, instructor):
    course_copy(source=course, code="NEXT", term="2027/28/1", offset_days=365, by=instructor)
    new = Course.objects.get(code="NEXT")
    assert list(Enrollment.objects.filter(course=new).values_list("user", "role")) == [
        (instructor.pk, Role.INSTRUCTOR)
    ]
    assert not Submission.objects.filter(assignment__course=new, is_reference=False).exists()
    assert not Game.objects.filter(course=new).exists()
    assert not Player.objects.filter(game__course=new).exists()
    assert not Project.objects.filter(course=new).exists()
    assert not MilestoneGrade.objects.filter(milestone__course=new).exists()
    assert not Adjustment.objects.filter(course=new).exists()
    # The source is untouched.
    assert Question.objects.filter(quiz__course=course).count() == 3
    assert Submission.objects.filter(assignment__course=course).count() == 4


def test_dry_run_lists_what_the_copy_would_make_and_makes_nothing(scenario, course, instructor):
    before = (
        Course.objects.count(),
        Quiz.objects.count(),
        Assignment.objects.count(),
        Milestone.objects.count(),
    )
    plan = course_copy(
        source=course, code="DRY", term="2027/28/1", offset_days=365, by=instructor, dry_run=True
    )
    assert plan.target is None and plan.dry_run
    assert any("Assignment “CNN on digits”" in line for line in plan.lines)
    assert any("Milestone 1." in line for line in plan.lines)
    after = (
        Course.objects.count(),
        Quiz.objects.count(),
        Assignment.objects.count(),
        Milestone.objects.count(),
    )
    assert after == before
    real = course_copy(source=course, code="DRY", term="2027/28/1", offset_days=365, by=instructor)
    assert real.lines == plan.lines  # the dry run is the same code, rolled back


def test_only_the_source_courses_instructors_copy_it(scenario, course, student, grader_user):
    for person in (student, grader_user):
        with pytest.raises(PermissionDeniedError):
            course_copy(source=course, code="NOPE", term="2027/28/1", offset_days=365, by=person)
    assert not Course.objects.filter(code="NOPE").exists()


@pytest.mark.parametrize(
    ("code", "term", "days"),
    [
        ("VITMMA19", "2027/28/1", 365),
        ("", "2027/28/1", 365),
        ("A/B", "2027/28/1", 365),
        ("NEW CODE", "2027/28/1", 365),
        ("X" * 41, "2027/28/1", 365),
        ("NEW", "", 365),
        ("NEW", "2027/28/1", 5000),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(scenario, course, instructor, code, term, days):
    count = Course.objects.count()
    with pytest.raises(PlatformError):
        course_copy(source=course, code=code, term=term, offset_days=days, by=instructor)
    assert Course.objects.count() == count


def test_course_copy_command_with_dry_run(scenario, course, capsys):
    call_command("course_copy", "VITMMA19", "CMD27", "--term", "2027/28/1", "--shift-days", "7", "--dry-run")
    out = capsys.readouterr().out
    assert "Would make" in out and "CNN on digits" in out
    assert not Course.objects.filter(code="CMD27").exists()
    call_command("course_copy", "VITMMA19", "CMD27", "--term", "2027/28/1", "--shift-days", "7")
    assert Assignment.objects.filter(course__code="CMD27").count() == 2
