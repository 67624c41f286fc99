"""Print what each lookup attack scores against the reference on the graded built-in tasks.

    .venv/bin/python benchmarks/bench_lookup_attack.py [--tasks digits-cnn,...] [--epochs N]

The attacks are those of ``tests/reference_models/test_lookup_attack.py`` (the test asserts none beats
the reference; this prints by how much). Data keyed by a throw-away secret, in a temporary folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reference_models import problem_get, problem_prepare, reference_train  # noqa: E402
from tests.reference_models.test_lookup_attack import (  # noqa: E402
    GRADED,
    SHORT_EPOCHS,
    _digits_attacks,
    _fever_attacks,
    _score,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", default=",".join(GRADED))
    parser.add_argument("--epochs", type=int, help="default: the test's (half the task's default)")
    args = parser.parse_args()
    secret = b"benchmark secret"
    for name in args.tasks.split(","):
        with tempfile.TemporaryDirectory() as folder:
            data = Path(folder) / "data"
            task = problem_get(name, secret=secret)
            problem_prepare(task, data)
            started = time.perf_counter()
            report = reference_train(
                task=name,
                out_dir=Path(folder),
                data_dir=data,
                progress=False,
                secret=secret,
                epochs=args.epochs or SHORT_EPOCHS.get(name),
            )
            wall = time.perf_counter() - started
            public = task.public_load(data / "public")
            attacks = _digits_attacks(public) if name == "digits-cnn" else _fever_attacks(task, public)
            print(
                f"{name}: reference {task.metric} {report['value']:.4f} "
                f"({report['epochs']} epochs, {wall:.0f} s)"
            )
            for attack, values in attacks.items():
                print(f"  {_score(task, data, values):.4f}  {attack}")


if __name__ == "__main__":
    main()
