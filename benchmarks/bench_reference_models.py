"""What grading one submission costs per reference task: prepare the split, run a saved model on the
test inputs (in-process, and as the sandbox does: ``python -m reference_models predict``, interpreter
and torch start-up included), validate and score the prediction file.

Run from the repository root: ``.venv/bin/python benchmarks/bench_reference_models.py [--repeat 5]
[--threads 2] [--device cpu]``. The model is the task's untrained architecture saved as a state_dict
(running it costs the same as a trained one). Times are the median of ``--repeat`` runs; training
times are in the README's figures table (``python -m reference_models train TASK``).
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from reference_models import (  # noqa: E402
    model_build,
    predictions_make,
    predictions_validate,
    problem_get,
    problem_names,
    problem_prepare,
    score_predictions,
)


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, device {args.device}, median of {args.repeat}")
    header = f"{'task':22} {'n_test':>6} {'prepare':>9} {'re-prepare':>10} {'predict':>9} {'validate':>9}"
    print(header + f" {'score':>9} {'rows/s':>9} {'CLI predict':>11}")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name in problem_names():
            task = problem_get(name)
            data = root / name
            started = time.perf_counter()
            problem_prepare(name, data)
            prepare = time.perf_counter() - started
            again = median_seconds(lambda name=name, data=data: problem_prepare(name, data), args.repeat)
            model = root / f"{name}.pt"
            torch.save(model_build(name).state_dict(), model)
            csv = root / f"{name}.csv"

            def predict(name: str = name, model: Path = model, data: Path = data, csv: Path = csv) -> None:
                predictions_make(
                    task=name, model_path=model, public_dir=data / "public", out_path=csv, device=args.device
                )

            predicted = median_seconds(predict, args.repeat)
            validated = median_seconds(
                lambda task=task, csv=csv, data=data: predictions_validate(
                    task=task, predictions_path=csv, public_dir=data / "public"
                ),
                args.repeat,
            )
            scored = median_seconds(
                lambda task=task, csv=csv, data=data: score_predictions(
                    task=task, predictions_path=csv, hidden_dir=data / "hidden"
                ),
                args.repeat,
            )
            command = [sys.executable, "-m", "reference_models", "predict", name, "--model", str(model)]
            command += ["--data", str(data / "public"), "--out", str(csv), "--device", args.device]
            cli = median_seconds(
                lambda command=command: subprocess.run(command, cwd=ROOT, check=True, capture_output=True),
                min(args.repeat, 3),
            )
            n_test = sum(1 for _ in (data / "hidden" / "test_labels.csv").open()) - 1
            print(
                f"{name:22} {n_test:6d} {prepare:8.3f}s {again:9.3f}s {predicted:8.3f}s {validated:8.3f}s"
                f" {scored:8.3f}s {n_test / predicted:9.0f} {cli:10.2f}s"
            )


if __name__ == "__main__":
    main()
