"""A hostile prediction file is a wrong_format naming its line, at upload and in the worker; never a 500,
an internal error or a score that is not a finite number (issue 10 §5)."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.errors import PlatformError
from core.renderers import FiniteJSONRenderer
from grader import problem_catalog
from grader.models import Grading, Submission, SubmissionKind, SubmissionStatus, SubmissionVerdict
from grader.services import submission_create, submission_grade
from tests.grader.conftest import assignment_make

REGRESSION = "fever-regression"  # id,temp_2h over 200 test ids
CLASSES = "fever-classification"  # id,label with 3 classes


def _good_lines(key: str) -> list[str]:
    spec = problem_catalog.catalog_problem(key)
    value = "0" if spec.is_classification else "37.5"
    return ["id," + ",".join(spec.columns)] + [f"{i},{value}" for i in range(spec.n_test)]


def _file(tmp_path: Path, lines: list[str] | bytes, name: str = "predictions.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(lines if isinstance(lines, bytes) else ("\n".join(lines) + "\n").encode())
    return path


def _with_line(key: str, line_no: int, text: str) -> list[str]:
    lines = _good_lines(key)
    lines[line_no - 1] = text
    return lines


# Each hostile file, and the words its error must contain (the line at fault where there is one).
HOSTILE: list[tuple[str, str, object, list[str]]] = [
    (
        "id of 4,000 digits",
        REGRESSION,
        lambda: _with_line(REGRESSION, 3, "9" * 4000 + ",37.5"),
        ["Line 3", "id"],
    ),
    ("id of 5,000 digits", REGRESSION, lambda: _with_line(REGRESSION, 3, "9" * 5000 + ",37.5"), ["Line 3"]),
    (
        "label of 4,000 digits",
        CLASSES,
        lambda: _with_line(CLASSES, 4, "2," + "1" * 4000),
        ["Line 4", "label"],
    ),
    (
        "id of 19 digits (past int64)",
        REGRESSION,
        lambda: _with_line(REGRESSION, 2, "1" * 19 + ",1"),
        ["Line 2"],
    ),
    ("value near 1e308", REGRESSION, lambda: _with_line(REGRESSION, 5, "3,1.7e308"), ["Line 5", "too large"]),
    ("value 1e400 (inf)", REGRESSION, lambda: _with_line(REGRESSION, 6, "4,1e400"), ["Line 6"]),
    (
        "value of 100,000 digits",
        REGRESSION,
        lambda: _with_line(REGRESSION, 7, "5," + "1" * 100_000),
        ["Line 7"],
    ),
    ("NaN literal", REGRESSION, lambda: _with_line(REGRESSION, 2, "0,nan"), ["Line 2", "not a number"]),
    ("inf literal", REGRESSION, lambda: _with_line(REGRESSION, 2, "0,inf"), ["Line 2"]),
    ("Infinity literal", REGRESSION, lambda: _with_line(REGRESSION, 2, "0,-Infinity"), ["Line 2"]),
    ("Arabic-Indic digits", REGRESSION, lambda: _with_line(REGRESSION, 2, "٠,٣٧"), ["Line 2"]),
    ("underscore in a number", REGRESSION, lambda: _with_line(REGRESSION, 2, "0,1_000"), ["Line 2"]),
    ("duplicate id", REGRESSION, lambda: _with_line(REGRESSION, 4, "0,36.6"), ["Line 4", "line 2"]),
    ("too few columns", REGRESSION, lambda: _with_line(REGRESSION, 3, "1"), ["Line 3", "fields"]),
    ("too many columns", REGRESSION, lambda: _with_line(REGRESSION, 3, "1,2,3"), ["Line 3", "fields"]),
    ("blank line", REGRESSION, lambda: _with_line(REGRESSION, 3, ""), ["Line 3", "empty"]),
    ("unterminated quote", REGRESSION, lambda: _with_line(REGRESSION, 3, '1,"37.5'), ["Line 3"]),
    ("enormous line", REGRESSION, lambda: _with_line(REGRESSION, 8, "6," + "7" * 3_000_000), ["Line 8"]),
    ("many empty fields", REGRESSION, lambda: _with_line(REGRESSION, 9, "," * 2_000_000), ["Line 9"]),
    ("NUL byte", REGRESSION, lambda: _with_line(REGRESSION, 5, "3,37\x005"), ["Line 5", "NUL"]),
    ("too few rows", REGRESSION, lambda: _good_lines(REGRESSION)[:-20], ["20 test ids have no prediction"]),
    ("too many rows", REGRESSION, lambda: [*_good_lines(REGRESSION), "200,1.0"], ["Line 202", "200"]),
    ("class out of range", CLASSES, lambda: _with_line(CLASSES, 2, "0,3"), ["Line 2", "outside"]),
    ("wrong header", REGRESSION, lambda: _with_line(REGRESSION, 1, "id,prediction"), ["Line 1", "header"]),
    (
        "Latin-2 bytes",
        REGRESSION,
        lambda: "\n".join(_good_lines(REGRESSION)[:3]).encode() + b"\n1,\xe9\n",
        ["Line 4", "UTF-8"],
    ),
    ("UTF-16 with BOM", REGRESSION, lambda: "\n".join(_good_lines(REGRESSION)).encode("utf-16"), ["UTF-16"]),
    ("BOM in the middle", REGRESSION, lambda: _with_line(REGRESSION, 3, "\ufeff1,37.5"), ["Line 3"]),
    (
        "only a carriage return between lines",
        REGRESSION,
        lambda: "\r".join(_good_lines(REGRESSION)).encode(),
        ["Line 1"],
    ),
]


@pytest.mark.parametrize(("name", "task", "make", "words"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_prediction_file_is_a_format_error_naming_the_line(tmp_path, name, task, make, words):
    path = _file(tmp_path, make())
    with pytest.raises(problem_catalog.PredictionFormatError) as caught:
        problem_catalog.catalog_validate(spec=problem_catalog.catalog_problem(task), path=path)
    message = str(caught.value)
    for word in words:
        assert word in message, message
    assert len(message) < 400, "an error message quotes at most a short piece of the file"


def test_a_utf8_bom_and_crlf_line_ends_are_accepted(tmp_path):
    path = _file(tmp_path, ("\ufeff" + "\r\n".join(_good_lines(REGRESSION)) + "\r\n").encode())
    assert (
        problem_catalog.catalog_validate(spec=problem_catalog.catalog_problem(REGRESSION), path=path) == 200
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    line=st.integers(min_value=2, max_value=201),
    junk=st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.sampled_from([b"9" * 5000, b"1e999", b"-0x1p3", b"\xff\xfe", b'"', b"1,2,3", b"\r", b"\x00"]),
        st.builds(
            lambda digits, tail: b"9" * digits + tail,
            st.integers(min_value=1, max_value=6000),
            st.sampled_from([b",1", b",1e308", b",nan", b""]),
        ),
    ),
)
def test_no_bytes_make_the_parser_raise_anything_but_a_format_error(tmp_path, line, junk):
    lines = [text.encode() for text in _good_lines(REGRESSION)]
    lines[line - 1] = junk
    path = tmp_path / "fuzz.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    try:
        problem_catalog.catalog_validate(spec=problem_catalog.catalog_problem(REGRESSION), path=path)
    except problem_catalog.PredictionFormatError as error:
        assert str(error)
        assert len(str(error)) < 400


# --- through the services, the API and the worker's grading service ---------------------------------------


@pytest.fixture
def regression(db, course):
    return assignment_make(course, task=REGRESSION, daily_limit=100)


def test_upload_of_an_id_of_thousands_of_digits_is_refused_and_stores_nothing(regression, student):
    before = Submission.objects.count()
    content = ("\n".join(_with_line(REGRESSION, 3, "9" * 5000 + ",1")) + "\n").encode()
    with pytest.raises(PlatformError) as caught:
        submission_create(assignment=regression, user=student, upload=io.BytesIO(content), name="p.csv")
    assert caught.value.code == "wrong_format" and "Line 3" in caught.value.message
    assert Submission.objects.count() == before


def test_the_api_answers_a_hostile_upload_with_json_naming_the_line(regression, student):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=student).key}")
    content = ("\n".join(_with_line(REGRESSION, 4, "2," + "1" * 5000)) + "\n").encode()
    response = client.post(
        f"/api/assignments/{regression.pk}/submissions/",
        {"file": ContentFile(content, name="predictions.csv")},
        format="multipart",
    )
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["code"] == "wrong_format" and "Line 4" in body["detail"]


def _stored_without_checks(assignment, user, content: bytes) -> Submission:
    """A row whose file never passed the upload checks (the worker must not trust them)."""
    return Submission.objects.create(
        assignment=assignment,
        user=user,
        kind=SubmissionKind.PREDICTIONS,
        file=ContentFile(content, name="predictions.csv"),
        original_name="predictions.csv",
        size=len(content),
        sha256="0" * 64,
        received_at=timezone.now(),
        status=SubmissionStatus.QUEUED,
    )


@pytest.mark.parametrize(
    ("line", "words"),
    [("9" * 5000 + ",1", ["Line 3"]), ("1,1.7e308", ["Line 3", "too large"]), ("1,nan", ["Line 3"])],
    ids=["huge id", "value near 1e308", "nan"],
)
def test_the_worker_grades_a_hostile_file_wrong_format_once_not_an_internal_error(
    regression, student, line, words
):
    content = ("\n".join(_with_line(REGRESSION, 3, line)) + "\n").encode()
    submission = _stored_without_checks(regression, student, content)
    submission_grade(submission_id=submission.pk, worker="test-worker")
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.FAILED
    assert submission.verdict == SubmissionVerdict.WRONG_FORMAT, submission.verdict_detail
    assert submission.attempts == 1, "a student's file is not retried as the platform's failure"
    for word in words:
        assert word in submission.verdict_detail
    assert submission.score is None
    assert Grading.objects.filter(submission=submission).count() == 1


def test_predictions_of_1e100_score_a_finite_number(regression, student):
    """The largest accepted values still give a finite MAE (the old parser let 1e308 through: inf)."""
    content = ("\n".join(["id,temp_2h"] + [f"{i},-1e100" for i in range(200)]) + "\n").encode()
    submission = submission_create(
        assignment=regression, user=student, upload=io.BytesIO(content), name="predictions.csv"
    )
    submission_grade(submission_id=submission.pk, worker="test-worker")
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.SCORED, submission.verdict_detail
    assert math.isfinite(submission.score) and math.isfinite(submission.score_public)


def _refused_or_null(write, read) -> None:
    """PostgreSQL refuses inf and NaN (the CHECK); SQLite refuses inf and stores NaN as NULL."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return
    assert read() is None


@pytest.mark.services
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan], ids=["inf", "-inf", "nan"])
def test_the_database_never_holds_a_score_that_is_not_finite(regression, student, value):
    content = ("\n".join(_good_lines(REGRESSION)) + "\n").encode()
    submission = _stored_without_checks(regression, student, content)
    rows = Submission.objects.filter(pk=submission.pk)
    for field in ("score", "score_public", "score_private"):
        _refused_or_null(
            lambda field=field: rows.update(**{field: value}),
            lambda field=field: rows.values_list(field, flat=True).get(),
        )
    grading = Grading.objects.create(submission=submission, generation=1, attempt=1, verdict="scored")
    gradings = Grading.objects.filter(pk=grading.pk)
    _refused_or_null(
        lambda: gradings.update(score=value), lambda: gradings.values_list("score", flat=True).get()
    )
    assignments = type(regression).objects.filter(pk=regression.pk)
    _refused_or_null(
        lambda: assignments.update(baseline_score=value),
        lambda: assignments.values_list("baseline_score", flat=True).get(),
    )
    if not math.isnan(value):  # inf is refused everywhere, not just turned into NULL
        with pytest.raises(IntegrityError), transaction.atomic():
            rows.update(score=value)


def test_the_json_renderer_writes_nan_and_infinity_as_null():
    data = {"score": math.inf, "rows": [{"score": -math.inf}, {"score": math.nan}, {"score": 1.5}]}
    text = FiniteJSONRenderer().render(data)
    assert b"Infinity" not in text and b"NaN" not in text
    assert json.loads(text) == {"score": None, "rows": [{"score": None}, {"score": None}, {"score": 1.5}]}


def _repair_function():
    """The migration's data repair, found by name (the lead may renumber the migration when merging)."""
    import importlib

    folder = Path(__file__).resolve().parents[2] / "grader" / "migrations"
    for path in sorted(folder.glob("0*.py")):
        if "def non_finite_scores_repair" in path.read_text():
            return importlib.import_module(f"grader.migrations.{path.stem}").non_finite_scores_repair
    raise AssertionError("the migration with non_finite_scores_repair is gone")


@pytest.mark.services
def test_the_migration_turns_stored_infinite_scores_into_wrong_format_results(regression, student):
    """Rows stored before the CHECKs existed: the migration makes them valid before adding them."""
    from django.apps import apps
    from django.db import connection

    content = ("\n".join(_good_lines(REGRESSION)) + "\n").encode()
    broken = _stored_without_checks(regression, student, content)
    fine = _stored_without_checks(regression, student, content)
    grading = Grading.objects.create(submission=broken, generation=1, attempt=1, verdict="scored")
    with connection.cursor() as cursor:  # as it was: no CHECK (rolled back with the test's transaction)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign key checks: ALTER may run
            for model in (Submission, Grading, type(regression)):
                for constraint in model._meta.constraints:
                    if constraint.name.endswith("_finite"):
                        cursor.execute(
                            f"ALTER TABLE {model._meta.db_table} DROP CONSTRAINT {constraint.name}"
                        )
        else:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
    try:
        Submission.objects.filter(pk=broken.pk).update(
            status=SubmissionStatus.SCORED, score=math.inf, score_public=math.inf, score_private=1.0
        )
        Submission.objects.filter(pk=fine.pk).update(status=SubmissionStatus.SCORED, score=1.5)
        Grading.objects.filter(pk=grading.pk).update(score=-math.inf)
        type(regression).objects.filter(pk=regression.pk).update(baseline_score=math.inf)
        _repair_function()(apps, None)
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
    broken.refresh_from_db()
    assert broken.status == SubmissionStatus.FAILED and broken.verdict == SubmissionVerdict.WRONG_FORMAT
    assert broken.score is None and broken.score_public is None and broken.score_private is None
    assert "finite" in broken.verdict_detail
    assert Submission.objects.get(pk=fine.pk).score == 1.5
    assert Grading.objects.get(pk=grading.pk).score is None
    regression.refresh_from_db()
    assert regression.baseline_score is None
