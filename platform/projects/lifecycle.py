"""The projects' part of a term's life (lifecycle.registry): copy milestones and rubrics, export a
person's team work and grades, remove reports and links after the retention period."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from accounts.models import Course, User
from lifecycle.registry import Erasure, TermProvider
from projects.models import (
    CriterionScore,
    Milestone,
    MilestoneGrade,
    MilestoneSubmission,
    Project,
    RubricCriterion,
    TeamRules,
)


def milestones_copy(*, source: Course, target: Course, offset: timedelta) -> list[str]:
    """Milestones with their rubric, deadlines moved; no teams, hand-ins or grades."""
    lines = []
    for milestone in Milestone.objects.filter(course=source).order_by("order"):
        criteria = list(milestone.criteria.order_by("order", "pk"))
        milestone.pk = None
        milestone.course = target
        milestone.deadline = milestone.deadline + offset
        milestone.save()
        for criterion in criteria:
            criterion.pk = None
            criterion.milestone = milestone
        RubricCriterion.objects.bulk_create(criteria)
        lines.append(
            f"Milestone {milestone.order}. “{milestone.title}”, "
            f"deadline {milestone.deadline:%Y-%m-%d %H:%M}, "
            f"rubric of {len(criteria)} criteria"
        )
    rules = TeamRules.objects.filter(course=source).first()
    if rules is not None and rules.teams_close_at is not None:
        closes = rules.teams_close_at + offset
        TeamRules.objects.update_or_create(course=target, defaults={"teams_close_at": closes})
        lines.append(f"Team registration closes {closes:%Y-%m-%d %H:%M}")
    return lines


def _pdf(submission: MilestoneSubmission) -> Path | None:
    if not submission.pdf:
        return None
    path = Path(submission.pdf.path)
    return path if path.is_file() else None


def projects_personal_export(*, user: User) -> list[tuple[str, bytes | Path]]:
    items: list[tuple[str, bytes | Path]] = []
    rows = []
    projects = Project.objects.filter(members__student=user).select_related("course").order_by("pk")
    for project in projects:
        hand_ins = []
        for s in project.submissions.select_related("milestone").order_by("submitted_at", "pk"):
            pdf = _pdf(s)
            if pdf is not None:
                items.append((f"projects/{project.course.code}/{s.pk}-{pdf.name}", pdf))
            hand_ins.append(
                {
                    "milestone": s.milestone.title,
                    "repository_url": s.repository_url,
                    "pdf_original_name": s.pdf_original_name,
                    "submitted_at": s.submitted_at.isoformat(),
                }
            )
        grades = [
            {
                "milestone": g.milestone.title,
                "points": str(g.points),
                "comment": g.comment,
                "graded_at": g.graded_at.isoformat(),
                "scores": {
                    sc.criterion.name: str(sc.points)
                    for sc in CriterionScore.objects.filter(grade=g).select_related("criterion")
                },
            }
            for g in MilestoneGrade.objects.filter(project=project).select_related("milestone")
        ]
        rows.append(
            {
                "course": project.course.code,
                "title": project.title,
                "description": project.description,
                "repository_url": project.repository_url,
                # Only the count: the teammates' Neptun codes are their data, not this person's.
                "team_size": project.members.count(),
                "submissions": hand_ins,
                "grades": grades,
            }
        )
    items.insert(0, ("projects/projects.json", json.dumps(rows, indent=2, ensure_ascii=False).encode()))
    return items


def projects_erase(*, course: Course, pseudonyms: dict[str, str]) -> Erasure:
    """Reports (PDFs), commit archives, links, descriptions and comments go; teams, grades and rubric
    scores stay."""
    erasure = Erasure()
    hand_ins = list(MilestoneSubmission.objects.filter(project__course=course))
    for s in hand_ins:
        pdf = _pdf(s)
        if pdf is not None:
            erasure.files.append(pdf)
        if s.commit_archive:
            erasure.files.append(Path(s.commit_archive.path))
        s.pdf = ""  # type: ignore[assignment]
        s.commit_archive = ""  # type: ignore[assignment]
        s.pdf_original_name = ""
        s.repository_url = ""
    MilestoneSubmission.objects.bulk_update(
        hand_ins, ["pdf", "commit_archive", "pdf_original_name", "repository_url"], batch_size=500
    )
    Project.objects.filter(course=course).update(description="", repository_url="")
    MilestoneGrade.objects.filter(project__course=course).update(comment="")
    erasure.lines.append(
        f"{len(hand_ins)} project hand-ins: {len(erasure.files)} reports, links and comments removed"
    )
    return erasure


PROVIDER = TermProvider(
    name="projects",
    copy=milestones_copy,
    personal_export=projects_personal_export,
    erase=projects_erase,
    order=30,
)
