"""How long generating and verifying parametric questions takes.

Run from the repository root:
``.venv/bin/python benchmarks/bench_parametric.py [--count 10000] [--scope lecture|advanced]``.
Variants are spread evenly over all generators; verification rebuilds each one in PyTorch on one
thread (the way the tests run), so the figures are per core. It also prints, per generator, the share
of lecture-notation variants that go beyond the slide's formula (dilation, groups, "same", ceil mode,
output padding, a division that is not whole; ``quizzes/generators/scope.py``).
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from quizzes.generators import SCOPES, generator_names, variant_generate  # noqa: E402
from quizzes.generators.scope import beyond_lecture  # noqa: E402
from quizzes.verification import variant_verify  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scope", choices=SCOPES, default="advanced")
    args = parser.parse_args()
    torch.set_num_threads(1)
    names = generator_names()
    jobs = [(names[i % len(names)], args.seed + i // len(names)) for i in range(args.count)]

    start = time.perf_counter()
    variants = [variant_generate(generator=name, seed=seed, scope=args.scope) for name, seed in jobs]
    generated = time.perf_counter() - start

    per_generator: dict[str, float] = dict.fromkeys(names, 0.0)
    failures = 0
    start = time.perf_counter()
    for variant in variants:
        began = time.perf_counter()
        failures += not variant_verify(variant=variant).ok
        per_generator[variant.generator] += time.perf_counter() - began
    verified = time.perf_counter() - start

    n = len(variants)
    print(
        f"{n} variants over {len(names)} generators, {args.scope} scope (torch {torch.__version__}, 1 thread)"
    )
    print(f"generate: {generated:.2f} s total, {generated / n * 1e6:.0f} us per variant")
    print(f"verify in PyTorch: {verified:.2f} s total, {verified / n * 1e3:.2f} ms per variant")
    print(f"failures: {failures}")
    print(f"generate + verify: {generated + verified:.2f} s")
    per_name = n / len(names)
    beyond: dict[str, int] = dict.fromkeys(names, 0)
    for variant in variants:
        beyond[variant.generator] += bool(beyond_lecture(torch=variant.torch))
    print("per generator: verify time, share beyond the slide")
    for name in names:
        print(
            f"  {name:32s} {per_generator[name] / per_name * 1e3:6.2f} ms per variant"
            f"  {100 * beyond[name] / per_name:5.1f} % beyond the slide"
        )
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
