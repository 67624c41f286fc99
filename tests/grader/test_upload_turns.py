"""Uploads take turns in one web process (UPLOAD_CONCURRENCY): a bound on how many run at once, never a
refusal; a leaderboard read no longer shares the interpreter with eight uploads (docs/grader.md)."""

from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from grader.models import Submission
from grader.upload_turns import upload_turn
from tests.conftest import asgi_server_start
from tests.grader.conftest import assignment_make
from tests.grader.http_upload import api_upload, predictions_good


def most_at_once(workers: int, **turn) -> int:
    """How many of ``workers`` threads were inside ``upload_turn`` at the same time, at most."""
    inside, most, lock = 0, 0, threading.Lock()

    def one(_: int) -> None:
        nonlocal inside, most
        with upload_turn(**turn):
            with lock:
                inside += 1
                most = max(most, inside)
            time.sleep(0.05)
            with lock:
                inside -= 1

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, range(workers)))
    return most


def test_no_more_uploads_than_the_setting_run_at_once_and_every_one_gets_its_turn(settings):
    settings.UPLOAD_CONCURRENCY = 2
    assert most_at_once(8) == 2


def test_zero_means_no_bound(settings):
    settings.UPLOAD_CONCURRENCY = 0
    assert most_at_once(6) == 6


def test_a_request_that_is_not_an_upload_takes_no_turn(settings):
    settings.UPLOAD_CONCURRENCY = 1
    assert most_at_once(4, when=False) == 4


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.usefixtures("media_in_tmp")
def test_an_api_upload_waits_for_a_turn_and_is_then_stored(transactional_db, settings, course, student):
    settings.UPLOAD_CONCURRENCY = 1
    assignment = assignment_make(course)
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=student).key}")
    url = reverse("api-assignment-submissions", args=[assignment.pk])
    answers = []

    def post() -> None:
        file = SimpleUploadedFile("predictions.csv", predictions_good())
        answers.append(client.post(url, {"file": file}).status_code)

    with upload_turn():  # the process's one turn is taken
        uploader = threading.Thread(target=post)
        uploader.start()
        uploader.join(0.5)
        assert uploader.is_alive() and not Submission.objects.filter(user=student).exists()
    uploader.join(30)
    assert answers == [201] and Submission.objects.filter(user=student).count() == 1


@pytest.mark.integration
@pytest.mark.services
def test_eight_parallel_uploads_to_a_server_with_one_turn_are_all_stored(
    transactional_db, course, student, tmp_path
):
    assignment = assignment_make(course, daily_limit=20)
    token = Token.objects.create(user=student).key
    server = asgi_server_start(tmp_path, UPLOAD_CONCURRENCY="1")
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(
                pool.map(
                    lambda i: api_upload(
                        server.url,
                        assignment_id=assignment.pk,
                        token=token,
                        content=predictions_good(value=f"37.{i}"),
                    ),
                    range(8),
                )
            )
    finally:
        server.process.kill(signal.SIGTERM)
    assert [status for status, *_ in results] == [201] * 8
    stored = Submission.objects.filter(assignment=assignment, user=student, is_reference=False)
    assert sorted(s.pk for s in stored) == sorted(body["id"] for _, body, *_ in results if body)


@pytest.mark.usefixtures("media_in_tmp")
@pytest.mark.parametrize("page", ["api", "form"])
def test_an_upload_in_before_the_deadline_is_on_time_however_long_it_waits_for_its_turn(
    transactional_db, settings, course, student, page
):
    from datetime import timedelta

    from django.utils import timezone

    settings.UPLOAD_CONCURRENCY = 1
    deadline = timezone.now() + timedelta(seconds=2)
    assignment = assignment_make(course, deadline=deadline)
    if page == "api":
        client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=student).key}")
        url = reverse("api-assignment-submissions", args=[assignment.pk])
    else:
        client = Client()
        client.force_login(student)
        url = reverse("grader:assignment", args=[assignment.pk])
    answers = []

    def post() -> None:
        file = SimpleUploadedFile("predictions.csv", predictions_good())
        answers.append(client.post(url, {"file": file}).status_code)

    with upload_turn():  # the one turn is held until the deadline has passed
        uploader = threading.Thread(target=post)
        uploader.start()
        while timezone.now() <= deadline + timedelta(seconds=0.3):
            time.sleep(0.05)
        assert uploader.is_alive()
    uploader.join(30)
    assert answers == ([201] if page == "api" else [302])  # stored (the form redirects to the page)
    submission = Submission.objects.get(assignment=assignment, user=student)
    assert submission.received_at < deadline and submission.late_days == 0
