"""The grading pipeline through a real Celery worker: predictions, verdicts, idempotency, the sweeper."""

import base64
import io
import zlib

import nbformat
import pytest

from grader import problem_catalog
from grader.models import Grading, Submission, SubmissionStatus, SubmissionVerdict
from grader.services import submission_create
from tests.grader.conftest import REFERENCE_EPOCHS, assignment_make, wait_done

pytestmark = [pytest.mark.integration, pytest.mark.services]


def upload(assignment, user, content: bytes, name: str) -> Submission:
    return submission_create(assignment=assignment, user=user, upload=io.BytesIO(content), name=name)


def test_reference_predictions_score_exactly_the_baseline(course, student, celery_worker):
    assignment = assignment_make(course, task="fever-regression", kinds=("predictions",))
    reference = assignment.submissions.get(is_reference=True)
    wait_done(reference, worker=celery_worker)
    assert reference.status == SubmissionStatus.SCORED, reference.verdict_detail
    assignment.refresh_from_db()
    assert assignment.baseline_score == reference.score

    predictions = problem_catalog.catalog_reference(
        "fever-regression", epochs=1
    ).predictions_path.read_bytes()
    submission = wait_done(upload(assignment, student, predictions, "preds.csv"), worker=celery_worker)
    assert submission.status == SubmissionStatus.SCORED
    assert submission.verdict == SubmissionVerdict.SCORED
    assert (submission.score, submission.score_public, submission.score_private) == (
        reference.score,
        reference.score_public,
        reference.score_private,
    )
    assert submission.points == assignment.points
    assert submission.queued_at <= submission.started_at <= submission.finished_at <= submission.scored_at
    assert Grading.objects.filter(submission=submission).count() == 1


# --- every reference task, every submission kind ----------------------------------------------------------

SCRIPT_TEMPLATE = '''\
"""Writes the predictions it carries, one line per test id of the public test.npz, in that order."""
import base64, os, zlib
import numpy as np

CARRIED = zlib.decompress(base64.b64decode("{payload}")).decode()
header, *lines = CARRIED.splitlines()
rows = {{int(line.split(",", 1)[0]): line for line in lines}}
ids = np.load(os.path.join(os.environ["DLIP_DATA_DIR"], "test.npz"), allow_pickle=False)["id"]
with open(os.path.join(os.environ["DLIP_OUTPUT_DIR"], "predictions.csv"), "w") as out:
    out.write(header + "\\n")
    for key in ids:
        out.write(rows[int(key)] + "\\n")
print("wrote", len(ids), "predictions")
'''


def carrying_script(predictions: bytes) -> str:
    payload = base64.b64encode(zlib.compress(predictions, 9)).decode()
    return SCRIPT_TEMPLATE.format(payload=payload)


def carrying_notebook(predictions: bytes) -> bytes:
    source = carrying_script(predictions)
    split = source.index("ids = np.load")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source[:split]), nbformat.v4.new_code_cell(source[split:])]
    return nbformat.writes(notebook).encode()


@pytest.mark.parametrize("task", problem_catalog.catalog_problem_names())
def test_reference_scores_exactly_its_baseline_as_predictions_notebook_script_and_model(
    course, student, celery_worker, task
):
    """The reference solution, submitted by a student in each of the four forms, scores its baseline exactly.

    The baseline is the reference's own model graded by the worker (the sandbox's model runner). A student's
    notebook or script is a single uploaded file and may not import our code, so the honest form here is a
    script (and a notebook of two cells) that carries the reference's predictions compressed inside it, reads
    the public ``test.npz`` for the ids and writes ``predictions.csv`` into ``$DLIP_OUTPUT_DIR`` — the same
    pipeline a student's training code ends in. The model form is the reference's weights-only state_dict.
    """
    assignment = assignment_make(course, task=task, wall_seconds=120)
    reference = wait_done(assignment.submissions.get(is_reference=True), worker=celery_worker, timeout=180)
    assert reference.kind == "model" and reference.status == SubmissionStatus.SCORED, reference.log[-2000:]
    assignment.refresh_from_db()
    assert assignment.baseline_score == reference.score is not None

    solution = problem_catalog.catalog_reference(task, epochs=REFERENCE_EPOCHS)
    predictions = solution.predictions_path.read_bytes()
    uploads = {
        "predictions": (predictions, "predictions.csv"),
        "notebook": (carrying_notebook(predictions), "homework.ipynb"),
        "script": (carrying_script(predictions).encode(), "solution.py"),
        "model": (solution.model_path.read_bytes(), "model.pt"),
    }
    submitted = {kind: upload(assignment, student, data, name) for kind, (data, name) in uploads.items()}
    for kind, submission in submitted.items():
        done = wait_done(submission, worker=celery_worker, timeout=180)
        assert done.kind == kind
        assert done.status == SubmissionStatus.SCORED, (kind, done.verdict_detail, done.log[-2000:])
        assert (done.score, done.score_public, done.score_private) == (
            reference.score,
            reference.score_public,
            reference.score_private,
        ), kind
        assert done.points == assignment.points, kind
        assert Grading.objects.filter(submission=done).count() == 1
    assert submitted["notebook"].executed_html  # the executed notebook was rendered for the student
    assert "wrote" in Submission.objects.get(pk=submitted["script"].pk).log
