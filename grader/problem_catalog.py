"""The grader's one door to ``reference_models`` (plain PyTorch) and to instructor-uploaded data bundles.

Nothing else in the grader imports ``reference_models``, so the dependency points one way. A task is named
by a *task key*: a reference task's stable name (``digits-cnn``) or ``bundle-<sha>`` for an uploaded bundle.
A reference task's held-out data are keyed by ``settings.GRADER_DATA_SECRET`` (``reference_models.keys``),
so web and worker processes build the same files and nobody without the secret can rebuild them.
Prepared data lives under ``settings.REFERENCE_CACHE_DIR/<key>@<secret fingerprint>/`` (a bundle:
``<key>/``; a new secret never reuses old files) with ``public/`` (mounted read-only
into the sandbox) and ``hidden/`` (test labels: read by trusted scoring code only, never mounted, never
served). Everything here is computed once and reused; a file lock keeps two workers from preparing the
same task at the same moment.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import random
import shutil
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
from django.conf import settings

from reference_models import api as reference_api
from reference_models.keys import secret_fingerprint
from reference_models.leaks import LeakReport, leak_check
from reference_models.named_dates import FILE_NAME as NAMED_DATES_FILE
from reference_models.named_dates import (
    named_dates_disagreement,
    named_dates_from_predictions,
    named_dates_read,
)
from reference_models.predictions import PredictionFormatError, predictions_read
from reference_models.problem import HIDDEN_LABELS, Problem
from reference_models.scoring import score_predictions

BUNDLE_PREFIX = "bundle-"
BUNDLE_MAX_BYTES = 200 * 1024 * 1024  # uncompressed, all members together
BUNDLE_MAX_MEMBERS = 10_000
REFERENCE_PACKAGE_DIR = Path(reference_api.__file__).resolve().parent

__all__ = [
    "BundleError",
    "PredictionFormatError",
    "ProblemSpec",
    "catalog_bundle_install",
    "catalog_bundle_leak_check",
    "catalog_demo_backbone",
    "catalog_named_dates",
    "catalog_prepare",
    "catalog_reference",
    "catalog_score",
    "catalog_split_ids",
    "catalog_problem",
    "catalog_problem_assets",
    "catalog_problem_names",
    "catalog_problem_retired",
    "catalog_validate",
    "zip_check",
]


class BundleError(ValueError):
    """An uploaded data bundle (or any zip) is not acceptable; the message says why."""


@dataclass(frozen=True)
class ProblemSpec:
    """What the grader needs to know about a task: the prediction format and the metric."""

    key: str
    title: str
    metric: str
    higher_is_better: bool
    columns: tuple[str, ...]
    classes: tuple[str, ...] | None
    n_test: int
    # Why no graded assignment may use the task (empty: it may); see reference_models.problem.Problem.
    practice_only: str = ""
    # Where the course's slides and the task differ (English; grader.runtime has the translations).
    slide_differences: str = ""
    # The score of the task's named simple baseline (e.g. copying yesterday), the default score for zero
    # points; None where the task names none.
    zero_points_score: float | None = None
    zero_points_baseline: str = ""
    # Homework 3's named issue dates -> their test ids (reference_models.named_dates); empty: none.
    named_dates: tuple[tuple[str, int], ...] = ()

    @property
    def header(self) -> str:
        return ",".join(["id", *self.columns])

    # The attributes reference_models' scorer reads from a Problem (duck typing for bundles).
    @property
    def name(self) -> str:
        return self.key

    @property
    def is_classification(self) -> bool:
        return self.classes is not None


def catalog_problem_names() -> list[str]:
    """The reference tasks a new assignment can use, in the order of the course (retired ones left out:
    they serve only the assignments already made on them)."""
    return [name for name in reference_api.problem_names() if not reference_api.problem_get(name).retired]


def catalog_problem_retired(key: str) -> str:
    """Why a reference task takes no new assignments ("" when it does, or is no reference task)."""
    if key not in reference_api.problem_names():
        return ""
    return reference_api.problem_get(key).retired


def _root() -> Path:
    return Path(settings.REFERENCE_CACHE_DIR)


def _secret() -> bytes:
    return str(settings.GRADER_DATA_SECRET).encode()


def _folder(key: str) -> Path:
    """A task's cache folder; a reference task's is keyed by the data secret's fingerprint."""
    if key.startswith(BUNDLE_PREFIX):
        return _root() / key
    return _root() / f"{key}@{secret_fingerprint(_secret())}"


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _world_readable(folder: Path) -> None:
    """The sandbox user (not root) must read the public files."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        path.chmod(0o755 if path.is_dir() else 0o644)


def catalog_prepare(key: str) -> Path:
    """The task's data folder (``public/`` and ``hidden/``), prepared on first use; returns it.

    Bundles must have been installed with :func:`catalog_bundle_install` (on this machine or on the shared
    storage) first.
    """
    folder = _folder(key)
    done = folder / "data" / ".prepared"
    if key.startswith(BUNDLE_PREFIX):
        if done.exists():
            return folder / "data"
        raise BundleError(f"The data bundle {key} is not installed on this machine.")
    # A task whose public files grew (data_version > 1: a file added, the split unchanged) is prepared again
    # over its old folder: preparing is idempotent, so the old files, the cached references and the scores
    # made on them stay valid.
    version = reference_api.problem_get(key).data_version
    marker = "ok\n" if version == 1 else f"ok v{version}\n"
    if done.exists() and done.read_text() == marker:
        _readme_refresh(key, folder / "data")
        return folder / "data"
    with _locked(folder):
        if not done.exists() or done.read_text() != marker:
            reference_api.problem_prepare(key, folder / "data", secret=_secret())
            (folder / "data" / "hidden").chmod(0o700)
            _world_readable(folder / "data" / "public")
            done.write_text(marker)
    return folder / "data"


_readmes_checked: set[Path] = set()


def _readme_refresh(key: str, data: Path) -> None:
    """Rewrite a prepared task's README.txt when the task's text changed since (once per process): the
    data are prepared once and kept, the words about them (runtime, paths) change with the code."""
    if data in _readmes_checked:
        return
    public = data / "public"
    manifest = json.loads((public / "manifest.json").read_text())
    text = reference_api.problem_get(key, secret=_secret()).readme(manifest)
    readme = public / "README.txt"
    if not readme.exists() or readme.read_text() != text:
        with _locked(data.parent):
            temporary = readme.with_name(f".README.txt.{os.getpid()}")
            temporary.write_text(text)
            temporary.chmod(0o644)
            temporary.replace(readme)
    _readmes_checked.add(data)


def _spec_from_manifest(key: str, manifest: dict[str, Any]) -> ProblemSpec:
    header = list(manifest["prediction_format"]["header"])
    if not header or header[0] != "id" or len(header) < 2:
        raise BundleError("manifest.json: prediction_format.header must be ['id', <one or more columns>].")
    metric = str(manifest["metric"])
    if metric not in {"accuracy", "mae"}:
        raise BundleError(f"manifest.json: metric must be 'accuracy' or 'mae', not {metric!r}.")
    classes = manifest.get("classes")
    if metric == "accuracy" and not classes:
        raise BundleError("manifest.json: an accuracy task needs a list of classes.")
    return ProblemSpec(
        key=key,
        title=str(manifest.get("title") or key),
        metric=metric,
        higher_is_better=metric == "accuracy",
        columns=tuple(str(c) for c in header[1:]),
        classes=tuple(str(c) for c in classes) if metric == "accuracy" and classes else None,
        n_test=int(manifest["n_test"]),
    )


def catalog_problem(key: str) -> ProblemSpec:
    """The task's metric and prediction format; ``KeyError`` for an unknown name."""
    if key.startswith(BUNDLE_PREFIX):
        manifest = json.loads((catalog_prepare(key) / "public" / "manifest.json").read_text())
        return _spec_from_manifest(key, manifest)
    task = reference_api.problem_get(key, secret=_secret())
    data = catalog_prepare(key)
    manifest = json.loads((data / "public" / "manifest.json").read_text())
    return ProblemSpec(
        key=key,
        title=task.title,
        metric=task.metric,
        higher_is_better=task.higher_is_better,
        columns=tuple(task.columns),
        classes=tuple(task.classes) if task.classes else None,
        n_test=int(manifest["n_test"]),
        practice_only=task.practice_only,
        slide_differences=task.slide_differences,
        zero_points_score=_zero_points_score(task, data) if task.zero_points_baseline else None,
        zero_points_baseline=task.zero_points_baseline,
        named_dates=tuple((str(d["date"]), int(d["id"])) for d in manifest.get("named_dates", ())),
    )


def _zero_points_score(task: Problem, data: Path) -> float:
    """The named baseline's score on the hidden labels, computed once per prepared folder."""
    cached = data / "hidden" / "zero_points.json"
    if cached.is_file():
        stored = json.loads(cached.read_text())
        if stored.get("baseline") == task.zero_points_baseline:
            return float(stored["score"])
    score = reference_api.baselines_score(task=task, data_dir=data, secret=_secret())[
        task.zero_points_baseline
    ]
    temporary = cached.with_name(f"zero_points.json.{os.getpid()}")
    temporary.write_text(json.dumps({"baseline": task.zero_points_baseline, "score": score}) + "\n")
    temporary.replace(cached)
    return score


def _as_problem(spec: ProblemSpec) -> Problem:
    if spec.key.startswith(BUNDLE_PREFIX):
        return cast(Problem, spec)  # the scorer reads name, metric, columns, classes, is_classification
    return reference_api.problem_get(spec.key, secret=_secret())


def catalog_validate(*, spec: ProblemSpec, path: Path) -> int:
    """Check a prediction file's format on public facts only (header, ids, numbers); return its rows.

    Raises ``PredictionFormatError`` with a message for the student.
    """
    ids, _ = predictions_read(
        path=Path(path),
        columns=spec.columns,
        expected_ids=range(spec.n_test),
        integer_columns=spec.is_classification,
        value_range=(0, len(spec.classes) - 1) if spec.classes else None,
    )
    return len(ids)


def catalog_test_ids(key: str) -> list[int]:
    """The test ids, from the trusted hidden labels file."""
    lines = (catalog_prepare(key) / "hidden" / HIDDEN_LABELS).read_text(encoding="utf-8").splitlines()[1:]
    return [int(line.split(",", 1)[0]) for line in lines if line]


def catalog_split_ids(*, key: str, public_fraction: float, seed: str) -> tuple[set[int], set[int]]:
    """The public and private parts of the test set: a fixed shuffle by ``seed`` (the assignment)."""
    ids = sorted(catalog_test_ids(key))
    random.Random(seed).shuffle(ids)  # noqa: S311 - a reproducible split, not a secret
    cut = min(len(ids) - 1, max(1, round(len(ids) * public_fraction)))
    return set(ids[:cut]), set(ids[cut:])


@dataclass(frozen=True)
class Scores:
    full: float
    public: float
    private: float


def catalog_score(
    *, spec: ProblemSpec, predictions_path: Path, public_ids: set[int], private_ids: set[int]
) -> Scores:
    """Score a prediction file on the whole test set and on its public and private parts.

    Trusted code: a strict text parser, no pickle, no eval. Raises ``PredictionFormatError``.
    """
    task = _as_problem(spec)
    hidden = catalog_prepare(spec.key) / "hidden"
    full = score_predictions(task=task, predictions_path=predictions_path, hidden_dir=hidden)
    public = score_predictions(
        task=task, predictions_path=predictions_path, hidden_dir=hidden, ids=public_ids
    )
    private = score_predictions(
        task=task, predictions_path=predictions_path, hidden_dir=hidden, ids=private_ids
    )
    return Scores(full=full.value, public=public.value, private=private.value)


def catalog_named_dates(
    *, spec: ProblemSpec, predictions_path: Path, handed_in_path: Path, required: bool
) -> list[dict[str, object]]:
    """The predictions of the task's named dates, as stored on the submission. ``required``: from the
    student's ``named_dates.csv`` (``handed_in_path``), which must exist, parse strictly and agree with the
    prediction file; otherwise from the prediction file's rows. Raises ``PredictionFormatError`` saying
    what is wrong. Trusted side: both files are the student's, read with size limits and no eval."""
    named = dict(spec.named_dates)
    ids, values = catalog_predictions_read(spec=spec, path=predictions_path)
    predicted = named_dates_from_predictions(ids=ids, values=values, named=named)
    if not required:
        return [{**row.as_dict(), "columns": list(spec.columns)} for row in predicted]
    if handed_in_path.is_symlink() or not handed_in_path.is_file():
        raise PredictionFormatError(
            f"the assignment asks for {NAMED_DATES_FILE} beside predictions.csv in $DLIP_OUTPUT_DIR "
            f"(header date,{','.join(spec.columns)}; one line for each of {', '.join(named)})."
        )
    handed_in = named_dates_read(path=handed_in_path, named=named, columns=spec.columns)
    disagreement = named_dates_disagreement(handed_in, predicted)
    if disagreement:
        raise PredictionFormatError(disagreement)
    return [{**row.as_dict(), "columns": list(spec.columns)} for row in handed_in]


def catalog_predictions_read(*, spec: ProblemSpec, path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A prediction file parsed strictly against the task's public format: (ids sorted, values)."""
    return predictions_read(
        path=Path(path),
        columns=spec.columns,
        expected_ids=range(spec.n_test),
        integer_columns=spec.is_classification,
        value_range=(0, len(spec.classes) - 1) if spec.classes else None,
    )


@dataclass(frozen=True)
class ReferenceSolution:
    model_path: Path
    predictions_path: Path
    report: dict[str, Any]


def catalog_reference(key: str, *, epochs: int | None = None) -> ReferenceSolution:
    """The reference solution of a reference task, trained once per epoch count and cached.

    ``predictions.csv`` is written by the same function the sandbox's model runner calls, so a
    submission of the model or of the predictions scores the same.
    """
    folder = _folder(key) / f"reference-{epochs or 'default'}"
    report_path = folder / "model.json"
    data = catalog_prepare(key)
    with _locked(folder):
        if not report_path.exists():
            report = reference_api.reference_train(
                task=key, out_dir=folder, data_dir=data, epochs=epochs, progress=False, secret=_secret()
            )
            reference_api.predictions_make(
                task=key,
                model_path=folder / "model.pt",
                public_dir=data / "public",
                out_path=folder / "predictions.csv",
            )
            report_path.write_text(json.dumps(report, indent=2) + "\n")
    return ReferenceSolution(
        model_path=folder / "model.pt",
        predictions_path=folder / "predictions.csv",
        report=json.loads(report_path.read_text()),
    )


def catalog_problem_assets(key: str, out_dir: Path) -> list[tuple[str, Path, str]]:
    """The read-only files a reference task gives students (file name, where it was written in
    ``out_dir``, description); none for a data bundle."""
    if key.startswith(BUNDLE_PREFIX):
        return []
    provided = reference_api.problem_assets_export(key, out_dir)
    return [(name, Path(out_dir) / name, description) for name, description in provided]


# The demo's backbone: pretrained in seconds, not the minutes of the default (python -m reference_models
# pretrain); good enough to show the assets and a reference that beats training from scratch a little.
DEMO_BACKBONE_EPOCHS, DEMO_BACKBONE_PATCHES = 3, 120


@contextlib.contextmanager
def catalog_demo_backbone() -> Iterator[Path]:
    """While seeding the demo: texture-transfer uses (fine-tunes, gives students) the full pretrained
    backbone when it is there, else a quick one made once under ``REFERENCE_CACHE_DIR/demo-backbone``.
    Yields the backbone file. Not for real assignments: a reference trained meanwhile is cached with it."""
    from reference_models.problems import texture_transfer

    full = texture_transfer.DEFAULT_BACKBONE_DIR / "resnet18-w16.pt"
    if full.exists():
        yield full
        return
    folder = _root() / "demo-backbone"
    path = folder / "resnet18-w16.pt"
    with _locked(folder):
        if not path.exists():
            partial = path.with_suffix(".partial")
            texture_transfer.backbone_pretrain(
                out_path=partial, epochs=DEMO_BACKBONE_EPOCHS, per_image=DEMO_BACKBONE_PATCHES, progress=False
            )
            partial.rename(path)
    previous = texture_transfer.DEFAULT_BACKBONE_DIR
    texture_transfer.DEFAULT_BACKBONE_DIR = folder
    try:
        yield path
    finally:
        texture_transfer.DEFAULT_BACKBONE_DIR = previous


def catalog_model_command(*, key: str, model_mount: str, data_mount: str, out: str) -> list[str]:
    """The command that turns a submitted model into predictions inside the sandbox."""
    return [sys.executable, "-B", "-m", "reference_models", "predict", key, "--model", model_mount,
            "--data", data_mount, "--out", out]  # fmt: skip


def zip_check(path: Path, *, max_bytes: int, max_members: int = BUNDLE_MAX_MEMBERS) -> list[zipfile.ZipInfo]:
    """Refuse zip bombs and path tricks before anything is extracted; return the members."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise BundleError(f"The file is not a readable zip archive ({error}).") from None
    if len(members) > max_members:
        raise BundleError(f"The archive has {len(members)} files; at most {max_members} are allowed.")
    total = 0
    for member in members:
        name = member.filename
        if name.startswith("/") or ".." in Path(name).parts or "\\" in name:
            raise BundleError(f"The archive member {name!r} points outside the archive's folder.")
        total += member.file_size
        if (
            member.compress_size
            and member.file_size / member.compress_size > 200
            and member.file_size > 1 << 20
        ):
            raise BundleError(
                f"The archive member {name!r} unpacks to {member.file_size} bytes "
                f"from {member.compress_size}: this looks like a zip bomb."
            )
    if total > max_bytes:
        raise BundleError(f"The archive unpacks to {total} bytes; the limit is {max_bytes} bytes.")
    return members


def catalog_bundle_install(zip_path: Path) -> ProblemSpec:
    """Validate an instructor's data bundle and install it; return its spec (key ``bundle-<sha>``).

    The zip holds ``public/manifest.json`` (the reference tasks' format: metric, classes, n_test,
    prediction_format.header), further ``public/`` files, and ``hidden/test_labels.csv`` with a label
    for every test id 0..n_test-1. Raises ``BundleError`` saying what is wrong; nothing stays behind.
    """
    members = zip_check(zip_path, max_bytes=BUNDLE_MAX_BYTES)
    digest = hashlib.sha256(Path(zip_path).read_bytes()).hexdigest()[:16]
    key = f"{BUNDLE_PREFIX}{digest}"
    folder = _root() / key
    names = {m.filename for m in members}
    prefix = ""
    if "public/manifest.json" not in names:  # allow one top-level folder around everything
        tops = {n.split("/", 1)[0] for n in names}
        if len(tops) == 1 and f"{next(iter(tops))}/public/manifest.json" in names:
            prefix = next(iter(tops)) + "/"
        else:
            raise BundleError("The bundle has no public/manifest.json.")
    if f"{prefix}hidden/{HIDDEN_LABELS}" not in names:
        raise BundleError(f"The bundle has no hidden/{HIDDEN_LABELS}.")
    staging = folder.with_name(folder.name + f".tmp{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with zipfile.ZipFile(zip_path) as archive:
            for member in members:
                if member.is_dir() or not member.filename.startswith(prefix):
                    continue
                relative = member.filename[len(prefix) :]
                if not (relative.startswith("public/") or relative.startswith("hidden/")):
                    continue
                target = staging / "data" / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        try:
            manifest = json.loads((staging / "data" / "public" / "manifest.json").read_text())
            spec = _spec_from_manifest(key, manifest)
        except (ValueError, KeyError, TypeError) as error:
            raise BundleError(f"public/manifest.json is not valid: {error}") from None
        try:
            predictions_read(
                path=staging / "data" / "hidden" / HIDDEN_LABELS,
                columns=spec.columns,
                expected_ids=range(spec.n_test),
                integer_columns=spec.is_classification,
                value_range=(0, len(spec.classes) - 1) if spec.classes else None,
            )
        except PredictionFormatError as error:
            raise BundleError(f"hidden/{HIDDEN_LABELS}: {error}") from None
        _world_readable(staging / "data" / "public")
        (staging / "data" / "hidden").chmod(0o700)
        (staging / "data" / ".prepared").write_text("ok\n")
        if folder.exists():
            shutil.rmtree(staging)
        else:
            staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return spec


LEAK_CHECK_SECONDS = 60.0  # the instructor waits for it on the form: bounded, and the report says so


def catalog_bundle_leak_check(key: str) -> LeakReport | None:
    """Compare an installed bundle's test inputs (``public/test.npz``, array ``x``) with its other public
    arrays and the data sets of the grader's environment (``reference_models.leaks``); ``None`` when the
    bundle has no ``public/test.npz`` to check."""
    public = catalog_prepare(key) / "public"
    test_path = public / "test.npz"
    if not test_path.is_file():
        return None
    try:
        with np.load(test_path, allow_pickle=False) as data:
            test_x = data["x"] if "x" in data.files else None
        if test_x is None:
            return None
        arrays: dict[str, np.ndarray] = {}
        for path in sorted(public.glob("*.npz")):
            if path.name == "test.npz":
                continue
            with np.load(path, allow_pickle=False) as data:
                for name in data.files:
                    arrays[f"{path.name}[{name}]"] = data[name]
    except (OSError, ValueError, zipfile.BadZipFile) as error:
        raise BundleError(f"A public .npz file of the bundle cannot be read ({error}).") from None
    try:
        return leak_check(test_x=test_x, public=arrays, budget_seconds=LEAK_CHECK_SECONDS)
    except ValueError:  # text or other non-numeric inputs: nothing to compare
        return None
