"""Demo content: the default milestones and a few teams, one with a graded milestone 1.

Idempotent: teams whose first member already has a team are left alone.
"""

import os
import shutil
import subprocess
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Course, Enrollment, Role, User
from projects.models import MilestoneGrade, MilestoneSubmission, TeamMembership, TeamRules
from projects.services import (
    milestone_commit_record,
    milestone_defaults_create,
    milestone_grade,
    milestone_submit,
    project_register,
    team_invitation_answer,
)

DEMO_TEAMS = [
    ("Bird species from their songs", 3),
    ("Hungarian traffic sign recognition", 4),
    ("Predicting Budapest air quality", 2),
    ("Solo: medical image segmentation", 1),
]


def demo_pdf(title: str) -> bytes:
    """A minimal one-page PDF with a title (enough for the platform's checks and for a viewer)."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


DEMO_GIT_PREFIX = "https://github.com/dlip-demo/"


def _git(*args: str, cwd: Path, when: datetime | None = None) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Demo team",
        "GIT_AUTHOR_EMAIL": "team@example.edu",
        "GIT_COMMITTER_NAME": "Demo team",
        "GIT_COMMITTER_EMAIL": "team@example.edu",
    }
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{int(when.timestamp())} +0000"
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=60)


def demo_repository(*, slug: str, title: str, deadline: datetime) -> bool:
    """A team's repository on the demo's stand-in git server (DATA_DIR/demo-git/<slug>.git, served through
    PROJECT_GIT_SOURCES, which ``dev.py demo`` sets): readme and report before the deadline, one more push
    after it (which the platform ignores). False when git is missing."""
    if shutil.which("git") is None:
        return False
    bare = Path(settings.DATA_DIR) / "demo-git" / f"{slug}.git"
    if bare.exists():
        return True
    work = bare.parent / f".{slug}-work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        _git("init", "-q", "-b", "main", cwd=work)
        (work / "README.md").write_text(f"# {title}\n\nRun `python prepare.py`, then `python train.py`.\n")
        (work / "prepare.py").write_text("print('downloading and splitting the data')\n")
        _git("add", "-A", cwd=work)
        _git("commit", "-q", "-m", "Data preparation", cwd=work, when=deadline - timedelta(days=3))
        (work / "report").mkdir()
        (work / "report" / "report.pdf").write_bytes(demo_pdf(f"{title}: data exploration"))
        _git("add", "-A", cwd=work)
        _git("commit", "-q", "-m", "Report", cwd=work, when=deadline - timedelta(hours=2))
        (work / "train.py").write_text("print('pushed after the deadline')\n")
        _git("add", "-A", cwd=work)
        late = deadline + timedelta(hours=5)
        _git("commit", "-q", "-m", "Training (after the deadline)", cwd=work, when=late)
        _git("clone", "-q", "--bare", str(work), str(bare), cwd=bare.parent)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return True


def demo_seed(*, course: Course, stdout: Any) -> None:
    milestones = milestone_defaults_create(course=course, start=timezone.now() - timedelta(weeks=5))
    first = milestones[0]  # Its deadline was a week ago: the demo shows on-time and late hand-ins.
    # In the demo's story the teams registered before the first deadline; registration is open while they
    # are seeded and closes at that deadline afterwards (the course's "by the end of week 4").
    TeamRules.objects.update_or_create(
        course=course, defaults={"teams_close_at": timezone.now() + timedelta(days=1)}
    )
    students = list(
        User.objects.filter(enrollments__course=course, enrollments__role=Role.STUDENT)
        .exclude(neptun_code__isnull=True)
        .order_by("neptun_code")
    )
    grader = (
        Enrollment.objects.filter(course=course, role__in=[Role.GRADER, Role.INSTRUCTOR])
        .select_related("user")
        .order_by("role")
        .first()
    )
    position = 0
    created = 0
    for index, (title, size) in enumerate(DEMO_TEAMS):
        team = students[position : position + size]
        position += size
        if len(team) < size or TeamMembership.objects.filter(course=course, student=team[0]).exists():
            continue
        project = project_register(
            course=course,
            registered_by=team[0],
            title=title,
            member_codes=[s.neptun_code or "" for s in team[1:]],
            description="A demo team of the semester project.",
        )
        for invitation in list(project.invitations.select_related("student")):  # the teammates accept
            team_invitation_answer(invitation=invitation, by=invitation.student, accept=True)
        created += 1
        if index == 3:
            continue  # The solo student has not submitted anything yet.
        slug = title.lower().replace(" ", "-").replace(":", "")[:40]
        has_repository = demo_repository(slug=slug, title=title, deadline=first.deadline)
        hand_in = milestone_submit(
            project=project,
            milestone=first,
            submitted_by=team[-1],
            repository_url=f"https://github.com/dlip-demo/{slug}",
            pdf=ContentFile(demo_pdf(f"{title}: data exploration"), name="exploration.pdf"),
            in_english=index != 2,
            # The third team hands in a day after the deadline.
            now=first.deadline + (timedelta(days=1) if index == 2 else -timedelta(days=2)),
        )
        if has_repository:
            milestone_commit_record(submission=hand_in)  # "not fetchable" unless dev.py demo's git sources
        if index == 0 and grader is not None:
            criteria = list(first.criteria.order_by("order"))
            milestone_grade(
                project=project,
                milestone=first,
                grader=grader.user,
                scores={c.id: c.max_points - Decimal(index + 1) for c in criteria},
                comment="Clean download script and a clear split. Plot the class balance per split too.",
            )
    TeamRules.objects.update_or_create(course=course, defaults={"teams_close_at": None})
    stdout.write(
        f"Projects: {created} demo teams added; submissions: "
        f"{MilestoneSubmission.objects.filter(milestone__course=course).count()}, "
        f"grades: {MilestoneGrade.objects.filter(milestone__course=course).count()}."
    )
