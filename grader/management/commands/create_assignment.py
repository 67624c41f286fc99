"""``manage.py create_assignment --course CODE --task TASK|--bundle ZIP [--asset PATH ...] [...]``: a new
assignment on a reference task or an instructor's private data bundle (whose leak check is printed), with
read-only files for students (``--asset``, repeatable; the task's own, e.g. a pretrained backbone, come too).

A thin wrapper over ``grader.services.assignment_create``: the reference solution is trained (or taken from
the cache) and submitted through the same pipeline as a student's; a running worker grades it and its score
becomes the baseline. ``--grade-now`` grades it in this process instead (no worker needed).
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Course
from core.errors import PlatformError
from grader import problem_catalog
from grader.models import LeaderboardRule, SubmissionKind
from grader.services import AssignmentRules, assignment_create, submission_grade


def _when(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    value = parse_datetime(text.strip().replace(" ", "T", 1))
    if value is None:
        raise CommandError(f"{option}: {text!r} is not a date and time; write e.g. 2026-10-15T23:59.")
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _kinds(text: str) -> tuple[str, ...]:
    kinds = tuple(k.strip().lower() for k in text.split(",") if k.strip())
    unknown = [k for k in kinds if k not in SubmissionKind.values]
    if not kinds or unknown:
        raise CommandError(
            f"--kinds: {', '.join(unknown) or 'nothing given'} is not a submission kind; "
            f"choose from {','.join(SubmissionKind.values)}."
        )
    return kinds


class Command(BaseCommand):
    help = "Create an assignment on a reference task; its reference solution is graded as the baseline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--course", required=True, help="course code, e.g. VITMMA19")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--task", help="reference task (python -m reference_models list)")
        source.add_argument(
            "--bundle", help="a private data bundle (zip: public/..., hidden/test_labels.csv)"
        )
        parser.add_argument("--title", help="default: the task's title")
        parser.add_argument("--description", default="", help="Markdown")
        parser.add_argument("--kinds", default=",".join(SubmissionKind.values), help="comma-separated")
        parser.add_argument("--points", default="10")
        parser.add_argument("--score-zero-points", type=float, help="score that earns 0 points")
        parser.add_argument("--score-full-points", type=float, help="default: the reference's score")
        parser.add_argument("--opens", help="ISO date and time (default: now)")
        parser.add_argument("--deadline", help="ISO date and time (default: opens + 14 days)")
        parser.add_argument("--late-cutoff", help="ISO date and time (default: no late work)")
        parser.add_argument("--late-penalty", type=float, default=10.0, help="% of the points per day")
        parser.add_argument("--daily-limit", type=int, default=5)
        parser.add_argument("--public-fraction", type=float, default=0.5)
        parser.add_argument("--rule", choices=LeaderboardRule.values, default=LeaderboardRule.BEST)
        parser.add_argument("--wall-seconds", type=int, default=600)
        parser.add_argument("--memory", type=int, default=4096, help="MiB")
        parser.add_argument("--gpu", action="store_true", help="run on the grading-gpu queue")
        parser.add_argument("--reference-epochs", type=int, help="default: the task's own")
        parser.add_argument(
            "--asset",
            action="append",
            default=[],
            metavar="PATH",
            help="a read-only file for students (repeatable): on the page and at /assets in the sandbox",
        )
        parser.add_argument(
            "--asset-description",
            action="append",
            default=[],
            metavar="TEXT",
            help="what the n-th --asset is (repeatable, in the same order)",
        )
        parser.add_argument(
            "--grade-now", action="store_true", help="grade the reference in this process (no worker)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        course = Course.objects.filter(code=options["course"].strip().upper()).first()
        if course is None:
            known = ", ".join(Course.objects.values_list("code", flat=True)) or "none yet"
            raise CommandError(f"No course {options['course']!r} (courses: {known}).")
        task = (options["task"] or "").strip()
        names = problem_catalog.catalog_problem_names()
        if options["bundle"] is None and task not in names:
            raise CommandError(f"Unknown task {task!r}; choose one of {', '.join(names)}.")
        if options["reference_epochs"] is not None and options["reference_epochs"] < 1:
            raise CommandError("--reference-epochs must be at least 1.")
        try:
            points = Decimal(options["points"])
        except InvalidOperation:
            raise CommandError(f"--points: {options['points']!r} is not a number.") from None
        rules = AssignmentRules(
            title=options["title"] or (problem_catalog.catalog_problem(task).title if task else "Homework"),
            description=options["description"],
            kinds=_kinds(options["kinds"]),
            points=points,
            score_zero_points=options["score_zero_points"],
            score_full_points=options["score_full_points"],
            opens_at=_when(options["opens"], "--opens"),
            deadline=_when(options["deadline"], "--deadline"),
            late_cutoff=_when(options["late_cutoff"], "--late-cutoff"),
            late_penalty_percent_per_day=options["late_penalty"],
            daily_limit=options["daily_limit"],
            public_fraction=options["public_fraction"],
            leaderboard_rule=options["rule"],
            wall_seconds=options["wall_seconds"],
            memory_mb=options["memory"],
            use_gpu=options["gpu"],
        )
        paths = [Path(p) for p in options["asset"]]
        descriptions = options["asset_description"]
        if len(descriptions) > len(paths):
            raise CommandError("--asset-description: more descriptions than --asset files.")
        for path in paths:
            if not path.is_file():
                raise CommandError(f"--asset: {str(path)!r} is not a readable file.")
        try:
            with contextlib.ExitStack() as stack:
                assets = [
                    (path.name, stack.enter_context(path.open("rb")), (descriptions[n : n + 1] or [""])[0])
                    for n, path in enumerate(paths)
                ]
                epochs = options["reference_epochs"]
                if options["bundle"] is not None:
                    with open(options["bundle"], "rb") as bundle:
                        assignment = assignment_create(
                            course=course, by=None, bundle=bundle, rules=rules, assets=assets
                        )
                else:
                    assignment = assignment_create(
                        course=course,
                        by=None,
                        task_key=task,
                        rules=rules,
                        reference_epochs=epochs,
                        assets=assets,
                    )
        except OSError as error:
            raise CommandError(f"cannot read {error.filename!r} ({error.strerror}).") from None
        except PlatformError as error:
            raise CommandError(error.message) from None
        for asset in assignment.assets.all():
            self.stdout.write(f"Asset {asset.name}: {asset.size} bytes, SHA-256 {asset.sha256}.")
        if options["bundle"] is not None:
            self.stdout.write(
                f"Assignment {assignment.pk} created in {course.code}: {assignment.title} "
                f"({assignment.task_key}, {assignment.metric}); no reference solution."
            )
            self.stdout.write(assignment.leak_report)
            return
        reference = assignment.submissions.get(is_reference=True)
        self.stdout.write(
            f"Assignment {assignment.pk} created in {course.code}: {assignment.title} ({task}, "
            f"{assignment.metric}); reference submission #{reference.pk} ({reference.kind}) queued."
        )
        if options["grade_now"]:
            submission_grade(submission_id=reference.pk, worker="create_assignment")
            reference.refresh_from_db()
            assignment.refresh_from_db()
            if assignment.baseline_score is None:
                raise CommandError(
                    f"The reference solution was not scored ({reference.verdict}): {reference.verdict_detail}"
                )
            self.stdout.write(f"Baseline {assignment.metric} {assignment.baseline_score:.4f}.")
