"""Build a course's gradebook sources in bulk (bulk_create): students, finished games with players,
assignments with scored submissions, milestones with team grades. Used by the query-count test and by
benchmarks/bench_gradebook.py."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Course, Enrollment, Role, User
from grader.models import Assignment, Submission, SubmissionKind, SubmissionStatus
from projects.models import (
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
class Built:
    students: list[User]
    games: list[Game]
    assignments: list[Assignment]
    milestones: list[Milestone]
    projects: list[Project]


def neptun_for(index: int, prefix: str = "G") -> str:
    return f"{prefix}{index:05d}"[:6].upper()


def students_build(*, course: Course, count: int, prefix: str = "G", start: int = 0) -> list[User]:
    users = User.objects.bulk_create(
        [
            User(
                username=neptun_for(i, prefix),
                neptun_code=neptun_for(i, prefix),
                full_name=f"Student {i:04d}",
                password="!",  # unusable
            )
            for i in range(start, start + count)
        ]
    )
    Enrollment.objects.bulk_create([Enrollment(course=course, user=u, role=Role.STUDENT) for u in users])
    return users


def games_build(
    *, course: Course, host: User, students: list[User], count: int, rng: random.Random, questions: int = 5
) -> list[Game]:
    if not count:
        return []
    quiz = Quiz.objects.create(title="Convolutions", course=course, owner=host)
    made = Question.objects.bulk_create(
        [
            Question(
                quiz=quiz, position=i, kind="single", text=f"Q{i}", choices=[{"text": "a", "correct": True}]
            )
            for i in range(questions)
        ]
    )
    ids = [q.pk for q in made]
    now = timezone.now()
    games = Game.objects.bulk_create(
        [
            Game(
                quiz=quiz,
                course=course,
                host=host,
                pin=f"{i:06d}",
                key=f"bench-{course.pk}-{i}-{rng.random()}"[:32],
                phase=Phase.FINISHED,
                graded=True,
                question_ids=ids,
                finished_at=now - timedelta(days=count - i),
            )
            for i in range(count)
        ]
    )
    players = [
        Player(
            game=game,
            neptun_code=s.neptun_code,
            user=s,
            seat_token=f"{game.pk}-{s.pk}",
            score=rng.randint(0, 1000 * questions),
            joined_at=now,
        )
        for game in games
        for s in students
        if rng.random() < 0.9
    ]
    Player.objects.bulk_create(players, batch_size=2000)
    return games


def assignments_build(
    *, course: Course, students: list[User], count: int, rng: random.Random, now: datetime | None = None
) -> list[Assignment]:
    now = now or timezone.now()
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(
                course=course,
                title=f"Homework {i + 1}",
                task_key="fever-regression",
                kinds=["predictions"],
                metric="mae",
                higher_is_better=False,
                points=Decimal("10"),
                score_full_points=0.1,
                score_zero_points=1.1,
                opens_at=now - timedelta(days=60),
                deadline=now - timedelta(days=30 - i),
                late_penalty_percent_per_day=10.0,
            )
            for i in range(count)
        ]
    )
    submissions = []
    for assignment in assignments:
        for student in students:
            for _attempt in range(rng.choice((0, 1, 1, 2))):
                late = rng.random() < 0.2
                received = assignment.deadline + (
                    timedelta(hours=30) if late else -timedelta(hours=rng.randint(1, 48))
                )
                score = round(rng.uniform(0.1, 1.1), 4)
                submissions.append(
                    Submission(
                        assignment=assignment,
                        user=student,
                        kind=SubmissionKind.PREDICTIONS,
                        file="grader/submissions/bench.csv",
                        original_name="predictions.csv",
                        sha256="0" * 64,
                        status=SubmissionStatus.SCORED,
                        verdict="scored",
                        score=score,
                        score_public=score,
                        score_private=score,
                        received_at=received,
                        scored_at=received,
                    )
                )
    Submission.objects.bulk_create(submissions, batch_size=2000)
    return assignments


def milestones_build(
    *, course: Course, students: list[User], count: int, rng: random.Random, grader: User, team_size: int = 4
) -> tuple[list[Milestone], list[Project]]:
    if not count:
        return [], []
    now = timezone.now()
    milestones = Milestone.objects.bulk_create(
        [
            Milestone(
                course=course, order=i + 1, title=f"Milestone {i + 1}", deadline=now - timedelta(days=20 - i)
            )
            for i in range(count)
        ]
    )
    RubricCriterion.objects.bulk_create(
        [RubricCriterion(milestone=m, name="Work", max_points=Decimal("20.0")) for m in milestones]
    )
    teams = [students[i : i + team_size] for i in range(0, len(students), team_size)]
    projects = Project.objects.bulk_create(
        [Project(course=course, title=f"Team {i + 1}") for i in range(len(teams))]
    )
    TeamMembership.objects.bulk_create(
        [
            TeamMembership(project=project, course=course, student=member)
            for project, team in zip(projects, teams, strict=True)
            for member in team
        ]
    )
    hand_ins = MilestoneSubmission.objects.bulk_create(
        [
            MilestoneSubmission(
                project=p, milestone=m, repository_url="https://example.org/r", submitted_at=m.deadline
            )
            for p in projects
            for m in milestones
        ],
        batch_size=2000,
    )
    grades = MilestoneGrade.objects.bulk_create(
        [
            MilestoneGrade(
                project=h.project,
                milestone=h.milestone,
                submission=h,
                points=Decimal(rng.randint(0, 40)) / 2,
                graded_by=grader,
                graded_at=now,
            )
            for h in hand_ins
            if rng.random() < 0.9
        ],
        batch_size=2000,
    )
    team_of = {project.pk: team for project, team in zip(projects, teams, strict=True)}
    MilestoneGradeMember.objects.bulk_create(  # credited: the members at grading, as the service does
        [MilestoneGradeMember(grade=g, student=m) for g in grades for m in team_of[g.project_id]],
        batch_size=2000,
    )
    return milestones, projects


def gradebook_build(
    *,
    course: Course,
    host: User,
    students: int = 400,
    games: int = 10,
    assignments: int = 10,
    milestones: int = 10,
    seed: int = 1,
    prefix: str = "G",
) -> Built:
    rng = random.Random(seed)
    people = students_build(course=course, count=students, prefix=prefix)
    built_games = games_build(course=course, host=host, students=people, count=games, rng=rng)
    built_assignments = assignments_build(course=course, students=people, count=assignments, rng=rng)
    built_milestones, projects = milestones_build(
        course=course, students=people, count=milestones, rng=rng, grader=host
    )
    return Built(people, built_games, built_assignments, built_milestones, projects)
