"""The grader's part of a term's life (lifecycle.registry): copy the assignments (with their rubrics), export
a person's submissions with their files and logs and their rubric grades, remove the files (and the reasons
students wrote in regrade requests) after the retention period."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from accounts.models import Course, User
from grader.assets import assets_copy
from grader.models import Assignment, GradingComment, ManualGrade, RegradeRequest, Submission
from lifecycle.registry import Erasure, TermProvider, shifted


def assignments_copy(*, source: Course, target: Course, offset: timedelta) -> list[str]:
    """Assignments with their task, bundle, assets, limits and scoring rules, dates moved; the reference
    solution's submission comes along (it sets the baseline; stored files are shared, never changed)."""
    lines = []
    for assignment in Assignment.objects.filter(course=source).order_by("pk"):
        original = Assignment.objects.get(pk=assignment.pk)
        references = list(assignment.submissions.filter(is_reference=True))
        rubric = list(assignment.rubric_items.order_by("order", "pk"))
        title = assignment.title
        assignment.pk = None
        assignment.grades_published_at = None  # a new term's grades are not published yet
        assignment.course = target
        assignment.opens_at = assignment.opens_at + offset
        assignment.deadline = assignment.deadline + offset
        assignment.late_cutoff = shifted(assignment.late_cutoff, offset)
        assignment.save()
        assets_copy(source=original, target=assignment)
        for reference in references:
            reference.pk = None
            reference.assignment = assignment
            reference.save()
        for item in rubric:
            item.pk = None
            item.assignment = assignment
            item.save()
        lines.append(
            f"Assignment “{title}” ({assignment.task_key}), deadline {assignment.deadline:%Y-%m-%d %H:%M}"
        )
    return lines


def _file(field) -> Path | None:  # noqa: ANN001
    if not field:
        return None
    path = Path(field.path)
    return path if path.is_file() else None


def grader_personal_export(*, user: User) -> list[tuple[str, bytes | Path]]:
    items: list[tuple[str, bytes | Path]] = []
    rows = []
    submissions = Submission.objects.filter(user=user, is_reference=False).select_related(
        "assignment", "assignment__course"
    )
    for s in submissions.order_by("received_at", "pk"):
        folder = f"submissions/{s.assignment.course.code}/{s.pk}"
        rows.append(
            {
                "id": s.pk,
                "course": s.assignment.course.code,
                "assignment": s.assignment.title,
                "kind": s.kind,
                "original_name": s.original_name,
                "sha256": s.sha256,
                "status": s.status,
                "verdict": s.verdict,
                "verdict_detail": s.verdict_detail,
                "score": s.score,
                "score_public": s.score_public,
                "score_private": s.score_private,
                "points": str(s.points) if s.points is not None else None,
                "late_days": s.late_days,
                "received_at": s.received_at.isoformat(),
                "scored_at": s.scored_at.isoformat() if s.scored_at else None,
            }
        )
        upload = _file(s.file)
        if upload is not None:
            items.append((f"{folder}/{upload.name}", upload))
        executed = _file(s.executed_html)
        if executed is not None:
            items.append((f"{folder}/executed.html", executed))
        if s.log:
            items.append((f"{folder}/log.txt", s.log.encode()))
    items.insert(0, ("submissions/submissions.json", json.dumps(rows, indent=2, ensure_ascii=False).encode()))
    items.insert(1, ("submissions/manual_grades.json", _manual_grades_json(user=user)))
    return items


def _manual_grades_json(*, user: User) -> bytes:
    """The person's rubric grades with their marks, the comments on the graded submission and the regrade
    requests (staff's views of unpublished grades included: it is data about the person)."""
    rows = []
    for grade in ManualGrade.objects.filter(student=user).select_related("assignment__course").order_by("pk"):
        rows.append(
            {
                "course": grade.assignment.course.code,
                "assignment": grade.assignment.title,
                "submission": grade.submission_id,
                "rubric_points": str(grade.points),
                "marks": {m.item.name: str(m.points) for m in grade.marks.select_related("item")},
                "graded_at": grade.graded_at.isoformat(),
                "comments": [
                    {"cell": c.cell, "text": c.text, "at": c.created_at.isoformat()}
                    for c in GradingComment.objects.filter(submission_id=grade.submission_id).order_by("pk")
                ],
                "regrade_requests": [
                    {
                        "reason": r.reason,
                        "at": r.created_at.isoformat(),
                        "status": r.status,
                        "answer": r.answer,
                        "answered_at": r.answered_at.isoformat() if r.answered_at else None,
                    }
                    for r in grade.regrade_requests.order_by("pk")
                ],
            }
        )
    return json.dumps(rows, indent=2, ensure_ascii=False).encode()


def grader_erase(*, course: Course, pseudonyms: dict[str, str]) -> Erasure:
    """Students' files and logs go; each submission's row (score, points, verdict, times) stays."""
    erasure = Erasure()
    submissions = list(
        Submission.objects.filter(assignment__course=course, is_reference=False).exclude(original_name="")
    )
    for s in submissions:
        erasure.files += [p for p in (_file(s.file), _file(s.executed_html)) if p is not None]
        s.file = ""  # type: ignore[assignment]
        s.executed_html = ""  # type: ignore[assignment]
        s.original_name = ""
        s.log = ""
        s.verdict_detail = ""
    Submission.objects.bulk_update(
        submissions, ["file", "executed_html", "original_name", "log", "verdict_detail"], batch_size=500
    )
    erasure.lines.append(f"{len(submissions)} submissions: {len(erasure.files)} files and their logs removed")
    reasons = (
        RegradeRequest.objects.filter(grade__assignment__course=course).exclude(reason="").update(reason="")
    )
    erasure.lines.append(
        f"{reasons} regrade requests: the students' reasons removed (answers and points kept)"
    )
    return erasure


def bundles_reinstall() -> None:
    """After a restore: install the data bundles again (they live in the reference cache, which backups
    leave out) from the bundle zips that came back with the media files."""
    from grader import problem_catalog

    for assignment in Assignment.objects.exclude(bundle=""):
        path = _file(assignment.bundle)
        if path is not None and not (Path(problem_catalog._root()) / assignment.task_key).exists():
            problem_catalog.catalog_bundle_install(path)


PROVIDER = TermProvider(
    name="grader",
    copy=assignments_copy,
    personal_export=grader_personal_export,
    erase=grader_erase,
    after_restore=bundles_reinstall,
    order=20,
)
