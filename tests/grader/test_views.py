"""Grader pages: who sees what, the upload form's errors, live status JSON, staff pages and their rights.

Submissions are graded in-process by the real pipeline function (``tests.grader.graded``); the browser
test and test_pipeline cover the same through a real worker.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.services import enrollment_set
from grader.models import Assignment, Submission, SubmissionStatus
from tests.factories import CourseFactory, StudentFactory, UserFactory
from tests.grader.conftest import assignment_make
from tests.grader.graded import graded, reference_graded, reveal, shifted_predictions, upload

pytestmark = pytest.mark.services

DESCRIPTION = """## Predict the fever

Use **any** model. <script>alert("x")</script>
<a href="javascript:alert(1)" onclick="steal()">click</a>
"""


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def assignment(course) -> Assignment:
    made = assignment_make(
        course, kinds=("predictions", "script"), description=DESCRIPTION, points=10, daily_limit=3
    )
    reference_graded(made)
    return made


@pytest.fixture
def outsider(db):
    """A student of another course."""
    other_course = CourseFactory(code="VITMAB01")
    user = StudentFactory(neptun_code="OUT111", username="OUT111")
    enrollment_set(course=other_course, user=user, role=Role.STUDENT)
    return user


def page(client, name, *args, **query) -> str:
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_assignment_list_shows_the_courses_assignments_with_my_best_score(client, assignment, student):
    mine = graded(assignment, student, shift=0.5)
    client.force_login(student)
    html = page(client, "grader:assignments")
    assert assignment.title in html and "VITMMA19" in html
    assert f"best public mae {mine.score_public:.4f}" in html
    assert "New assignment" not in html


def test_assignment_list_offers_instructors_a_new_assignment(client, assignment, instructor, outsider):
    client.force_login(instructor)
    assert "New assignment" in page(client, "grader:assignments")
    client.force_login(outsider)
    assert assignment.title not in page(client, "grader:assignments")


def test_assignment_page_renders_markdown_safely_with_rules_files_and_baseline(client, assignment, student):
    client.force_login(student)
    html = page(client, "grader:assignment", assignment.pk)
    assert "<h2>Predict the fever</h2>" in html and "<strong>any</strong>" in html
    assert "<script>alert" not in html and "javascript:alert" not in html and "onclick" not in html
    assert f"mae {assignment.baseline_score:.4f}" in html
    assert "Baseline (reference solution, whole test set)" in html  # which part: each page says which
    assert "Predictions (CSV), Script (.py)" in html
    assert "sample_submission.csv" in html and "test.npz" in html
    assert "test_labels" not in html and "/files/hidden" not in html
    assert "0 used today" in html and 'accept=".csv,.py"' in html


def test_public_files_download_and_nothing_else(client, assignment, student, outsider):
    client.force_login(student)
    response = client.get(reverse("grader:public_file", args=[assignment.pk, "sample_submission.csv"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"id,temp_2h")
    for name in ("test_labels.csv", "..", ".prepared", "hidden"):
        assert client.get(reverse("grader:public_file", args=[assignment.pk, name])).status_code == 404
    assert (
        client.get(f"/grader/assignments/{assignment.pk}/files/../hidden/test_labels.csv").status_code == 404
    )
    assert (
        client.get(f"/grader/assignments/{assignment.pk}/files/%2E%2E%2Fhidden%2Ftest_labels.csv").status_code
        == 404
    )
    client.force_login(outsider)
    url = reverse("grader:public_file", args=[assignment.pk, "sample_submission.csv"])
    assert client.get(url).status_code == 404


def test_upload_queues_a_valid_file(client, assignment, student):
    client.force_login(student)
    file = SimpleUploadedFile("my-preds.csv", shifted_predictions(assignment, 0.2), content_type="text/csv")
    response = client.post(reverse("grader:assignment", args=[assignment.pk]), {"file": file})
    assert response.status_code == 302
    submission = Submission.objects.get(user=student)
    assert submission.status == SubmissionStatus.QUEUED and submission.original_name == "my-preds.csv"
    html = page(client, "grader:assignment", assignment.pk)
    assert "Received my-preds.csv" in html and f'id="submission-{submission.pk}"' in html
    assert "#1 in line" in html and 'data-waiting="1"' in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("preds.csv", b"id,wrong\n0,1\n", "Wrong prediction file format"),
        ("preds.csv", b"id,temp_2h\n0,37.0\n", "Wrong prediction file format"),
        ("preds.csv", b"", "The submitted file is empty."),
        ("model.pt", b"\x80\x04junk", "This assignment accepts: Predictions (CSV), Script (.py)."),
        ("notes.txt", b"hello", "Upload a .csv (predictions)"),
        ("solution.py", b"def broken(:\n", "syntax error on line 1"),
    ],
)
def test_upload_errors_are_clear_and_store_nothing(
    client, assignment, student, settings, name, content, message
):
    client.force_login(student)
    file = SimpleUploadedFile(name, content)
    response = client.post(reverse("grader:assignment", args=[assignment.pk]), {"file": file})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Submission.objects.filter(user=student).exists()
    stored = settings.MEDIA_ROOT / "grader" / "submissions" / str(assignment.pk)
    assert not stored.exists() or not any(p for p in stored.iterdir() if "predictions" not in p.name)


def test_upload_after_the_cutoff_is_refused_and_the_form_is_gone(client, assignment, student):
    reveal(assignment)
    client.force_login(student)
    html = page(client, "grader:assignment", assignment.pk)
    assert "Submissions are closed." in html and 'id="upload-form"' not in html
    file = SimpleUploadedFile("p.csv", shifted_predictions(assignment, 0.1))
    response = client.post(reverse("grader:assignment", args=[assignment.pk]), {"file": file})
    assert "The submission deadline has passed" in response.content.decode()
    assert not Submission.objects.filter(user=student).exists()


def test_daily_limit_counts_only_what_did_not_fail(client, assignment, student):
    for shift in (0.1, 0.2, 0.3):
        graded(assignment, student, shift)
    Submission.objects.filter(user=student).update(status=SubmissionStatus.FAILED)
    graded(assignment, student, 0.4)
    client.force_login(student)
    assert "1 used today" in page(client, "grader:assignment", assignment.pk)


def test_login_is_required(client, assignment):
    for url in (
        reverse("grader:assignments"),
        reverse("grader:assignment", args=[assignment.pk]),
        reverse("grader:leaderboard", args=[assignment.pk]),
        reverse("grader:public_file", args=[assignment.pk, "sample_submission.csv"]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_live_status_json_hides_full_scores_until_the_reveal(client, assignment, student):
    submission = graded(assignment, student, shift=0.3)
    waiting = upload(assignment, student, shifted_predictions(assignment, 0.4))
    client.force_login(student)
    data = client.get(reverse("grader:my_submissions_status", args=[assignment.pk])).json()["submissions"]
    by_id = {row["id"]: row for row in data}
    assert by_id[waiting.pk]["status"] == "queued" and by_id[waiting.pk]["queue_position"] == 1
    assert by_id[waiting.pk]["done"] is False
    scored = by_id[submission.pk]
    assert scored["status"] == "scored" and scored["score_public"] == submission.score_public
    assert scored["score"] is None and scored["points"] is None and scored["done"] is True
    single = client.get(reverse("grader:submission_status", args=[submission.pk])).json()
    assert single["score"] is None and "score_private" not in single

    reveal(assignment)
    scored = client.get(reverse("grader:submission_status", args=[submission.pk])).json()
    assert scored["score"] == submission.score and scored["points"] == str(submission.points)


def test_private_scores_leak_nowhere_before_the_reveal(client, assignment, student, other_student):
    mine = graded(assignment, student, shift=0.3)
    theirs = graded(assignment, other_student, shift=0.6)
    hidden_values = [
        mine.score_private,
        mine.score,
        theirs.score_private,
        theirs.score,
        assignment.submissions.get(is_reference=True).score_private,
    ]
    secrets = [f"{value:.4f}" for value in hidden_values] + [repr(value) for value in hidden_values]
    assert f"{mine.score_public:.4f}" not in secrets  # the test could not tell them apart otherwise
    client.force_login(student)
    urls = [
        reverse("grader:assignments"),
        reverse("grader:assignment", args=[assignment.pk]),
        reverse("grader:leaderboard", args=[assignment.pk]),
        reverse("grader:leaderboard", args=[assignment.pk]) + "?board=private",
        reverse("grader:submission", args=[mine.pk]),
        reverse("grader:submission_status", args=[mine.pk]),
        reverse("grader:my_submissions_status", args=[assignment.pk]),
        reverse("api-assignment-leaderboard", args=[assignment.pk]) + "?board=private",
        reverse("api-submission", args=[mine.pk]),
        reverse("api-assignment-submissions", args=[assignment.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in secrets:
            assert secret not in body, (url, secret)
    private = client.get(reverse("grader:leaderboard", args=[assignment.pk]), {"board": "private"})
    assert "The private leaderboard appears at" in private.content.decode()

    reveal(assignment)
    body = client.get(reverse("grader:submission", args=[mine.pk])).content.decode()
    assert f"{mine.score_private:.4f}" in body and f"{mine.points} / " in body


def test_a_student_cannot_reach_anothers_submission_through_any_page(
    client, assignment, student, other_student, outsider
):
    theirs = graded(assignment, other_student, shift=0.2)
    theirs.executed_html.save("x.html", ContentFile(b"<p>their notebook</p>"))
    reference = assignment.submissions.get(is_reference=True)
    for intruder in (student, outsider):
        client.force_login(intruder)
        for target in (theirs, reference):
            for name in ("submission", "submission_status", "submission_file", "submission_notebook"):
                assert client.get(reverse(name_of(name), args=[target.pk])).status_code == 404, name
            assert client.get(reverse("api-submission", args=[target.pk])).status_code == 404
    client.force_login(student)
    listed = client.get(reverse("grader:my_submissions_status", args=[assignment.pk])).json()
    assert listed == {"submissions": []}
    html = page(client, "grader:assignment", assignment.pk)
    assert "XYZ789" not in html and "XY****" in html


def name_of(view: str) -> str:
    return f"grader:{view}"


def test_students_get_403_on_staff_pages(client, assignment, student, other_student):
    theirs = graded(assignment, other_student)
    client.force_login(student)
    for url in (
        reverse("grader:students", args=[assignment.pk]),
        reverse("grader:results_csv", args=[assignment.pk]),
        reverse("grader:student_history", args=[assignment.pk, other_student.pk]),
        reverse("grader:queue"),
        reverse("grader:assignment_edit", args=[assignment.pk]),
        reverse("grader:assignment_new", args=["VITMMA19"]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("grader:regrade", args=[assignment.pk])).status_code == 403
    theirs.refresh_from_db()
    assert theirs.status == SubmissionStatus.SCORED


def test_own_submission_page_shows_result_log_file_and_sandboxed_notebook(client, assignment, student):
    mine = graded(assignment, student, shift=0.25)
    mine.executed_html.save("n.html", ContentFile(b"<script>alert(1)</script><p>cells</p>"))
    client.force_login(student)
    html = page(client, "grader:submission", mine.pk)
    assert f"{mine.score_public:.4f}" in html and "Private score and points" in html
    assert '<iframe class="notebook" title="Executed notebook" sandbox ' in html
    notebook = client.get(reverse("grader:submission_notebook", args=[mine.pk]))
    assert notebook.status_code == 200 and notebook["Content-Type"].startswith("text/html")
    policy = notebook["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy and "script-src" not in policy
    assert notebook["X-Frame-Options"] == "SAMEORIGIN"
    download = client.get(reverse("grader:submission_file", args=[mine.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == shifted_predictions(assignment, 0.25)


def test_staff_see_every_students_history_files_and_private_scores(
    client, assignment, grader_user, student, other_student
):
    first = graded(assignment, student, shift=0.5)
    second = graded(assignment, student, shift=0.1)
    client.force_login(grader_user)
    overview = page(client, "grader:students", assignment.pk)
    assert "ABC123" in overview and "XYZ789" in overview  # every enrolled student, submitted or not
    assert f"{second.score_private:.4f}" in overview
    history = page(client, "grader:student_history", assignment.pk, student.pk)
    assert f"#{first.pk}" in history and f"#{second.pk}" in history
    assert reverse("grader:submission_file", args=[first.pk]) in history
    assert client.get(reverse("grader:submission_file", args=[first.pk])).status_code == 200
    detail = page(client, "grader:submission", second.pk)
    assert f"{second.score_private:.4f}" in detail and "inline@test" in detail
    csv_text = client.get(reverse("grader:results_csv", args=[assignment.pk])).content.decode()
    assert f"ABC123,{student.display_name},2,{second.pk},{second.score_public!r}" in csv_text


def test_leaderboard_masks_others_highlights_me_and_staff_see_all(
    client, assignment, student, other_student, grader_user
):
    graded(assignment, student, shift=0.6)
    graded(assignment, other_student, shift=0.1)
    client.force_login(student)
    html = page(client, "grader:leaderboard", assignment.pk)
    assert "XY****" in html and "XYZ789" not in html
    assert '<tr class="me" aria-current="true">' in html and "ABC123" in html
    table = html[html.index('<table class="leaderboard"') :]
    assert table.index("XY****") < table.index("ABC123")  # the lower MAE ranks first
    assert "Reference solution (public part of the test set)" in table
    client.force_login(grader_user)
    staff_html = page(client, "grader:leaderboard", assignment.pk, board="private")
    assert "XYZ789" in staff_html and "ABC123" in staff_html and "staff only until" in staff_html
    assert "Reference solution (private part of the test set)" in staff_html


def test_instructor_creates_an_assignment_from_the_form(client, course, instructor):
    client.force_login(instructor)
    url = reverse("grader:assignment_new", args=["VITMMA19"])
    assert "fever-classification" in page(client, "grader:assignment_new", "VITMMA19")
    now = timezone.localtime()
    form = {
        "title": "Fever, classified",
        "description": "Predict the *class*.",
        "task": "fever-classification",
        "reference_epochs": "1",
        "kinds": ["predictions", "notebook"],
        "points": "12",
        "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "deadline": (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "late_penalty_percent_per_day": "20",
        "daily_limit": "4",
        "public_fraction": "0.3",
        "leaderboard_rule": "last",
        "wall_seconds": "120",
        "memory_mb": "1024",
    }
    bad = client.post(url, form)
    assert bad.status_code == 400 and "The deadline must be after the opening time." in bad.content.decode()
    neither = client.post(url, {**form, "task": ""})
    assert "Choose a reference task or upload a data bundle" in neither.content.decode()
    assert not Assignment.objects.exists()

    form["deadline"] = (now + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, form)
    assert response.status_code == 302
    made = Assignment.objects.get()
    assert (made.title, made.kinds, made.public_fraction, made.leaderboard_rule) == (
        "Fever, classified",
        ["predictions", "notebook"],
        0.3,
        "last",
    )
    assert made.score_zero_points == pytest.approx(1 / 3)  # three classes: guessing
    reference = made.submissions.get(is_reference=True)
    assert reference.status == SubmissionStatus.QUEUED and reference.kind == "predictions"


def test_instructor_edits_rules_and_a_new_public_fraction_regrades(client, assignment, instructor, student):
    mine = graded(assignment, student, shift=0.3)
    client.force_login(instructor)
    url = reverse("grader:assignment_edit", args=[assignment.pk])
    html = page(client, "grader:assignment_edit", assignment.pk)
    assert 'value="Homework on fever-regression"' in html and "the task cannot change" in html
    form = {
        **{k: v for k, v in client.get(url).context["form"].initial.items() if v is not None},
        "opens_at": timezone.localtime(assignment.opens_at).strftime("%Y-%m-%dT%H:%M"),
        "deadline": timezone.localtime(assignment.deadline).strftime("%Y-%m-%dT%H:%M"),
        "kinds": ["predictions"],
        "points": "20",
    }
    form.pop("use_gpu", None)
    points_before = mine.points
    assert client.post(url, form).status_code == 302
    mine.refresh_from_db()
    assert mine.status == SubmissionStatus.SCORED
    assert abs(mine.points - 2 * points_before) <= Decimal("0.01")
    assignment.refresh_from_db()
    assert assignment.points == 20 and assignment.kinds == ["predictions"]

    response = client.post(url, {**form, "public_fraction": "0.7"}, follow=True)
    assert "submissions are being regraded" in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == SubmissionStatus.QUEUED and mine.score is None


def test_regrade_all_is_an_instructor_post(client, assignment, instructor, grader_user, student):
    mine = graded(assignment, student, shift=0.3)
    url = reverse("grader:regrade", args=[assignment.pk])
    client.force_login(grader_user)
    assert client.post(url).status_code == 403
    client.force_login(instructor)
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "2 submissions (the reference&#x27;s included) queued for regrading." in response.content.decode()
    mine.refresh_from_db()
    assert mine.status == SubmissionStatus.QUEUED and mine.generation == 2


def test_queue_page_shows_what_waits_where_and_the_workers(client, assignment, grader_user, student):
    graded(assignment, student, shift=0.1)
    waiting = upload(assignment, student, shifted_predictions(assignment, 0.2))
    running = upload(assignment, student, shifted_predictions(assignment, 0.3))
    Submission.objects.filter(pk=running.pk).update(
        status=SubmissionStatus.RUNNING, worker="cpu1@host", started_at=timezone.now()
    )
    client.force_login(grader_user)
    html = page(client, "grader:queue")
    assert f"#{waiting.pk}" in html and "Queued · #1" in html and "grading-cpu" in html
    assert f"#{running.pk}" in html and "cpu1@host" in html and "inline@test" in html


def test_staff_of_another_course_see_nothing(client, assignment, student):
    graded(assignment, student)
    other = CourseFactory(code="VITMAB02")
    stranger = UserFactory(username="other-instructor", is_staff=True)
    enrollment_set(course=other, user=stranger, role=Role.INSTRUCTOR)
    client.force_login(stranger)
    mine = Submission.objects.get(user=student)
    assert client.get(reverse("grader:assignment", args=[assignment.pk])).status_code == 404
    assert client.get(reverse("grader:submission", args=[mine.pk])).status_code == 404
    assert client.get(reverse("grader:students", args=[assignment.pk])).status_code == 404
    assert client.post(reverse("grader:regrade", args=[assignment.pk])).status_code == 404
    assert f"#{mine.pk}" not in page(client, "grader:queue")
