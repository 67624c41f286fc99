"""The course's rule "we look at the last commit before the deadline", with a real local bare git
repository standing in for the course's (mirrored) git server, and the on-time rule of re-submissions."""

import os
import subprocess
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from projects import repository
from projects.selectors import counting_submission, offered_grade_status, project_overview
from projects.services import milestone_commit_record, milestone_commits_sweep, milestone_submit
from tests.projects.conftest import pdf_upload

PUBLIC = "https://git.example.edu/"


def git(*args: str, cwd: Path, when=None) -> str:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(cwd),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Student",
        "GIT_AUTHOR_EMAIL": "s@example.edu",
        "GIT_COMMITTER_NAME": "Student",
        "GIT_COMMITTER_EMAIL": "s@example.edu",
    }
    if when is not None:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{int(when.timestamp())} +0000"
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


class Server:
    """A bare repository at <root>/team/bird-songs.git and a working clone that commits and pushes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bare = root / "mirror" / "team" / "bird-songs.git"
        self.bare.parent.mkdir(parents=True)
        git("init", "-q", "--bare", "-b", "main", str(self.bare), cwd=root)
        self.clone = root / "clone"
        git("clone", "-q", str(self.bare), str(self.clone), cwd=root)
        git("checkout", "-q", "-b", "main", cwd=self.clone)

    def commit(self, files: dict[str, bytes], when) -> str:
        for name, content in files.items():
            path = self.clone / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        git("add", "-A", cwd=self.clone)
        git("commit", "-q", "-m", f"work at {when}", cwd=self.clone, when=when)
        git("push", "-q", "origin", "main", cwd=self.clone)
        return git("rev-parse", "HEAD", cwd=self.clone).strip()


@pytest.fixture
def server(tmp_path, settings):
    made = Server(tmp_path)
    settings.PROJECT_GIT_SOURCES = {PUBLIC: f"file://{made.root / 'mirror'}/"}
    return made


@pytest.fixture
def final(milestones):
    return milestones[-1]


def test_the_last_commit_before_the_deadline_counts_and_a_later_push_is_ignored(server, team, final, student):
    deadline = final.deadline
    early = server.commit(
        {"README.md": b"# Birds\n", "model.py": b"print(1)\n"}, deadline - timedelta(days=2)
    )
    on_time = server.commit({"report/report.pdf": b"%PDF-1.4 x"}, deadline - timedelta(minutes=5))
    handed_in = milestone_submit(
        project=team,
        milestone=final,
        submitted_by=student,
        in_english=True,
        repository_url=PUBLIC + "team/bird-songs",
        pdf=pdf_upload(),
        now=deadline - timedelta(hours=1),
    )
    server.commit({"model.py": b"print(2)  # after the deadline\n"}, deadline + timedelta(minutes=30))

    milestone_commit_record(submission=handed_in, now=deadline + timedelta(hours=1))
    handed_in.refresh_from_db()
    assert handed_in.commit_sha == on_time != early
    assert handed_in.commit_has_readme is True and handed_in.commit_pdfs == ["report/report.pdf"]
    assert handed_in.commit_error == "" and handed_in.commit_fetched_at > deadline
    with tarfile.open(handed_in.commit_archive.path) as archive:
        names = archive.getnames()
        assert "model.py" in names and "report/report.pdf" in names
        assert archive.extractfile("model.py").read() == b"print(1)\n"  # not the late push


def test_before_the_deadline_the_head_is_provisional_and_the_sweep_fetches_again_after_it(
    server, team, final, student
):
    deadline = final.deadline
    first = server.commit({"README.md": b"# Birds\n"}, deadline - timedelta(days=3))
    handed_in = milestone_submit(
        project=team,
        milestone=final,
        submitted_by=student,
        in_english=True,
        repository_url=PUBLIC + "team/bird-songs",
        pdf=pdf_upload(),
        now=deadline - timedelta(days=3),
    )
    milestone_commit_record(submission=handed_in, now=deadline - timedelta(days=3) + timedelta(minutes=1))
    handed_in.refresh_from_db()
    assert handed_in.commit_sha == first
    old_archive = Path(handed_in.commit_archive.path)

    last = server.commit({"notes.md": b"more\n"}, deadline - timedelta(minutes=1))
    server.commit({"notes.md": b"too late\n"}, deadline + timedelta(minutes=1))
    assert milestone_commits_sweep(now=deadline + timedelta(minutes=5)) == 1
    handed_in.refresh_from_db()
    assert handed_in.commit_sha == last and not old_archive.exists()
    assert milestone_commits_sweep(now=deadline + timedelta(minutes=10)) == 0  # recorded after the deadline


def test_a_repository_without_readme_is_shown_as_such_and_an_unknown_host_is_never_fetched(
    server, team, final, student
):
    deadline = final.deadline
    server.commit({"main.py": b"x\n"}, deadline - timedelta(days=1))
    handed_in = milestone_submit(
        project=team,
        milestone=final,
        submitted_by=student,
        in_english=True,
        repository_url=PUBLIC + "team/bird-songs",
        pdf=pdf_upload(),
        now=deadline - timedelta(days=1),
    )
    milestone_commit_record(submission=handed_in, now=deadline + timedelta(minutes=1))
    handed_in.refresh_from_db()
    assert handed_in.commit_has_readme is False and handed_in.commit_pdfs == []

    elsewhere = milestone_submit(
        project=team,
        milestone=final,
        submitted_by=student,
        in_english=True,
        repository_url="https://evil.example.com/x/y",
        now=deadline - timedelta(minutes=30),
    )
    milestone_commit_record(submission=elsewhere, now=deadline + timedelta(minutes=1))
    elsewhere.refresh_from_db()
    assert (elsewhere.commit_error, elsewhere.commit_sha) == ("not_fetchable", "")


@pytest.mark.parametrize(
    "url",
    [
        "https://git.example.edu/../../etc",
        "https://git.example.edu/team/../other",
        "https://git.example.edu/-uhelp",
        "https://git.example.edu/team/--upload-pack=touch%20x",
        "https://git.example.edu/",
        "ext::sh -c touch% /tmp/pwned",
        "https://git.example.edu.evil.com/team/p",
        "https://other.example.edu/team/p",
    ],
)
def test_hostile_urls_are_never_fetched(url):
    sources = {PUBLIC: "file:///srv/mirror/"}
    assert repository.fetch_url_for(url, sources) is None


def test_a_commit_dated_after_the_cutoff_only_is_reported_not_taken(server, tmp_path):
    now = timezone.now()
    server.commit({"README.md": b"x"}, now + timedelta(days=1))
    with pytest.raises(repository.RepositoryError) as raised:
        repository.snapshot_before(f"file://{server.bare}", now, into=tmp_path / "out")
    assert raised.value.code == "no_commit_before_deadline"


def test_an_archive_over_the_size_limit_is_refused_and_leaves_nothing(server, tmp_path):
    now = timezone.now()
    server.commit({"big.bin": os.urandom(300_000)}, now - timedelta(days=1))
    out = tmp_path / "out"
    with pytest.raises(repository.RepositoryError) as raised:
        repository.snapshot_before(f"file://{server.bare}", now, into=out, max_bytes=100_000)
    assert raised.value.code == "too_large"
    assert list(out.iterdir()) == []


def test_a_late_resubmission_never_makes_an_on_time_milestone_late(team, milestones, student):
    first = milestones[0]
    deadline = first.deadline
    on_time = milestone_submit(
        project=team,
        milestone=first,
        submitted_by=student,
        in_english=True,
        repository_url="https://github.com/team/birds",
        now=deadline - timedelta(hours=2),
    )
    late = milestone_submit(
        project=team,
        milestone=first,
        submitted_by=student,
        in_english=True,
        repository_url="https://github.com/team/birds-v2",
        now=deadline + timedelta(days=1),
    )
    status = project_overview(project=team).statuses[0]
    assert status.latest == late and status.counting == on_time and not status.late
    assert "after the deadline" not in " ".join(offered_grade_status(project=team).reasons)
    assert counting_submission([late], deadline=deadline) == late  # none on time: the latest counts


def test_the_team_page_shows_the_commit_and_its_archive_downloads(client, server, team, final, student):
    deadline = final.deadline
    sha = server.commit({"README.md": b"# Birds\n", "report.pdf": b"%PDF-1.4"}, deadline - timedelta(days=1))
    handed_in = milestone_submit(
        project=team,
        milestone=final,
        submitted_by=student,
        in_english=True,
        repository_url=PUBLIC + "team/bird-songs",
        pdf=pdf_upload(),
        now=deadline - timedelta(days=1),
    )
    milestone_commit_record(submission=handed_in, now=deadline + timedelta(minutes=1))
    client.force_login(student)
    html = client.get(f"/projects/courses/{team.course.code}/mine/").content.decode()
    assert f"<code>{sha[:10]}</code>" in html and "readme.md" in html and "commit.tar.gz" in html
    response = client.get(f"/projects/submissions/{handed_in.pk}/commit.tar.gz")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"\x1f\x8b"
