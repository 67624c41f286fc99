"""Manual grading in headless Chromium: a grader works through five submissions with the rubric, the
keyboard and comments (one on a notebook cell); a student on a phone reads the published grade and files
a regrade request, which the grader accepts with new marks."""

import json

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Role
from accounts.services import enrollment_set
from grader.manual_grading import grades_publish, grading_comment_add, manual_grade_save, rubric_set
from grader.models import (
    ManualGrade,
    RegradeRequest,
    RegradeStatus,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from tests.e2e.pages import DESKTOP, PHONE, log_in
from tests.factories import StudentFactory
from tests.grader.conftest import assignment_make
from tests.grader.graded import graded, reference_graded, reveal

pytestmark = [pytest.mark.e2e, pytest.mark.services]

RUBRIC = "README present: 1\nIn English: 1\nRuns as described: 2\nTraining log attached: 1"
NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "source": ["# Fever regression\n"], "metadata": {}},
        {
            "cell_type": "code",
            "source": ["model.fit(x, y)\n"],
            "metadata": {},
            "outputs": [],
            "execution_count": 1,
        },
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def notebook_submission(assignment, user):
    """A notebook upload whose run crashed, with its executed preview (as the grader stores one)."""
    submission = Submission.objects.create(
        assignment=assignment,
        user=user,
        kind=SubmissionKind.NOTEBOOK,
        file=ContentFile(json.dumps(NOTEBOOK).encode(), name="fever.ipynb"),
        original_name="fever.ipynb",
        size=len(json.dumps(NOTEBOOK)),
        status=SubmissionStatus.FAILED,
        verdict="runtime_error",
        received_at=timezone.now(),
    )
    submission.executed_html.save(
        "fever.html",
        ContentFile(
            b"<html><body><div class='cell'><h1>Fever regression</h1></div><div class='cell'>model.fit</div>"
        ),
    )
    return submission


@pytest.fixture
def assignment(course, instructor):
    made = assignment_make(course, points=6, kinds=("predictions", "notebook"))
    reference_graded(made)
    rubric_set(assignment=made, by=instructor, text=RUBRIC)
    return made


def test_a_grader_works_through_five_submissions_with_the_rubric_and_comments(
    browser, asgi_server, assignment, grader_user, student, artifacts_dir
):
    students = [student]
    for number in range(4):
        user = StudentFactory(neptun_code=f"GRD{number:03d}", username=f"GRD{number:03d}")
        enrollment_set(course=assignment.course, user=user, role=Role.STUDENT)
        students.append(user)
    notebook_submission(assignment, student)  # ABC123: a crashed notebook, graded on its README and cells
    for number, user in enumerate(students[1:], start=1):
        graded(assignment, user, shift=0.1 * number)

    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    log_in(page, asgi_server.url, "grader")
    page.goto(f"{asgi_server.url}/grader/assignments/{assignment.pk}/")
    page.click("#manual-grading-link")
    page.wait_for_selector("text=0 of 5 graded")
    page.click("#start-grading")

    # 1: ABC123's notebook: the preview numbers its cells; a comment on cell 2 and one on the whole.
    page.wait_for_selector("#notebook-preview")
    assert "ABC123" in page.inner_text("#grading-title")
    preview = page.frame_locator("#notebook-preview")
    preview.locator("div.cell").nth(1).wait_for()
    page.locator("#comment-cell").select_option("2")
    page.fill("#comment-text", "Plot the training loss next to the validation loss.")
    page.click("#comment-add")
    page.wait_for_selector("#comment-list >> text=Plot the training loss")
    page.fill("#comment-text", "Clear README.")
    page.click("#comment-add")
    page.wait_for_selector("#comment-list >> text=Clear README.")
    assert "Cell 2" in page.inner_text("#comment-list")
    # The keyboard: "1" jumps to the first item; the 0 / max buttons fill the others.
    page.locator("body").press("1")
    page.keyboard.type("1")
    english, runs, log = list(assignment.rubric_items.order_by("order"))[1:]
    page.click(f"button[data-fill='mark-{english.pk}'][data-value='1']")  # full
    page.click(f"button[data-fill='mark-{runs.pk}'][data-value='0']")  # it crashed
    page.click(f"button[data-fill='mark-{log.pk}'][data-value='1']")
    page.screenshot(path=str(artifacts_dir / "1-grading-notebook-desktop.png"), full_page=True)
    page.click("#save-next")

    # 2-4: the marks of the last student are remembered; adjust one, Shift+S saves and moves on.
    last_saved = ["1", "1", "0", "1"]
    for expected in ("GRD000", "GRD001", "GRD002"):
        page.wait_for_selector(f"#grading-title >> text={expected}")
        assert page.is_visible("#remembered")
        marks = page.locator("input.mark")
        assert [marks.nth(i).input_value() for i in range(4)] == last_saved
        last_saved = ["1", "1", "2", "1"]
        marks.nth(2).fill("2")
        page.locator("#grading-title").click()  # leave the field: the shortcut is for the page
        page.keyboard.press("Shift+S")
    # 5: the last one: save with Ctrl+Enter from a field, then "p" goes back one student.
    page.wait_for_selector("#grading-title >> text=GRD003")
    assert not page.is_visible("#save-next")  # nobody after the last one
    page.locator("input.mark").nth(3).fill("0.5")
    page.locator("input.mark").nth(3).press("Control+Enter")
    page.wait_for_selector("#graded-badge >> text=4.50 / 5 saved")
    page.screenshot(path=str(artifacts_dir / "2-last-student-saved-desktop.png"), full_page=True)
    page.locator("#grading-title").click()
    page.keyboard.press("p")
    page.wait_for_selector("#grading-title >> text=GRD002")
    assert page.is_visible("#graded-badge")
    page.goto(f"{asgi_server.url}/grader/assignments/{assignment.pk}/grading/")
    page.wait_for_selector("text=5 of 5 graded")
    page.screenshot(path=str(artifacts_dir / "3-roster-desktop.png"), full_page=True)
    context.close()

    points = dict(ManualGrade.objects.values_list("student__neptun_code", "points"))
    assert {code: str(value) for code, value in points.items()} == {
        "ABC123": "3.00",
        "GRD000": "5.00",
        "GRD001": "5.00",
        "GRD002": "5.00",
        "GRD003": "4.50",
    }
    assert ManualGrade.objects.get(student=student).submission.kind == SubmissionKind.NOTEBOOK


def test_a_student_reads_the_grade_on_a_phone_and_files_a_regrade_request(
    browser, asgi_server, assignment, grader_user, instructor, student, artifacts_dir
):
    submission = graded(assignment, student, shift=0.1)
    items = list(assignment.rubric_items.order_by("order"))
    manual_grade_save(
        assignment=assignment,
        student_id=student.pk,
        by=grader_user,
        raw_marks={items[0].pk: "1", items[1].pk: "1", items[2].pk: "1", items[3].pk: "0"},
    )
    grading_comment_add(submission=submission, by=grader_user, text="The training log is not attached.")
    reveal(assignment)
    grades_publish(assignment=assignment, by=instructor, published=True)

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    log_in(page, asgi_server.url, "abc123")
    page.goto(f"{asgi_server.url}/grader/assignments/{assignment.pk}/")
    page.click("#my-grade-link")
    page.wait_for_selector("#my-rubric-card")
    assert "Training log attached" in page.inner_text("#my-rubric-card")
    assert "The training log is not attached." in page.inner_text("#my-comments")
    assert f"{submission.points + 3:.2f}".rstrip("0").rstrip(".") + " / 11" in page.inner_text("#my-final")
    page.screenshot(path=str(artifacts_dir / "1-grade-phone.png"), full_page=True)
    page.fill("#reason", "The log is in logs/train.log, linked from the README.")
    page.click("#regrade-send")
    page.wait_for_selector("text=Your regrade request is sent")
    assert "Waiting for an answer" in page.inner_text("#regrade")
    assert not page.is_visible("#regrade-form")  # one open request at a time
    page.screenshot(path=str(artifacts_dir / "2-request-sent-phone.png"), full_page=True)

    # The grader accepts it with the log's point.
    desktop = browser.new_context(viewport=DESKTOP)
    staff = desktop.new_page()
    log_in(staff, asgi_server.url, "grader")
    staff.goto(f"{asgi_server.url}/grader/assignments/{assignment.pk}/grading/{student.pk}/")
    staff.wait_for_selector("#open-request")
    assert "logs/train.log" in staff.inner_text("#request-reason")
    staff.locator("input.mark").nth(3).fill("1")
    staff.fill("#answer", "Found it, thanks.")
    staff.click("#regrade-accept")
    staff.wait_for_selector("text=The regrade request is answered")
    desktop.close()

    page.reload()
    page.wait_for_selector("#regrade")
    assert "Accepted" in page.inner_text("#regrade") and "Found it, thanks." in page.inner_text("#regrade")
    assert "3 → 4" in page.inner_text("#regrade")
    page.screenshot(path=str(artifacts_dir / "3-request-accepted-phone.png"), full_page=True)
    phone.close()
    request = RegradeRequest.objects.get()
    assert (request.status, request.answered_by) == (RegradeStatus.ACCEPTED, grader_user)
