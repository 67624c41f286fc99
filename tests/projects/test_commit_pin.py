"""The commit that counts for a project hand-in, fetched from a local bare git repository: the last commit
before the deadline; a commit pushed after it is ignored; only listed git servers are read."""

import os
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import PlatformError
from projects.models import MilestoneSubmission
from projects.services import (
    milestone_commits_pin,
    milestone_defaults_create,
    milestone_submit,
    project_register,
)

pytestmark = pytest.mark.services


def git(*args, cwd, when=None):
    env = {**os.environ, "GIT_AUTHOR_NAME": "Team", "GIT_AUTHOR_EMAIL": "t@example.edu"}
    env |= {"GIT_COMMITTER_NAME": "Team", "GIT_COMMITTER_EMAIL": "t@example.edu"}
    if when is not None:
        env |= {"GIT_AUTHOR_DATE": when.isoformat(), "GIT_COMMITTER_DATE": when.isoformat()}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def remote(tmp_path):
    """A bare repository (the course's git server) and a working copy that pushes to it."""
    server = tmp_path / "server"
    server.mkdir()
    bare = server / "team.git"
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=tmp_path)
    work = tmp_path / "work"
    git("init", "--quiet", "--initial-branch=main", str(work), cwd=tmp_path)
    git("remote", "add", "origin", str(bare), cwd=work)
    return server, bare, work


def commit(work, name, content, when):
    (work / name).write_bytes(content)
    git("add", name, cwd=work)
    git("commit", "--quiet", "-m", f"add {name}", cwd=work, when=when)
    git("push", "--quiet", "origin", "main", cwd=work)
    return git("rev-parse", "HEAD", cwd=work).strip()


@pytest.fixture
def milestone(course):
    return milestone_defaults_create(course=course)[0]


def test_the_last_commit_before_the_deadline_counts_and_a_later_push_is_ignored(
    settings, remote, milestone, course, student, grader_user, client
):
    server, bare, work = remote
    settings.PROJECTS_GIT_REMOTES = [str(server) + "/"]
    deadline = milestone.deadline
    commit(work, "readme.md", b"# Birds\n", deadline - timedelta(days=2))
    on_time = commit(work, "report.pdf", b"%PDF-1.4\n", deadline - timedelta(hours=1))
    project = project_register(course=course, title="Birds", registered_by=student)
    milestone_submit(
        project=project,
        milestone=milestone,
        submitted_by=student,
        repository_url=f"https://example.edu/{project.pk}",
        pdf=None,
        in_english=True,
        now=deadline - timedelta(minutes=30),
    )
    MilestoneSubmission.objects.update(repository_url=str(bare))  # the server's path (a URL in production)
    with pytest.raises(PlatformError):
        milestone_commits_pin(milestone=milestone, now=deadline - timedelta(minutes=1))
    commit(work, "late.py", b"print('after')\n", deadline + timedelta(hours=2))  # pushed after the deadline

    [pinned] = milestone_commits_pin(milestone=milestone, now=deadline + timedelta(hours=3))
    assert (pinned.sha, pinned.problem) == (on_time, "")
    hand_in = MilestoneSubmission.objects.get()
    assert hand_in.commit_sha == on_time and hand_in.commit_has_readme and hand_in.commit_has_pdf
    assert hand_in.commit_at == (deadline - timedelta(hours=1)).replace(microsecond=0)
    commit(work, "later.py", b"x = 1\n", deadline + timedelta(days=1))
    milestone_commits_pin(milestone=milestone, now=deadline + timedelta(days=2))
    assert MilestoneSubmission.objects.get().commit_sha == on_time  # pinned once, never moved
    client.force_login(grader_user)
    page = client.get(reverse("projects:grade", args=[project.pk, milestone.pk])).content.decode()
    assert f"commit {on_time[:12]}" in page and "no readme.md" not in page


def test_a_repository_on_an_unlisted_server_is_never_fetched(settings, remote, milestone, course, student):
    server, bare, work = remote
    settings.PROJECTS_GIT_REMOTES = ["https://git.example.edu/dlip/"]
    commit(work, "readme.md", b"# Birds\n", milestone.deadline - timedelta(days=1))
    project = project_register(course=course, title="Birds", registered_by=student)
    milestone_submit(
        project=project,
        milestone=milestone,
        submitted_by=student,
        repository_url="https://example.edu/x",
        pdf=None,
        in_english=True,
        now=milestone.deadline - timedelta(hours=1),
    )
    MilestoneSubmission.objects.update(repository_url=str(bare))
    [pinned] = milestone_commits_pin(milestone=milestone, now=timezone.now() + timedelta(days=400))
    assert pinned.sha == "" and "not fetched" in pinned.problem
    assert MilestoneSubmission.objects.get().commit_problem.startswith("not fetched")


def test_the_command_pins_the_past_milestones_of_a_course(settings, remote, milestone, course, student):
    import io

    from django.core.management import call_command

    server, bare, work = remote
    settings.PROJECTS_GIT_REMOTES = [str(server) + "/"]
    sha = commit(work, "readme.md", b"# Birds\n", timezone.now() - timedelta(days=1))
    project = project_register(course=course, title="Birds", registered_by=student)
    milestone_submit(
        project=project,
        milestone=milestone,
        submitted_by=student,
        repository_url="https://example.edu/x",
        pdf=None,
        in_english=True,
        now=milestone.deadline - timedelta(hours=1),
    )
    MilestoneSubmission.objects.update(repository_url=str(bare))
    type(milestone).objects.filter(pk=milestone.pk).update(deadline=timezone.now() - timedelta(minutes=1))
    out = io.StringIO()
    call_command("project_commits_pin", course.code, "--milestone", "1", stdout=out)
    assert f"Birds: {sha[:12]}" in out.getvalue()
