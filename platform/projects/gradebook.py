"""The semester project's gradebook columns (``core.gradebook_sources``): one column per milestone.

The projects' rules live here and in ``projects.selectors``, not in the gradebook: a milestone's
maximum is its rubric's sum, and a student is credited with a team grade when they were a member as it
was first given (``milestone_points_by_student``). Codes M1, M2… follow the milestones' creation order,
so a new milestone never renumbers the earlier ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from accounts.models import Course, User
from core.gradebook_sources import Category, Cell, HistorySection, SourceCell, SourceColumn
from projects.models import CriterionScore, Milestone, MilestoneGrade, MilestoneSubmission, TeamMembership
from projects.selectors import (
    milestone_hand_ins_by_student,
    milestone_max_points,
    milestone_points_by_student,
)


@dataclass
class MilestoneHistory:
    column: SourceColumn
    cell: Cell | None
    grade: MilestoneGrade | None
    latest: MilestoneSubmission | None
    submission_count: int


class MilestoneSource:
    name = "projects"
    order = 30

    def columns(self, *, course: Course, now: datetime) -> list[SourceColumn]:
        """The course's milestones in creation order (2 queries)."""
        milestones = list(Milestone.objects.filter(course=course).order_by("pk"))
        maxima = milestone_max_points(milestones)
        return [
            SourceColumn(
                key=f"milestone:{milestone.pk}",
                category=Category.MILESTONE,
                code=f"M{number}",
                title=milestone.title,
                max_points=maxima.get(milestone.pk, Decimal("0.0")),
                due=milestone.deadline,
                owner=milestone,
            )
            for number, milestone in enumerate(milestones, start=1)
        ]

    def cells(
        self,
        *,
        course: Course,
        columns: Sequence[SourceColumn],
        students: Sequence[User],
        only: User | None,
    ) -> Mapping[tuple[int, str], SourceCell]:
        """The team grades each student is credited with, and whether their team handed each milestone in
        on time (3 queries)."""
        by_code: dict[str, list[int]] = defaultdict(list)
        for student in students:
            if student.neptun_code:
                by_code[student.neptun_code].append(student.pk)
        hand_ins = milestone_hand_ins_by_student(course=course, student=only)
        points_by_code = milestone_points_by_student(course=course, student=only)
        cells: dict[tuple[int, str], SourceCell] = {}
        for code in set(hand_ins) | set(points_by_code):
            for student_id in by_code.get(code, ()):
                handed = hand_ins.get(code, {})
                points = points_by_code.get(code, {})
                for milestone_id in set(handed) | set(points):
                    cells[(student_id, f"milestone:{milestone_id}")] = SourceCell(
                        points=points.get(milestone_id),
                        handed_in=milestone_id in handed,
                        on_time=handed.get(milestone_id),
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
        """Each milestone's grade (with its rubric) and the team's hand-ins, under the team's name."""
        membership = (
            TeamMembership.objects.filter(course=course, student=student).select_related("project").first()
        )
        # The grades the student is credited with (the projects' rule), whichever team they are in now.
        grades: dict[int, MilestoneGrade] = {
            g.milestone_id: g
            for g in MilestoneGrade.objects.filter(milestone__course=course, credited__student=student)
            .select_related("graded_by", "submission")
            .prefetch_related(Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion")))
        }
        latest: dict[int, MilestoneSubmission] = {}
        submission_counts: dict[int, int] = defaultdict(int)
        if membership is not None:
            for hand_in in MilestoneSubmission.objects.filter(project=membership.project).order_by(
                "submitted_at", "pk"
            ):
                latest[hand_in.milestone_id] = hand_in
                submission_counts[hand_in.milestone_id] += 1
        milestones = [
            MilestoneHistory(
                column=c,
                cell=cells.get(c.key),
                grade=grades.get(c.object_id),
                latest=latest.get(c.object_id),
                submission_count=submission_counts.get(c.object_id, 0),
            )
            for c in columns
        ]
        return HistorySection(
            title=str(_("Semester project")),
            subtitle=membership.project.title if membership else "",
            template="projects/gradebook_history.html",
            context={"milestones": milestones},
        )


SOURCE = MilestoneSource()
