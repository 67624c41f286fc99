"""Run a student's Python script in the sandbox: ``script.py SOLUTION.py [ARGS...]``.

The script runs as ``__main__`` with its own folder first on ``sys.path`` and these environment variables
(set by the sandbox; defaults here for running by hand):

- ``DLIP_DATA_DIR`` (``/sandbox/data``): the public, read-only input files;
- ``DLIP_OUTPUT_DIR`` (``/sandbox/output``): where to write predictions and other results.

An uncaught exception prints its traceback to the log, then one ``DLIP-FAILURE {json}`` line (the error's
type and message, the script's line and the source around it, read by ``grader.failures``), and exits
with status 1; ``sys.exit(n)`` exits with ``n``.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import traceback

FAILURE_MARKER = "DLIP-FAILURE "  # grader.failures.FAILURE_MARKER
EXCERPT_LINES = 3  # source lines shown before and after the failing one


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: script.py SOLUTION.py [ARGS...]", file=sys.stderr)
        return 2
    script = os.path.abspath(argv[1])
    if not os.path.isfile(script):
        print(f"The submitted script {argv[1]} was not found.", file=sys.stderr)
        return 2
    os.environ.setdefault("DLIP_DATA_DIR", "/sandbox/data")
    os.environ.setdefault("DLIP_OUTPUT_DIR", "/sandbox/output")
    sys.argv = [script, *argv[2:]]
    sys.path[0] = os.path.dirname(script)  # as if run as ``python SOLUTION.py``; hides the runners folder
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as error:  # as Python itself would: the traceback, status 1
        traceback.print_exc()
        sys.stderr.flush()
        print(FAILURE_MARKER + json.dumps(script_failure(error, script)), file=sys.stderr)
        return 1
    return 0


def script_failure(error: BaseException, script: str) -> dict[str, object]:
    """The error's type and message and the script's line where it happened (the innermost frame in the
    script itself; a syntax error's own line), with the source around it."""
    line: int | None = None
    if isinstance(error, SyntaxError) and error.filename == script:
        line = error.lineno
    else:
        frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == script]
        line = frames[-1].lineno if frames else None
    try:
        with open(script, encoding="utf-8-sig", errors="replace") as handle:
            source = handle.read().splitlines()
    except OSError:
        source = []
    first = max(1, (line or 1) - EXCERPT_LINES)
    last = min(len(source), (line or 1) + EXCERPT_LINES)
    message = error.msg if isinstance(error, SyntaxError) else str(error)
    return {
        "where": "script",
        "error_type": type(error).__name__[:200],
        "message": str(message)[:2000],
        "line": line,
        "excerpt_first_line": first,
        "excerpt": [text[:300] for text in source[first - 1 : last]] if line else [],
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv))
