"""What every homework problem (a "task" to the students) defines: its data split, public/hidden files,
model, and reference fit.

Layout written by :meth:`Problem.prepare` (``out_dir`` is any folder)::

    out_dir/public/manifest.json       task, metric, higher_is_better, prediction format, shapes
    out_dir/public/README.txt          the same for students, in words
    out_dir/public/train.npz           x, y      (numpy .npz, no pickled objects)
    out_dir/public/val.npz             x, y
    out_dir/public/test.npz            id, x     (no labels)
    out_dir/public/sample_submission.csv   the prediction format, filled with a constant
    out_dir/hidden/test_labels.csv     id + the prediction columns: the true test outputs

The files are byte-for-byte the same on every run (fixed seed, fixed zip timestamps).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from reference_models.keys import PRACTICE_SECRET, keyed_rng
from reference_models.predictions import predictions_write
from reference_models.seeding import DEFAULT_SEED
from reference_models.training import fit, outputs, tensor_inputs

FORMAT_VERSION = 1
HIDDEN_LABELS = "test_labels.csv"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass
class Split:
    """The whole split in memory; ``y_test`` goes to the hidden part only."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@dataclass
class PublicData:
    """What a student gets: training and validation with labels, test inputs with ids."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    test_ids: np.ndarray
    manifest: dict[str, Any]


def npz_write(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """Like ``np.savez_compressed`` but reproducible to the byte (fixed member timestamps)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue())
    _write_if_changed(path, buffer.getvalue())


def npz_read(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def _write_if_changed(path: Path, content: bytes) -> None:
    if path.exists() and path.read_bytes() == content:
        return
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(content)
    temporary.replace(path)


def _wrapped(text: str, width: int = 100) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width=width, initial_indent="  ", subsequent_indent="  "))


# The grading sandbox as a notebook or script sees it (grader.sandbox, grader.runtime, docs/runtime.md).
README_RUNTIME = """
When the grader runs your notebook or script (no network; see the assignment's runtime page for the
packages, their versions and the limits of a run):
  $DLIP_DATA_DIR    /sandbox/data    these files, read-only
  $DLIP_OUTPUT_DIR  /sandbox/output  the working folder: write predictions.csv here
  $DLIP_ASSETS_DIR  /assets          the assignment's read-only assets, when it has any
These files are also linked into the working folder, so numpy.load("train.npz") works as it does on
your machine, as does numpy.load(os.path.join(os.environ["DLIP_DATA_DIR"], "train.npz")).
Installed: PyTorch, torchvision, Keras 3 (on the PyTorch backend: KERAS_BACKEND=torch), numpy, pandas,
scikit-learn, scipy, matplotlib (headless: figures show in the executed notebook, plt.savefig works).
Nothing can be downloaded during a run (pretrained weights, keras.datasets): use these files.
"""


class Problem:
    """One homework problem. Subclasses set the class attributes and implement ``split_build`` and
    ``model_build``; the reference fit, predictions and files are shared.

    ``secret`` (the deployment's data secret, :mod:`reference_models.keys`) keys every random draw that
    decides held-out data; without it the published practice secret is used."""

    name: ClassVar[str]
    title: ClassVar[str]
    metric: ClassVar[str]  # "accuracy" or "mae"
    higher_is_better: ClassVar[bool]
    columns: ClassVar[tuple[str, ...]]
    classes: ClassVar[tuple[str, ...] | None] = None
    variants: ClassVar[tuple[str, ...]]
    default_epochs: ClassVar[int]
    inputs: ClassVar[str]  # what x is, for the manifest and README.txt
    data_source: ClassVar[str]
    lr: ClassVar[float] = 1e-3
    weight_decay: ClassVar[float] = 0.0
    batch_size: ClassVar[int] = 64
    seed: ClassVar[int] = DEFAULT_SEED
    # After choosing the epoch count on validation, train again on train + validation for that many
    # epochs (what a forecaster does before the test year: the validation year is the most recent).
    refit_on_train_and_val: ClassVar[bool] = False
    # Why the task cannot give grades (empty: it can). A task whose test answers can be looked up in
    # data every student has (a public time series' future values) is practice only.
    practice_only: ClassVar[str] = ""
    # Where the course's slides and this task differ (data, sizes, loading), told to the student in
    # README.txt and on the assignment's runtime page (grader.runtime keeps its translation). Empty: nowhere.
    slide_differences: ClassVar[str] = ""
    # The baseline (a name of ``baselines``) whose score earns no points when the instructor names no
    # score for zero points; empty: the instructor must give one (a regression task) or guessing counts.
    zero_points_baseline: ClassVar[str] = ""
    # Why no new assignment may use the task (empty: it may); a retired task stays for the assignments
    # already made on it, so their data, baseline and submissions keep their meaning.
    retired: ClassVar[str] = ""
    # Issue days whose predictions a hand-in records separately (homework 3), in public/named_dates.csv
    # with their test ids (:mod:`reference_models.named_dates`); empty: none.
    named_dates: ClassVar[tuple[str, ...]] = ()
    # Raised when a task's prepared files change without changing its split (a public file added), so a
    # cache of prepared folders knows to prepare again; 1 for the files as first published.
    data_version: ClassVar[int] = 1

    def __init__(self, secret: bytes | None = None) -> None:
        self.secret = secret if secret is not None else PRACTICE_SECRET

    def keyed_rng(self, purpose: str) -> np.random.Generator:
        """A generator replayable only with this deployment's secret (for held-out data)."""
        return keyed_rng(self.secret, self.name, purpose)

    # -- what subclasses provide -------------------------------------------------------------
    def split_build(self) -> Split:
        raise NotImplementedError

    def assets_export(self, out_dir: Path) -> list[tuple[str, str]]:
        """Write the files a student gets read-only with the task (a pretrained backbone...) into
        ``out_dir``; return (file name, description) for each. Most tasks have none."""
        return []

    def model_build(self, variant: str | None = None) -> nn.Module:
        """The architecture a submitted ``state_dict`` must fit. The module takes public ``x`` as
        float32 (uint8 images scaled to [0, 1]) and returns class logits or the output columns."""
        raise NotImplementedError

    def named_date_ids(self) -> dict[str, int]:
        """Each of :attr:`named_dates` -> the test id whose inputs end on that day."""
        return {}

    def baselines(self, data: PublicData) -> dict[str, np.ndarray]:
        """Test predictions of simple baselines (name -> values), built from public data only."""
        return {}

    # -- shared behaviour --------------------------------------------------------------------
    @property
    def is_classification(self) -> bool:
        return self.classes is not None

    def variant_check(self, variant: str | None) -> str:
        variant = variant or self.variants[0]
        if variant not in self.variants:
            raise ValueError(f"task {self.name} has variants {', '.join(self.variants)}, not {variant!r}")
        return variant

    def loss_fn(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.is_classification:
            return nn.functional.cross_entropy(prediction, target)
        return nn.functional.l1_loss(prediction, target)

    def targets_tensor(self, y: np.ndarray) -> torch.Tensor:
        if self.is_classification:
            return torch.from_numpy(y.astype(np.int64))
        return torch.from_numpy(y.astype(np.float32))

    def manifest(self, split: Split) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "task": self.name,
            "title": self.title,
            "metric": self.metric,
            "higher_is_better": self.higher_is_better,
            "inputs": self.inputs,
            "data_source": self.data_source,
            "seed": self.seed,
            "practice_only": self.practice_only or None,
            "files": {
                "train.npz": "arrays x (inputs) and y (targets)",
                "val.npz": "arrays x and y, for model selection",
                "test.npz": "arrays id and x; predict y for every id",
                "sample_submission.csv": "a valid prediction file (constant values)",
            },
            "shapes": {
                "x_train": list(split.x_train.shape),
                "y_train": list(split.y_train.shape),
                "x_val": list(split.x_val.shape),
                "x_test": list(split.x_test.shape),
            },
            "x_dtype": str(split.x_train.dtype),
            "classes": list(self.classes) if self.classes else None,
            "prediction_format": {
                "file": "CSV, UTF-8, comma separated, header line first",
                "header": ["id", *self.columns],
                "rows": int(len(split.x_test)),
                "ids": f"0..{len(split.x_test) - 1}, each exactly once, any order",
                "values": (
                    f"class index 0..{len(self.classes) - 1} (see classes)"
                    if self.classes
                    else "finite decimal numbers"
                ),
            },
            "n_test": int(len(split.x_test)),
            "variants": list(self.variants),
            **(
                {"named_dates": [{"date": d, "id": i} for d, i in self.named_date_ids().items()]}
                if self.named_dates
                else {}
            ),
        }

    def readme(self, manifest: Mapping[str, Any]) -> str:
        header = ",".join(manifest["prediction_format"]["header"])
        classes = (
            "\nClasses: " + ", ".join(f"{i} = {c}" for i, c in enumerate(self.classes))
            if self.classes
            else ""
        )
        return (
            f"{self.title} (task {self.name})\n\n"
            f"Inputs: {self.inputs}\nData: {self.data_source}{classes}\n\n"
            "Files (numpy .npz; load with numpy.load(path, allow_pickle=False)):\n"
            "  train.npz  x, y  -- training inputs and targets\n"
            "  val.npz    x, y  -- validation inputs and targets\n"
            "  test.npz   id, x -- test inputs; their targets are kept by the grader\n"
            "  manifest.json    -- the same facts for programs\n"
            "  sample_submission.csv -- a file in the right format\n\n"
            f"Submit a CSV whose first line is exactly\n  {header}\n"
            f"followed by one line per test id ({manifest['n_test']} lines, ids "
            f"0..{manifest['n_test'] - 1}, any order), values as "
            f"{manifest['prediction_format']['values']}.\n"
            f"Metric: {self.metric} ({'higher' if self.higher_is_better else 'lower'} is better).\n"
            + (
                f"\nWhere the slides differ:\n{_wrapped(self.slide_differences)}\n"
                if self.slide_differences
                else ""
            )
            + README_RUNTIME
            + (self._named_dates_readme() if self.named_dates else "")
        )

    def _named_dates_readme(self) -> str:
        columns = ",".join(self.columns)
        dates = ", ".join(f"{d} (test id {i})" for d, i in self.named_date_ids().items())
        return (
            f"\nNamed dates: {dates}. named_dates_ids.csv lists them with their test ids. Record your three "
            f"predicted values for each separately: write named_dates.csv beside predictions.csv, header\n"
            f"  date,{columns}\nand one line per named date (YYYY-MM-DD), the same values as the "
            "predictions.csv lines of those ids. An assignment that asks for it refuses a notebook or script "
            "run without it; for an uploaded prediction file or model the grader reads the values from the "
            "predictions.\n"
        )

    def prepare(self, out_dir: Path) -> Path:
        """Write ``out_dir/public`` and ``out_dir/hidden`` (deterministic, idempotent); return ``out_dir``."""
        out_dir = Path(out_dir)
        split = self.split_build()
        public, hidden = out_dir / "public", out_dir / "hidden"
        public.mkdir(parents=True, exist_ok=True)
        hidden.mkdir(parents=True, exist_ok=True)
        test_ids = np.arange(len(split.x_test), dtype=np.int64)
        npz_write(public / "train.npz", {"x": split.x_train, "y": split.y_train})
        npz_write(public / "val.npz", {"x": split.x_val, "y": split.y_val})
        npz_write(public / "test.npz", {"id": test_ids, "x": split.x_test})
        manifest = self.manifest(split)
        _write_if_changed(public / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
        _write_if_changed(public / "README.txt", self.readme(manifest).encode())
        if self.named_dates:
            lines = ["date,id", *(f"{d},{i}" for d, i in self.named_date_ids().items())]
            _write_if_changed(public / "named_dates_ids.csv", ("\n".join(lines) + "\n").encode())
        constant = np.zeros(
            (len(test_ids), len(self.columns)), dtype=np.int64 if self.classes else np.float64
        )
        self._csv_write(public / "sample_submission.csv", test_ids, constant)
        self._csv_write(hidden / HIDDEN_LABELS, test_ids, split.y_test)
        return out_dir

    def _csv_write(self, path: Path, ids: np.ndarray, values: np.ndarray) -> None:
        temporary = path.with_name(path.name + ".new")
        predictions_write(path=temporary, ids=list(ids), columns=self.columns, values=values)
        _write_if_changed(path, temporary.read_bytes())
        temporary.unlink()

    def public_load(self, public_dir: Path) -> PublicData:
        public_dir = Path(public_dir)
        manifest = json.loads((public_dir / "manifest.json").read_text())
        if manifest.get("task") != self.name:
            raise ValueError(f"{public_dir} holds task {manifest.get('task')!r}, not {self.name!r}")
        train, val, test = (npz_read(public_dir / f"{part}.npz") for part in ("train", "val", "test"))
        return PublicData(
            x_train=train["x"],
            y_train=train["y"],
            x_val=val["x"],
            y_val=val["y"],
            x_test=test["x"],
            test_ids=test["id"],
            manifest=manifest,
        )

    def reference_fit(
        self,
        data: PublicData,
        *,
        variant: str | None,
        epochs: int,
        device: torch.device,
        seed: int,
        progress: bool = True,
        options: Mapping[str, Any] | None = None,
    ) -> tuple[nn.Module, dict[str, Any]]:
        """Train the reference solution on public train/val; return the model (eval mode, CPU or
        ``device``) and extra facts for the report. The default is one supervised fit."""
        torch.manual_seed(seed)
        model = self.model_build(variant)
        self.scalers_fit(model, data)
        x_train, y_train = tensor_inputs(data.x_train), self.targets_tensor(data.y_train)
        x_val, y_val = tensor_inputs(data.x_val), self.targets_tensor(data.y_val)
        common: dict[str, Any] = {
            "loss_fn": self.loss_fn,
            "device": device,
            "lr": self.lr,
            "weight_decay": self.weight_decay,
            "batch_size": self.batch_size,
            "augment": self.augment,
            "seed": seed,
            "progress": progress,
        }
        desc = f"{self.name} {self.variant_check(variant)}"
        result = fit(
            model,
            x_train=x_train,
            y_train=y_train,
            x_val=x_val,
            y_val=y_val,
            epochs=epochs,
            desc=desc,
            **common,
        )
        facts: dict[str, Any] = {
            "best_epoch": result.best_epoch,
            "best_val_loss": round(result.best_val_loss, 6),
        }
        if self.refit_on_train_and_val:
            torch.manual_seed(seed)
            model = self.model_build(variant)
            self.scalers_fit(model, data)
            fit(
                model,
                x_train=torch.cat([x_train, x_val]),
                y_train=torch.cat([y_train, y_val]),
                x_val=x_val,
                y_val=y_val,
                epochs=result.best_epoch,
                select_best=False,
                desc=f"{desc} train+val",
                **common,
            )
            facts["refit_on_train_and_val_epochs"] = result.best_epoch
        return model, facts

    def scalers_fit(self, model: nn.Module, data: PublicData) -> None:
        """Fill the model's input-scaling buffers from the training data (part of its state_dict)."""

    augment: Any = None

    def predict(self, model: nn.Module, x: np.ndarray, device: torch.device) -> np.ndarray:
        """Model outputs for public ``x`` -> prediction values (class index or one value per column)."""
        raw = outputs(model, tensor_inputs(x), device)
        if self.is_classification:
            if raw.ndim != 2 or raw.shape[1] != len(self.classes or ()):
                raise ValueError(
                    f"the model returned shape {tuple(raw.shape)}; expected (N, {len(self.classes or ())})"
                )
            return raw.argmax(dim=1).numpy().astype(np.int64)
        if raw.ndim == 1 and len(self.columns) == 1:
            raw = raw[:, None]
        if raw.ndim != 2 or raw.shape[1] != len(self.columns):
            raise ValueError(
                f"the model returned shape {tuple(raw.shape)}; expected (N, {len(self.columns)})"
            )
        return raw.numpy().astype(np.float64)
