"""How a sandboxed run ended: its verdict and one line saying why, told from what the supervisor saw.

Pure: no processes, no files. ``grader.sandbox`` gathers the facts of a finished run into a ``RunEnding``
(exit status, why it killed the run, the cgroup's counters, the head and tail of what was printed) and
``run_verdict`` decides. The order of the checks is the contract: a kill for printing too much wins over
anything the kill caused, an OOM kill over the exit code it left, a wall-time kill over a CPU-time one
only while the CPU time is within its limit, and messages in the log are trusted only where no cgroup
counted the event itself.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.sandbox import SandboxLimits

_KIB = 1024
_MIB = 1024 * _KIB

# The notebook runner's exit status when the kernel died under it.
KERNEL_DIED_EXIT_CODE = 86


class RunVerdict(StrEnum):
    """How a sandboxed run ended. Only ``OK`` may be graded; ``SANDBOX_ERROR`` is never the student's."""

    OK = "ok"
    RUNTIME_ERROR = "runtime_error"  # non-zero exit or killed by a signal; the traceback is in the log
    TIME_LIMIT = "time_limit"  # wall time or CPU time
    MEMORY_LIMIT = "memory_limit"  # killed by the OOM killer (or, without cgroups, failed to allocate)
    PROCESS_LIMIT = "process_limit"  # tried to start more processes/threads than allowed
    OUTPUT_LIMIT = "output_too_large"  # printed too much, a file too large, or the output folder full
    SANDBOX_ERROR = "sandbox_error"  # the sandbox itself failed: retry or tell the operator


MEMORY_MESSAGES = (b"MemoryError", b"can't allocate memory", b"Cannot allocate memory", b"std::bad_alloc")
FILE_SIZE_MESSAGES = (b"[Errno 27] File too large", b"File size limit exceeded")
DISK_FULL_MESSAGES = (b"[Errno 28] No space left on device", b"[Errno 122] Disk quota exceeded")
PROCESS_MESSAGES = (b"[Errno 11] Resource temporarily unavailable", b"fork: Resource temporarily")


def exit_status_split(wait_status: int) -> tuple[int, int | None]:
    """bubblewrap's wait status as (exit code, signal): its exit status is the command's, its code or
    128 + the signal that killed it; a signal is named only where one can be told."""
    if os.WIFSIGNALED(wait_status):
        return 128 + os.WTERMSIG(wait_status), os.WTERMSIG(wait_status)
    exit_code = os.WEXITSTATUS(wait_status)
    return exit_code, (exit_code - 128 if 128 < exit_code < 128 + 65 else None)


@dataclass(frozen=True, kw_only=True)
class RunEnding:
    """What the supervisor saw of a finished run."""

    exit_code: int
    signal: int | None
    killed_for: RunVerdict | None  # why the supervisor killed it (wall time, CPU time, printed bytes)
    cpu_seconds: float | None  # every process of the run together; known only with a cgroup
    oom_kills: int = 0  # counted by the cgroup
    pids_refused: int = 0  # forks the cgroup's pids limit refused
    output_full: bool = False  # the output folder's tmpfs had (almost) no room or entries left
    cgroup: bool = True  # limits enforced by a cgroup; else by rlimits, and told from the log's messages
    printed: bytes = b""  # the head and tail of what the command printed (its stdout and stderr)
    printed_bytes: int = 0  # how much it printed in all
    sandbox_messages: str = ""  # bubblewrap's and setpriv's own stderr
    sandbox_messages_bytes: int = 0


def _mentions(printed: bytes, messages: tuple[bytes, ...]) -> bool:
    return any(message in printed for message in messages)


def run_verdict(ending: RunEnding, limits: SandboxLimits) -> tuple[RunVerdict, str]:
    """The verdict of a finished run and the one line for the student or instructor saying why.

    ``RunVerdict.SANDBOX_ERROR`` when the sandbox could not start the command (bubblewrap or setpriv spoke,
    the command printed nothing): the caller reports it as the platform's failure, not the student's.
    """
    mib = limits.memory_bytes / _MIB
    exit_code, sig, cpu, printed = ending.exit_code, ending.signal, ending.cpu_seconds, ending.printed
    if ending.killed_for is RunVerdict.OUTPUT_LIMIT:
        return RunVerdict.OUTPUT_LIMIT, f"Printed more than {limits.max_printed_bytes // _KIB} KiB; stopped."
    if ending.oom_kills:
        return RunVerdict.MEMORY_LIMIT, f"Ran out of memory (limit {mib:.0f} MiB); killed."
    if exit_code != 0 and ending.pids_refused:
        return RunVerdict.PROCESS_LIMIT, f"Started more than {limits.max_processes} processes/threads."
    cpu_over = cpu is not None and cpu > limits.cpu_seconds
    if ending.killed_for is RunVerdict.TIME_LIMIT and not cpu_over:
        return RunVerdict.TIME_LIMIT, f"Ran longer than the {limits.wall_seconds:g} s time limit; stopped."
    if ending.killed_for is RunVerdict.TIME_LIMIT or sig == signal.SIGXCPU or cpu_over:
        return RunVerdict.TIME_LIMIT, f"Used more than {limits.cpu_seconds:g} s of CPU time; stopped."
    if exit_code == 0:
        return RunVerdict.OK, "Finished normally."
    if exit_code in (1, 127) and ending.sandbox_messages_bytes and not ending.printed_bytes:
        lines = ending.sandbox_messages.strip().splitlines()
        return (
            RunVerdict.SANDBOX_ERROR,
            f"The sandbox could not start the command: {lines[0][:300] if lines else ''}",
        )
    if sig == signal.SIGXFSZ or _mentions(printed, FILE_SIZE_MESSAGES):
        return RunVerdict.OUTPUT_LIMIT, f"Wrote a file larger than {limits.max_file_bytes // _KIB} KiB."
    if ending.output_full or _mentions(printed, DISK_FULL_MESSAGES):
        return (
            RunVerdict.OUTPUT_LIMIT,
            f"Filled the output folder (limit {limits.max_output_bytes // _KIB} KiB).",
        )
    if not ending.cgroup and _mentions(printed, MEMORY_MESSAGES):
        return RunVerdict.MEMORY_LIMIT, f"Could not allocate memory (limit {mib:.0f} MiB)."
    if not ending.cgroup and _mentions(printed, PROCESS_MESSAGES):
        return RunVerdict.PROCESS_LIMIT, f"Started more than {limits.max_processes} processes/threads."
    if exit_code == KERNEL_DIED_EXIT_CODE:
        return RunVerdict.RUNTIME_ERROR, "The notebook's kernel died (os._exit, a crash or a kill)."
    if sig is not None:
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return RunVerdict.RUNTIME_ERROR, f"Killed by signal {name}."
    return RunVerdict.RUNTIME_ERROR, f"Exited with status {exit_code}; see the log."
