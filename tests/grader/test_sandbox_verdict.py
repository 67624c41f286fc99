"""The verdict of a finished sandboxed run, told from what the supervisor saw (no sandbox is started)."""

import signal

import pytest

from grader.sandbox import SandboxLimits
from grader.sandbox_verdict import (
    KERNEL_DIED_EXIT_CODE,
    RunEnding,
    RunVerdict,
    exit_status_split,
    run_verdict,
)

LIMITS = SandboxLimits(
    wall_seconds=10,
    cpu_seconds=20,
    memory_bytes=512 * 1024 * 1024,
    max_processes=64,
    max_file_bytes=1024 * 1024,
    max_output_bytes=4 * 1024 * 1024,
    max_printed_bytes=2 * 1024 * 1024,
)


def ending(**facts: object) -> RunEnding:
    values: dict[str, object] = {"exit_code": 0, "signal": None, "killed_for": None, "cpu_seconds": 1.0}
    values.update(facts)
    return RunEnding(**values)  # type: ignore[arg-type]


def test_a_clean_exit_is_ok():
    assert run_verdict(ending(), LIMITS) == (RunVerdict.OK, "Finished normally.")


def test_a_non_zero_exit_is_a_runtime_error_that_points_at_the_log():
    assert run_verdict(ending(exit_code=3, printed=b"Traceback ..."), LIMITS) == (
        RunVerdict.RUNTIME_ERROR,
        "Exited with status 3; see the log.",
    )


def test_printing_too_much_wins_over_what_the_kill_caused():
    verdict, detail = run_verdict(
        ending(exit_code=137, signal=9, killed_for=RunVerdict.OUTPUT_LIMIT, oom_kills=1), LIMITS
    )
    assert verdict is RunVerdict.OUTPUT_LIMIT
    assert detail == "Printed more than 2048 KiB; stopped."


def test_an_oom_kill_is_the_memory_limit_whatever_the_exit_code():
    verdict, detail = run_verdict(ending(exit_code=137, signal=9, oom_kills=1), LIMITS)
    assert (verdict, detail) == (RunVerdict.MEMORY_LIMIT, "Ran out of memory (limit 512 MiB); killed.")


def test_refused_forks_are_the_process_limit_only_when_the_run_failed():
    assert run_verdict(ending(exit_code=1, pids_refused=3), LIMITS)[0] is RunVerdict.PROCESS_LIMIT
    assert run_verdict(ending(exit_code=0, pids_refused=3), LIMITS)[0] is RunVerdict.OK


def test_a_wall_time_kill_within_the_cpu_limit_says_wall_time():
    verdict, detail = run_verdict(
        ending(exit_code=137, signal=9, killed_for=RunVerdict.TIME_LIMIT, cpu_seconds=5.0), LIMITS
    )
    assert (verdict, detail) == (RunVerdict.TIME_LIMIT, "Ran longer than the 10 s time limit; stopped.")


@pytest.mark.parametrize(
    "facts",
    [
        {"killed_for": RunVerdict.TIME_LIMIT, "cpu_seconds": 25.0, "exit_code": 137, "signal": 9},
        {"exit_code": 128 + signal.SIGXCPU, "signal": signal.SIGXCPU, "cpu_seconds": None},
        {"exit_code": 0, "cpu_seconds": 20.5},  # finished, but over the total CPU time of all processes
    ],
)
def test_cpu_time_over_its_limit_says_cpu_time(facts):
    assert run_verdict(ending(**facts), LIMITS) == (
        RunVerdict.TIME_LIMIT,
        "Used more than 20 s of CPU time; stopped.",
    )


def test_bubblewrap_speaking_while_the_command_printed_nothing_is_the_sandbox_s_failure():
    verdict, detail = run_verdict(
        ending(
            exit_code=1,
            sandbox_messages="bwrap: Can't mount proc on /newroot/proc: Operation not permitted\nmore\n",
            sandbox_messages_bytes=80,
        ),
        LIMITS,
    )
    assert verdict is RunVerdict.SANDBOX_ERROR
    assert detail == "The sandbox could not start the command: bwrap: Can't mount proc on /newroot/proc: " + (
        "Operation not permitted"
    )


def test_blank_sandbox_messages_still_give_a_sandbox_error_not_an_exception():
    verdict, detail = run_verdict(
        ending(exit_code=127, sandbox_messages="\n", sandbox_messages_bytes=1), LIMITS
    )
    assert (verdict, detail) == (RunVerdict.SANDBOX_ERROR, "The sandbox could not start the command: ")


def test_once_the_command_printed_a_failure_is_the_student_s_even_if_bubblewrap_spoke():
    verdict, _ = run_verdict(
        ending(exit_code=1, printed=b"x", printed_bytes=1, sandbox_messages="w", sandbox_messages_bytes=1),
        LIMITS,
    )
    assert verdict is RunVerdict.RUNTIME_ERROR


@pytest.mark.parametrize(
    "facts",
    [
        {"exit_code": 128 + signal.SIGXFSZ, "signal": signal.SIGXFSZ},
        {"exit_code": 1, "printed": b"OSError: [Errno 27] File too large"},
    ],
)
def test_a_file_over_the_size_limit_is_the_output_limit(facts):
    assert run_verdict(ending(**facts), LIMITS) == (
        RunVerdict.OUTPUT_LIMIT,
        "Wrote a file larger than 1024 KiB.",
    )


@pytest.mark.parametrize(
    "facts",
    [
        {"exit_code": 1, "output_full": True},
        {"exit_code": 1, "printed": b"OSError: [Errno 28] No space left on device"},
    ],
)
def test_a_full_output_folder_is_the_output_limit(facts):
    assert run_verdict(ending(**facts), LIMITS) == (
        RunVerdict.OUTPUT_LIMIT,
        "Filled the output folder (limit 4096 KiB).",
    )


def test_log_messages_tell_memory_and_processes_only_without_a_cgroup():
    memory = {"exit_code": 1, "printed": b"MemoryError"}
    forks = {"exit_code": 1, "printed": b"BlockingIOError: [Errno 11] Resource temporarily unavailable"}
    assert run_verdict(ending(cgroup=False, **memory), LIMITS) == (
        RunVerdict.MEMORY_LIMIT,
        "Could not allocate memory (limit 512 MiB).",
    )
    assert run_verdict(ending(cgroup=False, **forks), LIMITS)[0] is RunVerdict.PROCESS_LIMIT
    # With a cgroup its own counters decide: a student's "raise MemoryError" is their runtime error.
    assert run_verdict(ending(cgroup=True, **memory), LIMITS)[0] is RunVerdict.RUNTIME_ERROR
    assert run_verdict(ending(cgroup=True, **forks), LIMITS)[0] is RunVerdict.RUNTIME_ERROR


def test_a_dead_notebook_kernel_and_a_signal_are_runtime_errors_that_say_so():
    assert run_verdict(ending(exit_code=KERNEL_DIED_EXIT_CODE), LIMITS) == (
        RunVerdict.RUNTIME_ERROR,
        "The notebook's kernel died (os._exit, a crash or a kill).",
    )
    assert run_verdict(ending(exit_code=139, signal=signal.SIGSEGV), LIMITS) == (
        RunVerdict.RUNTIME_ERROR,
        "Killed by signal SIGSEGV.",
    )
    # A real-time signal has no name in signal.Signals: its number is said instead.
    assert run_verdict(ending(exit_code=128 + 40, signal=40), LIMITS)[1] == "Killed by signal 40."


def test_the_wait_status_splits_into_exit_code_and_signal():
    assert exit_status_split(0) == (0, None)
    assert exit_status_split(3 << 8) == (3, None)  # exited with 3
    assert exit_status_split(signal.SIGKILL) == (137, signal.SIGKILL)  # killed by SIGKILL itself
    assert exit_status_split((128 + signal.SIGSEGV) << 8) == (139, signal.SIGSEGV)  # the command's, passed on
    assert exit_status_split(200 << 8) == (200, None)  # beyond any signal number: a plain exit code
