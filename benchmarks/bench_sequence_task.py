"""The sequence task's figures (docs/sequence-task.md): the reference LSTM against persistence, daily
persistence, climatology and a naive LSTM (temperature only, no persistence shortcut), each scored on the
hidden test set, and the points each earns on the default scale (zero at persistence, full at the
reference: ``grader.services.score_fraction``'s rule, restated here so the script needs no Django).

Run from the repository root: ``.venv/bin/python benchmarks/bench_sequence_task.py [--task
nyc-temperature-lstm] [--epochs N] [--naive-epochs N]``. CPU, ``REFERENCE_MODELS_THREADS`` threads.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from reference_models import problem_get, reference_train  # noqa: E402
from reference_models.api import _baselines_score  # noqa: E402
from reference_models.problems.nyc_temperature import NaiveLSTM  # noqa: E402
from reference_models.seeding import seed_everything, threads_limit  # noqa: E402
from reference_models.training import fit, tensor_inputs  # noqa: E402


def points(score: float, *, zero: float, full: float, out_of: float = 10.0) -> float:
    return out_of * min(1.0, max(0.0, (score - zero) / (full - zero)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", default="nyc-temperature-lstm")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--naive-epochs", type=int, default=20)
    args = parser.parse_args()
    threads_limit()
    task = problem_get(args.task)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        started = time.perf_counter()
        report = reference_train(task=task, out_dir=out, epochs=args.epochs, progress=False, device="cpu")
        reference_seconds = time.perf_counter() - started
        data = task.public_load(out / "data" / "public")
        seed_everything(task.seed)
        naive = NaiveLSTM()
        naive.scale.fit(tensor_inputs(data.x_train)[:, :, :1])
        started = time.perf_counter()
        result = fit(
            naive,
            x_train=tensor_inputs(data.x_train),
            y_train=task.targets_tensor(data.y_train),
            x_val=tensor_inputs(data.x_val),
            y_val=task.targets_tensor(data.y_val),
            loss_fn=task.loss_fn,
            epochs=args.naive_epochs,
            device=torch.device("cpu"),
            lr=2e-3,
            seed=task.seed,
            progress=False,
        )
        naive_seconds = time.perf_counter() - started
        values = task.predict(naive.eval(), data.x_test, torch.device("cpu"))
        naive_score = _baselines_score(task, data, out / "data" / "hidden", {"naive LSTM": values})
    rows = {"reference LSTM": {"value": report["value"], "details": report["details"]}}
    rows.update(naive_score)
    rows.update(report["baselines"])
    zero = report["baselines"][task.zero_points_baseline]["value"]
    full = report["value"]
    load = os.getloadavg()
    print(
        f"task {task.name}; {len(data.x_train)} / {len(data.x_val)} / {len(data.x_test)} windows; "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    print(
        f"reference: {report['epochs']} epochs (best {report['best_epoch']}), {reference_seconds:.1f} s; "
        f"naive LSTM: {args.naive_epochs} epochs (best {result.best_epoch}), {naive_seconds:.1f} s"
    )
    print(f"{'model':24} {'MAE':>6} {'h01':>6} {'h06':>6} {'h12':>6} {'h24':>6} {'points/10':>9}")
    for name, row in sorted(rows.items(), key=lambda item: item[1]["value"]):
        d = row["details"]
        print(
            f"{name:24} {row['value']:6.3f} {d['mae_h01']:6.3f} {d['mae_h06']:6.3f} {d['mae_h12']:6.3f} "
            f"{d['mae_h24']:6.3f} {points(row['value'], zero=zero, full=full):9.2f}"
        )
    print(json.dumps({name: row["value"] for name, row in rows.items()}))


if __name__ == "__main__":
    main()
