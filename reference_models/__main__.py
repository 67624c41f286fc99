"""Command line: ``python -m reference_models list|prepare|train|pretrain|predict|validate|score``.

Progress bars go to stderr; results are one JSON object on stdout (``list`` prints a table). A
problem the caller can fix (a bad file, no GPU) prints ``{"error": ..., "message": ...}`` and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from reference_models.api import (
    ModelLoadError,
    predictions_make,
    problem_get,
    problem_names,
    problem_prepare,
    reference_train,
)
from reference_models.predictions import PredictionFormatError
from reference_models.problems.texture_transfer import (
    BACKBONE_EPOCHS,
    BACKBONE_PATCHES,
    DEFAULT_BACKBONE_DIR,
    BackboneWeightsError,
    backbone_pretrain,
    backbone_weights_load,
)
from reference_models.scoring import predictions_validate, score_predictions
from reference_models.seeding import DEFAULT_SEED, DeviceUnavailableError, device_pick, threads_limit


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text}")
    return value


def parser_build() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reference_models", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="name the tasks")
    listing.add_argument("--json", action="store_true")

    prepare = commands.add_parser("prepare", help="write DIR/public and DIR/hidden for a task")
    prepare.add_argument("task", choices=problem_names())
    prepare.add_argument("--out", type=Path, required=True)

    train = commands.add_parser("train", help="train the reference solution, print its metrics as JSON")
    train.add_argument("task", choices=problem_names())
    train.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu")
    train.add_argument(
        "--epochs", type=positive_int, help="default: the task's (texture-transfer: per stage)"
    )
    train.add_argument("--out", type=Path, help="model folder (default var/reference_models/TASK)")
    train.add_argument("--data", type=Path, help="folder with public/ and hidden/ (prepared if absent)")
    train.add_argument("--variant")
    train.add_argument("--seed", type=int)
    train.add_argument(
        "--weights",
        type=Path,
        help="texture-transfer: a ResNet-18 state_dict (torchvision's) as backbone",
    )
    train.add_argument("--no-progress", action="store_true")

    pretrain = commands.add_parser(
        "pretrain", help="texture-transfer: pretrain the ResNet-18 backbone on the source task"
    )
    pretrain.add_argument("--variant", choices=["resnet18-w16", "resnet18"], default="resnet18-w16")
    pretrain.add_argument("--epochs", type=positive_int, default=BACKBONE_EPOCHS)
    pretrain.add_argument(
        "--patches", type=positive_int, default=BACKBONE_PATCHES, help="training patches per source picture"
    )
    pretrain.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu")
    pretrain.add_argument("--seed", type=int, default=DEFAULT_SEED)
    pretrain.add_argument("--out", type=Path, help=f"default {DEFAULT_BACKBONE_DIR}/VARIANT.pt")
    pretrain.add_argument("--no-progress", action="store_true")

    predict = commands.add_parser(
        "predict", help="write predictions.csv from a TorchScript file or state_dict"
    )
    predict.add_argument("task", choices=problem_names())
    predict.add_argument("--model", type=Path, required=True)
    predict.add_argument("--data", type=Path, required=True, help="the task's public/ folder")
    predict.add_argument("--out", type=Path, required=True)
    predict.add_argument("--variant")
    predict.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu")

    validate = commands.add_parser("validate", help="check a prediction file's format (public data only)")
    validate.add_argument("task", choices=problem_names())
    validate.add_argument("--predictions", type=Path, required=True)
    validate.add_argument("--data", type=Path, required=True, help="the task's public/ folder")

    score = commands.add_parser("score", help="score a prediction file on the hidden labels")
    score.add_argument("task", choices=problem_names())
    score.add_argument("--predictions", type=Path, required=True)
    score.add_argument("--hidden", type=Path, required=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = parser_build()
    args = parser.parse_args(argv)
    if args.command in ("train", "predict") and args.variant:
        try:
            problem_get(args.task).variant_check(args.variant)
        except ValueError as exc:
            parser.error(str(exc))
    if args.command == "train" and args.weights and args.task != "texture-transfer":
        parser.error("--weights is for texture-transfer only")
    try:
        if args.command == "list":
            tasks = [problem_get(name) for name in problem_names()]
            if args.json:
                print(json.dumps([{"name": t.name, "title": t.title, "metric": t.metric} for t in tasks]))
            else:
                for t in tasks:
                    print(f"{t.name:24} {t.metric:9} {t.title}")
        elif args.command == "prepare":
            out = problem_prepare(args.task, args.out)
            print(
                json.dumps({"task": args.task, "public": str(out / "public"), "hidden": str(out / "hidden")})
            )
        elif args.command == "train":
            options = {"weights": args.weights} if args.weights else None
            if args.weights:
                backbone_weights_load(args.weights)  # a bad file is refused before anything is written
            report = reference_train(
                task=args.task,
                out_dir=args.out,
                data_dir=args.data,
                epochs=args.epochs,
                device=args.device,
                variant=args.variant,
                seed=args.seed,
                progress=not args.no_progress,
                options=options,
            )
            print(json.dumps(report))
        elif args.command == "pretrain":
            threads_limit()
            facts = backbone_pretrain(
                out_path=args.out or DEFAULT_BACKBONE_DIR / f"{args.variant}.pt",
                width=64 if args.variant == "resnet18" else 16,
                epochs=args.epochs,
                per_image=args.patches,
                device=device_pick(args.device),
                seed=args.seed,
                progress=not args.no_progress,
            )
            print(json.dumps(facts))
        elif args.command == "predict":
            predictions_make(
                task=args.task,
                model_path=args.model,
                public_dir=args.data,
                out_path=args.out,
                variant=args.variant,
                device=args.device,
            )
            print(json.dumps({"task": args.task, "predictions": str(args.out)}))
        elif args.command == "validate":
            rows = predictions_validate(
                task=problem_get(args.task), predictions_path=args.predictions, public_dir=args.data
            )
            print(json.dumps({"task": args.task, "valid": True, "rows": rows}))
        elif args.command == "score":
            result = score_predictions(
                task=problem_get(args.task), predictions_path=args.predictions, hidden_dir=args.hidden
            )
            print(json.dumps(result.as_dict()))
    except (PredictionFormatError, ModelLoadError, BackboneWeightsError, DeviceUnavailableError) as exc:
        print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
