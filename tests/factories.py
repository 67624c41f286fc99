"""factory_boy factories for the models the tests need: domain rows made directly, nothing trained, stored
or graded. Tests of the pipeline itself (upload, sandbox, worker, scoring) go through the services instead."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from accounts.models import Course, Enrollment, Role, User
from grader.models import Assignment, Grading, Submission, SubmissionStatus
from grader.services import late_days_for, points_for
from projects.models import Milestone, MilestoneGrade, MilestoneSubmission, Project, TeamMembership
from quizzes.game import Phase
from quizzes.models import Answer, Game, Player, Question, QuestionKind, Quiz


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username.lower()}@example.edu")
    full_name = factory.Faker("name")
    password = factory.django.Password("correct-horse-battery")


class StudentFactory(UserFactory):
    neptun_code = factory.Sequence(lambda n: f"S{n:05d}"[:6])
    username = factory.LazyAttribute(lambda u: u.neptun_code)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"VITMMA{19 + n}")
    title = "Deep Learning in practice"
    term = "2026/27/1"


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    course = factory.SubFactory(CourseFactory)
    user = factory.SubFactory(StudentFactory)
    role = Role.STUDENT


# --- quizzes: a quiz, its questions, a game, its players and their answers ----------------------------------


class QuizFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quiz

    title = factory.Sequence(lambda n: f"Convolutions {n}")
    course = factory.SubFactory(CourseFactory)
    owner = factory.SubFactory(UserFactory, is_staff=True)


class QuestionFactory(factory.django.DjangoModelFactory):
    """A single-choice question (the first option is correct) unless told otherwise."""

    class Meta:
        model = Question

    quiz = factory.SubFactory(QuizFactory)
    position = factory.Sequence(lambda n: n)
    kind = QuestionKind.SINGLE
    text = factory.Sequence(lambda n: f"Question {n}?")
    choices = factory.LazyFunction(
        lambda: [{"text": "Yes", "correct": True}, {"text": "No", "correct": False}]
    )


class GameFactory(factory.django.DjangoModelFactory):
    """A game of the quiz, in the lobby, with the quiz's questions as they are when it is made."""

    class Meta:
        model = Game

    quiz = factory.SubFactory(QuizFactory)
    course = factory.SelfAttribute("quiz.course")
    host = factory.SelfAttribute("quiz.owner")
    pin = factory.Sequence(lambda n: f"{100000 + n % 900000}")
    key = factory.Sequence(lambda n: f"factory-game-{n}")
    question_ids = factory.LazyAttribute(
        lambda g: list(g.quiz.questions.order_by("position").values_list("pk", flat=True))
    )

    class Params:
        # A finished graded game: a column of the course's gradebook.
        finished = factory.Trait(
            phase=Phase.FINISHED,
            graded=True,
            started_at=factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1)),
            finished_at=factory.LazyFunction(timezone.now),
        )


class PlayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Player

    game = factory.SubFactory(GameFactory)
    user = factory.SubFactory(StudentFactory)
    neptun_code = factory.LazyAttribute(lambda p: p.user.neptun_code if p.user else "GUEST1")
    seat_token = factory.Sequence(lambda n: f"factory-seat-{n}")
    joined_at = factory.LazyFunction(timezone.now)


class AnswerFactory(factory.django.DjangoModelFactory):
    """A correct answer of the player to the game's question at ``question_index`` (its first by default)."""

    class Meta:
        model = Answer

    player = factory.SubFactory(PlayerFactory)
    game = factory.SelfAttribute("player.game")
    question_index = 0
    question = factory.LazyAttribute(lambda a: Question.objects.get(pk=a.game.question_ids[a.question_index]))
    picks = "0"
    correct = True
    points = 900
    response_ms = 2000
    created_at = factory.LazyFunction(timezone.now)


# --- grader: assignments with a scored reference (no training) and graded submissions -----------------------


class AssignmentFactory(factory.django.DjangoModelFactory):
    """An open assignment on fever-regression (MAE, lower is better) whose reference solution is already
    scored: a reference Submission row with ``baseline_score``, as ``assignment_create`` and a worker leave
    it, without training or grading anything. ``reference=False`` leaves the reference row out (then set
    ``baseline_score=None`` too for an assignment still waiting for its baseline).

    Points: the baseline's MAE earns all of them, ``score_zero_points`` none, linear between."""

    class Meta:
        model = Assignment
        skip_postgeneration_save = True

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Homework {n}")
    task_key = "fever-regression"
    kinds = factory.LazyFunction(lambda: ["predictions"])
    metric = "mae"
    higher_is_better = False
    points = Decimal("10")
    score_zero_points = 1.1
    baseline_score = 0.1
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    daily_limit = 50
    wall_seconds = 60
    memory_mb = 2048

    @factory.post_generation
    def reference(obj: Assignment, create: bool, extracted: object, **kwargs: Any) -> None:
        if not create or extracted is False or obj.baseline_score is None:
            return
        SubmissionFactory(
            assignment=obj,
            user=None,
            is_reference=True,
            score=obj.baseline_score,
            received_at=obj.opens_at,
            **kwargs,
        )


DONE = (SubmissionStatus.SCORED, SubmissionStatus.FAILED)  # a worker left it graded


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A predictions submission graded as a worker leaves it: SCORED with ``score`` (public and private the
    same unless given), its late days and points by the grader's own rules, and its Grading row. The trait
    ``failed=True`` gives a FAILED run (runtime error, no score), ``queued=True`` one waiting for a worker.
    Its file is a name only: nothing is stored."""

    class Meta:
        model = Submission
        skip_postgeneration_save = True

    assignment = factory.SubFactory(AssignmentFactory)
    user = factory.SubFactory(StudentFactory)
    is_reference = False
    kind = "predictions"
    file = "grader/submissions/factory/predictions.csv"
    original_name = "predictions.csv"
    size = 1024
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    status = SubmissionStatus.SCORED
    verdict = factory.LazyAttribute(lambda s: "scored" if s.status == SubmissionStatus.SCORED else "")
    score = 0.5
    score_public = factory.SelfAttribute("score")
    score_private = factory.SelfAttribute("score")
    received_at = factory.LazyFunction(timezone.now)
    late_days = factory.LazyAttribute(
        lambda s: 0 if s.is_reference else late_days_for(assignment=s.assignment, received_at=s.received_at)
    )
    points = factory.LazyAttribute(
        lambda s: (
            points_for(assignment=s.assignment, score=s.score, late_days=s.late_days)
            if s.status == SubmissionStatus.SCORED
            else None
        )
    )
    attempts = factory.LazyAttribute(lambda s: 1 if s.status in DONE else 0)
    worker = factory.LazyAttribute(lambda s: "factory@test" if s.status in DONE else "")
    queued_at = factory.SelfAttribute("received_at")
    started_at = factory.LazyAttribute(lambda s: s.received_at if s.status in DONE else None)
    finished_at = factory.SelfAttribute("started_at")
    scored_at = factory.SelfAttribute("started_at")

    class Params:
        failed = factory.Trait(
            status=SubmissionStatus.FAILED,
            verdict="runtime_error",
            verdict_detail="Exited with status 1.",
            score=None,
        )
        queued = factory.Trait(status=SubmissionStatus.QUEUED, verdict="", score=None)

    @factory.post_generation
    def grading(obj: Submission, create: bool, extracted: object, **kwargs: Any) -> None:
        if create and obj.status in DONE:
            Grading.objects.create(
                submission=obj,
                generation=obj.generation,
                attempt=obj.attempts,
                verdict=obj.verdict,
                score=obj.score,
                worker=obj.worker,
            )


# --- projects: a team project, its members, milestones and their grades -------------------------------------


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Bird songs {n}")


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamMembership

    project = factory.SubFactory(ProjectFactory)
    course = factory.SelfAttribute("project.course")
    student = factory.SubFactory(StudentFactory)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    course = factory.SubFactory(CourseFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Milestone {n + 1}")
    deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class MilestoneSubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MilestoneSubmission

    project = factory.SubFactory(ProjectFactory)
    milestone = factory.SubFactory(MilestoneFactory, course=factory.SelfAttribute("..project.course"))
    repository_url = "https://example.org/team/repo"
    submitted_at = factory.LazyFunction(timezone.now)


class MilestoneGradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MilestoneGrade

    submission = factory.SubFactory(MilestoneSubmissionFactory)
    project = factory.SelfAttribute("submission.project")
    milestone = factory.SelfAttribute("submission.milestone")
    points = Decimal("15.0")
    graded_at = factory.LazyFunction(timezone.now)
