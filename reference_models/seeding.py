"""Seeds, thread count and device choice: the same seed on CPU gives the same split and predictions."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

DEFAULT_SEED = 20240905


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch, and ask PyTorch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    if torch.backends.cudnn.is_available():
        torch.backends.cudnn.benchmark = False


def threads_limit() -> None:
    """Use at most ``REFERENCE_MODELS_THREADS`` (default 2) CPU threads: the course machines are shared."""
    wanted = int(os.environ.get("REFERENCE_MODELS_THREADS", "2"))
    torch.set_num_threads(max(1, min(wanted, os.cpu_count() or 1)))


class DeviceUnavailableError(RuntimeError):
    """The device asked for is not there (``cuda`` on a machine without a GPU)."""


def device_pick(requested: str | None = None) -> torch.device:
    """``"cpu"`` (also for ``None``), ``"cuda"`` (an error without a GPU), ``"auto"`` (CUDA if present)."""
    if requested is None:
        return torch.device("cpu")
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailableError(
            "--device cuda was asked for, but PyTorch sees no CUDA device here; use --device cpu or auto."
        )
    if requested not in ("cpu", "cuda"):
        raise ValueError(f"device must be cpu or cuda, not {requested!r}")
    return torch.device(requested)
