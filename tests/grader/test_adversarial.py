"""Hostile submissions through the whole pipeline: a real worker grades each with the right verdict, survives,
and grades the next (good) submission normally. The sandbox's own tests (test_sandbox.py) cover the
mechanisms one by one; here it is the verdict a student sees and the worker that must keep going.
"""

import io
import os
import socket
import textwrap
import threading
import zipfile
from pathlib import Path

import pytest
import torch
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import PlatformError
from grader import tasks_catalog
from grader.models import Assignment, Grading, Submission, SubmissionStatus, Verdict
from grader.services import AssignmentRules, assignment_create, submission_create
from tests.grader.conftest import REFERENCE_EPOCHS, assignment_make, wait_done
from tests.grader.test_pipeline import carrying_script

pytestmark = [pytest.mark.integration, pytest.mark.services]

TASK = "fever-regression"


def hidden_labels_path() -> Path:
    return tasks_catalog.catalog_prepare(TASK) / "hidden" / "test_labels.csv"


def script(body: str) -> bytes:
    return textwrap.dedent(body).encode()


def socket_script(port: int) -> bytes:
    return script(
        f"""
        import socket, sys
        reached = []
        for host, port in (("127.0.0.1", {port}), ("1.1.1.1", 80), ("8.8.8.8", 53)):
            try:
                socket.create_connection((host, port), timeout=1).close()
                reached.append(host)
            except OSError as error:
                print("refused", host, port, error)
        try:
            socket.getaddrinfo("example.com", 80)
            reached.append("dns")
        except OSError as error:
            print("no dns", error)
        if reached:
            print("REACHED", reached)
            sys.exit(0)
        raise ConnectionError("no network")
        """
    )


def labels_script() -> bytes:
    guesses = [
        str(hidden_labels_path()),
        "/sandbox/data/../hidden/test_labels.csv",
        "/sandbox/hidden/test_labels.csv",
        str(Path(settings.REFERENCE_CACHE_DIR)),
        str(Path(settings.DATA_DIR)),
    ]
    return script(
        f"""
        import os, shutil, sys
        found = None
        for guess in {guesses!r}:
            if os.path.isfile(guess):
                found = guess
            elif os.path.isdir(guess):
                for folder, _, files in os.walk(guess):
                    if "test_labels.csv" in files:
                        found = os.path.join(folder, "test_labels.csv")
        for folder, dirs, files in os.walk("/"):
            skip = ("/proc", "/sys", "/usr", "/dev")
            dirs[:] = [d for d in dirs if os.path.join(folder, d) not in skip and "python" not in d]
            if "test_labels.csv" in files:
                found = os.path.join(folder, "test_labels.csv")
        if found:
            shutil.copy(found, os.path.join(os.environ["DLIP_OUTPUT_DIR"], "predictions.csv"))
            print("STOLEN", found)
            sys.exit(0)
        sys.exit("no labels anywhere")
        """
    )


PROC_SCRIPT = script(
    """
    import os, sys
    seen = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                seen.append(open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\\0", b" ").decode())
            except OSError:
                pass
    print(len(seen), "processes:", seen)
    if any("celery" in c or "manage.py" in c or "pytest" in c for c in seen):
        print("FOUND THE WORKER")
        sys.exit(0)
    sys.exit("only my own processes")
    """
)
FORK_BOMB = script(
    """
    import os
    while True:
        os.fork()
    """
)
MEMORY_HOG = script(
    """
    chunks = []
    while True:
        chunks.append(bytearray(b"x" * (64 << 20)))  # touched, so really resident
    """
)
DISK_FILLER = script(
    """
    import os
    i = 0
    while True:
        with open(os.path.join(os.environ["DLIP_OUTPUT_DIR"], f"fill{i}.bin"), "wb") as out:
            out.write(b"x" * (8 << 20))
        i += 1
    """
)
ENDLESS_LOOP = script(
    """
    while True:
        pass
    """
)
LOUDMOUTH = script(
    """
    import sys
    line = "y" * 1023 + "\\n"
    for _ in range(4 << 20):  # 4 GiB if it were allowed
        sys.stdout.write(line)
    """
)


def outside_writer_script(targets: list[str]) -> bytes:
    return script(
        f"""
        import sys
        refused = 0
        targets = {targets!r}
        for path in targets:
            try:
                with open(path, "w") as out:
                    out.write("owned")
                print("WROTE", path)
            except OSError as error:
                refused += 1
                print("refused", path, type(error).__name__)
        print(f"refused {{refused}} of {{len(targets)}}")
        sys.exit(3 if refused == len(targets) else 0)
        """
    )


def outside_targets() -> list[str]:
    return [
        "/sandbox/data/evil.txt",
        "/sandbox/submission/evil.txt",
        "/sandbox/runners/evil.txt",
        "/evil.txt",
        "/etc/evil.txt",
        "/tmp/../evil.txt",
        str(Path(settings.GRADER_WORK_DIR) / "evil.txt"),
        str(Path(settings.MEDIA_ROOT) / "evil.txt"),
        str(tasks_catalog.catalog_prepare(TASK) / "public" / "evil.txt"),
    ]


class Listener:
    """A TCP server on the host's loopback that records whether anything connected."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.sock.close()


CASES = {
    "socket": (Verdict.RUNTIME_ERROR, ("ConnectionError: no network",), ("REACHED",)),
    "hidden-labels": (Verdict.RUNTIME_ERROR, ("no labels anywhere",), ("STOLEN",)),
    "proc": (Verdict.RUNTIME_ERROR, ("only my own processes",), ("FOUND THE WORKER",)),
    "fork-bomb": (Verdict.PROCESS_LIMIT, (), ()),
    "memory": (Verdict.MEMORY_LIMIT, (), ()),
    "disk": (Verdict.OUTPUT_LIMIT, (), ()),
    "endless-loop": (Verdict.TIME_LIMIT, (), ()),
    "prints-gigabytes": (Verdict.OUTPUT_LIMIT, ("bytes of output omitted",), ()),
    "writes-outside": (Verdict.RUNTIME_ERROR, ("refused 9 of 9",), ("WROTE",)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_script_gets_its_verdict_and_the_worker_grades_the_next(course, student, celery_worker, case):
    # A fork bomb's copies need memory too: it gets room enough to reach the process limit first.
    memory_mb = 2048 if case == "fork-bomb" else 512
    assignment = assignment_make(
        course, task=TASK, kinds=("predictions", "script"), wall_seconds=4, memory_mb=memory_mb
    )
    reference = wait_done(assignment.submissions.get(is_reference=True), worker=celery_worker)
    listener = Listener() if case == "socket" else None
    try:
        content = {
            "socket": lambda: socket_script(listener.port if listener else 1),
            "hidden-labels": labels_script,
            "proc": lambda: PROC_SCRIPT,
            "fork-bomb": lambda: FORK_BOMB,
            "memory": lambda: MEMORY_HOG,
            "disk": lambda: DISK_FILLER,
            "endless-loop": lambda: ENDLESS_LOOP,
            "prints-gigabytes": lambda: LOUDMOUTH,
            "writes-outside": lambda: outside_writer_script(outside_targets()),
        }[case]()
        upload = io.BytesIO(content)
        bad = submission_create(assignment=assignment, user=student, upload=upload, name="evil.py")
        bad = wait_done(bad, worker=celery_worker, timeout=90)
    finally:
        if listener is not None:
            listener.close()
    verdict, must_show, must_not_show = CASES[case]
    assert bad.status == SubmissionStatus.FAILED, (bad.verdict_detail, bad.log[-2000:])
    assert bad.verdict == verdict, (bad.verdict_detail, bad.log[-2000:])
    assert bad.score is None and bad.points is None
    for text in must_show:
        assert text in bad.log, (text, bad.log[-2000:])
    for text in must_not_show:
        assert text not in bad.log, (text, bad.log[-2000:])
    if listener is not None:
        assert listener.connections == 0
    if case == "writes-outside":
        assert not any(Path(target).exists() for target in outside_targets()[-3:])
    assert celery_worker.process.poll() is None, "the worker died"

    good = submission_create(
        assignment=assignment,
        user=student,
        upload=io.BytesIO(carrying_script(reference_predictions()).encode()),
        name="solution.py",
    )
    good = wait_done(good, worker=celery_worker, timeout=60)
    assert good.status == SubmissionStatus.SCORED, (good.verdict_detail, good.log)
    assert good.score == reference.score
    assert Grading.objects.filter(submission__in=[bad, good]).count() == 2


def reference_predictions() -> bytes:
    return tasks_catalog.catalog_reference(TASK, epochs=REFERENCE_EPOCHS).predictions_path.read_bytes()


class Payload:
    """Unpickling this runs a shell command: what a malicious "model file" carries."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"echo PWN''ED; touch {self.marker}",))


def test_malicious_pickle_model_is_refused_and_never_unpickled(course, student, celery_worker, tmp_path):
    assignment = assignment_make(course, task=TASK, kinds=("predictions", "model"), wall_seconds=30)
    reference = wait_done(assignment.submissions.get(is_reference=True), worker=celery_worker)
    assert reference.kind == "model" and reference.status == SubmissionStatus.SCORED
    marker = tmp_path / "pwned"
    evil = io.BytesIO()
    torch.save({"fc.weight": Payload(marker)}, evil)
    bad = submission_create(
        assignment=assignment, user=student, upload=io.BytesIO(evil.getvalue()), name="model.pt"
    )
    bad = wait_done(bad, worker=celery_worker, timeout=60)
    assert bad.status == SubmissionStatus.FAILED and bad.verdict == Verdict.WRONG_FORMAT, bad.log
    assert "The model file could not be loaded" in bad.verdict_detail
    assert "PWNED" not in bad.log and not marker.exists()
    assert celery_worker.process.poll() is None
    model = tasks_catalog.catalog_reference(TASK, epochs=REFERENCE_EPOCHS).model_path.read_bytes()
    good = submission_create(assignment=assignment, user=student, upload=io.BytesIO(model), name="model.pt")
    good = wait_done(good, worker=celery_worker, timeout=60)
    assert good.status == SubmissionStatus.SCORED and good.score == reference.score


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("public/manifest.json", '{"metric": "mae"}')
        archive.writestr("public/train.npz", b"\0" * (64 << 20))  # 64 MiB of zeros in ~64 KiB
        archive.writestr("hidden/test_labels.csv", "id,y\n0,1\n")
    return buffer.getvalue()


def test_zip_bomb_bundle_and_model_uploads_are_refused_nothing_stored(course, student, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    bomb = zip_bomb()
    assert len(bomb) < 1 << 20
    bundles_before = set(Path(settings.REFERENCE_CACHE_DIR).glob("bundle-*"))
    with pytest.raises(PlatformError) as refused:
        assignment_create(
            course=course,
            by=None,
            bundle=io.BytesIO(bomb),
            rules=AssignmentRules(title="Bundle", kinds=("predictions",), score_zero_points=1.0),
        )
    assert "The data bundle was not accepted" in refused.value.message and "zip bomb" in refused.value.message
    assert not Assignment.objects.exists()
    assert set(Path(settings.REFERENCE_CACHE_DIR).glob("bundle-*")) == bundles_before
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.zip"))

    assignment = assignment_make(course, task=TASK, kinds=("predictions", "model"))
    stored_before = set((tmp_path / "media").rglob("*"))  # the reference's model
    with pytest.raises(PlatformError) as refused:
        submission_create(assignment=assignment, user=student, upload=io.BytesIO(bomb), name="model.pt")
    assert "The model file was refused" in refused.value.message and "zip bomb" in refused.value.message
    assert not Submission.objects.filter(user=student).exists()
    assert set((tmp_path / "media").rglob("*")) == stored_before


def test_zip_bomb_on_the_form_is_refused_with_its_reason(client, course, instructor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(instructor)
    form = {
        "title": "Bundle homework",
        "task": "",
        "bundle": SimpleUploadedFile("bundle.zip", zip_bomb(), content_type="application/zip"),
        "kinds": ["predictions"],
        "points": "10",
        "score_zero_points": "1",
        "opens_at": "2026-01-01T08:00",
        "deadline": "2026-01-15T08:00",
        "late_penalty_percent_per_day": "10",
        "daily_limit": "5",
        "public_fraction": "0.5",
        "leaderboard_rule": "best",
        "wall_seconds": "60",
        "memory_mb": "1024",
    }
    response = client.post(reverse("grader:assignment_new", args=[course.code]), form)
    assert response.status_code == 400
    body = response.content.decode()
    assert "The data bundle was not accepted" in body and "zip bomb" in body
    assert not Assignment.objects.exists()
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*"))
