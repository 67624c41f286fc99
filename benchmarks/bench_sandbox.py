"""Sandbox start overhead: median wall time of ``python -c pass`` in the sandbox and directly, as JSON.

    .venv/bin/python benchmarks/bench_sandbox.py [--runs 20] [--baseline-ref GIT_REF]

``--baseline-ref`` also times ``grader/sandbox.py`` as it was at that commit (e.g. the one before the
seccomp filter), alternating run by run with today's, so that a busy machine slows both alike.
Needs what the sandbox needs (root, bubblewrap); no Django.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import sandbox  # noqa: E402


def module_at(ref: str, folder: Path) -> ModuleType:
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{ref}:grader/sandbox.py"], check=True, capture_output=True
    ).stdout
    path = folder / "sandbox_baseline.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("sandbox_baseline", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    module.RUNNERS_DIR = sandbox.RUNNERS_DIR  # type: ignore[attr-defined]
    return module


def timed_run(module: ModuleType, command: list[str], output: Path) -> tuple[float, float, str]:
    started = time.perf_counter()
    result = module.sandbox_run(command=command, inputs={}, output_dir=output, limits=module.SandboxLimits())
    elapsed = time.perf_counter() - started
    if result.verdict != "ok":
        raise SystemExit(f"sandbox run failed: {result.detail}")
    return elapsed, result.wall_seconds, result.enforcement


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baseline-ref", default="")
    options = parser.parse_args()
    command = [sys.executable, "-c", "pass"]
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "output"
        output.mkdir()
        modules = {"current": sandbox}
        if options.baseline_ref:
            modules[options.baseline_ref] = module_at(options.baseline_ref, Path(folder))
        for module in modules.values():
            timed_run(module, command, output)  # warm-up: the first call also probes the interpreter
        direct: list[float] = []
        calls: dict[str, list[float]] = {name: [] for name in modules}
        walls: dict[str, list[float]] = {name: [] for name in modules}
        enforcement = ""
        for _ in range(options.runs):
            started = time.perf_counter()
            subprocess.run(command, check=True)
            direct.append(time.perf_counter() - started)
            for name, module in modules.items():
                call, wall, enforcement = timed_run(module, command, output)
                calls[name].append(call)
                walls[name].append(wall)
    direct_ms = statistics.median(direct) * 1000
    report: dict[str, object] = {"runs": options.runs, "direct_median_ms": round(direct_ms, 1)}
    for name in modules:
        call_ms = statistics.median(calls[name]) * 1000
        report[name] = {
            "sandbox_call_median_ms": round(call_ms, 1),
            "sandbox_reported_wall_median_ms": round(statistics.median(walls[name]) * 1000, 1),
            "overhead_median_ms": round(call_ms - direct_ms, 1),
        }
    report["enforcement"] = enforcement
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
