"""Execute a student's notebook headless in the sandbox: ``notebook.py NOTEBOOK.ipynb [EXECUTED.ipynb]``.

The kernel (ipykernel, always the venv's ``python3``) talks to this runner over ZMQ on the sandbox's own
loopback. The executed notebook, outputs and tracebacks included, is written to ``EXECUTED.ipynb``
(default ``$DLIP_OUTPUT_DIR/executed.ipynb``) even when a cell fails, so the trusted side can render it.
The kernel's working directory is the notebook's folder unless ``DLIP_NOTEBOOK_CWD`` says otherwise.

Exit status: 0 when every cell ran; 1 when a cell raised (the traceback is printed to the log, then one
``DLIP-FAILURE {json}`` line naming the cell, its source around the failing line and the error, which the
trusted side reads with ``grader.failures``); 86 when the kernel died (``os._exit``, a crash, the OOM
killer), which ``grader.sandbox`` never grades as passing; 2 for a notebook that cannot be read.
"""

from __future__ import annotations

import json
import os
import re
import sys

KERNEL_DIED_EXIT_CODE = 86  # grader.sandbox.KERNEL_DIED_EXIT_CODE
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # IPython colours its tracebacks; the log is plain text
_CELL_LINE = re.compile(r"Cell In\[(\d+)\], line (\d+)")
FAILURE_MARKER = "DLIP-FAILURE "  # grader.failures.FAILURE_MARKER
EXCERPT_LINES = 3  # source lines shown before and after the failing one

sys.path.pop(0)  # the runners folder: never shadow an installed package


def main(argv: list[str]) -> int:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    if len(argv) < 2:
        print("usage: notebook.py NOTEBOOK.ipynb [EXECUTED.ipynb]", file=sys.stderr)
        return 2
    source = argv[1]
    os.environ.setdefault("DLIP_DATA_DIR", "/sandbox/data")
    os.environ.setdefault("DLIP_OUTPUT_DIR", "/sandbox/output")
    target = argv[2] if len(argv) > 2 else os.path.join(os.environ["DLIP_OUTPUT_DIR"], "executed.ipynb")
    try:
        notebook = nbformat.read(source, as_version=4)
    except Exception as error:  # any unreadable file: the student's to fix
        print(f"The notebook {source} could not be read: {error}", file=sys.stderr)
        return 2
    cwd = os.environ.get("DLIP_NOTEBOOK_CWD") or os.path.dirname(os.path.abspath(source))
    client = NotebookClient(
        notebook,
        kernel_name="python3",  # the venv's kernel, whatever the notebook's metadata names
        timeout=None,  # the sandbox's wall-time limit applies to the whole run
        allow_errors=False,
        resources={"metadata": {"path": cwd}},
    )
    status = 0
    try:
        client.execute()
    except DeadKernelError as error:
        print(f"DLIP-RUNNER: the notebook's kernel died: {error}", file=sys.stderr)
        status = KERNEL_DIED_EXIT_CODE
    except CellTimeoutError as error:
        print(f"A cell ran too long: {error}", file=sys.stderr)
        status = 1
    except CellExecutionError as error:
        print(_ANSI.sub("", str(error)), file=sys.stderr)  # the cell's source and the traceback
        failure = failed_cell(notebook)
        if failure is not None:
            print(FAILURE_MARKER + json.dumps(failure), file=sys.stderr)
        status = 1
    finally:
        try:
            nbformat.write(notebook, target)
        except OSError as error:
            print(f"Could not write the executed notebook: {error}", file=sys.stderr)
            status = status or 1
    return status


def failed_cell(notebook: object) -> dict[str, object] | None:
    """The first cell with an error output: its number (1-based, every cell counted, as the notebook shows
    them), the error's type and message, the line in the cell and the source around it."""
    for number, cell in enumerate(getattr(notebook, "cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error":
                continue
            traceback = _ANSI.sub("", "\n".join(output.get("traceback") or []))
            count = cell.get("execution_count")
            lines = [int(m.group(2)) for m in _CELL_LINE.finditer(traceback) if m.group(1) == str(count)]
            line = lines[-1] if lines else None
            source = str(cell.get("source", "")).splitlines()
            first = max(1, (line or 1) - EXCERPT_LINES)
            last = min(len(source), (line or 1) + EXCERPT_LINES)
            return {
                "where": "cell",
                "cell": number,
                "execution_count": count,
                "error_type": str(output.get("ename", ""))[:200],
                "message": str(output.get("evalue", ""))[:2000],
                "line": line,
                "excerpt_first_line": first,
                "excerpt": [text[:300] for text in source[first - 1 : last]],
            }
    return None


if __name__ == "__main__":
    sys.exit(main(sys.argv))
