"""Sandbox start overhead: median wall time of ``python -c pass`` in the sandbox and directly, as JSON.

    .venv/bin/python benchmarks/bench_sandbox.py [--runs 20]

Needs what the sandbox needs (root, bubblewrap); no Django.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.sandbox import SandboxLimits, Verdict, sandbox_run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    command = [sys.executable, "-c", "pass"]
    direct, sandboxed, sandboxed_reported = [], [], []
    enforcement = ""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder)
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(command, check=True)
            direct.append(time.perf_counter() - started)
        for _ in range(runs):
            started = time.perf_counter()
            result = sandbox_run(command=command, inputs={}, output_dir=output, limits=SandboxLimits())
            sandboxed.append(time.perf_counter() - started)
            sandboxed_reported.append(result.wall_seconds)
            enforcement = result.enforcement
            if result.verdict is not Verdict.OK:
                raise SystemExit(f"sandbox run failed: {result.detail}")
    direct_ms = statistics.median(direct) * 1000
    sandbox_ms = statistics.median(sandboxed) * 1000
    print(
        json.dumps(
            {
                "runs": runs,
                "direct_median_ms": round(direct_ms, 1),
                "sandbox_call_median_ms": round(sandbox_ms, 1),
                "sandbox_reported_wall_median_ms": round(statistics.median(sandboxed_reported) * 1000, 1),
                "overhead_median_ms": round(sandbox_ms - direct_ms, 1),
                "enforcement": enforcement,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
