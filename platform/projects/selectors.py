"""Reads: a student's team, milestone status per team, the offered-grade rule, points for the gradebook.

Every selector that covers a whole course runs a fixed number of queries, however many teams.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum
from django.utils.translation import gettext as _

from accounts.models import Course, User
from accounts.selectors import course_is_staff
from projects.models import (
    CriterionScore,
    Milestone,
    MilestoneGrade,
    MilestoneGradeMember,
    MilestoneKind,
    MilestoneSubmission,
    Project,
    RubricCriterion,
    TeamMembership,
    TeamRules,
)

MAX_TEAM_SIZE = 4


@dataclass
class MilestoneStatus:
    """Where one team stands with one milestone."""

    milestone: Milestone
    latest: MilestoneSubmission | None
    submission_count: int
    grade: MilestoneGrade | None
    max_points: Decimal
    counting: MilestoneSubmission | None = None  # see counting_submission

    def __post_init__(self) -> None:
        if self.counting is None:
            self.counting = self.latest

    @property
    def submitted(self) -> bool:
        return self.latest is not None

    @property
    def late(self) -> bool:
        """Late only when no hand-in was on time: a later re-submission never makes a milestone late."""
        return self.counting is not None and self.counting.late


@dataclass
class OfferedGradeStatus:
    """Whether the team may be offered a grade without an exam, and if not, why not."""

    eligible: bool
    reasons: list[str] = field(default_factory=list)


@dataclass
class ProjectOverview:
    project: Project
    statuses: list[MilestoneStatus]
    offered: OfferedGradeStatus

    @property
    def total_points(self) -> Decimal:
        return sum((s.grade.points for s in self.statuses if s.grade), Decimal("0.0"))


def milestones_for_course(*, course: Course) -> QuerySet[Milestone]:
    return Milestone.objects.filter(course=course).order_by("order")


def teams_close_at(*, course: Course) -> datetime | None:
    """When students' own team changes close: the instructor's date, else the first milestone's deadline
    (end of week 4 in the default plan), else never."""
    rules = TeamRules.objects.filter(course=course).first()
    if rules is not None and rules.teams_close_at is not None:
        return rules.teams_close_at
    first = (
        Milestone.objects.filter(course=course, kind=MilestoneKind.MILESTONE)
        .order_by("order", "deadline")
        .values_list("deadline", flat=True)
        .first()
    )
    return first


def project_for_student(*, course: Course, user: User) -> Project | None:
    membership = (
        TeamMembership.objects.filter(course=course, student=user).select_related("project__course").first()
    )
    return membership.project if membership else None


def project_is_member(*, project: Project, user: User) -> bool:
    return project.members.filter(student=user).exists()


def project_can_view(*, project: Project, user: User) -> bool:
    """Team members and the course's staff see a project and its files."""
    return project_is_member(project=project, user=user) or course_is_staff(user=user, course=project.course)


def counting_submission(
    history: Iterable[MilestoneSubmission], *, deadline: datetime
) -> MilestoneSubmission | None:
    """The hand-in that counts (pure): the last one on time, or the last one when none was on time.

    The course looks at "the last commit before the deadline": what a team hands in after the deadline
    is kept for the record, but never replaces (or makes late) an on-time hand-in.
    """
    ordered = sorted(history, key=lambda s: (s.submitted_at, s.id or 0))
    on_time = [s for s in ordered if s.submitted_at <= deadline]
    if on_time:
        return on_time[-1]
    return ordered[-1] if ordered else None


def project_counting_submission(*, project: Project, milestone: Milestone) -> MilestoneSubmission | None:
    on_time = (
        MilestoneSubmission.objects.filter(
            project=project, milestone=milestone, submitted_at__lte=milestone.deadline
        )
        .order_by("-submitted_at", "-id")
        .first()
    )
    return on_time or project_latest_submission(project=project, milestone=milestone)


def project_latest_submission(*, project: Project, milestone: Milestone) -> MilestoneSubmission | None:
    return (
        MilestoneSubmission.objects.filter(project=project, milestone=milestone)
        .order_by("-submitted_at", "-id")
        .first()
    )


def offered_grade_evaluate(*, statuses: Iterable[MilestoneStatus]) -> OfferedGradeStatus:
    """The offered-grade rule, from a team's milestone statuses (pure; no queries).

    Eligible when every milestone (not the final) was submitted on time, every latest submission
    is attested to be in English, and the final submission has been graded.
    """
    reasons: list[str] = []
    statuses = list(statuses)
    milestones = [s for s in statuses if s.milestone.kind == MilestoneKind.MILESTONE]
    finals = [s for s in statuses if s.milestone.kind == MilestoneKind.FINAL]
    for status in milestones:
        if not status.submitted:
            reasons.append(_("%(milestone)s was not submitted.") % {"milestone": status.milestone.title})
        elif status.late:
            reasons.append(
                _("%(milestone)s was submitted after the deadline.") % {"milestone": status.milestone.title}
            )
    not_english = [
        s.milestone.title for s in statuses if s.counting is not None and not s.counting.in_english
    ]
    if not_english:
        reasons.append(
            _("Not attested to be in English: %(milestones)s.") % {"milestones": ", ".join(not_english)}
        )
    if not finals:
        reasons.append(_("The course has no final submission set up yet."))
    for status in finals:
        if not status.submitted:
            reasons.append(_("%(milestone)s: not submitted yet.") % {"milestone": status.milestone.title})
        elif status.grade is None:
            reasons.append(_("%(milestone)s: not graded yet.") % {"milestone": status.milestone.title})
    return OfferedGradeStatus(eligible=not reasons, reasons=reasons)


def milestone_max_points(milestones: list[Milestone]) -> dict[int, Decimal]:
    """{milestone id: the sum of its rubric's maximum points} (1 query; milestones without a rubric are
    absent)."""
    rows = (
        RubricCriterion.objects.filter(milestone__in=milestones)
        .values("milestone_id")
        .annotate(total=Sum("max_points"))
    )
    # SQLite's SUM drops the decimal places; keep one everywhere (20.0, as PostgreSQL gives).
    return {row["milestone_id"]: Decimal(row["total"] or 0).quantize(Decimal("0.1")) for row in rows}


def project_overviews(*, course: Course, projects: Iterable[Project] | None = None) -> list[ProjectOverview]:
    """Each team of the course (or the given ones) with its milestone statuses and offered-grade status.

    A fixed number of queries whatever the number of teams: milestones, rubric totals, projects
    with members, submissions, grades with their scores.
    """
    milestones = list(milestones_for_course(course=course))
    max_points = milestone_max_points(milestones)
    if projects is None:
        projects_qs = Project.objects.filter(course=course)
    else:
        projects_qs = Project.objects.filter(id__in=[p.id for p in projects])
    project_list = list(
        projects_qs.select_related("course")
        .prefetch_related(
            Prefetch("members", queryset=TeamMembership.objects.select_related("student").order_by("student"))
        )
        .order_by("title", "id")
    )
    ids = [p.id for p in project_list]
    by_milestone = {m.id: m for m in milestones}
    submissions: dict[tuple[int, int], list[MilestoneSubmission]] = defaultdict(list)
    for submission in MilestoneSubmission.objects.filter(
        project_id__in=ids, milestone__in=milestones
    ).order_by("submitted_at", "id"):
        submission.milestone = by_milestone[submission.milestone_id]
        submissions[(submission.project_id, submission.milestone_id)].append(submission)
    grades = {
        (g.project_id, g.milestone_id): g
        for g in MilestoneGrade.objects.filter(project_id__in=ids, milestone__in=milestones)
        .select_related("graded_by")
        .prefetch_related(Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion")))
    }
    overviews = []
    for project in project_list:
        statuses = []
        for milestone in milestones:
            history = submissions.get((project.id, milestone.id), [])
            statuses.append(
                MilestoneStatus(
                    milestone=milestone,
                    latest=history[-1] if history else None,
                    counting=counting_submission(history, deadline=milestone.deadline),
                    submission_count=len(history),
                    grade=grades.get((project.id, milestone.id)),
                    max_points=max_points.get(milestone.id, Decimal(0)),
                )
            )
        overviews.append(
            ProjectOverview(
                project=project, statuses=statuses, offered=offered_grade_evaluate(statuses=statuses)
            )
        )
    return overviews


def project_overview(*, project: Project) -> ProjectOverview:
    return project_overviews(course=project.course, projects=[project])[0]


def offered_grade_status(*, project: Project) -> OfferedGradeStatus:
    """The offered-grade rule for one team (see offered_grade_evaluate)."""
    return project_overview(project=project).offered


def milestone_points_by_student(
    *, course: Course, student: User | None = None
) -> dict[str, dict[int, Decimal]]:
    """Milestone points per student, for the gradebook: {neptun_code: {milestone_id: points}}.

    A student gets a team grade if they were a member when it was first given (``MilestoneGradeMember``):
    joining a team later brings none of its earlier points, leaving it takes none away. Ungraded
    milestones are absent; students without a Neptun code are left out. One query; ``student`` narrows
    it to one student (who may be absent from the result).
    """
    credits = MilestoneGradeMember.objects.filter(
        grade__project__course=course, student__neptun_code__isnull=False
    )
    if student is not None:
        credits = credits.filter(student=student)
    result: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for code, milestone_id, points in credits.values_list(
        "student__neptun_code", "grade__milestone_id", "grade__points"
    ):
        result[code or ""][milestone_id] = points
    return dict(result)


def milestone_hand_ins_by_student(
    *, course: Course, student: User | None = None
) -> dict[str, dict[int, bool]]:
    """Whether each student's team handed in each milestone on time, for the course's conditions
    (signature, offered grade): {neptun_code: {milestone_id: on_time}}; absent: not handed in. A hand-in
    on time stays on time whatever comes later (``counting_submission``). One query."""
    # One filter() call: the conditions on project__members must apply to the same member row.
    narrow = {"project__members__student": student} if student is not None else {}
    rows = MilestoneSubmission.objects.filter(
        milestone__course=course,
        project__members__course=course,
        project__members__student__neptun_code__isnull=False,
        **narrow,
    )
    result: dict[str, dict[int, bool]] = defaultdict(dict)
    for code, milestone_id, submitted_at, deadline in rows.values_list(
        "project__members__student__neptun_code", "milestone_id", "submitted_at", "milestone__deadline"
    ):
        on_time = result[code or ""]
        on_time[milestone_id] = on_time.get(milestone_id, False) or submitted_at <= deadline
    return dict(result)


def submission_history(*, project: Project, milestone: Milestone) -> QuerySet[MilestoneSubmission]:
    return (
        MilestoneSubmission.objects.filter(project=project, milestone=milestone)
        .select_related("submitted_by", "milestone")
        .order_by("-submitted_at", "-id")
    )


def grade_with_scores(*, project: Project, milestone: Milestone) -> MilestoneGrade | None:
    return (
        MilestoneGrade.objects.filter(project=project, milestone=milestone)
        .select_related("graded_by")
        .prefetch_related("scores__criterion")
        .first()
    )


def rubric_for_milestone(*, milestone: Milestone) -> QuerySet[RubricCriterion]:
    return RubricCriterion.objects.filter(milestone=milestone).order_by("order", "id")


def enrolled_students_without_team(*, course: Course) -> QuerySet[User]:
    """Students of the course not yet in a team (for staff and for the registration hint)."""
    return (
        User.objects.filter(enrollments__course=course, enrollments__role="student")
        .exclude(team_memberships__course=course)
        .order_by("neptun_code")
    )
