"""The factories make rows as the services would leave them, so tests built on them test real shapes."""

from datetime import timedelta
from decimal import Decimal

import pytest

from grader.models import Grading, SubmissionStatus
from grader.selectors import leaderboard_for_assignment
from tests.factories import (
    AnswerFactory,
    AssignmentFactory,
    GameFactory,
    MilestoneGradeFactory,
    PlayerFactory,
    QuestionFactory,
    QuizFactory,
    SubmissionFactory,
    TeamMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_an_assignment_comes_with_its_scored_reference_and_no_file_stored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assignment = AssignmentFactory()
    reference = assignment.submissions.get()
    assert reference.is_reference and reference.user is None
    assert (reference.status, reference.score, reference.points) == (
        SubmissionStatus.SCORED,
        0.1,
        Decimal("10"),
    )
    assert not any(tmp_path.iterdir())
    assert AssignmentFactory(reference=False).submissions.count() == 0


def test_a_submission_gets_points_and_late_days_by_the_graders_rules():
    assignment = AssignmentFactory()
    on_time = SubmissionFactory(assignment=assignment, score=0.6)  # halfway from 1.1 to 0.1: 5 points
    late = SubmissionFactory(
        assignment=assignment, score=0.6, received_at=assignment.deadline + timedelta(hours=30)
    )
    assert (on_time.late_days, on_time.points) == (0, Decimal("5.00"))
    assert (late.late_days, late.points) == (2, Decimal("4.00"))  # two started days at 10 % each
    assert Grading.objects.filter(submission=on_time, generation=1, verdict="scored", score=0.6).exists()


def test_failed_and_queued_submissions_have_no_score_and_do_not_rank():
    assignment = AssignmentFactory()
    failed = SubmissionFactory(assignment=assignment, failed=True)
    queued = SubmissionFactory(assignment=assignment, queued=True)
    assert (failed.status, failed.score, failed.points, failed.verdict) == (
        "failed",
        None,
        None,
        "runtime_error",
    )
    assert (queued.status, queued.started_at, queued.attempts) == ("queued", None, 0)
    assert not queued.gradings.exists() and failed.gradings.count() == 1
    viewer = UserFactory(is_superuser=True)
    assert leaderboard_for_assignment(assignment=assignment, viewer=viewer).rows == []


def test_a_game_holds_its_quizs_questions_and_answers_point_at_them():
    quiz = QuizFactory()
    first, second = QuestionFactory(quiz=quiz), QuestionFactory(quiz=quiz)
    game = GameFactory(quiz=quiz, finished=True)
    assert game.question_ids == [first.pk, second.pk]
    assert (game.phase, game.graded, game.host, game.course) == ("finished", True, quiz.owner, quiz.course)
    player = PlayerFactory(game=game)
    answer = AnswerFactory(player=player, question_index=1)
    assert (answer.game, answer.question, player.neptun_code) == (game, second, player.user.neptun_code)


def test_a_milestone_grade_belongs_to_its_teams_project_and_course():
    membership = TeamMembershipFactory()
    grade = MilestoneGradeFactory(submission__project=membership.project)
    assert grade.project == membership.project and grade.milestone.course == membership.course
    assert grade.submission.milestone == grade.milestone
