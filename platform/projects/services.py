"""Writes: team registration and changes, milestone submissions (URL and PDF checks), rubric grades.

Every service checks who may do it and raises PlatformError (or a subclass) with a message for the
student on a phone or the grader at a desk. The "one team per student per course" rule is also a
database constraint, so two simultaneous registrations cannot both win.
"""

import logging
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile, File
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext

from accounts.models import Course, Enrollment, Role, User
from accounts.neptun import InvalidNeptunCode, neptun_normalize
from accounts.selectors import course_is_instructor, course_is_staff
from core.audit import grade_audit_record
from core.errors import NotFoundError, PermissionDeniedError, PlatformError
from lifecycle.services.archive import course_assert_writable
from projects import repository
from projects.models import (
    CriterionScore,
    Milestone,
    MilestoneGrade,
    MilestoneGradeMember,
    MilestoneKind,
    MilestoneSubmission,
    Project,
    RubricCriterion,
    TeamInvitation,
    TeamMembership,
    TeamRules,
)
from projects.selectors import (
    MAX_TEAM_SIZE,
    project_counting_submission,
    project_is_member,
    project_latest_submission,
    teams_close_at,
)

logger = logging.getLogger(__name__)

MAX_URL_LENGTH = 500
PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
PDF_TAIL_BYTES = 4096


# --- Checks on what students type and upload ------------------------------------------------------


def repository_url_clean(*, raw: str) -> str:
    """The trimmed repository URL, or PlatformError: http(s), a real host name, no password in it."""
    url = (raw or "").strip()
    if not url:
        raise PlatformError(
            gettext("Enter the URL of your repository, e.g. https://github.com/team/project.")
        )
    if len(url) > MAX_URL_LENGTH:
        raise PlatformError(
            gettext("The URL is longer than %(count)s characters.") % {"count": MAX_URL_LENGTH}
        )
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as error:
        raise PlatformError(
            gettext(
                "That is not a web address. Copy the repository's URL from the browser, "
                "e.g. https://github.com/team/project or https://gitlab.com/team/project."
            )
        ) from error
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise PlatformError(
            gettext(
                "Remove the user name or token from the URL; "
                "give graders read access to the repository instead."
            )
        )
    if parts.hostname is None or "." not in parts.hostname:
        raise PlatformError(gettext("The URL needs a public host name, e.g. github.com or gitlab.com."))
    return url


def pdf_read_checked(*, upload: File, max_bytes: int) -> bytes:
    """The uploaded file's bytes if it looks like a whole PDF under the size limit; else PlatformError.

    Checks the size before reading, the %PDF-x.y header, and the end-of-file marker near the end
    (a truncated upload or a renamed Word file fails here).
    """
    limit_text = f"{max_bytes / (1024 * 1024):.3g} MB"
    too_large = gettext("The PDF is larger than %(limit)s. Compress the images and upload it again.")
    if upload.size is not None and upload.size > max_bytes:
        raise PlatformError(too_large % {"limit": limit_text})
    upload.seek(0)
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise PlatformError(too_large % {"limit": limit_text})
    if not content:
        raise PlatformError(gettext("The uploaded file is empty."))
    if not PDF_HEADER.match(content):
        raise PlatformError(
            gettext("This file is not a PDF. Export your report as PDF (File → Export → PDF).")
        )
    tail = content[-PDF_TAIL_BYTES:]
    if b"%%EOF" not in tail or b"startxref" not in tail:
        raise PlatformError(
            gettext("This PDF is incomplete or damaged (no end-of-file marker). Export it again.")
        )
    return content


# --- Teams ---------------------------------------------------------------------------------------


def _codes_normalize(raw_codes: Iterable[str]) -> list[str]:
    codes: list[str] = []
    for raw in raw_codes:
        if not raw or not raw.strip():
            continue
        try:
            code = neptun_normalize(raw)
        except InvalidNeptunCode as error:
            raise PlatformError(str(error), code="invalid_neptun_code") from error
        if code not in codes:
            codes.append(code)
    return codes


def _students_by_code(*, course: Course, codes: list[str]) -> dict[str, User]:
    enrollments = Enrollment.objects.filter(
        course=course, role=Role.STUDENT, user__neptun_code__in=codes
    ).select_related("user")
    found = {e.user.neptun_code or "": e.user for e in enrollments}
    missing = [c for c in codes if c not in found]
    if missing:
        raise PlatformError(
            gettext("Not students of %(course)s: %(codes)s. Check the Neptun codes.")
            % {"course": course.code, "codes": ", ".join(missing)},
            code="not_enrolled",
        )
    return found


def _check_not_in_team(*, course: Course, users: list[User], registering: User | None = None) -> None:
    taken = list(
        TeamMembership.objects.filter(course=course, student__in=users).select_related("student", "project")
    )
    if not taken:
        return
    if registering is not None and any(m.student_id == registering.id for m in taken):
        own = next(m for m in taken if m.student_id == registering.id)
        raise PlatformError(
            gettext("You are already in the team “%(title)s”.") % {"title": own.project.title},
            code="already_in_team",
        )
    names = ", ".join(f"{m.student.neptun_code} (“{m.project.title}”)" for m in taken)
    raise PlatformError(
        gettext("Already in another team: %(names)s. A student is in one team per course.")
        % {"names": names},
        code="already_in_team",
    )


def _check_teams_open(*, course: Course, by: User, now: datetime | None = None) -> None:
    """After the registration deadline students no longer change teams themselves; the staff still do."""
    closes = teams_close_at(course=course)
    if closes is None or (now or timezone.now()) <= closes or course_is_staff(user=by, course=course):
        return
    raise PermissionDeniedError(
        gettext("Team registration closed on %(when)s; ask your instructor to change your team.")
        % {"when": formats.date_format(timezone.localtime(closes), "DATETIME_FORMAT")},
        code="teams_closed",
    )


def team_rules_set(*, course: Course, by: User, teams_close_at: datetime | None) -> TeamRules:
    """Instructors: when team registration closes (empty: at the first milestone's deadline)."""
    if not course_is_instructor(user=by, course=course):
        raise PermissionDeniedError(gettext("Only the course's instructors change its milestones."))
    course_assert_writable(course=course)
    rules, _ = TeamRules.objects.update_or_create(course=course, defaults={"teams_close_at": teams_close_at})
    return rules


def _team_size_error(count: int) -> PlatformError:
    return PlatformError(
        gettext("A team has 1 to %(max)s members; this would make %(count)s.")
        % {"max": MAX_TEAM_SIZE, "count": count},
        code="team_size",
    )


def project_register(
    *,
    course: Course,
    registered_by: User,
    title: str,
    member_codes: Iterable[str] = (),
    description: str = "",
) -> Project:
    """Register a team project with the registering student as its member; member_codes (the student's
    own code may be among them) are invited, and join when they accept (``team_invitation_answer``).

    1–4 members with the invitations, all students of the course, none in a team.
    """
    title = (title or "").strip()
    if not title:
        raise PlatformError(gettext("Give your project a title."))
    if len(title) > 200:
        raise PlatformError(gettext("The title is longer than 200 characters."))
    own = Enrollment.objects.filter(course=course, user=registered_by, role=Role.STUDENT).exists()
    if not own:
        raise PermissionDeniedError(
            gettext("Only students of %(course)s register projects.") % {"course": course.code}
        )
    _check_teams_open(course=course, by=registered_by)
    codes = [c for c in _codes_normalize(member_codes) if c != registered_by.neptun_code]
    if len(codes) + 1 > MAX_TEAM_SIZE:
        raise _team_size_error(len(codes) + 1)
    others = _students_by_code(course=course, codes=codes)
    invited = [others[c] for c in codes]
    _check_not_in_team(course=course, users=[registered_by, *invited], registering=registered_by)
    try:
        with transaction.atomic():
            project = Project.objects.create(
                course=course, title=title, description=(description or "").strip(), created_by=registered_by
            )
            TeamMembership.objects.create(project=project, course=course, student=registered_by)
            TeamInvitation.objects.bulk_create(
                [TeamInvitation(project=project, student=user, invited_by=registered_by) for user in invited]
            )
            # The student is in a team now: invitations to other teams lapse.
            TeamInvitation.objects.filter(project__course=course, student=registered_by).delete()
    except IntegrityError as error:
        # The student registered another team a moment ago (a second tab, a double tap).
        raise PlatformError(
            gettext("You have just joined another team. Reload the page."), code="already_in_team"
        ) from error
    return project


def _check_can_change_team(*, project: Project, by: User) -> None:
    if not (project_is_member(project=project, user=by) or course_is_staff(user=by, course=project.course)):
        raise PermissionDeniedError(gettext("Only the team's members and the course's staff change a team."))


def project_member_invite(*, project: Project, neptun_code: str, by: User) -> TeamInvitation:
    """Invite a student of the course (not in any team yet) to the team; by: a member or course staff.

    The student joins only by accepting (``team_invitation_answer``). Members and open invitations
    together stay within the team size.
    """
    _check_can_change_team(project=project, by=by)
    _check_teams_open(course=project.course, by=by)
    codes = _codes_normalize([neptun_code])
    if not codes:
        raise PlatformError(gettext("Enter the new member's Neptun code."))
    student = _students_by_code(course=project.course, codes=codes)[codes[0]]
    _check_not_in_team(course=project.course, users=[student])
    with transaction.atomic():
        # Lock the project row so two simultaneous invitations cannot make a team of five.
        Project.objects.select_for_update().filter(id=project.id).first()
        if project.invitations.filter(student=student).exists():
            raise PlatformError(
                gettext("%(code)s is already invited; they join when they accept.") % {"code": codes[0]},
                code="already_invited",
            )
        count = project.members.count() + project.invitations.count()
        if count + 1 > MAX_TEAM_SIZE:
            raise _team_size_error(count + 1)
        return TeamInvitation.objects.create(project=project, student=student, invited_by=by)


def team_invitation_answer(*, invitation: TeamInvitation, by: User, accept: bool) -> TeamMembership | None:
    """The invited student accepts (joins the team; their other invitations in the course lapse) or
    declines (the invitation goes). Only the invited student answers. Returns the new membership.
    """
    if invitation.student_id != by.id:
        raise PermissionDeniedError(gettext("Only the invited student answers an invitation."))
    project = invitation.project
    if not accept:
        invitation.delete()
        return None
    inviter = invitation.invited_by
    if inviter is None or not course_is_staff(user=inviter, course=project.course):
        _check_teams_open(course=project.course, by=by)  # the staff's own invitations stay open
    try:
        with transaction.atomic():
            Project.objects.select_for_update().filter(id=project.id).first()
            if not TeamInvitation.objects.filter(pk=invitation.pk).exists():
                raise NotFoundError(gettext("This invitation was withdrawn."))
            if not Enrollment.objects.filter(course=project.course, user=by, role=Role.STUDENT).exists():
                raise PermissionDeniedError(
                    gettext("Only students of %(course)s join its teams.") % {"course": project.course.code}
                )
            _check_not_in_team(course=project.course, users=[by], registering=by)
            count = project.members.count()
            if count == 0:
                raise PlatformError(gettext("This team has no members any more."), code="team_dissolved")
            if count + 1 > MAX_TEAM_SIZE:
                raise _team_size_error(count + 1)
            membership = TeamMembership.objects.create(project=project, course=project.course, student=by)
            TeamInvitation.objects.filter(project__course=project.course, student=by).delete()
    except IntegrityError as error:
        raise PlatformError(
            gettext("You have just joined another team. Reload the page."), code="already_in_team"
        ) from error
    return membership


def project_member_remove(*, project: Project, neptun_code: str, by: User) -> None:
    """Remove a member: students may leave their own team; staff may remove anyone.

    Nobody is stuck: when the last member goes, the team is dissolved: its open invitations go, and the
    project itself too unless it has submissions (kept, member-less, for the record and the grades).
    """
    codes = _codes_normalize([neptun_code])
    membership = (
        project.members.filter(student__neptun_code=codes[0]).select_related("student").first()
        if codes
        else None
    )
    if membership is None:
        raise NotFoundError(f"{neptun_code} is not a member of this team.")
    if membership.student_id != by.id and not course_is_staff(user=by, course=project.course):
        raise PermissionDeniedError(
            gettext("You can leave the team yourself; other members are removed by the staff.")
        )
    _check_teams_open(course=project.course, by=by)
    with transaction.atomic():
        Project.objects.select_for_update().filter(id=project.id).first()
        membership.delete()
        if not project.members.exists():
            project.invitations.all().delete()
            if not project.submissions.exists():
                project.delete()


# --- Submissions ---------------------------------------------------------------------------------


def milestone_submit(
    *,
    project: Project,
    milestone: Milestone,
    submitted_by: User,
    in_english: bool,
    repository_url: str = "",
    pdf: File | None = None,
    now: datetime | None = None,
) -> MilestoneSubmission:
    """Hand in a milestone for the team. Re-submitting adds a new row (history is kept) until the milestone
    is graded. The last on-time hand-in counts; after the deadline a hand-in is accepted and counts only
    when none was on time (``selectors.counting_submission``), so it never makes the milestone late.

    Without a new PDF the previous submission's PDF is kept. The final submission's URL becomes the
    project's repository URL.
    """
    if milestone.course_id != project.course_id:
        raise NotFoundError("This milestone belongs to another course.")
    if not project_is_member(project=project, user=submitted_by):
        raise PermissionDeniedError(gettext("Only the team's members submit its milestones."))
    course_assert_writable(course=project.course)
    if MilestoneGrade.objects.filter(project=project, milestone=milestone).exists():
        raise PlatformError(
            gettext("%(milestone)s is already graded; ask your grader if something must change.")
            % {"milestone": milestone.title},
            code="already_graded",
        )
    url = ""
    if repository_url.strip() or milestone.needs_url:
        url = repository_url_clean(raw=repository_url)
    previous = project_latest_submission(project=project, milestone=milestone)
    content: bytes | None = None
    if pdf is not None:
        content = pdf_read_checked(upload=pdf, max_bytes=milestone.max_pdf_bytes)
    elif milestone.needs_pdf and not (previous and previous.pdf):
        raise PlatformError(
            gettext("%(milestone)s needs the report as a PDF file.") % {"milestone": milestone.title}
        )
    if not url and content is None and not (previous and previous.pdf):
        raise PlatformError(gettext("Nothing to submit: add the repository URL or the PDF report."))

    submission = MilestoneSubmission(
        project=project,
        milestone=milestone,
        repository_url=url,
        in_english=bool(in_english),
        submitted_by=submitted_by,
        submitted_at=now or timezone.now(),
    )
    if content is not None:
        submission.pdf_original_name = _display_name(pdf.name if pdf is not None else None)
        submission.pdf_bytes = len(content)
        submission.pdf.save("report.pdf", ContentFile(content), save=False)
    elif previous and previous.pdf:
        submission.pdf = previous.pdf.name
        submission.pdf_original_name = previous.pdf_original_name
        submission.pdf_bytes = previous.pdf_bytes
    try:
        with transaction.atomic():
            submission.save()
            if milestone.kind == MilestoneKind.FINAL and url and project.repository_url != url:
                project.repository_url = url
                project.save(update_fields=["repository_url"])
    except Exception:
        if content is not None:
            submission.pdf.delete(save=False)  # no row points at the new file
        raise
    if url and repository.fetch_url_for(url, _git_sources()) is not None:
        transaction.on_commit(lambda: _commit_record_send(submission.id))
    return submission


def _commit_record_send(submission_id: int) -> None:
    """Queue the provisional commit check; a broker outage only delays it to the sweep after the deadline."""
    from projects.tasks import commit_record_task

    try:
        commit_record_task.delay(submission_id)
    except Exception:  # noqa: BLE001 - any broker error: the hand-in itself is stored
        logger.warning("projects: could not queue the commit check of hand-in %s", submission_id)


def _display_name(raw: str | None) -> str:
    """The student's file name, made safe for showing and for a download header (never for disk)."""
    try:
        return get_valid_filename((raw or "").rsplit("/", 1)[-1])[-200:] or "report.pdf"
    except SuspiciousFileOperation:
        return "report.pdf"


# --- Grades --------------------------------------------------------------------------------------


def _points_parse(value: object, criterion: RubricCriterion) -> Decimal:
    try:
        points = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as error:
        raise PlatformError(
            gettext("“%(criterion)s”: “%(value)s” is not a number.")
            % {"criterion": criterion.name, "value": value}
        ) from error
    if not points.is_finite() or points < 0 or points > criterion.max_points:
        raise PlatformError(
            gettext("“%(criterion)s” takes 0 to %(max)s points; %(value)s was given.")
            % {"criterion": criterion.name, "max": criterion.max_points, "value": value}
        )
    if points != points.quantize(Decimal("0.1")):
        raise PlatformError(
            gettext("“%(criterion)s”: give points with at most one decimal (e.g. 2.5).")
            % {"criterion": criterion.name}
        )
    return points.quantize(Decimal("0.1"))


def milestone_grade(
    *,
    project: Project,
    milestone: Milestone,
    grader: User,
    scores: Mapping[int, object],
    comment: str = "",
    now: datetime | None = None,
) -> MilestoneGrade:
    """Grade the team's counting submission (the last on time, else the latest) of the milestone with the
    rubric (criterion id → points).

    Every criterion needs a score within 0..max. Grading again replaces the scores and comment. The
    grade is credited to the team's members at its first grading (``MilestoneGradeMember``).
    """
    if not course_is_staff(user=grader, course=project.course):
        raise PermissionDeniedError(gettext("Only the course's graders and instructors grade projects."))
    if milestone.course_id != project.course_id:
        raise NotFoundError("This milestone belongs to another course.")
    course_assert_writable(course=project.course)
    submission = project_counting_submission(project=project, milestone=milestone)
    if submission is None:
        raise PlatformError(
            gettext("Nothing to grade: the team has not submitted %(milestone)s yet.")
            % {"milestone": milestone.title}
        )
    criteria = list(RubricCriterion.objects.filter(milestone=milestone).order_by("order", "id"))
    if not criteria:
        raise PlatformError(
            gettext(
                "%(milestone)s has no rubric yet; the instructor adds its criteria on the milestones page."
            )
            % {"milestone": milestone.title}
        )
    known = {c.id for c in criteria}
    unknown = [key for key in scores if key not in known]
    if unknown:
        raise PlatformError(gettext("Some scores are for criteria of another milestone; reload the page."))
    missing = [c.name for c in criteria if c.id not in scores or str(scores[c.id]).strip() == ""]
    if missing:
        raise PlatformError(
            gettext("Score every criterion; missing: %(criteria)s.") % {"criteria": ", ".join(missing)}
        )
    parsed = {c.id: _points_parse(scores[c.id], c) for c in criteria}
    with transaction.atomic():
        old = MilestoneGrade.objects.filter(project=project, milestone=milestone).first()
        grade, created = MilestoneGrade.objects.update_or_create(
            project=project,
            milestone=milestone,
            defaults={
                "submission": submission,
                "points": sum(parsed.values(), Decimal(0)),
                "comment": (comment or "").strip(),
                "graded_by": grader,
                "graded_at": now or timezone.now(),
            },
        )
        if created:
            # Credited: the members now. A regrade changes the points, never who gets them.
            MilestoneGradeMember.objects.bulk_create(
                [
                    MilestoneGradeMember(grade=grade, student_id=student_id)
                    for student_id in project.members.values_list("student_id", flat=True)
                ]
            )
        grade.scores.all().delete()
        CriterionScore.objects.bulk_create(
            [CriterionScore(grade=grade, criterion_id=cid, points=points) for cid, points in parsed.items()]
        )
        grade_audit_record(
            course=project.course,
            action="rubric_score",
            subject=f"{project.title}: {milestone.title}",
            by=grader,
            before=old and {"points": old.points},
            after={"points": grade.points, "scores": parsed},
        )
    return grade


# --- Course set-up -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilestoneTemplate:
    order: int
    kind: str
    title: str
    description: str
    weeks: int
    needs_url: bool
    needs_pdf: bool
    rubric: tuple[tuple[str, int], ...]


DEFAULT_MILESTONES = (
    MilestoneTemplate(
        order=1,
        kind=MilestoneKind.MILESTONE,
        title="Milestone 1: data",
        description=(
            "Data acquisition, exploration and the train/validation/test split. Submit the repository "
            "with the code that downloads and prepares the data, the exploratory analysis, and a README "
            "that says how to run it."
        ),
        weeks=4,
        needs_url=True,
        needs_pdf=False,
        rubric=(
            ("Data acquisition and preparation", 5),
            ("Exploratory analysis", 5),
            ("Train/validation/test split", 5),
            ("Repository and README", 5),
        ),
    ),
    MilestoneTemplate(
        order=2,
        kind=MilestoneKind.MILESTONE,
        title="Milestone 2: baseline model",
        description=(
            "A baseline model trained and evaluated on your split, with the training and evaluation "
            "code in the repository and the first results in the README."
        ),
        weeks=8,
        needs_url=True,
        needs_pdf=False,
        rubric=(
            ("Baseline model", 5),
            ("Training and evaluation pipeline", 5),
            ("Results and their analysis", 5),
            ("Code quality", 5),
        ),
    ),
    MilestoneTemplate(
        order=3,
        kind=MilestoneKind.FINAL,
        title="Final submission",
        description=(
            "The source repository with a README that reproduces your results, and the report as a PDF."
        ),
        weeks=13,
        needs_url=True,
        needs_pdf=True,
        rubric=(
            ("Model and experiments", 10),
            ("Evaluation", 10),
            ("Report", 10),
            ("Reproducibility (README, repository)", 10),
        ),
    ),
)


@dataclass(frozen=True)
class RubricLine:
    name: str
    max_points: Decimal


def milestone_update(
    *,
    milestone: Milestone,
    by: User,
    title: str,
    deadline: datetime,
    description: str,
    needs_url: bool,
    needs_pdf: bool,
    rubric: list[RubricLine],
) -> Milestone:
    """An instructor of the milestone's course changes it and its rubric (on the platform's page: the
    admin is for superusers). A graded milestone keeps its rubric: the grades were given against it.
    """
    if not course_is_instructor(user=by, course=milestone.course):
        raise PermissionDeniedError(gettext("Only the course's instructors change its milestones."))
    title = (title or "").strip()
    if not title:
        raise PlatformError(gettext("Give the milestone a title."))
    names = [line.name for line in rubric]
    if len(set(names)) != len(names):
        raise PlatformError(gettext("Two rubric criteria have the same name."))
    with transaction.atomic():
        locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
        current = [RubricLine(c.name, c.max_points) for c in locked.criteria.order_by("order", "id")]
        if rubric != current:
            if locked.grades.exists():
                raise PlatformError(
                    gettext("%(milestone)s is already graded, so its rubric cannot change any more.")
                    % {"milestone": locked.title},
                    code="already_graded",
                )
            locked.criteria.all().delete()
            RubricCriterion.objects.bulk_create(
                [
                    RubricCriterion(milestone=locked, name=line.name, max_points=line.max_points, order=i)
                    for i, line in enumerate(rubric)
                ]
            )
        locked.title, locked.deadline, locked.description = title[:200], deadline, (description or "").strip()
        locked.needs_url, locked.needs_pdf = bool(needs_url), bool(needs_pdf)
        locked.save(update_fields=["title", "deadline", "description", "needs_url", "needs_pdf"])
    return locked


def milestone_defaults_create(*, course: Course, start: datetime | None = None) -> list[Milestone]:
    """The course's three default milestones with their rubrics, if missing (deadlines 4, 8 and 13 weeks
    after `start`, at 23:59 local time). Existing milestones and rubrics are left as they are.
    """
    start_local = timezone.localtime(start or timezone.now())
    milestones = []
    for template in DEFAULT_MILESTONES:
        day = (start_local + timedelta(weeks=template.weeks)).date()
        deadline = timezone.make_aware(datetime.combine(day, time(23, 59)))
        milestone, created = Milestone.objects.get_or_create(
            course=course,
            order=template.order,
            defaults={
                "kind": template.kind,
                "title": template.title,
                "description": template.description,
                "deadline": deadline,
                "needs_url": template.needs_url,
                "needs_pdf": template.needs_pdf,
            },
        )
        if created:
            RubricCriterion.objects.bulk_create(
                [
                    RubricCriterion(milestone=milestone, name=name, max_points=Decimal(points), order=i)
                    for i, (name, points) in enumerate(template.rubric)
                ]
            )
        milestones.append(milestone)
    return milestones


# --- The commit that counts ----------------------------------------------------------------------

# Fetch failures worth another try at the next sweep (the host was down, slow); the others are final.
_COMMIT_RETRY_ERRORS = frozenset({"", "timeout", "git_failed"})
COMMIT_RETRY_DAYS = 7


def _git_sources() -> dict[str, str]:
    return dict(getattr(settings, "PROJECT_GIT_SOURCES", {}))


def milestone_commit_record(*, submission: MilestoneSubmission, now: datetime | None = None) -> None:
    """Fetch the commit that counts for a hand-in and keep its archive (``projects.repository``).

    Before the deadline it is the head of the default branch now (provisional; the sweep fetches again
    after the deadline); from the deadline on, the last commit dated before it. A later push changes
    nothing once it is recorded after the deadline.
    """
    now = now or timezone.now()
    milestone = submission.milestone
    fetch_url = repository.fetch_url_for(submission.repository_url, _git_sources())
    if fetch_url is None:
        submission.commit_error = "not_fetchable"
        submission.save(update_fields=["commit_error"])
        return
    cutoff = min(now, milestone.deadline)
    try:
        with tempfile.TemporaryDirectory(prefix="handin-") as tmp:
            snapshot = repository.snapshot_before(
                fetch_url,
                cutoff,
                into=Path(tmp),
                timeout=float(getattr(settings, "PROJECT_GIT_SECONDS", repository.GIT_SECONDS)),
                max_bytes=int(getattr(settings, "PROJECT_ARCHIVE_MAX_BYTES", repository.ARCHIVE_MAX_BYTES)),
            )
            old_archive = submission.commit_archive.name
            with snapshot.archive.open("rb") as archive:
                submission.commit_archive.save(
                    f"p{submission.project_id}-m{milestone.order}-{snapshot.sha[:12]}.tar.gz",
                    File(archive),
                    save=False,
                )
    except repository.RepositoryError as error:
        submission.commit_error = error.code[:40]
        submission.commit_fetched_at = now if error.code not in _COMMIT_RETRY_ERRORS else None
        submission.save(update_fields=["commit_error", "commit_fetched_at"])
        return
    submission.commit_sha = snapshot.sha
    submission.commit_at = snapshot.committed_at
    submission.commit_fetched_at = now
    submission.commit_has_readme = snapshot.has_readme
    submission.commit_pdfs = list(snapshot.report_pdfs)
    submission.commit_error = ""
    submission.save(
        update_fields=[
            "commit_sha",
            "commit_at",
            "commit_fetched_at",
            "commit_has_readme",
            "commit_pdfs",
            "commit_archive",
            "commit_error",
        ]
    )
    if old_archive and old_archive != submission.commit_archive.name:
        submission.commit_archive.storage.delete(old_archive)


def milestone_commits_sweep(*, now: datetime | None = None) -> int:
    """After each deadline (for a week), record the commit that counts for every counting hand-in with a
    repository URL that was not yet fetched after that deadline. Returns how many were fetched."""
    now = now or timezone.now()
    fetched = 0
    milestones = Milestone.objects.filter(
        deadline__lte=now, deadline__gte=now - timedelta(days=COMMIT_RETRY_DAYS)
    ).select_related("course")
    for milestone in milestones:
        projects = Project.objects.filter(submissions__milestone=milestone).distinct()
        for project in projects:
            submission = project_counting_submission(project=project, milestone=milestone)
            if submission is None or not submission.repository_url:
                continue
            done = (
                submission.commit_fetched_at is not None
                and submission.commit_fetched_at >= milestone.deadline
            )
            if done or submission.commit_error not in _COMMIT_RETRY_ERRORS:
                continue
            submission.milestone = milestone
            milestone_commit_record(submission=submission, now=now)
            fetched += 1
    return fetched
