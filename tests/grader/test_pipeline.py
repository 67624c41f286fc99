"""The grading pipeline through a real Celery worker: predictions, verdicts, idempotency, the sweeper."""

import base64
import io
import zlib

import nbformat
import pytest
from django.urls import reverse

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


# --- homework 3: the named dates recorded separately ----------------------------------------------------

NAMED_DATES_LINES = """
listed = open(os.path.join(os.environ["DLIP_DATA_DIR"], "named_dates_ids.csv")).read().split()[1:]
named = dict(line.split(",") for line in listed)
with open(os.path.join(os.environ["DLIP_OUTPUT_DIR"], "named_dates.csv"), "w") as out:
    out.write("date," + header.split(",", 1)[1] + "\\n")
    for date, key in named.items():
        out.write(date + "," + rows[int(key)].split(",", 1)[1] + "\\n")
"""


def test_homework_3_asks_for_the_named_dates_and_shows_them(course, student, celery_worker, client):
    """An assignment that asks for the named dates scores a script that writes named_dates.csv beside its
    predictions and records the three dates' values; the same script without the file, or with made-up
    values, fails as wrong_format saying why; an uploaded prediction file gets them from its rows."""
    assignment = assignment_make(
        course, task="weather-forecast", kinds=("predictions", "script"), ask_named_dates=True
    )
    wait_done(assignment.submissions.get(is_reference=True), worker=celery_worker, timeout=180)
    predictions = problem_catalog.catalog_reference(
        "weather-forecast", epochs=REFERENCE_EPOCHS
    ).predictions_path
    carried = carrying_script(predictions.read_bytes())
    named = dict(problem_catalog.catalog_problem("weather-forecast").named_dates)

    good = wait_done(
        upload(assignment, student, (carried + NAMED_DATES_LINES).encode(), "hw3.py"), timeout=180
    )
    assert good.status == SubmissionStatus.SCORED, (good.verdict_detail, good.log[-2000:])
    assert [row["date"] for row in good.named_dates] == list(named)
    rows = {int(line.split(",")[0]): line for line in predictions.read_text().splitlines()[1:]}
    for row in good.named_dates:
        assert row["values"] == pytest.approx([float(v) for v in rows[row["id"]].split(",")[1:]], abs=1e-9)

    missing = wait_done(upload(assignment, student, carried.encode(), "forgot.py"), timeout=180)
    assert missing.status == SubmissionStatus.FAILED and missing.verdict == SubmissionVerdict.WRONG_FORMAT
    assert "named_dates.csv" in missing.verdict_detail and missing.named_dates == []

    made_up = carried + NAMED_DATES_LINES.replace('rows[int(key)].split(",", 1)[1]', '"1,2,3"')
    wrong = wait_done(upload(assignment, student, made_up.encode(), "made_up.py"), timeout=180)
    assert wrong.verdict == SubmissionVerdict.WRONG_FORMAT and "same model" in wrong.verdict_detail

    uploaded = wait_done(upload(assignment, student, predictions.read_bytes(), "p.csv"), timeout=180)
    assert uploaded.status == SubmissionStatus.SCORED
    assert [row["values"] for row in uploaded.named_dates] == [row["values"] for row in good.named_dates]

    client.force_login(student)
    page = client.get(reverse("grader:submission", args=[good.pk])).content.decode()
    assert 'id="named-dates"' in page and list(named)[0] in page
    assert (
        'id="named-dates-ask"'
        in client.get(reverse("grader:assignment", args=[assignment.pk])).content.decode()
    )
