"""Pages: who sees which project and file, who grades, and the wiring of forms to services."""

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import MilestoneGrade, MilestoneSubmission, Project
from projects.services import milestone_submit, project_register
from tests.projects.conftest import pdf_upload
from tests.projects.pdfs import tiny_pdf

pytestmark = pytest.mark.services


@pytest.fixture
def submitted(team, milestones, student):
    return milestone_submit(
        project=team,
        milestone=milestones[0],
        submitted_by=student,
        repository_url="https://github.com/team/bird-songs",
        pdf=pdf_upload(),
        in_english=True,
    )


@pytest.fixture
def rival(course, enrolled, milestones):
    (rival,) = enrolled("RIV001")
    project_register(course=course, registered_by=rival, title="Rival team")
    return rival


def test_student_registers_a_team_from_the_page(client, student, other_student, milestones):
    client.force_login(student)
    url = reverse("projects:my_project", args=["VITMMA19"])
    page = client.get(url)
    assert "Register your team" in page.content.decode()
    bad = client.post(url, {"title": "Birds", "teammates": "xyz789, NOP999"})
    assert bad.status_code == 400 and "Not students of VITMMA19: NOP999" in bad.content.decode()
    response = client.post(url, {"title": "Birds", "teammates": "xyz789"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "XYZ789" in page and "Milestone 1: data" in page and "Not eligible yet" in page


def test_index_sends_students_and_staff_to_their_page(client, student, grader_user):
    client.force_login(student)
    assert client.get(reverse("projects:index"))["Location"].endswith("/projects/courses/VITMMA19/mine/")
    client.force_login(grader_user)
    assert client.get(reverse("projects:index"))["Location"].endswith("/projects/courses/VITMMA19/")


def test_student_submits_and_sees_errors_on_the_page(client, team, milestones, student):
    client.force_login(student)
    url = reverse("projects:submit", args=[team.id, milestones[0].id])
    prefix = f"m{milestones[0].id}"
    fake = client.post(
        url,
        {
            f"{prefix}-repository_url": "https://github.com/t/x",
            f"{prefix}-pdf": pdf_upload(b"GIF89a not a pdf"),
            f"{prefix}-in_english": "on",
        },
    )
    assert fake.status_code == 400 and "This file is not a PDF" in fake.content.decode()
    ok = client.post(
        url,
        {
            f"{prefix}-repository_url": "https://github.com/t/x",
            f"{prefix}-pdf": pdf_upload(),
            f"{prefix}-in_english": "on",
        },
    )
    assert ok.status_code == 302
    submission = MilestoneSubmission.objects.get()
    assert submission.in_english and submission.pdf_bytes == len(tiny_pdf())


def test_student_sees_only_their_own_project_and_files(client, submitted, team, milestones, rival):
    client.force_login(rival)
    page = client.get(reverse("projects:my_project", args=["VITMMA19"])).content.decode()
    assert "Rival team" in page and "Bird songs" not in page
    pdf_url = reverse("projects:submission_pdf", args=[submitted.id])
    assert client.get(pdf_url).status_code == 404
    submit_url = reverse("projects:submit", args=[team.id, milestones[0].id])
    assert client.post(submit_url, {}).status_code == 404
    assert (
        client.post(reverse("projects:member_change", args=[team.id]), {"action": "leave"}).status_code == 404
    )
    assert client.get(reverse("projects:course_projects", args=["VITMMA19"])).status_code == 403
    assert client.get(reverse("projects:grade", args=[team.id, milestones[0].id])).status_code == 403


def test_members_and_staff_download_the_pdf(client, submitted, student, other_student, grader_user):
    pdf_url = reverse("projects:submission_pdf", args=[submitted.id])
    for user in (student, other_student, grader_user):
        client.force_login(user)
        response = client.get(pdf_url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == tiny_pdf()
    client.logout()
    assert client.get(pdf_url).status_code == 302


def test_grader_grades_with_the_rubric(client, submitted, team, milestones, grader_user, student):
    first = milestones[0]
    client.force_login(grader_user)
    listing = client.get(reverse("projects:course_projects", args=["VITMMA19"])).content.decode()
    assert "Bird songs" in listing and "Submitted on time" in listing
    url = reverse("projects:grade", args=[team.id, first.id])
    form = client.get(url).content.decode()
    assert "Train/validation/test split (0–5.0)" in form
    criteria = list(first.criteria.order_by("order"))
    data = {f"criterion_{c.id}": "4" for c in criteria}
    over = client.post(url, {**data, f"criterion_{criteria[0].id}": "9"})
    assert over.status_code == 400 and not MilestoneGrade.objects.exists()
    response = client.post(url, {**data, "comment": "Nice exploration."})
    assert response.status_code == 302
    assert MilestoneGrade.objects.get().points == 16
    client.force_login(student)
    page = client.get(reverse("projects:my_project", args=["VITMMA19"])).content.decode()
    assert "Graded: 16.0 / 20.0" in page and "Nice exploration." in page


def test_student_cannot_grade_even_their_own_team(client, submitted, team, milestones, student):
    client.force_login(student)
    url = reverse("projects:grade", args=[team.id, milestones[0].id])
    criteria = milestones[0].criteria.all()
    assert client.post(url, {f"criterion_{c.id}": "5" for c in criteria}).status_code == 403
    assert not MilestoneGrade.objects.exists()


def test_staff_visiting_my_project_go_to_the_course_list(client, instructor, course):
    client.force_login(instructor)
    response = client.get(reverse("projects:my_project", args=[course.code]))
    assert response["Location"].endswith(f"/projects/courses/{course.code}/")


def test_invite_accept_and_leave_from_the_pages(client, team, student, other_student, enrolled):
    (newcomer,) = enrolled("NEW001")
    client.force_login(student)
    url = reverse("projects:member_change", args=[team.id])
    page = client.post(url, {"action": "add", "neptun_code": "new001"}, follow=True).content.decode()
    assert "is invited; they join the team when they accept" in page and "NEW001" in page
    assert team.members.count() == 2  # not a member before accepting
    client.force_login(newcomer)
    mine = client.get(reverse("projects:my_project", args=[team.course.code])).content.decode()
    assert "Bird songs" in mine and "Join this team" in mine
    invitation = team.invitations.get()
    answer = reverse("projects:invitation_answer", args=[invitation.id])
    client.force_login(other_student)  # not theirs to answer
    assert client.post(answer, {"action": "accept"}).status_code == 404
    client.force_login(newcomer)
    joined = client.post(answer, {"action": "accept"}, follow=True).content.decode()
    assert "You joined the team “Bird songs”" in joined
    assert team.members.count() == 3
    client.force_login(other_student)
    client.post(url, {"action": "leave"})
    assert sorted(team.members.values_list("student__neptun_code", flat=True)) == ["ABC123", "NEW001"]
    assert Project.objects.count() == 1


def test_a_declined_invitation_leaves_the_team_as_it_was(client, team, student, enrolled):
    (newcomer,) = enrolled("NEW001")
    client.force_login(student)
    client.post(reverse("projects:member_change", args=[team.id]), {"action": "add", "neptun_code": "NEW001"})
    client.force_login(newcomer)
    answer = reverse("projects:invitation_answer", args=[team.invitations.get().id])
    page = client.post(answer, {"action": "decline"}, follow=True).content.decode()
    assert "You declined the invitation to “Bird songs”" in page and "Register your team" in page
    assert team.members.count() == 2 and not team.invitations.exists()


def test_a_lone_member_leaves_from_the_page_and_can_start_again(client, course, student, milestones):
    from projects.services import project_register

    project = project_register(course=course, registered_by=student, title="Alone")
    client.force_login(student)
    page = client.get(reverse("projects:my_project", args=[course.code])).content.decode()
    assert "Leave and dissolve this team" in page
    after = client.post(
        reverse("projects:member_change", args=[project.id]), {"action": "leave"}, follow=True
    ).content.decode()
    assert "Register your team" in after and not Project.objects.exists()


def test_admin_lists_search_by_neptun_code(admin_client, submitted):
    for name in ("project", "teammembership", "milestonesubmission", "milestonegrade"):
        response = admin_client.get(reverse(f"admin:projects_{name}_changelist"), {"q": "ABC123"})
        assert response.status_code == 200, name
    response = admin_client.get(reverse("admin:projects_project_changelist"), {"q": "ABC123"})
    assert "Bird songs" in response.content.decode()
    for name in ("milestone", "rubriccriterion", "criterionscore"):
        assert admin_client.get(reverse(f"admin:projects_{name}_changelist")).status_code == 200


def test_demo_seed_is_idempotent(course, grader_user, enrolled, settings, tmp_path):
    import io

    from projects.demo import DEMO_GIT_PREFIX, demo_seed
    from projects.selectors import teams_close_at

    settings.DATA_DIR = tmp_path
    settings.PROJECT_GIT_SOURCES = {DEMO_GIT_PREFIX: f"file://{tmp_path}/demo-git/"}
    enrolled(*[f"D{i:05d}" for i in range(12)])
    demo_seed(course=course, stdout=io.StringIO())
    counts = (Project.objects.count(), MilestoneSubmission.objects.count(), MilestoneGrade.objects.count())
    demo_seed(course=course, stdout=io.StringIO())
    assert counts == (4, 3, 1)
    # The demo shows the commit rule with real repositories and a closed team registration.
    recorded = MilestoneSubmission.objects.exclude(commit_sha="")
    assert recorded.count() == 3 and all(s.commit_has_readme and s.commit_pdfs for s in recorded)
    assert teams_close_at(course=course) < timezone.now()
    assert (
        Project.objects.count(),
        MilestoneSubmission.objects.count(),
        MilestoneGrade.objects.count(),
    ) == counts


def test_a_hungarian_student_sees_the_invitation_in_hungarian(client, team, student, enrolled):
    (newcomer,) = enrolled("NEW001")
    client.force_login(student)
    client.post(reverse("projects:member_change", args=[team.id]), {"action": "add", "neptun_code": "NEW001"})
    newcomer.language = "hu"
    newcomer.save()
    client.force_login(newcomer)
    page = client.get(reverse("projects:my_project", args=[team.course.code])).content.decode()
    assert "Meghívások csapatba" in page and "Csatlakozom ehhez a csapathoz" in page
    assert "meghívta: ABC123" in page
