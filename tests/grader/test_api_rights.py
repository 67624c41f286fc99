"""The grader's REST API by token: who may read which submission, and what never leaves the server.

Complements test_views.py (the pages): here every request authenticates as a script would, with
``Authorization: Token <key>``, and the hidden test labels are looked for in everything a student can fetch.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.services import api_token_regenerate, enrollment_set
from grader import problem_catalog
from grader.models import Submission
from grader.services import submission_grade
from tests.factories import CourseFactory, StudentFactory
from tests.grader.conftest import assignment_make
from tests.grader.graded import reference_graded, reveal, shifted_predictions

pytestmark = pytest.mark.services


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def assignment(course):
    made = assignment_make(course, kinds=("predictions", "script"))
    reference_graded(made)
    return made


def token_client(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {api_token_regenerate(user=user).key}")


def api_submit(client: Client, assignment, content: bytes, name: str = "predictions.csv"):
    url = reverse("api-assignment-submissions", args=[assignment.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def submitted_and_graded(client: Client, assignment, shift: float) -> Submission:
    response = api_submit(client, assignment, shifted_predictions(assignment, shift))
    assert response.status_code == 201, response.content
    submission_grade(submission_id=response.json()["id"], worker="inline@test")
    return Submission.objects.get(pk=response.json()["id"])


def test_a_token_reads_its_own_submissions_only(course, assignment, student, other_student):
    mine_client, their_client = token_client(student), token_client(other_student)
    mine = submitted_and_graded(mine_client, assignment, 0.3)
    theirs = submitted_and_graded(their_client, assignment, 0.1)
    own = mine_client.get(reverse("api-submission", args=[mine.pk]))
    assert own.status_code == 200 and own.json()["status"] == "scored"
    assert own.json()["score_public"] == mine.score_public and own.json()["neptun_code"] == "ABC123"
    reference = assignment.submissions.get(is_reference=True)
    for target in (theirs, reference):
        response = mine_client.get(reverse("api-submission", args=[target.pk]))
        assert response.status_code == 404, target
        assert str(target.score_public) not in response.content.decode()
    listed = mine_client.get(reverse("api-assignment-submissions", args=[assignment.pk])).json()
    assert [row["id"] for row in listed] == [mine.pk]
    assert Client().get(reverse("api-submission", args=[mine.pk])).status_code in (401, 403)
    assert Client(HTTP_AUTHORIZATION="Token not-a-token").get(reverse("api-assignments")).status_code == 401


def test_a_student_of_another_course_can_neither_see_nor_submit(course, assignment, student):
    other_course = CourseFactory(code="VITMAB03")
    outsider = StudentFactory(neptun_code="OUT222", username="OUT222")
    enrollment_set(course=other_course, user=outsider, role=Role.STUDENT)
    client = token_client(outsider)
    mine = submitted_and_graded(token_client(student), assignment, 0.2)
    assert client.get(reverse("api-assignments")).json() == []
    assert api_submit(client, assignment, shifted_predictions(assignment, 0.0)).status_code == 404
    assert client.get(reverse("api-assignment-submissions", args=[assignment.pk])).status_code == 404
    assert client.get(reverse("api-assignment-leaderboard", args=[assignment.pk])).status_code == 404
    assert client.get(reverse("api-submission", args=[mine.pk])).status_code == 404
    assert not Submission.objects.filter(user=outsider).exists()


def test_private_scores_stay_hidden_from_the_api_until_the_deadline(assignment, student, other_student):
    client = token_client(student)
    mine = submitted_and_graded(client, assignment, 0.3)
    theirs = submitted_and_graded(token_client(other_student), assignment, 0.05)
    board_url = reverse("api-assignment-leaderboard", args=[assignment.pk])
    private = client.get(board_url, {"board": "private"}).json()
    assert private["available"] is False and private["rows"] == [] and private["revealed"] is False
    public = client.get(board_url).json()
    assert [row["score"] for row in public["rows"]] == [theirs.score_public, mine.score_public]
    assert [row["name"] for row in public["rows"]] == ["XY****", "ABC123"]
    detail = client.get(reverse("api-submission", args=[mine.pk])).json()
    assert detail["score_private"] is None and detail["score"] is None and detail["points"] is None
    for url in (board_url + "?board=private", board_url, reverse("api-submission", args=[mine.pk])):
        body = client.get(url).content.decode()
        for hidden in (mine.score_private, theirs.score_private, mine.score, theirs.score):
            assert repr(hidden) not in body, (url, hidden)

    reveal(assignment)
    private = client.get(board_url, {"board": "private"}).json()
    assert private["available"] is True
    expected = sorted([mine.score_private, theirs.score_private])
    assert sorted(row["score"] for row in private["rows"]) == expected
    assert client.get(reverse("api-submission", args=[mine.pk])).json()["score_private"] == mine.score_private


def test_the_hidden_labels_are_in_nothing_a_student_can_fetch(course, assignment, student):
    hidden = problem_catalog.catalog_prepare(assignment.task_key) / "hidden" / "test_labels.csv"
    label_lines = hidden.read_text().splitlines()[1:]
    # Any three consecutive label lines, and every label value, would give the test set away.
    windows = ["\n".join(label_lines[i : i + 3]) for i in range(0, len(label_lines) - 3, 7)]
    values = {line.split(",", 1)[1] for line in label_lines}
    client = Client()
    client.force_login(student)
    mine = submitted_and_graded(client, assignment, 0.3)
    urls = [
        reverse("grader:assignments"),
        reverse("grader:assignment", args=[assignment.pk]),
        reverse("grader:leaderboard", args=[assignment.pk]),
        reverse("grader:submission", args=[mine.pk]),
        reverse("grader:submission_file", args=[mine.pk]),
        reverse("api-assignments"),
        reverse("api-assignment-submissions", args=[assignment.pk]),
        reverse("api-submission", args=[mine.pk]),
    ]
    public = problem_catalog.catalog_prepare(assignment.task_key) / "public"
    urls += [reverse("grader:public_file", args=[assignment.pk, p.name]) for p in public.iterdir()]
    for url in urls:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.status_code == 404:  # a name not listed (e.g. a dot file): nothing served
            continue
        assert response.status_code == 200, url
        text = body.decode("utf-8", errors="replace")
        assert all(window not in text for window in windows), url
        if url.endswith(".csv") or "api" in url:
            assert not any(f",{value}\n" in text for value in values if len(value) > 6), url
    for name in ("test_labels.csv", "../hidden/test_labels.csv", "hidden"):
        assert client.get(f"/grader/assignments/{assignment.pk}/files/{name}").status_code == 404
    assert client.get(f"/media/{mine.file.name}").status_code == 404  # uploads are not served as media
