"""Personal data: the export holds exactly the person's own data; erasure keeps the statistics."""

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Role, User
from accounts.services import enrollment_set
from core.models import GradeAuditEntry
from gradebook.selectors import gradebook_for_course
from grader.models import Submission
from lifecycle.models import CourseTerm
from lifecycle.services import course_close, personal_data_export, retention_due, retention_sweep
from projects.models import MilestoneSubmission
from quizzes.models import Answer, Player
from quizzes.services import player_remove
from tests.factories import CourseFactory
from tests.gradebook.scenario import submission_make
from tests.lifecycle.conftest import stored

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def _export(user) -> dict[str, bytes]:
    out = io.BytesIO()
    personal_data_export(user=user, out=out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def others_upload(scenario, other_student):
    submission = submission_make(scenario.homework, other_student, score=0.3, received_at=timezone.now())
    submission.file = stored("grader/submissions/other.csv", b"id,value\n0,XYZ789-secret\n")
    submission.log = "log of XYZ789"
    submission.save()
    Answer.objects.create(
        game=scenario.game,
        player=Player.objects.get(game=scenario.game, user=other_student),
        question_id=scenario.game.question_ids[0],
        question_index=0,
        picks="1",
        correct=False,
        response_ms=900,
        created_at=timezone.now(),
    )
    return submission


def test_the_export_has_the_students_account_enrolments_files_logs_answers_grades(
    scenario, student, others_upload
):
    Answer.objects.create(
        game=scenario.game,
        player=Player.objects.get(game=scenario.game, user=student),
        question_id=scenario.game.question_ids[0],
        question_index=0,
        picks="0",
        correct=True,
        points=950,
        response_ms=500,
        created_at=timezone.now(),
    )
    files = _export(student)
    assert json.loads(files["account.json"])["neptun_code"] == "ABC123"
    assert json.loads(files["enrolments.json"]) == [
        {"course": "VITMMA19", "title": "Deep Learning in practice", "term": "2026/27/1", "role": "student"}
    ]
    uploads = [name for name in files if name.startswith("submissions/VITMMA19/") and name.endswith(".csv")]
    assert len(uploads) == 4 and all(files[name] == b"id,value\n0,ABC123\n" for name in uploads)
    assert sum(1 for name in files if name.endswith("log.txt")) == 4
    games = json.loads(files["quizzes/games.json"])
    assert games[0]["score"] == 1500 and games[0]["answers"][0]["points"] == 950
    grades = json.loads(files["grades/grades.json"])
    assert grades[0]["course"] == "VITMMA19" and grades[0]["row"]["Neptun code"] == "ABC123"
    assert any(name.startswith("projects/VITMMA19/") and name.endswith(".pdf") for name in files)


def test_the_export_holds_nothing_of_another_student(scenario, student, other_student, others_upload):
    files = _export(student)
    for name, content in files.items():
        text = content.decode("utf-8", errors="replace")
        for trace in ("XYZ789", other_student.full_name, other_student.email):
            assert trace not in text, (name, trace)
    assert len(json.loads(files["quizzes/games.json"])[0]["answers"]) == 0
    # And the other way round: the other student's export has their file, not ABC123's.
    theirs = _export(other_student)
    assert any(content == b"id,value\n0,XYZ789-secret\n" for content in theirs.values())
    assert not any(b"ABC123" in content for content in theirs.values())


def _closed_long_ago(course, instructor, *, days: int = 30):
    course_close(course=course, by=instructor, now=timezone.now() - timedelta(days=400))
    CourseTerm.objects.filter(course=course).update(retention_days=days)


def _aggregates(course) -> list:
    book = gradebook_for_course(course=course)
    return sorted(
        (row.student_id, [(c.column_key, c.points) for c in row.cells], row.total.percent)
        for row in book.rows
    )


def test_erasure_removes_personal_data_and_files_and_keeps_the_statistics(
    scenario, course, student, other_student, instructor, others_upload, django_capture_on_commit_callbacks
):
    files = [Path(s.file.path) for s in Submission.objects.filter(user__isnull=False)]
    pdf = Path(MilestoneSubmission.objects.get().pdf.path)
    assert all(p.exists() for p in [*files, pdf])
    player_remove(
        game=scenario.game,
        player_id=Player.objects.get(user=other_student).pk,
        by=instructor,
        reason="left the room",
    )
    Token.objects.create(user=student)
    before = _aggregates(course)
    scores = sorted(Submission.objects.values_list("pk", "score", "points"))
    _closed_long_ago(course, instructor)

    with django_capture_on_commit_callbacks(execute=True):  # files go once the rows are committed
        plans = retention_sweep(dry_run=False)

    assert [plan.course for plan in plans] == [course]
    assert not any(p.exists() for p in [*files, pdf])
    for person in (student, other_student):
        person.refresh_from_db()
        assert person.neptun_code.startswith("#") and person.username == f"erased-{person.pk}"
        assert person.full_name == "" and person.email == "" and not person.has_usable_password()
    codes = set(Player.objects.values_list("neptun_code", flat=True))
    assert not codes & {"ABC123", "XYZ789"} and all(c[0] == "#" and len(c) == 6 for c in codes)
    assert not Submission.objects.filter(user__isnull=False).exclude(file="").exists()
    assert not Submission.objects.exclude(log="").filter(user__isnull=False).exists()
    # The statistics stay: every cell, every total, every score.
    assert _aggregates(course) == before
    assert sorted(Submission.objects.values_list("pk", "score", "points")) == scores
    assert CourseTerm.objects.get(course=course).erased_at is not None
    # The audit log keeps the change with the pseudonym; no API token survives.
    removal = GradeAuditEntry.objects.get(action="player_removed")
    assert (
        removal.before == {"neptun_code": other_student.neptun_code, "score": 500}
        and removal.by == instructor
    )
    assert not Token.objects.exists()
    assert retention_sweep(dry_run=False) == []  # done once


def test_dry_run_lists_what_would_go_and_changes_nothing(scenario, course, student, instructor, capsys):
    _closed_long_ago(course, instructor)
    files = [Path(s.file.path) for s in Submission.objects.filter(user__isnull=False)]
    call_command("retention_sweep", "--dry-run")
    out = capsys.readouterr().out
    assert "Would erase VITMMA19" in out and "4 submissions: 4 files and their logs removed" in out
    assert "2 student accounts pseudonymised" in out
    student.refresh_from_db()
    assert student.neptun_code == "ABC123" and all(p.exists() for p in files)
    assert CourseTerm.objects.get(course=course).erased_at is None


def test_nothing_is_erased_before_the_retention_period_or_while_the_term_is_open(
    scenario, course, instructor
):
    assert retention_due() == []
    course_close(course=course, by=instructor)
    assert retention_due() == []
    assert retention_due(now=timezone.now() + timedelta(days=731)) != []


def test_a_student_still_in_another_kept_course_keeps_their_account(scenario, course, student, instructor):
    enrollment_set(course=CourseFactory(code="VITMAV45"), user=student, role=Role.STUDENT)
    _closed_long_ago(course, instructor)
    retention_sweep(dry_run=False)
    student.refresh_from_db()
    assert student.neptun_code == "ABC123"
    # Their seat keeps the code their kept account holds anyway (so the course's totals still add up);
    # the other student's seat and account are pseudonymised.
    assert Player.objects.filter(neptun_code="ABC123").count() == 1
    assert not Player.objects.filter(neptun_code="XYZ789").exists()
    assert User.objects.filter(username__startswith="erased-").count() == 1


def test_celery_beat_runs_the_retention_sweep_daily(scenario, course, instructor, settings):
    from lifecycle.tasks import retention_sweep_task

    entry = settings.CELERY_BEAT_SCHEDULE["lifecycle-retention-sweep"]
    assert entry["task"] == "lifecycle.retention_sweep" and entry["schedule"] == 24 * 3600
    _closed_long_ago(course, instructor)
    assert "VITMMA19" in retention_sweep_task()
    assert CourseTerm.objects.get(course=course).erased_at is not None
