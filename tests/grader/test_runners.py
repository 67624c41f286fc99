"""The in-sandbox runners (grader/runners), run in the real sandbox: scripts and notebooks."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

from grader.sandbox import (
    DATA_MOUNT,
    KERNEL_DIED_EXIT_CODE,
    RunVerdict,
    SandboxLimits,
    SandboxResult,
    runner_command,
    sandbox_run,
)

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
LIMITS = SandboxLimits(wall_seconds=40, cpu_seconds=40, memory_bytes=512 * MIB, max_log_bytes=64 * 1024)
SUBMISSION = "/sandbox/submission"


def run_submission(
    tmp_path: Path, runner: str, filename: str, limits: SandboxLimits = LIMITS
) -> SandboxResult:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "test_inputs.csv").write_text("id,x\n1,2\n2,5\n")
    output = tmp_path / "output"
    output.mkdir(exist_ok=True)
    return sandbox_run(
        command=runner_command(runner, f"{SUBMISSION}/{filename}"),
        inputs={DATA_MOUNT: data, SUBMISSION: tmp_path / "submission"},
        output_dir=output,
        limits=limits,
    )


def write_notebook(tmp_path: Path, name: str, *cells: str) -> str:
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell) for cell in cells])
    notebook.metadata["kernelspec"] = {
        "name": "some-students-conda-env",
        "display_name": "x",
        "language": "python",
    }
    nbformat.write(notebook, folder / name)
    return name


def write_script(tmp_path: Path, name: str, source: str, helper: str | None = None) -> str:
    folder = tmp_path / "submission"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(source)
    if helper is not None:
        (folder / "helper.py").write_text(helper)
    return name


def test_script_writes_predictions_from_public_data(tmp_path: Path) -> None:
    name = write_script(
        tmp_path,
        "solution.py",
        "import csv, os, sys\n"
        "from helper import double\n"  # a module next to the script is importable
        "rows = list(csv.DictReader(open(os.path.join(os.environ['DLIP_DATA_DIR'], 'test_inputs.csv'))))\n"
        "with open(os.path.join(os.environ['DLIP_OUTPUT_DIR'], 'predictions.csv'), 'w') as out:\n"
        "    out.write('id,y\\n')\n"
        "    for row in rows:\n"
        "        out.write(f\"{row['id']},{double(int(row['x']))}\\n\")\n"
        "print('argv', sys.argv, __name__)\n",
        helper="def double(x):\n    return 2 * x\n",
    )
    result = run_submission(tmp_path, "script", name)
    assert result.verdict is RunVerdict.OK, result
    assert (tmp_path / "output" / "predictions.csv").read_text() == "id,y\n1,4\n2,10\n"
    assert f"argv ['{SUBMISSION}/solution.py'] __main__" in result.log


def test_script_exception_is_a_runtime_error_with_traceback(tmp_path: Path) -> None:
    name = write_script(
        tmp_path, "solution.py", "def train():\n    raise ValueError('bad shape (3, 4)')\n\ntrain()\n"
    )
    result = run_submission(tmp_path, "script", name)
    assert result.verdict is RunVerdict.RUNTIME_ERROR
    assert result.exit_code == 1
    assert "ValueError: bad shape (3, 4)" in result.log
    assert 'solution.py", line 2, in train' in result.log


def test_missing_script_is_reported(tmp_path: Path) -> None:
    (tmp_path / "submission").mkdir()
    result = run_submission(tmp_path, "script", "nothing.py")
    assert result.verdict is RunVerdict.RUNTIME_ERROR and result.exit_code == 2
    assert "was not found" in result.log


def test_notebook_that_writes_predictions_succeeds(tmp_path: Path) -> None:
    name = write_notebook(
        tmp_path,
        "homework.ipynb",
        "import os, csv",
        "rows = list(csv.DictReader(open(os.path.join(os.environ['DLIP_DATA_DIR'], 'test_inputs.csv'))))\n"
        "print('rows', len(rows))",
        "with open(os.path.join(os.environ['DLIP_OUTPUT_DIR'], 'predictions.csv'), 'w') as f:\n"
        "    f.write('id,y\\n' + ''.join(f\"{r['id']},{int(r['x']) + 1}\\n\" for r in rows))",
    )
    result = run_submission(tmp_path, "notebook", name)
    assert result.verdict is RunVerdict.OK, result
    assert (tmp_path / "output" / "predictions.csv").read_text() == "id,y\n1,3\n2,6\n"
    executed = nbformat.read(tmp_path / "output" / "executed.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["text"] == "rows 2\n"
    assert all(cell.execution_count for cell in executed.cells)


def test_notebook_exception_is_a_runtime_error_with_traceback(tmp_path: Path) -> None:
    name = write_notebook(
        tmp_path, "homework.ipynb", "x = 1", "def f():\n    return x / 0\nf()", "print('never')"
    )
    result = run_submission(tmp_path, "notebook", name)
    assert result.verdict is RunVerdict.RUNTIME_ERROR
    assert result.exit_code == 1
    assert "ZeroDivisionError" in result.log and "division by zero" in result.log
    assert "\x1b[" not in result.log  # plain text, no terminal colours
    executed = nbformat.read(tmp_path / "output" / "executed.ipynb", as_version=4)
    assert executed.cells[1].outputs[0]["ename"] == "ZeroDivisionError"
    assert executed.cells[2].outputs == []


def test_notebook_whose_kernel_exits_is_not_passing(tmp_path: Path) -> None:
    name = write_notebook(tmp_path, "homework.ipynb", "import os\nos._exit(0)", "print('never')")
    result = run_submission(tmp_path, "notebook", name)
    assert result.verdict is RunVerdict.RUNTIME_ERROR
    assert result.exit_code == KERNEL_DIED_EXIT_CODE
    assert "kernel died" in result.detail
    assert (tmp_path / "output" / "executed.ipynb").exists()


def test_notebook_kernel_killed_for_memory_is_a_memory_verdict(tmp_path: Path) -> None:
    name = write_notebook(
        tmp_path, "homework.ipynb", "chunks = []", "while True:\n    chunks.append(bytearray(32 << 20))"
    )
    limits = SandboxLimits(**{**LIMITS.__dict__, "memory_bytes": 320 * MIB})
    result = run_submission(tmp_path, "notebook", name, limits=limits)
    assert result.verdict is RunVerdict.MEMORY_LIMIT, result
    assert not result.passed


def test_unreadable_notebook_is_reported(tmp_path: Path) -> None:
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "broken.ipynb").write_text("{not json")
    result = run_submission(tmp_path, "notebook", "broken.ipynb")
    assert result.verdict is RunVerdict.RUNTIME_ERROR and result.exit_code == 2
    assert "could not be read" in result.log


def test_runners_do_not_import_django() -> None:
    runners = Path(__file__).resolve().parents[2] / "grader" / "runners"
    assert {"script.py", "notebook.py"} <= {p.name for p in runners.glob("*.py")}
    for runner in runners.glob("*.py"):
        source = runner.read_text()
        assert "import django" not in source and "from django" not in source, runner
    assert runner_command("notebook")[:2] == [sys.executable, "-B"]
