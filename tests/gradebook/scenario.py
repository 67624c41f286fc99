"""A small course with one of everything: a finished game, a revealed and an unrevealed assignment,
a graded milestone; ABC123 and XYZ789 in one team."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from grader.models import Assignment, Submission, SubmissionStatus
from projects.models import (
    CriterionScore,
    Milestone,
    MilestoneGrade,
    MilestoneGradeMember,
    MilestoneSubmission,
    Project,
    RubricCriterion,
    TeamMembership,
)
from quizzes.game import Phase
from quizzes.models import Game, Player, Question, Quiz


@dataclass
class Scenario:
    game: Game
    homework: Assignment  # revealed: deadline and cut-off passed
    upcoming: Assignment  # not revealed yet
    milestone: Milestone
    on_time: Submission
    late: Submission  # the one that counts (best public score)
    project: Project


def submission_make(
    assignment, user, *, score: float, received_at, status=SubmissionStatus.SCORED
) -> Submission:
    return Submission.objects.create(
        assignment=assignment,
        user=user,
        kind="predictions",
        file="grader/submissions/x.csv",
        original_name="predictions.csv",
        sha256="0" * 64,
        status=status,
        verdict="scored" if status == SubmissionStatus.SCORED else "runtime_error",
        score=score if status == SubmissionStatus.SCORED else None,
        score_public=score if status == SubmissionStatus.SCORED else None,
        score_private=score if status == SubmissionStatus.SCORED else None,
        received_at=received_at,
    )


def assignment_make(course, *, title: str, deadline, **extra) -> Assignment:
    return Assignment.objects.create(
        course=course,
        title=title,
        task_key="fever-regression",
        kinds=["predictions"],
        metric="mae",
        higher_is_better=False,
        points=Decimal("10"),
        score_full_points=0.1,  # MAE 0.1: full points; 1.1: zero; linear between
        score_zero_points=1.1,
        opens_at=deadline - timedelta(days=14),
        deadline=deadline,
        late_penalty_percent_per_day=10.0,
        **extra,
    )


def scenario_build(*, course, student, other_student, instructor) -> Scenario:
    now = timezone.now()
    quiz = Quiz.objects.create(title="Convolutions", course=course, owner=instructor)
    questions = [
        Question.objects.create(quiz=quiz, position=i, kind="single", text=f"Q{i}", points=1000)
        for i in range(2)
    ]
    poll = Question.objects.create(quiz=quiz, position=2, kind="poll", text="How was it?", points=0)
    game = Game.objects.create(
        quiz=quiz,
        course=course,
        host=instructor,
        pin="123456",
        key="gradebook-test-game",
        phase=Phase.FINISHED,
        graded=True,
        question_ids=[q.pk for q in questions] + [poll.pk],
        finished_at=now - timedelta(days=3),
    )
    Game.objects.create(  # still in the lobby: not a column
        quiz=quiz, course=course, host=instructor, pin="654321", key="gradebook-test-lobby", question_ids=[]
    )
    for user, score in ((student, 1500), (other_student, 500)):
        Player.objects.create(
            game=game,
            neptun_code=user.neptun_code,
            user=user,
            seat_token=f"t-{user.pk}",
            score=score,
            joined_at=now,
        )

    deadline = now - timedelta(days=5)
    homework = assignment_make(course, title="CNN on digits", deadline=deadline)
    # MAE 0.6 on time: half the points, 5.00. MAE 0.2 thirty hours late: 9.00 before, 2 days × 10 %: 7.20.
    on_time = submission_make(homework, student, score=0.6, received_at=deadline - timedelta(hours=2))
    late = submission_make(homework, student, score=0.2, received_at=deadline + timedelta(hours=30))
    submission_make(homework, student, score=0.0, received_at=deadline + timedelta(hours=40), status="failed")
    upcoming = assignment_make(course, title="LSTM forecast", deadline=now + timedelta(days=7))
    submission_make(upcoming, student, score=0.1, received_at=now - timedelta(hours=1))

    milestone = Milestone.objects.create(
        course=course, order=1, title="Data", deadline=now - timedelta(days=10)
    )
    criterion = RubricCriterion.objects.create(
        milestone=milestone, name="Data pipeline", max_points=Decimal("20.0")
    )
    project = Project.objects.create(course=course, title="Bird songs")
    for member in (student, other_student):
        TeamMembership.objects.create(project=project, student=member)
    hand_in = MilestoneSubmission.objects.create(
        project=project, milestone=milestone, repository_url="https://example.org/birds", submitted_at=now
    )
    grade = MilestoneGrade.objects.create(
        project=project,
        milestone=milestone,
        submission=hand_in,
        points=Decimal("15.0"),
        graded_by=instructor,
        graded_at=now,
        comment="Good split.",
    )
    CriterionScore.objects.create(grade=grade, criterion=criterion, points=Decimal("15.0"))
    for member in (student, other_student):  # credited: the members at grading, as the service does
        MilestoneGradeMember.objects.create(grade=grade, student=member)
    return Scenario(game, homework, upcoming, milestone, on_time, late, project)
