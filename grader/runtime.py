"""What a student's notebook or script runs with: packages and versions, limits, paths (the runtime page).

The packages are read from the installed distributions of this interpreter, the one the sandbox runs
(``sandbox.runner_command`` starts ``sys.executable``), so the page never drifts from what is installed.
The limits come from the assignment and ``grader.sandbox.SandboxLimits``; the paths from the sandbox's
mount points. No Django here but ``gettext`` for the words.
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform
from dataclasses import dataclass

from django.utils.translation import gettext, gettext_noop

from grader import sandbox

# What a course notebook imports, in the order the page lists them (the distribution names).
RUNTIME_PACKAGES = (
    "torch",
    "torchvision",
    "keras",
    "numpy",
    "pandas",
    "scikit-learn",
    "scipy",
    "matplotlib",
    "pillow",
    "scikit-image",
    "h5py",
    "tqdm",
)
ASSETS_MOUNT = "/assets"  # read-only assignment assets (DLIP_ASSETS_DIR), when the assignment has some

# Where the course's slides and the platform's tasks differ, per task (English in reference_models'
# README.txt; listed here too so that the page can show them translated).
SLIDE_DIFFERENCES_FOR_TRANSLATION = (
    gettext_noop(
        "The slides use MNIST (28x28 pixels, 60,000 images, loaded with keras.datasets.mnist). This task "
        "uses scikit-learn's handwritten digits instead: 8x8 scans upsampled to 32x32 pixels (LeNet-5's own "
        "input size, so no padding is needed), one channel, redrawn with a random distortion; about 3,200 "
        "training images. The sandbox has no network, so keras.datasets.mnist.load_data() fails: load "
        "train.npz instead. Inputs are uint8 arrays of shape (N, 1, 32, 32), channels first: for Keras, "
        "move the channel last (x.transpose(0, 2, 3, 1)) and divide by 255."
    ),
)


@dataclass(frozen=True)
class RuntimePackage:
    name: str
    version: str  # "" when it is not installed


@functools.cache
def runtime_packages() -> tuple[RuntimePackage, ...]:
    """The course's packages and the versions installed in the grading interpreter."""
    found = []
    for name in RUNTIME_PACKAGES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = ""
        found.append(RuntimePackage(name=name, version=version))
    return tuple(found)


def runtime_python() -> str:
    return platform.python_version()


@dataclass(frozen=True)
class RuntimeLimits:
    """The limits of one run of an assignment (sizes in MiB, times in seconds)."""

    wall_seconds: int
    memory_mb: int
    gpu: bool
    max_processes: int
    tmp_mb: int
    output_mb: int
    file_mb: int
    printed_mb: int


def runtime_limits(*, wall_seconds: int, memory_mb: int, gpu: bool) -> RuntimeLimits:
    """The limits a run of an assignment gets: its own time, memory and GPU, the sandbox's defaults else."""
    defaults = sandbox.SandboxLimits()
    mib = 1024 * 1024
    return RuntimeLimits(
        wall_seconds=wall_seconds,
        memory_mb=memory_mb,
        gpu=gpu,
        max_processes=defaults.max_processes,
        tmp_mb=defaults.tmp_bytes // mib,
        output_mb=defaults.max_output_bytes // mib,
        file_mb=defaults.max_file_bytes // mib,
        printed_mb=defaults.max_printed_bytes // mib,
    )


@dataclass(frozen=True)
class RuntimePath:
    path: str
    variable: str
    what: str


def runtime_paths() -> tuple[RuntimePath, ...]:
    """The folders a run sees, with their environment variables and what they are for (translated)."""
    return (
        RuntimePath(
            path=sandbox.DATA_MOUNT,
            variable="DLIP_DATA_DIR",
            what=gettext("The task's public files (read-only): train.npz, val.npz, test.npz, README.txt…"),
        ),
        RuntimePath(
            path=sandbox.OUTPUT_MOUNT,
            variable="DLIP_OUTPUT_DIR",
            what=gettext(
                "The working folder, and where the output goes: write predictions.csv here. The public "
                "files are linked into it too (read-only), so ./train.npz works."
            ),
        ),
        RuntimePath(
            path=ASSETS_MOUNT,
            variable="DLIP_ASSETS_DIR",
            what=gettext(
                "The assignment's read-only assets (e.g. pretrained weights); present when the assignment "
                "has assets."
            ),
        ),
        RuntimePath(
            path="/tmp",  # noqa: S108 - inside the sandbox: its own private tmpfs
            variable="TMPDIR, HOME",
            what=gettext(
                "Scratch space, emptied after the run; Keras and matplotlib keep their settings here."
            ),
        ),
    )


def runtime_environment() -> tuple[tuple[str, str], ...]:
    """The environment variables the runtime's libraries read (set in every run)."""
    return tuple(sandbox.RUNTIME_ENVIRONMENT.items())
