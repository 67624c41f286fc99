"""The real bubblewrap sandbox (no mocks): every escape attempt is contained with the right verdict.

Limits are small (256 MiB, a few seconds) so the adversarial runs never endanger the shared machine.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grader import sandbox
from grader.sandbox import (
    DATA_MOUNT,
    OUTPUT_MOUNT,
    RunVerdict,
    SandboxLimits,
    SandboxResult,
    runner_command,
    sandbox_check,
    sandbox_run,
)

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
REPO = Path(__file__).resolve().parents[2]  # the checkout, wherever it was cloned
VENV = Path(sys.prefix).resolve()  # in the checkout, or elsewhere (a git worktree's shared one)

SMALL = SandboxLimits(
    wall_seconds=6,
    cpu_seconds=6,
    memory_bytes=256 * MIB,
    max_processes=64,
    max_file_bytes=8 * MIB,
    max_output_bytes=16 * MIB,
    max_printed_bytes=2 * MIB,
    max_log_bytes=8 * 1024,
    tmp_bytes=16 * MIB,
)


def run_python(
    code: str,
    tmp_path: Path,
    *,
    limits: SandboxLimits = SMALL,
    inputs: dict[str, Path] | None = None,
    env: dict[str, str] | None = None,
) -> SandboxResult:
    output = tmp_path / "output"
    output.mkdir(exist_ok=True)
    return sandbox_run(
        command=[sys.executable, "-c", textwrap.dedent(code)],
        inputs=inputs or {},
        output_dir=output,
        limits=limits,
        env=env or {},
    )


def assert_normal_run_works(tmp_path: Path) -> None:
    result = run_python("print('still fine')", tmp_path / "after")
    assert result.verdict is RunVerdict.OK, result
    assert result.log == "still fine\n"


@pytest.fixture
def tmp_path(tmp_path: Path) -> Path:
    (tmp_path / "after").mkdir()
    return tmp_path


def test_sandbox_is_available_here() -> None:
    sandbox_check()  # raises with the reason (not root, no bubblewrap, no setpriv) when it is not


def test_normal_run_reads_inputs_and_writes_output(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "x.csv").write_text("1,2,3\n")
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "kept.txt").write_text("from before\n")
    result = run_python(
        """
        import os, pathlib
        data = pathlib.Path(os.environ["DLIP_DATA_DIR"])
        out = pathlib.Path(os.environ["DLIP_OUTPUT_DIR"])
        total = sum(int(v) for v in (data / "x.csv").read_text().split(","))
        (out / "sub").mkdir()
        (out / "sub" / "predictions.csv").write_text(f"sum,{total}\\n")
        os.symlink("/etc/passwd", out / "link")
        print("cwd", os.getcwd(), "kept", (out / "kept.txt").read_text().strip())
        """,
        tmp_path,
        inputs={DATA_MOUNT: data},
    )
    assert result.verdict is RunVerdict.OK, result
    assert result.exit_code == 0 and result.signal is None
    assert result.log == f"cwd {OUTPUT_MOUNT} kept from before\n"
    assert (tmp_path / "output" / "sub" / "predictions.csv").read_text() == "sum,6\n"
    assert not (tmp_path / "output" / "link").exists()  # links are never copied out
    assert (tmp_path / "output" / "kept.txt").stat().st_uid == os.getuid()
    assert 0 < result.wall_seconds < SMALL.wall_seconds
    assert result.cpu_seconds is None or result.cpu_seconds >= 0


def test_network_is_unreachable(tmp_path: Path) -> None:
    result = run_python(
        """
        import socket
        for host in ("1.1.1.1", "10.0.0.1"):
            try:
                socket.create_connection((host, 53), timeout=2)
                print("CONNECTED", host)
            except OSError as error:
                print("refused", host, error.errno)
        print(sorted(name for _, name in socket.if_nameindex()))
        """,
        tmp_path,
    )
    assert result.verdict is RunVerdict.OK, result
    assert "CONNECTED" not in result.log
    assert result.log.count("refused") == 2
    assert "['lo']" in result.log  # only loopback in its own network namespace
    assert_normal_run_works(tmp_path)


@pytest.fixture
def planted_secrets(tmp_path: Path):
    """Hidden labels at host paths a student might guess: a temp folder, the repository, /root."""
    token = secrets.token_hex(8)
    places = [
        tmp_path / "hidden" / "labels.csv",
        REPO / f".sandbox-test-labels-{token}.csv",
        Path("/root") / f".sandbox-test-labels-{token}.csv",
    ]
    for place in places:
        place.parent.mkdir(exist_ok=True)
        place.write_text(f"secret-{token}\n")
        place.chmod(0o644)  # even world-readable files must be invisible
    yield places, token
    for place in places:
        place.unlink(missing_ok=True)


def test_hidden_files_on_the_host_cannot_be_read(tmp_path: Path, planted_secrets) -> None:
    places, token = planted_secrets
    data = tmp_path / "data"
    data.mkdir()
    (data / "public.csv").write_text("public\n")
    result = run_python(
        f"""
        import os
        for path in {[str(p) for p in places]!r} + ["{REPO}/grader/sandbox.py", "/etc/shadow",
                "/root/.bash_history", "/proc/1/root/etc/shadow", "/home"]:
            try:
                print("READ", open(path).read())
            except OSError as error:
                print("denied", type(error).__name__)
        print("listing", sorted(os.listdir("/")), sorted(os.listdir("{VENV.parent}")),
              os.listdir("/sandbox/data"))
        print("tmp", os.listdir("/tmp"))
        """,
        tmp_path,
        inputs={DATA_MOUNT: data},
    )
    assert result.verdict is RunVerdict.OK, result
    assert "READ" not in result.log and f"secret-{token}" not in result.log
    assert result.log.count("denied") == 8
    assert f"[{VENV.name!r}]" in result.log  # of the venv's folder (the checkout) only the venv is there
    assert "['public.csv']" in result.log
    # A private /tmp, not the host's: empty, but for the way to the interpreter of a checkout under /tmp.
    prefixes = sandbox._python_prefixes()
    under_tmp = {Path(p).relative_to("/tmp").parts[0] for p in prefixes if p.startswith("/tmp/")}
    assert f"tmp {sorted(under_tmp)}" in result.log
    for forbidden in ("'home'", "'var'", "'opt'", "'mnt'", "'srv'"):
        assert forbidden not in result.log.split("listing")[1].split("]")[0]


def test_proc_shows_only_the_sandbox(tmp_path: Path) -> None:
    result = run_python(
        """
        import os
        pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
        print("pids", pids)
        print("self", os.getpid())
        print("init", open("/proc/1/cmdline", "rb").read().split(b"\\0")[0].decode())
        try:
            os.kill(1, 9)
            print("KILLED init")
        except PermissionError:
            print("cannot signal init")
        """,
        tmp_path,
    )
    assert result.verdict is RunVerdict.OK, result
    pids = eval(result.log.split("pids ")[1].splitlines()[0])
    assert max(pids) < 20 and len(pids) <= 4  # bubblewrap's init, the command, maybe a reaped helper
    assert result.log.split("init ")[1].split()[0].endswith("bwrap")  # its own init, not the host's
    assert "cannot signal init" in result.log


def test_runs_as_non_root_without_capabilities(tmp_path: Path) -> None:
    result = run_python(
        """
        import os
        status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
        for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs"):
            print(key, status[key].strip())
        print("ids", os.getuid(), os.geteuid(), os.getgid(), os.getgroups())
        try:
            os.setuid(0)
            print("BECAME ROOT")
        except PermissionError:
            print("setuid refused")
        """,
        tmp_path,
    )
    assert result.verdict is RunVerdict.OK, result
    for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert f"{key} 0000000000000000" in result.log
    assert "NoNewPrivs 1" in result.log
    uid = int(os.environ.get("GRADER_SANDBOX_UID", "65534"))
    assert f"ids {uid} {uid} {uid} []" in result.log
    assert "setuid refused" in result.log


def test_environment_is_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "host-secret-value")
    monkeypatch.setenv("DATABASE_URL", "postgres://dlip:secret@db/dlip")
    result = run_python(
        "import json, os; print(json.dumps(dict(os.environ)))", tmp_path, env={"DLIP_TASK": "mnist"}
    )
    assert result.verdict is RunVerdict.OK, result
    import json

    seen = json.loads(result.log)
    assert seen["HOME"] == "/tmp" and seen["DLIP_TASK"] == "mnist"
    assert seen["DLIP_OUTPUT_DIR"] == OUTPUT_MOUNT and seen["DLIP_DATA_DIR"] == DATA_MOUNT
    assert "host-secret-value" not in result.log and "secret@db" not in result.log
    assert not {"SECRET_KEY", "DATABASE_URL", "VIRTUAL_ENV", "PYTEST_CURRENT_TEST", "SSH_AUTH_SOCK"} & set(
        seen
    )


def test_writes_outside_the_output_folder_fail(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "x.csv").write_text("x\n")
    venv_file = Path(sys.prefix) / "sandbox-test-write"
    result = run_python(
        f"""
        for path in ["/sandbox/data/x.csv", "/sandbox/data/new", "/usr/evil", "/etc/passwd",
                     "/sandbox/runners/script.py", "{venv_file}", "/evil", "{REPO}/evil"]:
            try:
                open(path, "a").write("pwned")
                print("WROTE", path)
            except OSError as error:
                print("refused", path, error.errno)
        """,
        tmp_path,
        inputs={DATA_MOUNT: data},
    )
    assert result.verdict is RunVerdict.OK, result
    assert "WROTE" not in result.log and result.log.count("refused") == 8
    assert (data / "x.csv").read_text() == "x\n"
    assert not venv_file.exists() and not (REPO / "evil").exists()


def test_runtime_error_keeps_the_traceback(tmp_path: Path) -> None:
    result = run_python(
        """
        def predict():
            return 1 / 0
        predict()
        """,
        tmp_path,
    )
    assert result.verdict is RunVerdict.RUNTIME_ERROR
    assert result.exit_code == 1
    assert "ZeroDivisionError: division by zero" in result.log
    assert "in predict" in result.log
    assert not result.passed


def test_exit_code_is_reported(tmp_path: Path) -> None:
    result = run_python("import sys; sys.exit(3)", tmp_path)
    assert result.verdict is RunVerdict.RUNTIME_ERROR and result.exit_code == 3


def test_infinite_loop_hits_the_wall_time_limit(tmp_path: Path) -> None:
    limits = SandboxLimits(**{**SMALL.__dict__, "wall_seconds": 1.5})
    result = run_python("import time\nwhile True: time.sleep(0.1)", tmp_path, limits=limits)
    assert result.verdict is RunVerdict.TIME_LIMIT
    assert 1.5 <= result.wall_seconds < 3
    assert "time limit" in result.detail
    assert_normal_run_works(tmp_path)


def test_busy_processes_hit_the_cpu_time_limit(tmp_path: Path) -> None:
    limits = SandboxLimits(**{**SMALL.__dict__, "cpu_seconds": 1, "wall_seconds": 8})
    result = run_python("import os\nos.fork()\nwhile True: pass", tmp_path, limits=limits)
    assert result.verdict is RunVerdict.TIME_LIMIT
    assert "CPU" in result.detail
    assert result.wall_seconds < 4


def test_memory_far_past_the_limit_is_a_memory_verdict(tmp_path: Path) -> None:
    result = run_python("b = bytearray(1 << 30)\nprint('SURVIVED')", tmp_path)
    assert result.verdict is RunVerdict.MEMORY_LIMIT, result
    assert "SURVIVED" not in result.log and not result.passed
    assert_normal_run_works(tmp_path)


def test_gradual_allocation_in_a_child_is_killed_not_passed(tmp_path: Path) -> None:
    result = run_python(
        """
        import subprocess, sys
        child = "x = []\\nwhile True: x.append(bytearray(16 << 20))"
        sys.exit(subprocess.run([sys.executable, "-c", child]).returncode and 0)
        """,
        tmp_path,
    )
    # The parent exits 0, but a process of the run died of memory: never a pass.
    assert result.verdict is RunVerdict.MEMORY_LIMIT, result


def test_memory_limit_without_cgroups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_SANDBOX_CGROUPS", "0")
    result = run_python("b = bytearray(1 << 30)", tmp_path)
    assert result.enforcement == "rlimit"
    assert result.verdict is RunVerdict.MEMORY_LIMIT, result


def test_fork_bomb_is_contained(tmp_path: Path) -> None:
    result = run_python(
        """
        import os
        while True:
            os.fork()
        """,
        tmp_path,
    )
    assert result.verdict is RunVerdict.PROCESS_LIMIT, result.detail
    assert result.wall_seconds < SMALL.wall_seconds + 1
    assert_normal_run_works(tmp_path)


def test_fork_bomb_without_cgroups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_SANDBOX_CGROUPS", "0")
    result = run_python("import os\nwhile True: os.fork()", tmp_path)
    assert result.verdict is RunVerdict.PROCESS_LIMIT, result.detail
    monkeypatch.delenv("GRADER_SANDBOX_CGROUPS")
    assert_normal_run_works(tmp_path)


def test_one_huge_file_hits_the_file_size_limit(tmp_path: Path) -> None:
    free_before = shutil.disk_usage(tmp_path).free
    result = run_python(
        """
        with open("/sandbox/output/huge.bin", "wb") as f:
            while True:
                f.write(b"x" * 65536)
        """,
        tmp_path,
    )
    assert result.verdict is RunVerdict.OUTPUT_LIMIT, result
    assert "file larger" in result.detail
    assert (tmp_path / "output" / "huge.bin").stat().st_size <= SMALL.max_file_bytes
    assert shutil.disk_usage(tmp_path).free > free_before - 64 * MIB


def test_many_files_fill_the_output_folder_not_the_disk(tmp_path: Path) -> None:
    free_before = shutil.disk_usage(tmp_path).free
    result = run_python(
        """
        i = 0
        while True:
            with open(f"/sandbox/output/part{i}.bin", "wb") as f:
                f.write(b"x" * (4 << 20))
            i += 1
        """,
        tmp_path,
    )
    assert result.verdict is RunVerdict.OUTPUT_LIMIT, result
    assert "output folder" in result.detail
    total = sum(p.stat().st_size for p in (tmp_path / "output").iterdir())
    assert total <= SMALL.max_output_bytes
    assert shutil.disk_usage(tmp_path).free > free_before - 64 * MIB
    assert_normal_run_works(tmp_path)


def test_filling_tmp_is_capped(tmp_path: Path) -> None:
    result = run_python(
        """
        i = 0
        while True:
            open(f"/tmp/fill{i}", "wb").write(b"x" * (1 << 20))
            i += 1
        """,
        tmp_path,
    )
    assert result.verdict is RunVerdict.OUTPUT_LIMIT, result
    assert "No space left on device" in result.log


def test_printing_gigabytes_is_stopped_early_and_the_log_capped(tmp_path: Path) -> None:
    result = run_python(
        """
        import sys
        print("first line")
        line = "y" * 1023 + "\\n"
        for _ in range(4 << 20):  # 4 GiB if it were allowed
            sys.stdout.write(line)
        """,
        tmp_path,
    )
    assert result.verdict is RunVerdict.OUTPUT_LIMIT
    assert result.log_truncated
    assert result.log.startswith("first line\n")
    assert "bytes of output omitted" in result.log
    assert len(result.log) < SMALL.max_log_bytes + 200
    assert SMALL.max_printed_bytes < result.printed_bytes < SMALL.max_printed_bytes + 8 * MIB
    assert result.wall_seconds < 3
    assert_normal_run_works(tmp_path)


def test_import_torch_works_under_the_default_limits(tmp_path: Path) -> None:
    result = run_python(
        "import torch\nprint(torch.zeros(10).sum().item(), torch.get_num_threads() >= 1)",
        tmp_path,
        limits=SandboxLimits(wall_seconds=60),
    )
    assert result.verdict is RunVerdict.OK, result
    assert "0.0 True" in result.log


def test_torch_allocation_past_the_limit_is_a_memory_verdict(tmp_path: Path) -> None:
    limits = SandboxLimits(**{**SMALL.__dict__, "memory_bytes": 512 * MIB, "wall_seconds": 30})
    result = run_python("import torch\nx = torch.ones(1 << 28)\nprint('SURVIVED')", tmp_path, limits=limits)
    assert result.verdict is RunVerdict.MEMORY_LIMIT, result


def test_sandbox_failure_is_not_the_students_error(tmp_path: Path) -> None:
    (tmp_path / "output").mkdir()
    result = sandbox_run(
        command=[sys.executable, "-c", "pass"],
        inputs={},
        output_dir=tmp_path / "output",
        limits=SMALL,
        workdir="/does/not/exist",
    )
    assert result.verdict is RunVerdict.SANDBOX_ERROR
    assert "chdir" in result.detail


def test_invalid_arguments_are_refused(tmp_path: Path) -> None:
    (tmp_path / "output").mkdir()
    for mount in ("/etc/passwd", "/sandbox/../etc", "/sandbox/output", "/sandbox/runners/x", "relative"):
        with pytest.raises(ValueError):
            sandbox_run(
                command=["true"],
                inputs={mount: tmp_path},
                output_dir=tmp_path / "output",
                limits=SMALL,
            )
    with pytest.raises(ValueError):
        SandboxLimits(memory_bytes=0)
    with pytest.raises(ValueError):
        runner_command("model-that-does-not-exist")


def test_no_processes_left_behind(tmp_path: Path) -> None:
    marker = secrets.token_hex(8)
    result = run_python(
        f"""
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300) # {marker}"],
                         start_new_session=True)
        print("daemon started")
        """,
        tmp_path,
    )
    assert result.verdict is RunVerdict.OK, result
    assert result.log == "daemon started\n"
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True)
    assert left.stdout == b""  # the PID namespace took the daemon down with the command


def test_script_runner_command_starts_the_runner() -> None:
    command = runner_command("script", "/sandbox/submission/solution.py")
    assert command[0] == sys.executable and command[-2:] == [
        "/sandbox/runners/script.py",
        "/sandbox/submission/solution.py",
    ]


def test_a_virtual_environment_under_tmp_is_bound_after_the_private_tmp(monkeypatch) -> None:
    """A checkout under /tmp (e.g. a fresh clone there) keeps its interpreter visible in the sandbox:
    a bind below /tmp made before the private /tmp is mounted would be hidden by it (exit 127)."""
    monkeypatch.setattr(sandbox, "_python_prefixes", lambda: ["/tmp/checkout/.venv"])
    argv = sandbox._bwrap_argv(
        bwrap="bwrap",
        command=["python", "-c", "pass"],
        inputs={},
        staging=Path("/var/staging"),
        workdir="/sandbox/output",
        env={},
        limits=SandboxLimits(),
        uid=65534,
    )
    tmpfs_at = next(i for i in range(len(argv) - 1) if argv[i : i + 2] == ["--tmpfs", "/tmp"])
    venv_at = argv.index("/tmp/checkout/.venv")
    assert argv[venv_at - 1] == "--ro-bind"
    assert tmpfs_at < venv_at


# --- issue 10 §7: the kernel out of reach, runs kept apart, no host paths -------------------------------

KERNEL_PROBE = """
    import ctypes, errno, os
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long

    def call(name, number, *args):
        ctypes.set_errno(0)
        value = libc.syscall(number, *[ctypes.c_long(a) for a in args])
        code = ctypes.get_errno()
        denied = value == -1 and code == errno.EPERM
        print(name, "denied" if denied else f"ALLOWED {value} {errno.errorcode.get(code)}")
        return value

    # x86-64 numbers; each call is made so that, when allowed, it does something (or fails for another reason)
    call("unshare-user", 272, 0x10000000)
    call("unshare-net", 272, 0x40000000)
    call("unshare-mount", 272, 0x00020000)
    pid = call("clone-newuser", 56, 0x10000000 | 17, 0, 0, 0, 0)
    if pid == 0:
        os._exit(0)
    if pid > 0:
        os.waitpid(pid, 0)
    call("setns", 308, os.open("/proc/self/ns/net", os.O_RDONLY), 0)
    call("io_uring_setup", 425, 1, 0)
    call("keyctl", 250, 0, -4, 1)  # KEYCTL_GET_KEYRING_ID of the user keyring, create
    call("add_key", 248, 0, 0, 0, 0, -4)
    call("bpf", 321, 5, 0, 0)
    call("perf_event_open", 298, 0, 0, -1, -1, 0)
    call("userfaultfd", 323, 0)
    call("ptrace", 101, 0, 0, 0, 0)  # PTRACE_TRACEME
    call("mount", 165, 0, 0, 0, 0, 0)
    call("init_module", 175, 0, 0, 0)
    call("kexec_load", 246, 0, 0, 0, 0)
    # what ordinary code needs still works: threads, subprocesses (clone3 falls back to clone), forks
    import subprocess, sys, threading
    thread = threading.Thread(target=lambda: None)
    thread.start()
    thread.join()
    print("subprocess", subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True).stdout)
    child = os.fork()
    if child == 0:
        os._exit(3)
    print("fork", os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]))
"""


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the probe uses x86-64 system call numbers")
def test_seccomp_denies_namespaces_io_uring_keyring_bpf_ptrace_and_mounts(tmp_path: Path) -> None:
    result = run_python(KERNEL_PROBE, tmp_path)
    assert result.verdict is RunVerdict.OK, result
    assert "ALLOWED" not in result.log, result.log
    assert result.log.count("denied") == 15, result.log
    assert "subprocess b'42\\n'" in result.log and "fork 3" in result.log


def test_nothing_stored_in_the_kernel_keyring_reaches_the_next_run(tmp_path: Path) -> None:
    """The sandbox uid is shared by every run: its keyring outlived the run, and the next student read it."""
    secret = f"secret-{secrets.token_hex(8)}"
    keyring_code = f"""
        import ctypes, errno
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        # add_key("user", "dlip-note", SECRET, len, KEY_SPEC_USER_KEYRING)
        value = b"{secret}"
        key = libc.syscall(248, b"user", b"dlip-note", value, len(value), -4)
        print("add_key", key, errno.errorcode.get(ctypes.get_errno()))
        # request_key("user", "dlip-note", NULL, KEY_SPEC_USER_KEYRING) then KEYCTL_READ (11)
        found = libc.syscall(249, b"user", b"dlip-note", None, -4)
        buffer = ctypes.create_string_buffer(256)
        if found > 0:
            size = libc.syscall(250, 11, found, buffer, 256)
            print("READ", buffer.raw[: max(size, 0)].decode())
        else:
            print("request_key", errno.errorcode.get(ctypes.get_errno()))
    """
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
    first = run_python(keyring_code, tmp_path / "first")
    second = run_python(keyring_code, tmp_path / "second")
    for result in (first, second):
        assert result.verdict is RunVerdict.OK, result
        assert "add_key -1 EPERM" in result.log and "request_key EPERM" in result.log, result.log
        assert secret not in result.log.split("add_key")[1]


def test_proc_shows_no_host_path_but_the_inputs_own(tmp_path: Path) -> None:
    """/proc/1/cmdline (bubblewrap's own) showed every mount's host path, the work folder with the
    submission's id included; mountinfo showed the checkout and the output staging folder. The inputs' own
    host paths still show in mountinfo (a bind mount's root), so the grader names them neutrally (see
    test_adversarial's test_the_sandbox_sees_no_submission_id_in_its_proc)."""
    work = tmp_path / "neutral"
    work.mkdir()
    (work / "solution.py").write_text("pass\n")
    result = run_python(
        """
        for path in ("/proc/1/cmdline", "/proc/self/mountinfo", "/proc/self/mounts", "/proc/1/mountinfo"):
            print(path, open(path, "rb").read().replace(b"\\0", b" ").decode())
        """,
        tmp_path,
        inputs={"/sandbox/submission": work},
    )
    assert result.verdict is RunVerdict.OK, result
    assert "/proc/self/mountinfo" in result.log and "/sandbox/submission" in result.log
    cmdline = result.log.split("/proc/self/mountinfo")[0]
    assert str(tmp_path) not in cmdline and "--bind" not in cmdline and "--setenv" not in cmdline
    for host_path in ("dlip-sandbox", str(REPO / "grader"), str(tmp_path / "output")):
        assert host_path not in result.log, (host_path, result.log)


# --- issue 10 §6: what the student's output causes is the student's -------------------------------------

DEEP_AND_ODD_OUTPUT = """
    import os
    out = os.environ["DLIP_OUTPUT_DIR"]
    os.chdir(out)
    with open("predictions.csv", "w") as handle:
        handle.write("id,y\\n1,2\\n")
    # a chain of folders far past PATH_MAX (300 levels of 200-byte names: 60 KB of path)
    os.mkdir("deep")
    os.chdir("deep")
    for level in range(300):
        name = f"{level:03d}" + "d" * 197
        os.mkdir(name)
        os.chdir(name)
    open("bottom.txt", "w").write("bottom")
    os.chdir(out)
    # fan-out, odd and long names, links and special files
    os.mkdir("wide")
    for i in range(1500):
        open(f"wide/{i}", "w").close()
    for name in (b"new\\nline", b"\\xff\\xfe-not-utf8", b"x" * 255, b"-rf", b" ", b"..."):
        open(os.fsdecode(name), "w").write("odd")
    with open("big", "wb") as handle:
        handle.write(bytes(1 << 20))
    for i in range(200):  # hard links cost the tmpfs no bytes: copied each, 200 MiB would reach the host
        os.link("big", f"link-{i}")
    os.symlink("/etc/passwd", "passwd-link")
    os.symlink("/", "root-link")
    os.mkfifo("pipe")
    print("made it")
"""


def test_deep_wide_and_oddly_named_output_is_copied_within_limits(tmp_path: Path) -> None:
    limits = SandboxLimits(**{**SMALL.__dict__, "wall_seconds": 30, "cpu_seconds": 30})
    result = run_python(DEEP_AND_ODD_OUTPUT, tmp_path, limits=limits)
    assert result.verdict is RunVerdict.OK, result
    assert "made it" in result.log
    assert "entries of the output folder were not kept" in result.detail
    output = tmp_path / "output"
    assert (output / "predictions.csv").read_text() == "id,y\n1,2\n"
    assert len(list((output / "wide").iterdir())) == 1500
    names = set(os.listdir(os.fsencode(output)))
    assert {b"new\nline", b"\xff\xfe-not-utf8", b"x" * 255, b"-rf", b" ", b"..."} <= names
    assert not {b"passwd-link", b"root-link", b"pipe"} & names
    copies = [name for name in names if name == b"big" or name.startswith(b"link-")]
    assert len(copies) == 1 and (output / os.fsdecode(copies[0])).stat().st_size == 1 << 20
    depth, folder = 0, os.open(output / "deep", os.O_RDONLY | os.O_DIRECTORY)
    while True:
        children = os.listdir(folder)
        if not children:
            break
        nested = os.open(children[0], os.O_RDONLY | os.O_DIRECTORY, dir_fd=folder)
        os.close(folder)
        folder, depth = nested, depth + 1
    os.close(folder)
    assert depth == sandbox.MAX_OUTPUT_DEPTH - 2  # the chain is cut, not copied past the cap
    shutil.rmtree(output)  # the host can clean it up


def test_a_command_the_sandbox_cannot_see_is_a_sandbox_error_not_the_students(tmp_path: Path) -> None:
    (tmp_path / "output").mkdir()
    result = sandbox_run(
        command=["/opt/missing-venv/bin/python", "-c", "pass"],
        inputs={},
        output_dir=tmp_path / "output",
        limits=SMALL,
    )
    assert result.verdict is RunVerdict.SANDBOX_ERROR, result
    assert "cannot execute /opt/missing-venv/bin/python" in result.detail


def test_sandbox_check_finds_an_interpreter_the_sandbox_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox.sys, "executable", "/opt/missing-venv/bin/python")
    with pytest.raises(sandbox.SandboxUnavailable, match="cannot run in the sandbox"):
        sandbox_check()
    assert not sandbox.sandbox_available()


def test_a_worker_whose_virtualenv_is_reached_through_a_link_runs_jobs(tmp_path: Path) -> None:
    """The sandbox runs sys.executable as given but mounted only resolved paths: every job was exit 127,
    graded as the student's runtime_error."""
    venv = Path(sys.prefix).resolve()
    linked = tmp_path / "venvs" / "current"
    linked.parent.mkdir()
    linked.symlink_to(venv, target_is_directory=True)
    python = linked / "bin" / Path(sys.executable).name
    driver = textwrap.dedent(
        """
        import sys, tempfile
        from pathlib import Path
        from grader.sandbox import SandboxLimits, sandbox_check, sandbox_run
        assert sys.prefix.endswith("venvs/current"), sys.prefix
        sandbox_check()
        with tempfile.TemporaryDirectory() as out:
            result = sandbox_run(command=[sys.executable, "-c", "import sys; print('inside', sys.prefix)"],
                                 inputs={}, output_dir=Path(out), limits=SandboxLimits(wall_seconds=30))
        print(result.verdict, result.log.strip(), result.detail)
        """
    )
    done = subprocess.run(
        [str(python), "-c", driver],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"ok inside {linked}" in done.stdout, done.stdout


# --- issue 18 §7: nothing outlives the run -----------------------------------------------------------------


def sandbox_mounts(under: Path) -> set[str]:
    return {line for line in Path("/proc/self/mountinfo").read_text().splitlines() if str(under) in line}


def test_a_killed_caller_leaves_no_output_tmpfs_and_no_process(tmp_path: Path) -> None:
    marker = secrets.token_hex(8)
    caller_tmp = tmp_path / "caller-tmp"  # where the caller makes its sandboxes' folders
    caller_tmp.mkdir()
    (tmp_path / "output").mkdir()
    caller = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys
                from pathlib import Path
                from grader.sandbox import SandboxLimits, sandbox_run
                # the marker is joined here, so that only the sandboxed command's cmdline holds it whole
                code = "import time; time.sleep(120) # " + "{marker[:8]}" + "{marker[8:]}"
                sandbox_run(command=[sys.executable, "-c", code],
                            inputs={{}}, output_dir=Path("{tmp_path / "output"}"),
                            limits=SandboxLimits(wall_seconds=120))
                """
            ),
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(caller_tmp)},
    )
    try:
        for _ in range(300):
            running = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout.split()
            if running:
                break
            time.sleep(0.1)
        assert running, "the sandboxed command never started"
    finally:
        caller.kill()  # SIGKILL: no finally block of the caller runs
        caller.wait()
    for _ in range(100):
        left_mounts = sandbox_mounts(caller_tmp)
        left_processes = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True).stdout
        if not left_mounts and not left_processes:
            break
        time.sleep(0.1)
    assert not left_mounts, left_mounts
    assert not left_processes
