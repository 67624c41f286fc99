"""Reference solutions and held-out test sets for the course's homework (plain PyTorch, no Django).

The grader reaches this package through one module of its own; everything it needs is here::

    problem_names() -> list[str]
    problem_get(name, *, secret=None) -> Problem  # .name .title .metric .columns .classes .variants
        # .practice_only
    problem_prepare(name, out_dir, *, secret=None) -> Path
        # secret: the deployment's data secret (reference_models.keys); default GRADER_DATA_SECRET from
        # the environment, else the published practice secret (never for grades)
        # out_dir/public/{train,val,test}.npz, manifest.json, README.txt, sample_submission.csv
        # out_dir/hidden/test_labels.csv        (deterministic, idempotent, seconds)
    problem_assets_export(name, out_dir) -> [(file name, description)]  # read-only files for students
        # texture-transfer: the pretrained backbone as TorchScript, as a state_dict and backbone.py
    predictions_validate(*, task, predictions_path, public_dir) -> int   # rows; upload-time check
    score_predictions(*, task, predictions_path, hidden_dir, ids=None) -> Score
        # Score(task, metric, value, higher_is_better, n, details); ids: a subset of test ids
    PredictionFormatError              # every problem with a prediction file, message for the student
    model_build(task_name, variant=None) -> torch.nn.Module   # what a submitted state_dict must fit
    model_load(task_name, path, variant=None) -> (module, variant)  # TorchScript or weights-only state_dict
    ModelLoadError
    predictions_make(*, task, model_path, public_dir, out_path, variant=None, device=None) -> Path
    reference_train(*, task, out_dir=None, data_dir=None, epochs=None, device=None, variant=None,
                    seed=None, progress=True, options=None) -> dict   # the JSON report

The hidden labels file's name is ``reference_models.problem.HIDDEN_LABELS``; ``predictions_read`` in
``reference_models.predictions`` is the strict CSV parser the scorer uses.

Prediction file: UTF-8 CSV, header ``id,<column>...`` (``Problem.columns``), one line per test id in any
order; class labels as whole numbers ``0..len(classes)-1``, regression values as finite decimals.

Command line (progress on stderr, one JSON object on stdout)::

    python -m reference_models list
    python -m reference_models prepare TASK --out DIR
    python -m reference_models train TASK [--device cpu|cuda|auto] [--epochs N] [--out DIR] [--data DIR]
                                          [--variant V] [--seed S] [--weights RESNET18.pth]
    python -m reference_models pretrain [--variant resnet18-w16|resnet18] [--epochs N] [--out PATH]
    python -m reference_models predict TASK --model PATH --data PUBLIC_DIR --out predictions.csv
    python -m reference_models validate TASK --predictions CSV --data PUBLIC_DIR
    python -m reference_models score TASK --predictions CSV --hidden HIDDEN_DIR
"""

from reference_models.api import (
    ModelLoadError,
    baselines_score,
    model_build,
    model_load,
    predictions_make,
    problem_assets_export,
    problem_get,
    problem_names,
    problem_prepare,
    reference_train,
)
from reference_models.predictions import PredictionFormatError
from reference_models.problem import Problem
from reference_models.scoring import Score, predictions_validate, score_predictions

__all__ = [
    "ModelLoadError",
    "PredictionFormatError",
    "Score",
    "Problem",
    "baselines_score",
    "model_build",
    "model_load",
    "predictions_make",
    "predictions_validate",
    "reference_train",
    "score_predictions",
    "problem_assets_export",
    "problem_get",
    "problem_names",
    "problem_prepare",
]
