"""The homework's gradebook columns (``core.gradebook_sources``): one column per assignment.

The grader's rules live here, not in the gradebook: the submission that counts is the leaderboard's
(best or last by public score, students only, never the reference), its points follow ``core.points``
(the gradebook applies the late penalty with the student's extension), and students see an
assignment's points only after its reveal. Codes HW1, HW2… follow the assignments' creation order, so
a new assignment never renumbers the earlier ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from accounts.models import Course, Enrollment, Role, User
from core.gradebook_sources import Attempt, Category, Cell, HistorySection, SourceCell, SourceColumn
from core.points import late_days, late_penalised, late_penalty_percent
from grader.models import Assignment, ManualGrade, Submission, SubmissionStatus
from grader.selectors import LeaderboardEntry, assignment_is_revealed, assignment_reveal_at, leaderboard_rank
from grader.services.points import score_fraction


@dataclass(frozen=True)
class SubmissionHistoryLine:
    """One of a student's submissions on their gradebook history, with the points it would earn."""

    submission: Submission
    counts: bool  # the submission that counts for the assignment
    late_days: int  # with the student's extension
    penalty_percent: float
    points: Decimal | None  # after the late penalty (None: not scored into points)


@dataclass
class AssignmentHistory:
    column: SourceColumn
    assignment: Assignment
    cell: Cell | None
    extension_days: int
    lines: list[SubmissionHistoryLine]


class AssignmentSource:
    name = "grader"
    order = 20

    def columns(self, *, course: Course, now: datetime) -> list[SourceColumn]:
        """The course's assignments in creation order (1 query)."""
        return [
            SourceColumn(
                key=f"assignment:{assignment.pk}",
                category=Category.ASSIGNMENT,
                code=f"HW{number}",
                title=assignment.title,
                max_points=assignment.points,
                deadline=assignment.deadline,
                late_penalty_percent_per_day=assignment.late_penalty_percent_per_day,
                revealed=assignment_is_revealed(assignment=assignment, now=now),
                reveal_at=assignment_reveal_at(assignment=assignment),
                cell_url_name="grader:submission",
                owner=assignment,
            )
            for number, assignment in enumerate(Assignment.objects.filter(course=course).order_by("pk"), 1)
        ]

    def cells(
        self,
        *,
        course: Course,
        columns: Sequence[SourceColumn],
        students: Sequence[User],
        only: User | None,
    ) -> Mapping[tuple[int, str], SourceCell]:
        """The submission that counts per student and assignment, with its score's share (1 query)."""
        by_assignment: dict[int, Assignment] = {c.object_id: c.owner for c in columns}
        submissions = Submission.objects.filter(
            assignment_id__in=list(by_assignment),
            is_reference=False,
            status=SubmissionStatus.SCORED,
            score_public__isnull=False,
        )
        if only is not None:
            submissions = submissions.filter(user=only)
        else:
            students_of_course = Enrollment.objects.filter(course=course, role=Role.STUDENT)
            submissions = submissions.filter(user__in=students_of_course.values("user_id"))
        entries: dict[int, list[LeaderboardEntry]] = defaultdict(list)
        full_scores: dict[int, float | None] = {}
        for pk, assignment_id, user_id, public, private, score, received_at in submissions.values_list(
            "pk", "assignment_id", "user_id", "score_public", "score_private", "score", "received_at"
        ):
            if public is None:  # excluded by the query; for the type checker
                continue
            entries[assignment_id].append(
                LeaderboardEntry(
                    submission_id=pk,
                    user_id=user_id,
                    code="",
                    score_public=public,
                    score_private=private,
                    received_at=received_at,
                )
            )
            full_scores[pk] = score
        cells: dict[tuple[int, str], SourceCell] = {}
        for assignment_id, items in entries.items():
            assignment = by_assignment[assignment_id]
            for ranked in leaderboard_rank(
                entries=items,
                higher_is_better=assignment.higher_is_better,
                rule=assignment.leaderboard_rule,
                private=False,
            ):
                entry = ranked.entry
                cells[(entry.user_id, f"assignment:{assignment_id}")] = SourceCell(
                    attempt=Attempt(
                        submission_id=entry.submission_id,
                        received_at=entry.received_at,
                        fraction=score_fraction(
                            assignment=assignment, score=full_scores[entry.submission_id]
                        ),
                    )
                )
        return cells

    def history(
        self,
        *,
        course: Course,
        student: User,
        columns: Sequence[SourceColumn],
        cells: Mapping[str, Cell],
        as_student: bool,
    ) -> HistorySection:
        """Every submission of the student (time, score, late days with the extension, penalty, points)."""
        by_assignment: dict[int, list[Submission]] = defaultdict(list)
        for submission in Submission.objects.filter(
            assignment_id__in=[c.object_id for c in columns], user=student, is_reference=False
        ).order_by("received_at", "pk"):
            by_assignment[submission.assignment_id].append(submission)
        assignments = []
        for column in columns:
            assignment: Assignment = column.owner
            cell = cells.get(column.key)
            extension = cell.extension_days if cell else 0
            lines = []
            for submission in by_assignment.get(column.object_id, []):
                days = late_days(
                    received_at=submission.received_at, deadline=assignment.deadline, extension_days=extension
                )
                fraction = (
                    score_fraction(assignment=assignment, score=submission.score)
                    if submission.status == SubmissionStatus.SCORED
                    else None
                )
                percent_per_day = assignment.late_penalty_percent_per_day
                lines.append(
                    SubmissionHistoryLine(
                        submission=submission,
                        counts=cell is not None and cell.submission_id == submission.pk,
                        late_days=days,
                        penalty_percent=late_penalty_percent(percent_per_day=percent_per_day, days=days),
                        points=None
                        if fraction is None
                        else late_penalised(
                            max_points=assignment.points,
                            fraction=fraction,
                            percent_per_day=percent_per_day,
                            days=days,
                        ),
                    )
                )
            assignments.append(
                AssignmentHistory(
                    column=column, assignment=assignment, cell=cell, extension_days=extension, lines=lines
                )
            )
        return HistorySection(
            title=str(_("Homework")),
            template="grader/gradebook_history.html",
            context={"assignments": assignments},
        )


SOURCE = AssignmentSource()


class RubricSource:
    """The manual rubric's points as a column of their own beside each assignment that has a rubric.

    Final points = automatic + rubric (``grader.rubric``): the gradebook adds the two columns up within the
    homework category. Codes follow the homework's: HW2's rubric is "HW2R". Students see the column once
    the assignment's grades are published.
    """

    name = "grader-rubric"
    order = 21

    def columns(self, *, course: Course, now: datetime) -> list[SourceColumn]:
        """The course's assignments with a rubric, in creation order (1 query)."""
        assignments = Assignment.objects.filter(course=course).annotate(
            rubric_max=Sum("rubric_items__max_points")
        )
        return [
            SourceColumn(
                key=f"rubric:{assignment.pk}",
                category=Category.ASSIGNMENT,
                code=f"HW{number}R",
                title=str(_("%(title)s: rubric") % {"title": assignment.title}),
                max_points=assignment.rubric_max,
                revealed=assignment.grades_published_at is not None,
                reveal_at=None,
                owner=assignment,
            )
            for number, assignment in enumerate(assignments.order_by("pk"), 1)
            if assignment.rubric_max
        ]

    def cells(
        self,
        *,
        course: Course,
        columns: Sequence[SourceColumn],
        students: Sequence[User],
        only: User | None,
    ) -> Mapping[tuple[int, str], SourceCell]:
        """The rubric grade per student and assignment (1 query); ungraded students are left out."""
        grades = ManualGrade.objects.filter(assignment_id__in=[c.object_id for c in columns])
        if only is not None:
            grades = grades.filter(student=only)
        return {
            (student_id, f"rubric:{assignment_id}"): SourceCell(points=points)
            for student_id, assignment_id, points in grades.values_list(
                "student_id", "assignment_id", "points"
            )
        }

    def history(
        self,
        *,
        course: Course,
        student: User,
        columns: Sequence[SourceColumn],
        cells: Mapping[str, Cell],
        as_student: bool,
    ) -> HistorySection | None:
        """Nothing of its own: the student reads the rubric, comments and points on the grade page."""
        return None


RUBRIC_SOURCE = RubricSource()
