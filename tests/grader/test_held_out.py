"""Held-out data that stay held out (issue 10 §1): practice-only tasks give no points, an uploaded bundle is
checked for test inputs the sandbox can read, results implausibly far ahead of the reference are flagged for
a grader, and the built-in test sets are keyed by the deployment's data secret."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from core.errors import PlatformError
from grader import problem_catalog
from grader.models import Assignment, SubmissionStatus
from grader.services import AssignmentRules, assignment_create, submission_create, submission_grade
from tests.conftest import subprocess_env
from tests.grader.conftest import REFERENCE_EPOCHS, assignment_make

pytestmark = pytest.mark.services

PRACTICE_ONLY = ("weather-forecast", "nyc-temperature-lstm", "texture-transfer")


def _rules(**extra) -> AssignmentRules:
    extra.setdefault("title", "Homework")
    extra.setdefault("kinds", ("predictions",))
    extra.setdefault("score_zero_points", 1000.0)
    return AssignmentRules(**extra)


# --- practice-only tasks -----------------------------------------------------------------------------


@pytest.mark.parametrize("task", PRACTICE_ONLY)
def test_a_graded_assignment_on_a_practice_only_task_is_refused_pointing_to_a_private_bundle(course, task):
    assert problem_catalog.catalog_problem(task).practice_only
    with pytest.raises(PlatformError) as refused:
        assignment_create(course=course, by=None, task_key=task, rules=_rules(points=Decimal("10")))
    message = refused.value.message
    assert f"{task} is practice only" in message and "private data bundle" in message, message
    assert "Set the points to 0" in message
    assert not Assignment.objects.exists()


def test_the_retired_seattle_lstm_takes_no_new_assignment_and_names_its_successor(course):
    """temperature-lstm stays for the assignments made on it (their data and baseline keep their meaning),
    but a new one is refused, pointing to the task on observed weather."""
    assert "temperature-lstm" not in problem_catalog.catalog_problem_names()
    assert "nyc-temperature-lstm" in problem_catalog.catalog_problem_names()
    with pytest.raises(PlatformError) as refused:
        assignment_create(
            course=course, by=None, task_key="temperature-lstm", rules=_rules(points=Decimal("0"))
        )
    assert "nyc-temperature-lstm" in refused.value.message
    assert problem_catalog.catalog_problem("temperature-lstm").n_test > 0  # old assignments still read it
    assert not Assignment.objects.exists()


def test_the_sequence_task_gives_no_points_to_repeating_the_last_hour_by_default(course):
    """No score for zero points given: the task's persistence baseline's score is the zero."""
    spec = problem_catalog.catalog_problem("nyc-temperature-lstm")
    assert spec.zero_points_baseline == "persistence" and spec.zero_points_score is not None
    assert 2.0 < spec.zero_points_score < 4.0  # MAE in C of repeating the last observed hour
    rules = _rules(points=Decimal("0"))
    rules = AssignmentRules(**{**rules.__dict__, "score_zero_points": None})
    assignment = assignment_create(
        course=course,
        by=None,
        task_key="nyc-temperature-lstm",
        rules=rules,
        reference_epochs=REFERENCE_EPOCHS,
    )
    assert assignment.score_zero_points == spec.zero_points_score


def test_a_practice_assignment_with_zero_points_on_a_practice_only_task_is_created(course):
    assignment = assignment_make(course, task="weather-forecast", points=Decimal("0"))
    assert assignment.points == 0 and assignment.task_key == "weather-forecast"


def test_making_a_practice_assignment_graded_later_is_refused_too(course):
    from grader.services import assignment_update

    assignment = assignment_make(course, task="weather-forecast", points=Decimal("0"))
    with pytest.raises(PlatformError, match="practice only"):
        assignment_update(assignment=assignment, by=None, rules=_rules(points=Decimal("5")))
    assignment.refresh_from_db()
    assert assignment.points == 0


def test_graded_built_in_tasks_are_accepted(course):
    for task in ("digits-cnn", "fever-regression", "fever-classification"):
        assert not problem_catalog.catalog_problem(task).practice_only


def test_the_command_refuses_a_graded_practice_only_task_with_the_reason(course):
    with pytest.raises(CommandError) as refused:
        call_command(
            "create_assignment", "--course", "VITMMA19", "--task", "weather-forecast",
            "--score-zero-points", "5", "--reference-epochs", str(REFERENCE_EPOCHS), stdout=io.StringIO(),
        )  # fmt: skip
    assert "practice only" in str(refused.value) and "private data bundle" in str(refused.value)
    assert not Assignment.objects.exists()


def _form(**extra):
    form = {
        "title": "Weather", "task": "weather-forecast", "kinds": ["predictions"], "points": "10",
        "score_zero_points": "5", "opens_at": "2026-01-01T08:00", "deadline": "2026-01-15T08:00",
        "late_penalty_percent_per_day": "10", "daily_limit": "5", "public_fraction": "0.5",
        "leaderboard_rule": "best", "wall_seconds": "60", "memory_mb": "1024",
    }  # fmt: skip
    form.update(extra)
    return form


def test_the_form_refuses_a_graded_practice_only_task_with_the_reason(client, course, instructor):
    client.force_login(instructor)
    response = client.post(reverse("grader:assignment_new", args=[course.code]), _form())
    assert response.status_code == 400
    body = response.content.decode()
    assert "weather-forecast is practice only" in body and "private data bundle" in body
    assert not Assignment.objects.exists()


# --- the leak check of an uploaded bundle ------------------------------------------------------------


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _bundle(test_x: np.ndarray, train_x: np.ndarray, labels: np.ndarray) -> bytes:
    manifest = {
        "metric": "accuracy",
        "classes": [str(c) for c in range(10)],
        "n_test": len(test_x),
        "prediction_format": {"header": ["id", "label"]},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("public/manifest.json", json.dumps(manifest))
        archive.writestr("public/test.npz", _npz(id=np.arange(len(test_x)), x=test_x))
        archive.writestr("public/train.npz", _npz(x=train_x, y=np.zeros(len(train_x), dtype=np.int64)))
        archive.writestr(
            "hidden/test_labels.csv", "id,label\n" + "".join(f"{i},{int(v)}\n" for i, v in enumerate(labels))
        )
    return buffer.getvalue()


def test_a_bundle_cut_from_scikit_learns_digits_and_its_own_train_file_is_reported(
    course, settings, tmp_path
):
    from sklearn.datasets import load_digits

    settings.MEDIA_ROOT = tmp_path / "media"
    digits = load_digits()
    rng = np.random.default_rng(3)
    own = rng.integers(0, 17, (30, 64)).astype(np.float64)
    # 40 digits as they ship (brightness rescaled: still the same images), 30 copies of the bundle's own
    # training inputs, 30 fresh inputs nobody has
    test_x = np.concatenate([digits.data[:40] * 15.0, own, rng.integers(0, 17, (30, 64)).astype(np.float64)])
    bundle = _bundle(test_x, np.concatenate([own, rng.normal(size=(50, 64))]), np.zeros(100))
    assignment = assignment_create(course=course, by=None, bundle=io.BytesIO(bundle), rules=_rules(points=5))
    report = assignment.leak_report
    assert "Warning: some test inputs can be looked up" in report, report
    assert "40 test input(s) duplicate rows of scikit-learn digits (8x8)" in report, report
    assert "30 test input(s) duplicate rows of the bundle's public train.npz[x]" in report, report
    assert "70 of 100 test inputs can be looked up" in report, report


def test_the_command_prints_the_leak_report_of_a_bundle(course, settings, tmp_path):
    from sklearn.datasets import load_digits

    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "bundle.zip"
    path.write_bytes(_bundle(load_digits().data[:20], np.zeros((5, 64)), np.zeros(20)))
    out = io.StringIO()
    call_command(
        "create_assignment", "--course", "VITMMA19", "--bundle", str(path), "--kinds", "predictions",
        "--points", "5", stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "20 test input(s) duplicate rows of scikit-learn digits (8x8)" in text, text
    assert Assignment.objects.get().leak_report in text
    with pytest.raises(CommandError, match="cannot read"):
        call_command("create_assignment", "--course", "VITMMA19", "--bundle", str(tmp_path / "no.zip"))


def test_a_bundle_of_fresh_data_is_reported_clean(course, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    rng = np.random.default_rng(4)
    bundle = _bundle(rng.normal(size=(60, 64)), rng.normal(size=(60, 64)), np.zeros(60))
    assignment = assignment_create(course=course, by=None, bundle=io.BytesIO(bundle), rules=_rules(points=5))
    assert "No test input duplicates data the sandbox can read" in assignment.leak_report
    assert "Warning" not in assignment.leak_report


def test_the_form_shows_the_instructor_the_leak_report(client, course, instructor, settings, tmp_path):
    from sklearn.datasets import load_digits

    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(instructor)
    bundle = _bundle(load_digits().data[:20], np.zeros((5, 64)), np.zeros(20))
    form = _form(task="", bundle=SimpleUploadedFile("bundle.zip", bundle, content_type="application/zip"))
    response = client.post(reverse("grader:assignment_new", args=[course.code]), form, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "some test inputs can be looked up" in body and "scikit-learn digits (8x8)" in body
    assert 'id="leak-report"' in body  # and it stays on the assignment's staff card


def test_the_leak_check_is_bounded_in_time_and_says_so():
    from reference_models.leaks import leak_check

    rng = np.random.default_rng(5)
    report = leak_check(
        test_x=rng.normal(size=(3000, 64)),
        public={},
        sources={"s": rng.normal(size=(100, 64))},
        budget_seconds=0,
    )
    assert not report.complete and report.checked_rows < 3000 and "stopped at the time limit" in report.text()
    report = leak_check(test_x=rng.normal(size=(50, 64)), public={}, sources={}, max_rows=10)
    assert report.checked_rows == 10 and not report.complete


# --- implausible results -----------------------------------------------------------------------------


def _predictions(values: list[int]) -> bytes:
    return ("id,label\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values))).encode()


def test_a_result_far_ahead_of_the_reference_is_flagged_for_the_staff_only(
    client, course, student, other_student, grader_user, settings, tmp_path
):
    """The true labels (what a lookup gets) score far above the reference: flagged with the reason on the
    staff's pages; the student's page and JSON do not show it. The reference's own predictions are not."""
    settings.MEDIA_ROOT = tmp_path / "media"
    assignment = assignment_make(course, task="fever-classification", kinds=("predictions",))
    reference = assignment.submissions.get(is_reference=True)
    submission_grade(submission_id=reference.pk, worker="test")
    assignment.refresh_from_db()
    assert assignment.baseline_score is not None and assignment.baseline_score < 1.0

    hidden = problem_catalog.catalog_prepare("fever-classification") / "hidden" / "test_labels.csv"
    truth = [int(line.split(",")[1]) for line in hidden.read_text().splitlines()[1:]]
    looked_up = submission_create(
        assignment=assignment, user=student, upload=io.BytesIO(_predictions(truth)), name="p.csv"
    )
    honest_bytes = problem_catalog.catalog_reference("fever-classification", epochs=REFERENCE_EPOCHS)
    honest = submission_create(
        assignment=assignment,
        user=other_student,
        upload=io.BytesIO(honest_bytes.predictions_path.read_bytes()),
        name="p.csv",
    )
    for submission in (looked_up, honest):
        submission_grade(submission_id=submission.pk, worker="test")
        submission.refresh_from_db()
        assert submission.status == SubmissionStatus.SCORED
    assert looked_up.score == 1.0
    assert "Implausibly far ahead of the reference" in looked_up.review_flag
    assert honest.review_flag == ""

    client.force_login(grader_user)
    staff_page = client.get(reverse("grader:submission", args=[looked_up.pk])).content.decode()
    assert "Implausibly far ahead of the reference" in staff_page
    card = client.get(reverse("grader:assignment", args=[assignment.pk])).content.decode()
    assert 'id="flagged"' in card and f"#{looked_up.pk}" in card

    client.force_login(student)
    for url in (
        reverse("grader:submission", args=[looked_up.pk]),
        reverse("grader:assignment", args=[assignment.pk]),
        reverse("grader:submission_status", args=[looked_up.pk]),
    ):
        body = client.get(url).content.decode()
        assert "Implausibly" not in body and "review" not in body.lower(), url


def test_the_rule_of_implausible_margins():
    from grader.plausibility import result_is_implausible

    # accuracy: the reference misses 6%; missing under 2% is flagged
    assert result_is_implausible(score=0.99, reference=0.94, higher_is_better=True)
    assert not result_is_implausible(score=0.97, reference=0.94, higher_is_better=True)
    # MAE: a third of the reference's error
    assert result_is_implausible(score=0.04, reference=0.13, higher_is_better=False)
    assert not result_is_implausible(score=0.10, reference=0.13, higher_is_better=False)
    # nothing to compare with
    assert not result_is_implausible(score=1.0, reference=None, higher_is_better=True)
    assert not result_is_implausible(score=1.0, reference=1.0, higher_is_better=True)


# --- the data secret ---------------------------------------------------------------------------------


def _test_inputs(task: str) -> bytes:
    return (problem_catalog.catalog_prepare(task) / "public" / "test.npz").read_bytes()


def test_the_test_set_follows_the_data_secret_and_a_new_secret_reuses_no_cached_file(settings):
    settings.GRADER_DATA_SECRET = "first deployment"
    first = problem_catalog.catalog_prepare("fever-regression")
    first_inputs = _test_inputs("fever-regression")
    settings.GRADER_DATA_SECRET = "second deployment"
    second = problem_catalog.catalog_prepare("fever-regression")
    assert second != first and _test_inputs("fever-regression") != first_inputs
    assert "second deployment" not in str(second) and "first deployment" not in str(first)
    settings.GRADER_DATA_SECRET = "first deployment"
    assert problem_catalog.catalog_prepare("fever-regression") == first


def test_another_process_with_the_same_settings_builds_the_same_files(settings, tmp_path):
    """Web and worker processes prepare on their own: the same secret must give the same bytes."""
    settings.GRADER_DATA_SECRET = "shared by web and workers"
    settings.REFERENCE_CACHE_DIR = tmp_path / "web"
    mine = _test_inputs("digits-cnn")
    code = (
        "import django, hashlib; django.setup(); from grader import problem_catalog; "
        "print(hashlib.sha256((problem_catalog.catalog_prepare('digits-cnn') / 'public' / 'test.npz')"
        ".read_bytes()).hexdigest())"
    )
    env = subprocess_env(
        GRADER_DATA_SECRET="shared by web and workers", REFERENCE_CACHE_DIR=str(tmp_path / "w")
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "PYTHONPATH": f"{root / 'platform'}:{root}"},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    import hashlib

    assert result.stdout.strip().splitlines()[-1] == hashlib.sha256(mine).hexdigest()


def test_a_folder_prepared_before_the_named_dates_is_brought_up_to_date(settings, tmp_path):
    """A deployment's cached weather-forecast folder from before data_version 2 gets named_dates_ids.csv
    on its next use; its split (and so every stored score) is unchanged."""
    settings.REFERENCE_CACHE_DIR = tmp_path
    data = problem_catalog.catalog_prepare("weather-forecast")
    test_before = (data / "hidden" / "test_labels.csv").read_bytes()
    (data / "public" / "named_dates_ids.csv").unlink()
    (data / ".prepared").write_text("ok\n")  # the marker as an older version wrote it
    data = problem_catalog.catalog_prepare("weather-forecast")
    assert (data / "public" / "named_dates_ids.csv").is_file()
    assert (data / "hidden" / "test_labels.csv").read_bytes() == test_before
    assert dict(problem_catalog.catalog_problem("weather-forecast").named_dates)["2015-06-21"] == 171
