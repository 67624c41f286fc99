"""The package's public functions (re-exported from ``reference_models``)."""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from reference_models.keys import secret_from_env
from reference_models.predictions import predictions_write
from reference_models.problem import Problem
from reference_models.problems import PROBLEMS
from reference_models.scoring import Score, problem_file_read, score_predictions, values_score
from reference_models.seeding import device_pick, seed_everything, threads_limit

DEFAULT_OUT = Path("var/reference_models")


class ModelLoadError(ValueError):
    """A model file is neither TorchScript nor a state_dict that fits one of the task's variants."""


def problem_names() -> list[str]:
    """The stable task names, in the order of the course."""
    return list(PROBLEMS)


def problem_get(name: str | Problem, *, secret: bytes | None = None) -> Problem:
    """The task called ``name`` keyed by the data ``secret`` (default: ``GRADER_DATA_SECRET`` from the
    environment, else the published practice secret); ``KeyError`` with the known names otherwise."""
    if isinstance(name, Problem):
        return name
    try:
        return PROBLEMS[name](secret if secret is not None else secret_from_env())
    except KeyError:
        raise KeyError(f"unknown task {name!r}; tasks: {', '.join(PROBLEMS)}") from None


def problem_prepare(name: str | Problem, out_dir: Path, *, secret: bytes | None = None) -> Path:
    """Write ``out_dir/public/`` and ``out_dir/hidden/`` for the task (deterministic for one secret,
    idempotent)."""
    return problem_get(name, secret=secret).prepare(Path(out_dir))


def problem_assets_export(name: str | Problem, out_dir: Path) -> list[tuple[str, str]]:
    """Write the task's read-only assets for students into ``out_dir`` (made if absent); return
    (file name, description) for each (an empty list: the task has none)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return problem_get(name).assets_export(out_dir)


def model_build(task_name: str | Problem, variant: str | None = None) -> nn.Module:
    """The architecture (untrained) whose ``state_dict`` a submission must fit."""
    return problem_get(task_name).model_build(variant)


def _is_torchscript(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(name.endswith("constants.pkl") or "/code/" in name for name in archive.namelist())


def model_load(task_name: str | Problem, path: Path, variant: str | None = None) -> tuple[nn.Module, str]:
    """Load a TorchScript file or a ``state_dict`` (``torch.load(weights_only=True)``) on the CPU;
    return the module in eval mode and its variant (``"torchscript"`` for TorchScript). Without
    ``variant`` the state_dict's keys and shapes pick the variant. Raises :class:`ModelLoadError`."""
    task = problem_get(task_name)
    path = Path(path)
    if _is_torchscript(path):
        try:
            module = torch.jit.load(str(path), map_location="cpu")
        except Exception as exc:  # TorchScript reports many kinds of errors
            raise ModelLoadError(f"{path.name} looks like TorchScript but does not load: {exc}") from None
        return module.eval(), "torchscript"
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # unpickling refusals come as several types
        raise ModelLoadError(
            f"{path.name} is neither TorchScript nor a weights-only state_dict: {exc}"
        ) from None
    if isinstance(state, Mapping) and "state_dict" in state and isinstance(state["state_dict"], Mapping):
        state = state["state_dict"]
    if not isinstance(state, Mapping) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise ModelLoadError(f"{path.name} must hold a state_dict: a dict of parameter names to tensors.")
    candidates = [task.variant_check(variant)] if variant else list(task.variants)
    problems = []
    for candidate in candidates:
        model = task.model_build(candidate)
        expected = model.state_dict()
        missing = sorted(set(expected) - set(state))
        unexpected = sorted(set(state) - set(expected))
        shapes = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
        if not missing and not unexpected and not shapes:
            model.load_state_dict(state, strict=True)
            return model.eval(), candidate
        problems.append(
            f"{candidate}: missing {missing[:3]}, unexpected {unexpected[:3]}, wrong shape {shapes[:3]}"
        )
    raise ModelLoadError(f"{path.name} fits no variant of {task.name}: " + "; ".join(problems))


def predictions_make(
    *,
    task: str | Problem,
    model_path: Path,
    public_dir: Path,
    out_path: Path,
    variant: str | None = None,
    device: str | None = None,
) -> Path:
    """Run a saved model (TorchScript or state_dict) on ``public_dir``'s test inputs and write the
    prediction CSV a student would submit. Meant to run inside the grader's sandbox."""
    task = problem_get(task)
    threads_limit()
    model, _ = model_load(task, Path(model_path), variant)
    data = task.public_load(Path(public_dir))
    chosen = device_pick(device)
    values = task.predict(model.to(chosen), data.x_test, chosen)
    predictions_write(path=Path(out_path), ids=data.test_ids.tolist(), columns=task.columns, values=values)
    return Path(out_path)


def reference_train(
    *,
    task: str | Problem,
    out_dir: Path | None = None,
    data_dir: Path | None = None,
    epochs: int | None = None,
    device: str | None = None,
    variant: str | None = None,
    seed: int | None = None,
    progress: bool = True,
    options: Mapping[str, Any] | None = None,
    secret: bytes | None = None,
) -> dict[str, Any]:
    """Train the reference solution and score it on the hidden test labels.

    ``data_dir`` holds ``public/`` and ``hidden/`` (prepared there if absent; default
    ``out_dir/data``, always brought up to date). Writes ``out_dir/model.pt`` (a state_dict that
    ``predict`` accepts), ``out_dir/model.json`` and ``out_dir/predictions.csv``; returns the report
    printed as JSON. ``secret``: the data secret (see :func:`problem_get`)."""
    task = problem_get(task, secret=secret)
    variant = task.variant_check(variant)
    chosen = device_pick(device)  # before anything is written: a missing GPU changes nothing
    out_dir = Path(out_dir) if out_dir else DEFAULT_OUT / task.name
    prepare = data_dir is None or not (Path(data_dir) / "public" / "manifest.json").exists()
    data_dir = Path(data_dir) if data_dir else out_dir / "data"
    out_dir.mkdir(parents=True, exist_ok=True)
    threads_limit()
    seed = task.seed if seed is None else seed
    epochs = task.default_epochs if epochs is None else epochs
    started = time.perf_counter()
    if prepare:  # the default folder is refreshed every time (idempotent: unchanged files stay)
        task.prepare(data_dir)
    data = task.public_load(data_dir / "public")
    seed_everything(seed)
    model, facts = task.reference_fit(
        data, variant=variant, epochs=epochs, device=chosen, seed=seed, progress=progress, options=options
    )
    variant = facts.pop("variant", variant)
    baseline_models: dict[str, nn.Module] = facts.pop("baseline_models", {})
    model = model.cpu().eval()
    torch.save(model.state_dict(), out_dir / "model.pt")
    predictions = task.predict(model, data.x_test, torch.device("cpu"))
    predictions_path = out_dir / "predictions.csv"
    predictions_write(
        path=predictions_path, ids=data.test_ids.tolist(), columns=task.columns, values=predictions
    )
    score = score_predictions(task=task, predictions_path=predictions_path, hidden_dir=data_dir / "hidden")
    wall = time.perf_counter() - started
    baselines = _baselines_score(task, data, data_dir / "hidden", task.baselines(data))
    for name, baseline in baseline_models.items():
        values = task.predict(baseline.cpu().eval(), data.x_test, torch.device("cpu"))
        baselines.update(_baselines_score(task, data, data_dir / "hidden", {name: values}))
    report: dict[str, Any] = {
        "task": task.name,
        "variant": variant,
        "metric": task.metric,
        "value": round(score.value, 6),
        "higher_is_better": task.higher_is_better,
        "details": {k: round(v, 6) for k, v in score.details.items()},
        "baselines": baselines,
        "wall_seconds": round(wall, 2),
        "device": chosen.type,
        "epochs": epochs,
        "seed": seed,
        "model": str(out_dir / "model.pt"),
        "predictions": str(predictions_path),
        **facts,
    }
    (out_dir / "model.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def baselines_score(*, task: str | Problem, data_dir: Path, secret: bytes | None = None) -> dict[str, float]:
    """The task's simple baselines (persistence, climatology ...) scored on the hidden test labels of a
    prepared ``data_dir``: name -> the metric's value. No training; trusted code (reads ``hidden/``)."""
    task = problem_get(task, secret=secret)
    data = task.public_load(Path(data_dir) / "public")
    scored = _baselines_score(task, data, Path(data_dir) / "hidden", task.baselines(data))
    return {name: float(result["value"]) for name, result in scored.items()}


def _baselines_score(
    task: Problem, data: Any, hidden_dir: Path, predictions: Mapping[str, Any]
) -> dict[str, Any]:

    truth_ids, truth = problem_file_read(task, hidden_dir / "test_labels.csv", data.test_ids.tolist())
    order = {int(i): n for n, i in enumerate(data.test_ids)}
    result: dict[str, Any] = {}
    for name, values in predictions.items():
        aligned = values.reshape(len(data.test_ids), -1)[[order[int(i)] for i in truth_ids]]
        score: Score = values_score(task, aligned, truth)
        result[name] = {
            "value": round(score.value, 6),
            "details": {k: round(v, 6) for k, v in score.details.items()},
        }
    return result
