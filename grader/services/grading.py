"""The grading pipeline: the job sent to a worker, the claim, the sandbox run, the score and the
result recorded once; points refreshed when the baseline or the rules change.

Hidden labels are read by the scorer only; the sandbox gets the task's ``public/`` folder.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from grader import problem_catalog
from grader.models import (
    Assignment,
    Grading,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    SubmissionVerdict,
)
from grader.services.limits import (
    MAX_UPLOAD_BYTES,
    STORED_NAMES,
    _setting,
    max_attempts,
    retry_backoff_seconds,
)
from grader.services.points import points_for
from grader.tasks import grade_submission

logger = logging.getLogger(__name__)


QUEUE_CPU = "grading-cpu"
QUEUE_GPU = "grading-gpu"
MAX_HTML_SOURCE_BYTES = 30 * 1024 * 1024


def submission_queue_name(*, submission: Submission) -> str:
    if submission.kind != SubmissionKind.PREDICTIONS and submission.assignment.use_gpu:
        return QUEUE_GPU
    return QUEUE_CPU


def submission_enqueue(*, submission: Submission, countdown: float | None = None) -> None:
    """Mark the submission queued and send its job once the surrounding transaction commits
    (to be run ``countdown`` seconds later, when given)."""

    Submission.objects.filter(pk=submission.pk).update(
        status=SubmissionStatus.QUEUED, queued_at=timezone.now()
    )
    submission.status = SubmissionStatus.QUEUED
    queue = submission_queue_name(submission=submission)
    transaction.on_commit(
        lambda: _grading_send(submission=submission, queue=queue, task=grade_submission, countdown=countdown),
        robust=True,
    )


def _grading_send(*, submission: Submission, queue: str, task: Any, countdown: float | None = None) -> None:
    """Publish the grading job; a broker that is down never fails the caller nor loses the submission.

    The row stays QUEUED with ``send_failed_at`` set: the student is told that grading is delayed, and the
    sweeper sends the job again once the broker answers. No result is stored or awaited
    (``ignore_result``): waiting for Redis' result backend held uploads for ~19 s while Redis was down.
    """
    try:
        task.apply_async(args=[submission.pk], queue=queue, countdown=countdown, ignore_result=True)
    except Exception as error:  # noqa: BLE001 - any broker failure means "send later", never a lost upload
        logger.warning("grading job of submission %s not sent (broker unreachable): %s", submission.pk, error)
        submission.send_failed_at = timezone.now()
        Submission.objects.filter(pk=submission.pk).update(send_failed_at=submission.send_failed_at)
        return
    if submission.send_failed_at is not None:
        submission.send_failed_at = None
        Submission.objects.filter(pk=submission.pk).update(send_failed_at=None)


@dataclass
class Outcome:
    verdict: str
    detail: str = ""
    log: str = ""
    run_seconds: float | None = None
    peak_memory_bytes: int | None = None
    scores: problem_catalog.Scores | None = None
    executed_html: bytes | None = None
    named_dates: list[dict[str, object]] = field(default_factory=list)
    failure: dict[str, Any] | None = None
    retry: bool = False  # the platform failed, not the student: try again


def submission_grade(*, submission_id: int, worker: str) -> None:
    """Grade one submission: claim it, run ingestion in the sandbox, score, record the result once.

    Safe to call again for the same id (a re-delivered job): only a QUEUED submission is claimed, and a
    result is recorded only by the attempt that holds the claim.
    """
    claimed = Submission.objects.filter(pk=submission_id, status=SubmissionStatus.QUEUED).update(
        status=SubmissionStatus.RUNNING,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
        worker=worker[:200],
    )
    if not claimed:
        logger.info("submission %s not queued (already taken or done); nothing to do", submission_id)
        return
    submission = Submission.objects.select_related("assignment").get(pk=submission_id)
    attempt, generation = submission.attempts, submission.generation
    try:
        outcome = _grade(submission)
    except Exception:
        logger.exception("grading submission %s failed", submission_id)
        outcome = Outcome(
            verdict=SubmissionVerdict.INTERNAL_ERROR,
            detail="The grader failed while handling this submission; the staff can see why.",
            log=traceback.format_exc()[-5000:],
            retry=True,
        )
    _result_record(
        submission_id=submission_id, attempt=attempt, generation=generation, outcome=outcome, worker=worker
    )


def _work_dir(submission: Submission) -> Path:
    # A random name: the sandbox's mountinfo shows the host path of its inputs, and the submission's id
    # is nobody's business there.
    Path(settings.GRADER_WORK_DIR).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="run-", dir=settings.GRADER_WORK_DIR))
    (folder / "submission").mkdir()
    (folder / "output").mkdir()
    for path in (folder, folder / "submission", folder / "output"):
        path.chmod(0o755)
    return folder


def _grade(submission: Submission) -> Outcome:
    assignment = submission.assignment
    spec = problem_catalog.catalog_problem(assignment.task_key)
    work = _work_dir(submission)
    try:
        stored = work / "submission" / STORED_NAMES[SubmissionKind(submission.kind)]
        with submission.file.open("rb") as src, stored.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        stored.chmod(0o644)
        outcome = Outcome(verdict=SubmissionVerdict.SCORED)
        if submission.kind == SubmissionKind.PREDICTIONS:
            predictions = stored  # no student code runs
        else:
            outcome = _ingest(submission=submission, spec=spec, work=work)
            if outcome.verdict != SubmissionVerdict.SCORED:
                return outcome
            predictions = work / "output" / "predictions.csv"
            if predictions.is_symlink() or not predictions.is_file():
                outcome.verdict = SubmissionVerdict.WRONG_FORMAT
                outcome.detail = "The run finished but wrote no predictions.csv into $DLIP_OUTPUT_DIR."
                return outcome
            limit = MAX_UPLOAD_BYTES[SubmissionKind.PREDICTIONS]
            if predictions.stat().st_size > limit:  # parsed here, outside the sandbox: as large as an upload
                outcome.verdict = SubmissionVerdict.WRONG_FORMAT
                outcome.detail = (
                    f"predictions.csv is larger than {limit // (1024 * 1024)} MB; write one line per id."
                )
                return outcome
        Submission.objects.filter(pk=submission.pk).update(finished_at=timezone.now())
        public_ids, private_ids = problem_catalog.catalog_split_ids(
            key=spec.key, public_fraction=assignment.public_fraction, seed=f"assignment-{assignment.pk}"
        )
        try:
            outcome.scores = problem_catalog.catalog_score(
                spec=spec, predictions_path=predictions, public_ids=public_ids, private_ids=private_ids
            )
        except problem_catalog.PredictionFormatError as error:
            outcome.verdict = SubmissionVerdict.WRONG_FORMAT
            outcome.detail = f"Wrong prediction file format: {error}"
        else:
            if spec.named_dates:
                _named_dates_record(
                    outcome=outcome, spec=spec, predictions=predictions, work=work, submission=submission
                )
            scores = outcome.scores
            if scores is not None and not all(
                math.isfinite(v) for v in (scores.full, scores.public, scores.private)
            ):
                # The parser bounds every number, so this is a last guard: an inf or NaN score is never
                # stored (the database refuses it too) and never reaches a leaderboard or a JSON response.
                outcome.scores = None
                outcome.verdict = SubmissionVerdict.WRONG_FORMAT
                outcome.detail = (
                    "Wrong prediction file format: the predictions give no finite score "
                    "(values far too large); check their scale."
                )
        return outcome
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _named_dates_record(
    *,
    outcome: Outcome,
    spec: problem_catalog.ProblemSpec,
    predictions: Path,
    work: Path,
    submission: Submission,
) -> None:
    """Record the named dates' predictions on the outcome. Where the assignment asks for them, a notebook
    or script must have written a valid named_dates.csv agreeing with its predictions; otherwise (or for a
    prediction file or model) they are read from the predictions. A problem fails the run as wrong_format."""
    try:
        handed_in = problem_catalog.catalog_named_dates(
            spec=spec,
            predictions_path=predictions,
            handed_in_path=work / "output" / "named_dates.csv",
            required=submission.assignment.ask_named_dates
            and submission.kind in (SubmissionKind.NOTEBOOK, SubmissionKind.SCRIPT),
        )
    except problem_catalog.PredictionFormatError as error:
        outcome.scores = None
        outcome.verdict = SubmissionVerdict.WRONG_FORMAT
        outcome.detail = f"Named dates: {error}"
        return
    outcome.named_dates = handed_in


_SANDBOX_VERDICTS = {
    "runtime_error": SubmissionVerdict.RUNTIME_ERROR,
    "time_limit": SubmissionVerdict.TIME_LIMIT,
    "memory_limit": SubmissionVerdict.MEMORY_LIMIT,
    "output_too_large": SubmissionVerdict.OUTPUT_LIMIT,
    "process_limit": SubmissionVerdict.PROCESS_LIMIT,
}


def _ingest(*, submission: Submission, spec: problem_catalog.ProblemSpec, work: Path) -> Outcome:
    """Run the student's notebook, script or model in the sandbox; the hidden labels are not mounted."""
    from grader import sandbox
    from grader.assets import assets_sandbox_dir
    from grader.failures import failure_from_log, failure_summary

    assignment = submission.assignment
    public_dir = problem_catalog.catalog_prepare(spec.key) / "public"
    inputs: dict[str, Path] = {sandbox.DATA_MOUNT: public_dir, "/sandbox/submission": work / "submission"}
    env: dict[str, str] = {}
    assets_dir = assets_sandbox_dir(assignment=assignment)
    if assets_dir is not None:  # this assignment's files only, read-only
        inputs[sandbox.ASSETS_MOUNT] = assets_dir
        env["DLIP_ASSETS_DIR"] = sandbox.ASSETS_MOUNT
    # The public files are also linked into the working folder, so a notebook's ./train.npz is found; never
    # under a name the run itself must write (a bundle may ship a predictions.csv).
    links = {
        path.name: f"{sandbox.DATA_MOUNT}/{path.name}"
        for path in sorted(public_dir.iterdir())
        if not path.name.startswith(".") and path.name not in ("predictions.csv", "executed.ipynb")
    }
    if submission.kind == SubmissionKind.SCRIPT:
        command = sandbox.runner_command("script", "/sandbox/submission/solution.py")
    elif submission.kind == SubmissionKind.NOTEBOOK:
        command = sandbox.runner_command(
            "notebook", "/sandbox/submission/solution.ipynb", f"{sandbox.OUTPUT_MOUNT}/executed.ipynb"
        )
        env["DLIP_NOTEBOOK_CWD"] = sandbox.OUTPUT_MOUNT
    else:
        inputs["/sandbox/lib/reference_models"] = problem_catalog.REFERENCE_PACKAGE_DIR
        env["PYTHONPATH"] = "/sandbox/lib"
        command = problem_catalog.catalog_model_command(
            key=spec.key,
            model_mount="/sandbox/submission/model.pt",
            data_mount=sandbox.DATA_MOUNT,
            out=f"{sandbox.OUTPUT_MOUNT}/predictions.csv",
        )
    limits = sandbox.SandboxLimits(
        wall_seconds=float(assignment.wall_seconds),
        cpu_seconds=float(assignment.wall_seconds) * max(1, os.cpu_count() or 1),
        memory_bytes=assignment.memory_mb * 1024 * 1024,
        gpu=assignment.use_gpu and bool(settings.GRADER_USE_GPU),
    )
    result = sandbox.sandbox_run(
        command=command,
        inputs=inputs,
        output_dir=work / "output",
        limits=limits,
        env=env,
        output_links=links if submission.kind != SubmissionKind.MODEL else None,
    )
    outcome = Outcome(
        verdict=SubmissionVerdict.SCORED,
        detail=result.detail,
        log=result.log,
        run_seconds=result.wall_seconds,
        peak_memory_bytes=result.peak_memory_bytes,
    )
    executed = work / "output" / "executed.ipynb"
    if submission.kind == SubmissionKind.NOTEBOOK and executed.is_file() and not executed.is_symlink():
        outcome.executed_html = _notebook_html(executed)
    if result.verdict == sandbox.RunVerdict.SANDBOX_ERROR:
        outcome.verdict, outcome.retry = SubmissionVerdict.INTERNAL_ERROR, True
        outcome.detail = f"The sandbox failed (not your fault): {result.detail}"
    elif result.verdict != sandbox.RunVerdict.OK:
        outcome.verdict = _SANDBOX_VERDICTS.get(str(result.verdict), SubmissionVerdict.RUNTIME_ERROR)
        if outcome.verdict == SubmissionVerdict.RUNTIME_ERROR and submission.kind != SubmissionKind.MODEL:
            outcome.failure = failure_from_log(result.log)
            if outcome.failure is not None:
                where = (
                    gettext("cell %(cell)s") % {"cell": outcome.failure["cell"]}
                    if outcome.failure.get("cell")
                    else gettext("line %(line)s") % {"line": outcome.failure["line"]}
                    if outcome.failure.get("line")
                    else ""
                )
                summary = failure_summary(outcome.failure)
                outcome.detail = (
                    gettext("%(error)s (in %(where)s)") % {"error": summary, "where": where}
                    if where
                    else summary
                )[:2500]
        if submission.kind == SubmissionKind.MODEL and '"error": "ModelLoadError"' in result.log:
            outcome.verdict = SubmissionVerdict.WRONG_FORMAT
            outcome.detail = _model_error_detail(_model_error(result.log))
    return outcome


MODEL_MISMATCH_SUMMARY = 300  # characters of the key mismatch kept after the plain explanation


def _model_error_detail(error: str) -> str:
    """What a refused model file means, in plain words. A state_dict that fits none of the task's networks
    is almost always the student's own architecture: a state_dict holds weights, not the network's code,
    so the grader cannot rebuild it; TorchScript or a notebook/script can be run as they are."""
    if " fits no variant of " not in error:
        return gettext("The model file could not be loaded: %(error)s") % {"error": error}
    mismatch = error.split(": ", 1)[-1]
    if len(mismatch) > MODEL_MISMATCH_SUMMARY:
        mismatch = mismatch[:MODEL_MISMATCH_SUMMARY] + "…"
    return gettext(
        "This state_dict does not fit the task's network, so it is probably your own architecture. A "
        "state_dict holds only the weights, not the code of the network, so the grader cannot rebuild it. "
        "To submit your own architecture, save it as TorchScript "
        '(torch.jit.script(model).save("model.pt")) or hand in the notebook or script that trains it '
        "and writes predictions.csv. The mismatch: %(mismatch)s"
    ) % {"mismatch": mismatch}


def _model_error(log: str) -> str:
    for line in reversed(log.splitlines()):
        if line.startswith("{") and "ModelLoadError" in line:
            try:
                return str(json.loads(line).get("message", ""))[:1000]
            except ValueError:
                break
    return "it is neither TorchScript nor a weights-only state_dict of the task's model."


def _notebook_html(path: Path) -> bytes | None:
    """The executed notebook as HTML (served later with a sandboxing Content-Security-Policy), or None:
    "preview unavailable", never a failed grading.

    The notebook is the student's, so it is rendered in the sandbox under ``GRADER_RENDER_SECONDS`` and
    ``GRADER_RENDER_MEMORY_MB`` (a Markdown cell of thousands of ``![](`` renders in quadratic time).
    """
    from grader import sandbox

    if path.stat().st_size > MAX_HTML_SOURCE_BYTES:
        return None
    folder = Path(tempfile.mkdtemp(prefix="render-", dir=path.parent.parent))
    try:
        (folder / "in").mkdir(mode=0o755)
        (folder / "out").mkdir(mode=0o755)
        folder.chmod(0o755)
        shutil.copyfile(path, folder / "in" / "executed.ipynb")
        (folder / "in" / "executed.ipynb").chmod(0o644)
        seconds = float(_setting("GRADER_RENDER_SECONDS", 60))
        result = sandbox.sandbox_run(
            command=sandbox.runner_command(
                "render", "/sandbox/notebook/executed.ipynb", f"{sandbox.OUTPUT_MOUNT}/executed.html"
            ),
            inputs={"/sandbox/notebook": folder / "in"},
            output_dir=folder / "out",
            limits=sandbox.SandboxLimits(
                wall_seconds=seconds,
                cpu_seconds=seconds,
                memory_bytes=int(_setting("GRADER_RENDER_MEMORY_MB", 1024)) * 1024 * 1024,
                max_output_bytes=2 * MAX_HTML_SOURCE_BYTES,
                max_file_bytes=2 * MAX_HTML_SOURCE_BYTES,
            ),
        )
        page = folder / "out" / "executed.html"
        if result.verdict is not sandbox.RunVerdict.OK or page.is_symlink() or not page.is_file():
            logger.warning("no preview of the executed notebook %s: %s", path, result.detail)
            return None
        return page.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _result_record(
    *, submission_id: int, attempt: int, generation: int, outcome: Outcome, worker: str
) -> None:
    with transaction.atomic():
        submission = Submission.objects.select_for_update().select_related("assignment").get(pk=submission_id)
        if (
            submission.status != SubmissionStatus.RUNNING
            or submission.attempts != attempt
            or submission.generation != generation
        ):
            logger.info("submission %s: attempt %s lost its claim; result dropped", submission_id, attempt)
            return
        now = timezone.now()
        if outcome.retry and attempt < max_attempts():
            submission.log = outcome.log
            submission.verdict_detail = outcome.detail
            submission.save(update_fields=["log", "verdict_detail"])
            # Not back to back: what failed (a mount, a full disk, the database) needs a moment.
            submission_enqueue(submission=submission, countdown=retry_backoff_seconds(attempt=attempt))
            return
        try:
            with transaction.atomic():
                Grading.objects.create(
                    submission=submission,
                    generation=generation,
                    attempt=attempt,
                    verdict=outcome.verdict,
                    score=outcome.scores.full if outcome.scores else None,
                    worker=worker[:200],
                )
        except IntegrityError:
            logger.warning("submission %s generation %s was already graded", submission_id, generation)
            return
        assignment = submission.assignment
        submission.verdict = outcome.verdict
        submission.verdict_detail = outcome.detail or str(SubmissionVerdict(outcome.verdict).label)
        submission.log = outcome.log
        submission.failure = outcome.failure or {}
        submission.run_seconds = outcome.run_seconds
        submission.peak_memory_bytes = outcome.peak_memory_bytes
        submission.finished_at = submission.finished_at or now
        submission.scored_at = now
        submission.review_flag = ""
        if outcome.scores is not None and outcome.verdict == SubmissionVerdict.SCORED:
            submission.status = SubmissionStatus.SCORED
            submission.score = outcome.scores.full
            submission.review_flag = _review_flag(assignment=assignment, submission=submission)
            submission.score_public = outcome.scores.public
            submission.score_private = outcome.scores.private
            if submission.is_reference:
                assignment.baseline_score = outcome.scores.full
                assignment.save(update_fields=["baseline_score"])
            submission.points = points_for(
                assignment=assignment, score=submission.score, late_days=submission.late_days
            )
            submission.named_dates = outcome.named_dates
        else:
            submission.status = SubmissionStatus.FAILED
            submission.named_dates = []
            if submission.verdict == SubmissionVerdict.SCORED:
                submission.verdict = SubmissionVerdict.INTERNAL_ERROR
        if outcome.executed_html:
            submission.executed_html.save(
                f"{submission.pk}-executed.html", ContentFile(outcome.executed_html), save=False
            )
        submission.save()
        if submission.is_reference and submission.status == SubmissionStatus.SCORED:
            assignment_points_refresh(assignment=assignment)


def assignment_points_refresh(*, assignment: Assignment) -> None:
    """Recompute the points and review flags of every scored submission (after the baseline or the rules
    changed)."""
    for submission in Submission.objects.filter(assignment=assignment, status=SubmissionStatus.SCORED):
        points = points_for(assignment=assignment, score=submission.score, late_days=submission.late_days)
        flag = _review_flag(assignment=assignment, submission=submission)
        if points != submission.points or flag != submission.review_flag:
            Submission.objects.filter(pk=submission.pk).update(points=points, review_flag=flag)


def _review_flag(*, assignment: Assignment, submission: Submission) -> str:
    """Why a grader should look at this scored result ("" when nothing is odd); never shown to students."""
    from grader.plausibility import IMPLAUSIBLE_ERROR_SHARE, result_error, result_is_implausible

    if submission.is_reference or submission.score is None:
        return ""
    higher = assignment.higher_is_better
    # A bundle has no reference solution: its score for full points stands in, when set.
    reference = assignment.baseline_score
    if reference is None:
        reference = assignment.score_full_points
    if not result_is_implausible(score=submission.score, reference=reference, higher_is_better=higher):
        return ""
    assert reference is not None
    return gettext(
        "Implausibly far ahead of the reference: error %(error).4f, the reference's %(reference).4f "
        "(flagged below %(share)d%% of it). Check the code for a lookup of the test inputs in bundled "
        "data or for leaked labels."
    ) % {
        "error": result_error(score=submission.score, higher_is_better=higher),
        "reference": result_error(score=reference, higher_is_better=higher),
        "share": round(100 * IMPLAUSIBLE_ERROR_SHARE),
    }
