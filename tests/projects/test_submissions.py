"""Milestone submissions: URL and PDF checks, late flag, history, permissions."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import NotFoundError, PermissionDeniedError, PlatformError
from projects.models import MilestoneSubmission
from projects.selectors import project_latest_submission
from projects.services import milestone_submit, pdf_read_checked, repository_url_clean
from tests.factories import CourseFactory
from tests.projects.conftest import pdf_upload
from tests.projects.pdfs import tiny_pdf

pytestmark = pytest.mark.services


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/team/bird-songs",
        "https://gitlab.com/group/sub/project",
        "http://git.example.hu/team/p.git",
        "  https://github.com/team/x  ",
    ],
)
def test_repository_urls_accepted(url):
    assert repository_url_clean(raw=url) == url.strip()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Enter the URL"),
        ("github.com/team/x", "not a web address"),
        ("ftp://github.com/team/x", "not a web address"),
        ("javascript:alert(1)", "not a web address"),
        ("https://user:ghp_secret@github.com/team/x", "Remove the user name or token"),
        ("http://localhost/team/x", "public host name"),
        ("https://github.com/" + "a" * 500, "longer than 500"),
    ],
)
def test_repository_urls_refused(url, message):
    with pytest.raises(PlatformError, match=message):
        repository_url_clean(raw=url)


def test_pdf_check_accepts_a_tiny_pdf():
    content = tiny_pdf()
    assert pdf_read_checked(upload=pdf_upload(content), max_bytes=10_000) == content


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"PK\x03\x04 this is a docx renamed to pdf", "not a PDF"),
        (b"Hello %PDF-1.4 not at the start %%EOF", "not a PDF"),
        (tiny_pdf()[:-40], "incomplete or damaged"),
        (b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "incomplete or damaged"),
    ],
)
def test_pdf_check_refuses_fake_and_broken_pdfs(content, message):
    with pytest.raises(PlatformError, match=message):
        pdf_read_checked(upload=pdf_upload(content), max_bytes=10_000)


def test_pdf_check_refuses_an_oversize_pdf_even_if_the_size_is_not_declared():
    content = tiny_pdf()
    big = content[:-6] + b"%" + b"x" * 5000 + b"\n%%EOF\n"
    with pytest.raises(PlatformError, match=r"larger than 0.00\d+ MB"):
        pdf_read_checked(upload=pdf_upload(big), max_bytes=2048)
    upload = pdf_upload(big)
    upload.size = None  # a stream that does not know its size is read only up to the limit
    with pytest.raises(PlatformError, match="larger than"):
        pdf_read_checked(upload=upload, max_bytes=2048)


def test_submit_milestone_with_url_and_pdf_on_time(team, milestones, student, settings):
    first = milestones[0]
    submission = milestone_submit(
        project=team,
        milestone=first,
        submitted_by=student,
        repository_url="https://github.com/team/bird-songs",
        pdf=pdf_upload(name="../../etc/My Report (final).pdf"),
        in_english=True,
    )
    assert not submission.late
    path = Path(submission.pdf.path)
    assert path.is_file() and path.read_bytes().startswith(b"%PDF-1.4")
    assert path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert path.name.startswith("m1-") and "Report" not in path.name
    assert submission.pdf_original_name == "My_Report_final.pdf"
    assert submission.pdf_bytes == len(tiny_pdf())


def test_late_flag_comes_from_the_deadline(team, milestones, student):
    first = milestones[0]
    late = milestone_submit(
        project=team,
        milestone=first,
        submitted_by=student,
        repository_url="https://github.com/team/x",
        in_english=True,
        now=first.deadline + timedelta(minutes=1),
    )
    assert late.late
    first.deadline += timedelta(days=2)  # an extension applies to what was already handed in
    first.save()
    late.refresh_from_db()
    assert not late.late


def test_resubmission_keeps_history_latest_counts_and_keeps_the_pdf(team, milestones, student, other_student):
    final = milestones[2]
    first = milestone_submit(
        project=team,
        milestone=final,
        submitted_by=student,
        repository_url="https://github.com/team/v1",
        pdf=pdf_upload(),
        in_english=True,
    )
    second = milestone_submit(
        project=team,
        milestone=final,
        submitted_by=other_student,
        repository_url="https://github.com/team/v2",
        in_english=False,
    )
    assert MilestoneSubmission.objects.filter(project=team, milestone=final).count() == 2
    assert project_latest_submission(project=team, milestone=final) == second
    assert second.pdf.name == first.pdf.name
    team.refresh_from_db()
    assert team.repository_url == "https://github.com/team/v2"


def test_required_parts_and_milestone_rules(team, milestones, student):
    first, _, final = milestones
    with pytest.raises(PlatformError, match="Enter the URL"):
        milestone_submit(project=team, milestone=first, submitted_by=student, in_english=True)
    with pytest.raises(PlatformError, match="needs the report as a PDF"):
        milestone_submit(
            project=team,
            milestone=final,
            submitted_by=student,
            repository_url="https://github.com/t/x",
            in_english=True,
        )
    with pytest.raises(PlatformError, match="not a PDF"):
        milestone_submit(
            project=team,
            milestone=final,
            submitted_by=student,
            repository_url="https://github.com/t/x",
            pdf=SimpleUploadedFile("report.pdf", b"<html>not a pdf</html>"),
            in_english=True,
        )
    final.max_pdf_bytes = 1024
    with pytest.raises(PlatformError, match="larger than"):
        milestone_submit(
            project=team,
            milestone=final,
            submitted_by=student,
            repository_url="https://github.com/t/x",
            pdf=pdf_upload(tiny_pdf("x" * 2000)),
            in_english=True,
        )
    assert not MilestoneSubmission.objects.exists()


def test_only_members_submit_and_only_for_their_course(team, milestones, enrolled, course):
    (outsider,) = enrolled("OUT001")
    with pytest.raises(PermissionDeniedError):
        milestone_submit(
            project=team,
            milestone=milestones[0],
            submitted_by=outsider,
            repository_url="https://github.com/t/x",
            in_english=True,
        )
    from projects.services import milestone_defaults_create

    other_milestone = milestone_defaults_create(course=CourseFactory(code="VITMAV45"))[0]
    with pytest.raises(NotFoundError):
        milestone_submit(
            project=team,
            milestone=other_milestone,
            submitted_by=team.members.first().student,
            repository_url="https://github.com/t/x",
            in_english=True,
        )
