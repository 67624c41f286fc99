"""Assignment assets: stored with their SHA-256 within limits, served to the course only, mounted read-only
at /assets in the real sandbox (and only the assignment's own), copied with the course, in the backup."""

import hashlib
import io
import json
import sqlite3
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.services import enrollment_set
from core.errors import PermissionDeniedError, PlatformError
from grader import sandbox
from grader.assets import (
    AssetIntegrityError,
    asset_add,
    asset_remove,
    assets_of_assignment,
    assets_sandbox_dir,
)
from grader.models import AssetSource, Assignment, AssignmentAsset
from lifecycle.services import course_copy
from lifecycle.services.backup import site_backup
from tests.factories import CourseFactory, StudentFactory
from tests.gradebook.scenario import assignment_make

pytestmark = [pytest.mark.django_db, pytest.mark.services]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GRADER_WORK_DIR = tmp_path / "work"


@pytest.fixture
def homework(course):
    return assignment_make(course, title="Transfer learning", deadline=timezone.now() + timedelta(days=7))


def attach(assignment, name: str, content: bytes, **kwargs) -> AssignmentAsset:
    return asset_add(assignment=assignment, by=None, upload=io.BytesIO(content), name=name, **kwargs)


def test_an_asset_is_stored_with_its_sha256_size_and_description(homework, instructor):
    asset = asset_add(
        assignment=homework,
        by=instructor,
        upload=io.BytesIO(b"weights"),
        name="backbone.pt",
        description="ResNet-18, ImageNet mean/std",
    )
    assert (asset.name, asset.size, asset.sha256) == (
        "backbone.pt",
        7,
        hashlib.sha256(b"weights").hexdigest(),
    )
    assert asset.source == AssetSource.INSTRUCTOR and asset.description == "ResNet-18, ImageNet mean/std"
    assert asset.file.name.startswith("assets/") and Path(asset.file.path).read_bytes() == b"weights"
    assert assets_of_assignment(assignment=homework) == [asset]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("../etc/passwd", b"x", "letters, digits"),
        ("sub/backbone.py", b"x", "letters, digits"),
        (".hidden", b"x", "letters, digits"),
        ("a" * 101, b"x", "letters, digits"),
        ("empty.txt", b"", "is empty"),
        ("big.bin", b"x" * 2048, "larger than"),
    ],
)
def test_bad_assets_are_refused_and_nothing_is_stored(homework, settings, name, content, message):
    settings.GRADER_ASSET_MAX_BYTES = 1024
    with pytest.raises(PlatformError, match=message):
        attach(homework, name, content)
    assert not AssignmentAsset.objects.exists()
    assert not list(Path(settings.MEDIA_ROOT).rglob("*.*"))


def test_a_name_is_used_once_and_the_total_is_capped(homework, settings):
    attach(homework, "a.txt", b"one")
    with pytest.raises(PlatformError, match="already has a file called a.txt"):
        attach(homework, "a.txt", b"two")
    settings.GRADER_ASSETS_MAX_TOTAL_BYTES = 5
    with pytest.raises(PlatformError, match="together"):
        attach(homework, "b.txt", b"three")
    assert [a.name for a in assets_of_assignment(assignment=homework)] == ["a.txt"]


def test_only_the_courses_instructors_attach_or_remove(homework, student, grader_user, instructor):
    for person in (student, grader_user):
        with pytest.raises(PermissionDeniedError):
            asset_add(assignment=homework, by=person, upload=io.BytesIO(b"x"), name="x.txt")
    asset = attach(homework, "x.txt", b"x")
    with pytest.raises(PermissionDeniedError):
        asset_remove(asset=asset, by=student)
    asset_remove(asset=asset, by=instructor)
    assert not AssignmentAsset.objects.exists()


def test_students_of_the_course_download_it_others_do_not(homework, student, course):
    attach(homework, "backbone.py", b"class ResNet18: ...")
    url = reverse("grader:asset", kwargs={"pk": homework.pk, "asset": "backbone.py"})
    client = Client()
    client.force_login(student)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"class ResNet18: ..."
    assert "attachment" in response["Content-Disposition"]
    page = client.get(reverse("grader:assignment", kwargs={"pk": homework.pk})).content.decode()
    assert "backbone.py" in page and url in page and "$DLIP_ASSETS_DIR" in page

    outsider = StudentFactory(neptun_code="OUT123", username="OUT123")
    enrollment_set(course=CourseFactory(code="OTHER1"), user=outsider, role=Role.STUDENT)
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_a_name_never_reaches_another_assignments_file(homework, course, student):
    other = assignment_make(course, title="Other", deadline=timezone.now() + timedelta(days=7))
    attach(other, "secret.txt", b"of the other assignment")
    client = Client()
    client.force_login(student)
    url = reverse("grader:asset", kwargs={"pk": homework.pk, "asset": "secret.txt"})
    assert client.get(url).status_code == 404


def test_the_instructor_attaches_and_removes_on_the_edit_page(
    homework, instructor, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(instructor)
    url = reverse("grader:assignment_edit", kwargs={"pk": homework.pk})
    data = {name: value for name, value in _form_data(homework).items() if value is not None}
    upload = io.BytesIO(b"def helper(): ...\n")
    upload.name = "helper.py"
    response = client.post(url, {**data, "asset": upload, "asset_description": "A helper module."})
    assert response.status_code == 302, response.content.decode()[:2000]
    asset = AssignmentAsset.objects.get(assignment=homework)
    assert (asset.name, asset.description) == ("helper.py", "A helper module.")
    assert "helper.py" in client.get(url).content.decode()
    remove = reverse("grader:asset_remove", kwargs={"pk": homework.pk, "asset": "helper.py"})
    with django_capture_on_commit_callbacks(execute=True):  # the file goes after the commit
        assert client.post(remove).status_code == 302
    assert not AssignmentAsset.objects.exists() and not Path(asset.file.path).exists()


def _form_data(assignment: Assignment) -> dict:
    from grader.forms import LOCAL_MINUTES, AssignmentForm

    data = AssignmentForm.initial_from(assignment)
    for key in ("opens_at", "deadline", "late_cutoff"):
        if data[key] is not None:
            data[key] = timezone.localtime(data[key]).strftime(LOCAL_MINUTES)
    data["use_gpu"] = "on" if data["use_gpu"] else ""
    return data


def test_the_sandbox_folder_holds_exactly_the_assignments_files_checked_against_their_sha256(homework):
    assert assets_sandbox_dir(assignment=homework) is None
    attach(homework, "a.txt", b"alpha")
    asset = attach(homework, "b.txt", b"beta")
    folder = assets_sandbox_dir(assignment=homework)
    assert folder is not None and sorted(p.name for p in folder.iterdir()) == ["a.txt", "b.txt"]
    assert (folder / "b.txt").read_bytes() == b"beta" and (folder / "b.txt").stat().st_mode & 0o777 == 0o444
    assert assets_sandbox_dir(assignment=homework) == folder  # made once
    Path(asset.file.path).write_bytes(b"BETA")  # the store changed under us: never mounted
    attach(homework, "c.txt", b"gamma")
    with pytest.raises(AssetIntegrityError):
        assets_sandbox_dir(assignment=homework)


HOSTILE = r"""
import os, pathlib
assets = os.environ["DLIP_ASSETS_DIR"]
print("ASSETS", assets, sorted(os.listdir(assets)))
for attempt, action in [
    ("write", lambda: open(os.path.join(assets, "mine.txt"), "w").write("x")),
    ("overwrite", lambda: open(os.path.join(assets, "b.txt"), "w").write("x")),
    ("remove", lambda: os.remove(os.path.join(assets, "b.txt"))),
    ("chmod", lambda: os.chmod(os.path.join(assets, "b.txt"), 0o666)),
    ("rename", lambda: os.rename(os.path.join(assets, "b.txt"), os.path.join(assets, "c.txt"))),
]:
    try:
        action()
        print("ALLOWED", attempt)
    except OSError as error:
        print("REFUSED", attempt, error.errno)
print("CONTENT", open(os.path.join(assets, "b.txt")).read())
roots = ("/sandbox", "/tmp", "/assets", "/dev/shm")
found = [str(p) for root in roots for p in pathlib.Path(root).rglob("*") if p.name == "other-secret.txt"]
print("FOUND", found, os.path.exists(OTHER_FOLDER))
"""


@pytest.mark.skipif(not sandbox.sandbox_available(), reason="needs the sandbox (root, bubblewrap)")
def test_in_the_real_sandbox_assets_are_read_only_and_only_the_assignments_own(homework, course, tmp_path):
    """The student's code sees its assignment's files at $DLIP_ASSETS_DIR and can change none of them;
    another assignment's files (made into their own sandbox folder on the same worker) are nowhere."""
    other = assignment_make(course, title="Other", deadline=timezone.now() + timedelta(days=7))
    attach(other, "other-secret.txt", b"not yours")
    attach(homework, "b.txt", b"beta")
    folder = assets_sandbox_dir(assignment=homework)
    assert folder is not None
    submission = tmp_path / "submission"
    submission.mkdir()
    script = submission / "hostile.py"
    other_folder = assets_sandbox_dir(assignment=other)
    script.write_text(f"OTHER_FOLDER = {str(other_folder)!r}\n" + HOSTILE)
    script.chmod(0o644)
    for path in (tmp_path, submission):
        path.chmod(0o755)
    output = tmp_path / "out"
    output.mkdir()
    result = sandbox.sandbox_run(
        command=[*sandbox.runner_command("script", "/sandbox/submission/hostile.py")],
        inputs={"/sandbox/submission": submission, sandbox.ASSETS_MOUNT: folder},
        output_dir=output,
        limits=sandbox.SandboxLimits(wall_seconds=60, cpu_seconds=60),
        env={"DLIP_ASSETS_DIR": sandbox.ASSETS_MOUNT},
    )
    assert result.verdict is sandbox.RunVerdict.OK, result.log
    assert "ASSETS /assets ['b.txt']" in result.log
    assert "ALLOWED" not in result.log and result.log.count("REFUSED") == 5, result.log
    assert "CONTENT beta" in result.log and "FOUND [] False" in result.log
    assert (folder / "b.txt").read_bytes() == b"beta" and sorted(p.name for p in folder.iterdir()) == [
        "b.txt"
    ]


def test_only_the_assets_mount_may_leave_sandbox(tmp_path):
    with pytest.raises(ValueError, match="under /sandbox/"):
        sandbox.sandbox_run(
            command=["true"],
            inputs={"/assets2": tmp_path},
            output_dir=tmp_path,
            limits=sandbox.SandboxLimits(),
        )


def test_copying_the_course_shares_the_files_and_removing_one_copy_keeps_the_other(
    homework, course, instructor
):
    asset = attach(homework, "backbone.pt", b"weights", description="the backbone")
    course_copy(source=course, code="VITMMA19-27", term="2027/28/1", offset_days=364, by=instructor)
    copied = AssignmentAsset.objects.get(assignment__course__code="VITMMA19-27", name="backbone.pt")
    assert (copied.sha256, copied.size, copied.description, copied.file.name) == (
        asset.sha256,
        asset.size,
        "the backbone",
        asset.file.name,
    )
    asset_remove(asset=asset, by=instructor)
    assert Path(copied.file.path).read_bytes() == b"weights"  # still used by the copy


def test_create_assignment_asset_option(course, tmp_path):
    helper = tmp_path / "helper.py"
    helper.write_text("def f(): ...\n")
    out = io.StringIO()
    call_command(
        "create_assignment", "--course", course.code, "--task", "fever-classification",
        "--reference-epochs", "1", "--asset", str(helper), "--asset-description", "A helper.", stdout=out,
    )  # fmt: skip
    asset = AssignmentAsset.objects.get()
    assert (asset.name, asset.description, asset.source) == ("helper.py", "A helper.", AssetSource.INSTRUCTOR)
    digest = hashlib.sha256(helper.read_bytes()).hexdigest()
    assert f"Asset helper.py: 13 bytes, SHA-256 {digest}." in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_the_backup_holds_the_asset_rows_and_files(homework, tmp_path):
    asset = attach(homework, "backbone.pt", b"weights")
    summary = site_backup(out_path=tmp_path / "backup.tar.gz")
    files = {entry["path"]: entry["sha256"] for entry in summary.manifest["files"]}
    assert files["media/" + asset.file.name] == asset.sha256
    if connection.vendor != "sqlite":
        return  # pg_dump's custom format: the row's restore is in tests/lifecycle/test_backup.py
    with tarfile.open(summary.path) as archive:
        database = [m for m in archive.getmembers() if m.name.endswith(".sqlite3")][0]
        archive.extract(database, tmp_path / "x", filter="data")
    rows = sqlite3.connect(tmp_path / "x" / database.name).execute(
        "SELECT name, sha256 FROM grader_assignmentasset"
    )
    assert list(rows) == [("backbone.pt", asset.sha256)]
    assert json.dumps(summary.manifest)  # a manifest a restore can read
