"""The dashboards' reads: a student's own rows only, scores withheld until the reveal, course activity."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.services import enrollment_set
from dashboards.selectors import (
    assignment_activity,
    course_dashboard,
    game_activity,
    student_deadlines,
    student_quiz_results,
    student_standings,
    student_submissions,
)
from grader.models import Submission, SubmissionStatus
from projects.services import milestone_defaults_create, project_register, team_invitation_answer
from quizzes.models import Player
from tests.dashboards.conftest import assignment_row, finished_game, submission_row
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_deadlines_list_future_assignments_and_milestones_of_own_courses_soonest_first(
    course, student, other_student
):
    soon = assignment_row(course, title="CNN homework", deadline=timezone.now() + timedelta(days=1))
    later = assignment_row(course, title="LSTM homework", deadline=timezone.now() + timedelta(days=30))
    assignment_row(course, title="Past homework", deadline=timezone.now() - timedelta(days=1))
    elsewhere = CourseFactory(code="OTHER1")
    assignment_row(elsewhere, title="Someone else's course")
    milestones = milestone_defaults_create(course=course, start=timezone.now() - timedelta(weeks=1))
    submission_row(soon, student, score=1.0)
    submission_row(later, other_student, score=1.0)

    deadlines = student_deadlines(user=student)

    titles = [d.title for d in deadlines]
    assert titles[:2] == ["CNN homework", milestones[0].title]
    assert (
        "LSTM homework" in titles and "Past homework" not in titles and "Someone else's course" not in titles
    )
    assert [d.due for d in deadlines] == sorted(d.due for d in deadlines)
    by_title = {d.title: d for d in deadlines}
    assert by_title["CNN homework"].handed_in is True
    assert by_title["LSTM homework"].handed_in is False  # only the other student handed in
    assert by_title[milestones[0].title].kind == "milestone" and not by_title[milestones[0].title].handed_in


def test_milestone_counts_as_handed_in_once_the_team_submitted(course, student, other_student):
    from projects.services import milestone_submit

    first = milestone_defaults_create(course=course, start=timezone.now() - timedelta(weeks=1))[0]
    project = project_register(
        course=course, registered_by=student, title="Birdsong", member_codes=["XYZ789"]
    )
    team_invitation_answer(invitation=project.invitations.get(), by=other_student, accept=True)
    milestone_submit(
        project=project,
        milestone=first,
        submitted_by=other_student,
        in_english=True,
        repository_url="https://github.com/birds/songs",
    )
    handed = {d.title: d.handed_in for d in student_deadlines(user=student)}
    assert handed[first.title] is True


def test_submissions_are_the_students_own_and_hide_the_full_score_until_the_reveal(
    course, student, other_student
):
    assignment = assignment_row(course, title="Fever")
    mine = submission_row(assignment, student, score=0.42, original_name="mine.csv")
    submission_row(assignment, other_student, score=0.1, original_name="theirs.csv")
    submission_row(assignment, student, status=SubmissionStatus.QUEUED, ago=timedelta(minutes=1))

    lines = student_submissions(user=student)

    assert [line.file_name for line in lines][1:] == ["mine.csv"]
    assert lines[0].status == SubmissionStatus.QUEUED and lines[0].score_public is None
    scored = lines[1]
    assert scored.id == mine.pk and scored.score_public == pytest.approx(0.42)
    assert scored.score is None and scored.points is None  # before the deadline

    assignment.deadline = timezone.now() - timedelta(minutes=1)
    assignment.save()
    scored = student_submissions(user=student)[1]
    assert scored.score == pytest.approx(0.42) and scored.points == 5


def test_standings_give_the_students_rank_and_the_final_rank_only_after_the_reveal(
    course, student, other_student
):
    assignment = assignment_row(course, title="Fever", higher_is_better=False)
    submission_row(assignment, student, score=0.5)
    submission_row(assignment, other_student, score=0.3)
    third = UserFactory(username="QQQ111", neptun_code="QQQ111")
    enrollment_set(course=course, user=third, role=Role.STUDENT)
    submission_row(assignment, third, score=0.9)

    [standing] = student_standings(user=student)
    assert (standing.rank, standing.of, standing.score) == (2, 3, pytest.approx(0.5))
    assert standing.private_rank is None

    assignment.deadline = timezone.now() - timedelta(minutes=1)
    assignment.save()
    [standing] = student_standings(user=student)
    assert (standing.private_rank, standing.private_of) == (2, 3)
    assert student_standings(user=UserFactory(username="nobody")) == []


def test_quiz_results_are_the_students_seats_with_rank_and_correct_answers(
    course, student, other_student, instructor
):
    game = finished_game(
        course,
        instructor,
        answers={"ABC123": [True, False, True], "XYZ789": [True, True, True]},
        scores={"ABC123": 1800, "XYZ789": 2700},
    )
    [result] = student_quiz_results(user=student)
    assert result.game_id == game.pk
    assert (result.score, result.rank, result.players) == (1800, 2, 2)
    assert (result.correct, result.answered, result.questions) == (2, 3, 3)

    Player.objects.filter(game=game, neptun_code="ABC123").update(removed_at=timezone.now())
    [result] = student_quiz_results(user=student)
    assert result.rank is None and result.players == 1
    assert student_quiz_results(user=instructor) == []  # no Neptun code, no seats


def test_game_activity_shows_which_questions_were_hard_and_each_players_record(course, instructor):
    game = finished_game(
        course,
        instructor,
        answers={"AAA111": [True, False, None], "BBB222": [True, False, True], "CCC333": [True, True, False]},
        scores={"AAA111": 900, "BBB222": 1800, "CCC333": 1800},
    )
    activity = game_activity(game=game)
    assert [q.label for q in activity.questions] == ["Q1", "Q2", "Q3"]
    assert [q.share_correct for q in activity.questions] == [1.0, pytest.approx(1 / 3), 0.5]
    assert [q.answered for q in activity.questions] == [3, 3, 2]
    assert activity.questions[0].mean_response_s == pytest.approx(2.0)
    assert [(p.neptun_code, p.rank, p.correct, p.answered) for p in activity.players] == [
        ("BBB222", 1, 2, 3),
        ("CCC333", 1, 2, 3),
        ("AAA111", 3, 1, 2),
    ]


def test_assignment_activity_and_course_dashboard_hold_this_course_only(
    course, student, other_student, grader_user
):
    assignment = assignment_row(course, title="Fever")
    submission_row(assignment, student, score=0.5, ago=timedelta(hours=5))
    submission_row(assignment, student, score=0.4, ago=timedelta(hours=2))
    submission_row(assignment, other_student, status=SubmissionStatus.FAILED)
    waiting = submission_row(
        assignment, other_student, status=SubmissionStatus.QUEUED, ago=timedelta(minutes=3)
    )
    Submission.objects.filter(pk=waiting.pk).update(queued_at=timezone.now() - timedelta(minutes=3))
    elsewhere = CourseFactory(code="OTHER1")
    enrollment_set(course=elsewhere, user=grader_user, role=Role.GRADER)
    foreign = assignment_row(elsewhere, title="Other course's homework")
    submission_row(foreign, student, status=SubmissionStatus.QUEUED)

    activity = assignment_activity(assignment=assignment, viewer=grader_user)
    assert activity.scores == [pytest.approx(0.4)]  # the best (counting) submission of the one ranked student
    assert len(activity.submission_times) == 4 and activity.submission_times == sorted(
        activity.submission_times
    )
    assert (activity.students, activity.students_submitted) == (2, 2)
    assert (activity.scored, activity.failed, activity.waiting) == (2, 1, 1)

    dashboard = course_dashboard(course=course, viewer=grader_user)
    assert [a.assignment.title for a in dashboard.assignments] == ["Fever"]
    assert [row.submission.pk for row in dashboard.queue] == [waiting.pk]
