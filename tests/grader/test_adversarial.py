"""Hostile submissions through the whole pipeline: a real worker grades each with the right verdict, survives,
and grades the next (good) submission normally. The sandbox's own tests (test_sandbox.py) cover the
mechanisms one by one; here it is the verdict a student sees and the worker that must keep going.
"""

import io
import os
import signal
import socket
import textwrap
import threading
import time
import zipfile
from pathlib import Path

import pytest
import torch
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import PlatformError
from grader import problem_catalog
from grader.failures import FAILURE_MARKER
from grader.models import Assignment, Grading, Submission, SubmissionStatus, SubmissionVerdict
from grader.services import AssignmentRules, assignment_create, submission_create
from tests.grader.conftest import REFERENCE_EPOCHS, assignment_make, wait_done
from tests.grader.test_pipeline import carrying_script

pytestmark = [pytest.mark.integration, pytest.mark.services]

TASK = "fever-regression"


def hidden_labels_path() -> Path:
    return problem_catalog.catalog_prepare(TASK) / "hidden" / "test_labels.csv"


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
        str(problem_catalog.catalog_prepare(TASK) / "public" / "evil.txt"),
    ]


KERNEL_SCRIPT = script(
    """
    import ctypes, errno
    libc = ctypes.CDLL(None, use_errno=True)
    escaped = []
    # a user namespace gives full capabilities inside it; then mount and network namespaces, io_uring
    for name, number, args in (("user namespace", 272, (0x10000000,)), ("mount namespace", 272, (0x20000,)),
                               ("network namespace", 272, (0x40000000,)), ("io_uring", 425, (1, 0)),
                               ("keyring", 250, (0, -4, 1)), ("ptrace", 101, (0, 0, 0, 0))):
        ctypes.set_errno(0)
        if libc.syscall(number, *args) == -1 and ctypes.get_errno() in (errno.EPERM, errno.ENOSYS):
            print("refused", name)
        else:
            escaped.append(name)
    if escaped:
        print("ESCAPED", escaped)
    else:
        raise PermissionError("kernel out of reach")
    """
)


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
    "socket": (SubmissionVerdict.RUNTIME_ERROR, ("ConnectionError: no network",), ("REACHED",)),
    "hidden-labels": (SubmissionVerdict.RUNTIME_ERROR, ("no labels anywhere",), ("STOLEN",)),
    "proc": (SubmissionVerdict.RUNTIME_ERROR, ("only my own processes",), ("FOUND THE WORKER",)),
    "fork-bomb": (SubmissionVerdict.PROCESS_LIMIT, (), ()),
    "memory": (SubmissionVerdict.MEMORY_LIMIT, (), ()),
    "disk": (SubmissionVerdict.OUTPUT_LIMIT, (), ()),
    "endless-loop": (SubmissionVerdict.TIME_LIMIT, (), ()),
    "prints-gigabytes": (SubmissionVerdict.OUTPUT_LIMIT, ("bytes of output omitted",), ()),
    "writes-outside": (SubmissionVerdict.RUNTIME_ERROR, ("refused 9 of 9",), ("WROTE",)),
    "kernel": (SubmissionVerdict.RUNTIME_ERROR, ("kernel out of reach",), ("ESCAPED",)),
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
            "kernel": lambda: KERNEL_SCRIPT,
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
    # What the script printed, without the runner's failure line (it quotes the script's source around the
    # failing line, where e.g. print("REACHED", ...) appears as text).
    printed = "\n".join(line for line in bad.log.splitlines() if not line.startswith(FAILURE_MARKER))
    for text in must_not_show:
        assert text not in printed, (text, bad.log[-2000:])
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
    return problem_catalog.catalog_reference(TASK, epochs=REFERENCE_EPOCHS).predictions_path.read_bytes()


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
    assert bad.status == SubmissionStatus.FAILED and bad.verdict == SubmissionVerdict.WRONG_FORMAT, bad.log
    assert "The model file could not be loaded" in bad.verdict_detail
    assert "PWNED" not in bad.log and not marker.exists()
    assert celery_worker.process.poll() is None
    model = problem_catalog.catalog_reference(TASK, epochs=REFERENCE_EPOCHS).model_path.read_bytes()
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


# --- issue 10 §6/§7, issue 18 §7: through the real worker and sandbox -------------------------------------


def submit(assignment, user, content: bytes, name: str) -> Submission:
    return submission_create(assignment=assignment, user=user, upload=io.BytesIO(content), name=name)


KEYRING_SCRIPT = """
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
SECRET = {secret!r}
if SECRET:  # student A leaves a note in the sandbox uid's keyring
    print("add_key", libc.syscall(248, b"user", b"dlip-note", SECRET.encode(), len(SECRET), -4))
found = libc.syscall(249, b"user", b"dlip-note", None, -4)  # student B looks for it
if found > 0:
    buffer = ctypes.create_string_buffer(256)
    size = libc.syscall(250, 11, found, buffer, 256)
    print("READ BACK", buffer.raw[: max(size, 0)].decode())
raise LookupError("no note")
"""


def test_a_secret_left_in_the_kernel_keyring_never_reaches_the_next_students_run(
    course, student, other_student, celery_worker
):
    assignment = assignment_make(course, task=TASK, kinds=("predictions", "script"), wall_seconds=20)
    wait_done(assignment.submissions.get(is_reference=True), worker=celery_worker)
    secret = f"answers-{os.urandom(6).hex()}"
    first = submit(assignment, student, KEYRING_SCRIPT.format(secret=secret).encode(), "a.py")
    first = wait_done(first, worker=celery_worker, timeout=60)
    second = submit(assignment, other_student, KEYRING_SCRIPT.format(secret="").encode(), "b.py")
    second = wait_done(second, worker=celery_worker, timeout=60)
    for done in (first, second):
        assert done.verdict == SubmissionVerdict.RUNTIME_ERROR, (done.verdict_detail, done.log[-2000:])
        printed = "\n".join(line for line in done.log.splitlines() if not line.startswith(FAILURE_MARKER))
        assert "LookupError: no note" in done.log and "READ BACK" not in printed, done.log[-2000:]
    assert "add_key -1" in first.log  # refused: nothing was stored at all


PROC_PATHS_SCRIPT = script(
    """
    for path in ("/proc/1/cmdline", "/proc/self/cmdline", "/proc/self/mountinfo", "/proc/1/mountinfo"):
        print(path, open(path, "rb").read().replace(bytes(1), b" ").decode())
    raise SystemExit(3)
    """
)


def test_the_sandbox_sees_no_submission_id_or_checkout_path_in_its_proc(course, student, celery_worker):
    assignment = assignment_make(course, task=TASK, kinds=("predictions", "script"), wall_seconds=20)
    wait_done(assignment.submissions.get(is_reference=True), worker=celery_worker)
    done = wait_done(submit(assignment, student, PROC_PATHS_SCRIPT, "look.py"), worker=celery_worker)
    assert done.verdict == SubmissionVerdict.RUNTIME_ERROR, (done.verdict_detail, done.log[-2000:])
    assert "/proc/self/mountinfo" in done.log and "/sandbox/submission" in done.log
    work = str(Path(settings.GRADER_WORK_DIR))
    for revealing in (
        f"{work}/{done.pk}/",
        f"/{done.pk}/g",
        "dlip-sandbox",
        str(Path(__file__).parents[2] / "grader"),
    ):
        assert revealing not in done.log, (revealing, done.log[-3000:])


def deep_output_script(predictions: bytes) -> bytes:
    """The reference's predictions, plus an output folder no copy by path can take: 300 folders of 200-byte
    names (60 KB of path, PATH_MAX is 4 KB), a thousand files, odd names, links and a FIFO."""
    return (
        carrying_script(predictions)
        + textwrap.dedent(
            """
            out = os.environ["DLIP_OUTPUT_DIR"]
            os.chdir(out)
            os.mkdir("deep")
            os.chdir("deep")
            for level in range(300):
                os.mkdir(f"{level:03d}" + "d" * 197)
                os.chdir(f"{level:03d}" + "d" * 197)
            os.chdir(out)
            os.mkdir("wide")
            for i in range(1000):
                open(f"wide/{i}", "w").close()
            for name in (b"new\\nline", b"\\xff-bytes", b"x" * 255):
                open(os.fsdecode(name), "w").close()
            os.symlink("/etc/shadow", "shadow")
            os.mkfifo("pipe")
            """
        )
    ).encode()


def test_a_pathologically_deep_output_folder_is_the_students_own_verdict_not_a_sandbox_failure(
    course, student, celery_worker
):
    """A chain deeper than the path limit made the copy-out fail: "the sandbox failed (not your fault)",
    three retries, and the run did not count towards the daily limit."""
    assignment = assignment_make(course, task=TASK, kinds=("predictions", "script"), wall_seconds=60)
    reference = wait_done(assignment.submissions.get(is_reference=True), worker=celery_worker)
    done = wait_done(
        submit(assignment, student, deep_output_script(reference_predictions()), "deep.py"),
        worker=celery_worker,
        timeout=120,
    )
    assert done.status == SubmissionStatus.SCORED, (done.verdict_detail, done.log[-2000:])
    assert done.score == reference.score
    assert done.attempts == 1 and Grading.objects.filter(submission=done).count() == 1
    assert "not kept" in done.verdict_detail


RENDER_BOMB_CELLS = 40_000  # "![](" repeated: nbconvert's Markdown renders it in quadratic time (~70 s here)


def render_bomb_notebook(predictions: bytes) -> bytes:
    import nbformat

    source = carrying_script(predictions)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("![](" * RENDER_BOMB_CELLS),
        nbformat.v4.new_code_cell(source),
    ]
    return nbformat.writes(notebook).encode()


def test_a_notebook_that_renders_in_quadratic_time_is_graded_with_preview_unavailable(
    transactional_db, course, student, tmp_path
):
    """The worker rendered the executed notebook itself, with no limit: minutes per notebook, both workers
    busy while a plain CSV waited. Now the preview is made in the sandbox under GRADER_RENDER_SECONDS."""
    from tests.conftest import purge_filesystem_broker, worker_start

    purge_filesystem_broker()
    worker = worker_start(tmp_path, GRADER_RENDER_SECONDS="3")
    try:
        assignment = assignment_make(course, task=TASK, kinds=("predictions", "notebook"), wall_seconds=60)
        reference = wait_done(assignment.submissions.get(is_reference=True), worker=worker)
        bomb = submit(assignment, student, render_bomb_notebook(reference_predictions()), "bomb.ipynb")
        plain = submit(assignment, student, reference_predictions(), "predictions.csv")
        bomb = wait_done(bomb, worker=worker, timeout=45)  # the old render alone took longer
        plain = wait_done(plain, worker=worker, timeout=30)
    finally:
        worker.kill(signal.SIGTERM)
    assert bomb.status == SubmissionStatus.SCORED, (bomb.verdict_detail, bomb.log[-2000:])
    assert bomb.score == reference.score and not bomb.executed_html
    assert plain.status == SubmissionStatus.SCORED


def worker_descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat_file.parent.name)] = int(fields[1])
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def sandbox_mounts(under: Path) -> set[str]:
    """Mounts below ``under``: the worker's TMPDIR, where it makes its sandboxes' folders (other users of
    the machine may have sandboxes of their own)."""
    return {line for line in Path("/proc/self/mountinfo").read_text().splitlines() if str(under) in line}


def own_tmp(tmp_path: Path) -> Path:
    folder = tmp_path / "worker-tmp"
    folder.mkdir()
    return folder


def test_a_sigkilled_worker_leaves_no_sandbox_mount_or_process_behind(
    transactional_db, course, student, tmp_path
):
    """A killed worker left its sandbox's output tmpfs mounted (up to 256 MiB each, six after one run of
    the test command). Now the tmpfs lives in a mount namespace that dies with the run."""
    from tests.conftest import purge_filesystem_broker, worker_start

    purge_filesystem_broker()
    worker_tmp = own_tmp(tmp_path)
    worker = worker_start(tmp_path, TMPDIR=str(worker_tmp))
    try:
        assignment = assignment_make(course, task=TASK, kinds=("predictions", "script"), wall_seconds=120)
        wait_done(assignment.submissions.get(is_reference=True), worker=worker)
        running = submit(assignment, student, script("import time\ntime.sleep(300)\n"), "sleepy.py")
        sandboxed: set[int] = set()
        for _ in range(300):
            sandboxed = {
                pid
                for pid in worker_descendants(worker.process.pid)
                if b"/sandbox/runners/script.py" in cmdline(pid)
            }
            if sandboxed:
                break
            time.sleep(0.1)
        assert sandboxed, "the student's script never started"
        everything = worker_descendants(worker.process.pid)
    finally:
        worker.kill(signal.SIGKILL)
    for _ in range(100):
        alive = {pid for pid in everything if Path(f"/proc/{pid}").exists()}
        left = sandbox_mounts(worker_tmp)
        if not alive and not left:
            break
        time.sleep(0.1)
    assert not left, left
    assert not alive, alive
    running.refresh_from_db()
    assert running.status == SubmissionStatus.RUNNING  # the sweeper re-queues it (test_pipeline proves that)


HUGE_PREDICTIONS = script(
    """
    import os
    with open(os.path.join(os.environ["DLIP_OUTPUT_DIR"], "predictions.csv"), "w") as out:
        out.write("id,y\\n")
        line = "1," + "9" * 1000 + "\\n"
        for _ in range(30_000):  # 30 MB: parsed by the worker itself, outside the sandbox
            out.write(line)
    """
)


def test_a_task_past_celerys_time_limit_is_stopped_with_its_sandbox_and_an_oversized_output_refused(
    transactional_db, course, student, tmp_path, monkeypatch
):
    """Celery tasks had no time limit: a job stuck anywhere held its worker for good. The soft limit ends
    it as the platform's internal error (the sandbox's own limits are the student's), and the sandbox goes
    with it; a predictions file larger than an upload is not parsed by the worker."""
    from grader.tasks import grade_submission
    from tests.conftest import purge_filesystem_broker, worker_start

    # The limits travel in the message: the sender's settings (GRADER_TASK_*) decide, the worker's too.
    monkeypatch.setattr(grade_submission, "soft_time_limit", 8)
    monkeypatch.setattr(grade_submission, "time_limit", 20)
    monkeypatch.setattr(grade_submission, "_exec_options", None)  # Celery caches them at the first send
    purge_filesystem_broker()
    worker_tmp = own_tmp(tmp_path)
    worker = worker_start(
        tmp_path,
        GRADER_TASK_SOFT_TIME_LIMIT="8",
        GRADER_TASK_TIME_LIMIT="20",
        GRADER_MAX_ATTEMPTS="1",
        TMPDIR=str(worker_tmp),
    )
    try:
        assignment = assignment_make(course, task=TASK, kinds=("predictions", "script"), wall_seconds=120)
        wait_done(assignment.submissions.get(is_reference=True), worker=worker)
        stuck = submit(assignment, student, script("import time\ntime.sleep(300)\n"), "stuck.py")
        stuck = wait_done(stuck, worker=worker, timeout=40)  # the sandbox's own limit is 120 s
        huge = wait_done(submit(assignment, student, HUGE_PREDICTIONS, "huge.py"), worker=worker, timeout=60)
        assert worker.process.poll() is None, "the worker died"
        sandboxes = [
            pid for pid in worker_descendants(worker.process.pid) if b"/sandbox/runners/" in cmdline(pid)
        ]
    finally:
        worker.kill(signal.SIGTERM)
    assert stuck.verdict == SubmissionVerdict.INTERNAL_ERROR, (stuck.verdict_detail, stuck.log[-2000:])
    assert "SoftTimeLimitExceeded" in stuck.log
    assert not sandboxes and not sandbox_mounts(worker_tmp)
    assert huge.verdict == SubmissionVerdict.WRONG_FORMAT, (huge.verdict_detail, huge.log[-2000:])
    assert "larger than 20 MB" in huge.verdict_detail


@pytest.mark.django_db
def test_an_assignment_whose_run_cannot_finish_under_the_task_time_limit_is_refused(course, settings):
    settings.GRADER_TASK_SOFT_TIME_LIMIT = 900.0
    settings.GRADER_RENDER_SECONDS = 60.0
    with pytest.raises(PlatformError, match="at most 780 seconds"):
        assignment_make(course, task=TASK, kinds=("predictions", "script"), wall_seconds=781)
    assert not Assignment.objects.exists()
    assert assignment_make(course, task=TASK, kinds=("predictions", "script"), wall_seconds=780).pk
