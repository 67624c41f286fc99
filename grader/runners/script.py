"""Run a student's Python script in the sandbox: ``script.py SOLUTION.py [ARGS...]``.

The script runs as ``__main__`` with its own folder first on ``sys.path`` and these environment variables
(set by the sandbox; defaults here for running by hand):

- ``DLIP_DATA_DIR`` (``/sandbox/data``): the public, read-only input files;
- ``DLIP_OUTPUT_DIR`` (``/sandbox/output``): where to write predictions and other results.

An uncaught exception prints its traceback to the log and exits with status 1; ``sys.exit(n)`` exits
with ``n``.
"""

from __future__ import annotations

import os
import runpy
import sys


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
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
