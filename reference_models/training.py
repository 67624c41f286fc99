"""The shared training loop: mini-batches, a tqdm bar on stderr, the best epoch on validation kept."""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def tensor_inputs(x: np.ndarray) -> torch.Tensor:
    """What a model receives for public ``x``: float32; uint8 images scaled to [0, 1]."""
    if x.dtype == np.uint8:
        return torch.from_numpy(x.astype(np.float32) / 255.0)
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


@dataclass
class FitResult:
    best_epoch: int
    best_val_loss: float
    history: list[dict[str, float]] = field(default_factory=list)


def fit(
    model: nn.Module,
    *,
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_val: torch.Tensor,
    y_val: torch.Tensor,
    loss_fn: LossFn,
    epochs: int,
    device: torch.device,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    batch_size: int = 64,
    parameters: Iterable[nn.Parameter] | None = None,
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
    frozen: Iterable[nn.Module] = (),
    seed: int = 0,
    select_best: bool = True,
    desc: str = "train",
    progress: bool = True,
) -> FitResult:
    """Train ``model`` in place with Adam and a cosine schedule; restore the weights of the best
    validation epoch (``select_best``; else keep the last). ``frozen`` modules stay in eval mode
    (batch-norm statistics do not move either); the caller sets ``requires_grad`` and passes the
    trainable ``parameters``."""
    model.to(device)
    trainable = [p for p in (parameters if parameters is not None else model.parameters()) if p.requires_grad]
    optimizer = torch.optim.Adam(trainable, lr=lr, weight_decay=weight_decay)
    steps_per_epoch = max(1, (len(x_train) + batch_size - 1) // batch_size)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, epochs * steps_per_epoch))
    generator = torch.Generator().manual_seed(seed)
    frozen = list(frozen)
    best_state = copy.deepcopy(model.state_dict())
    result = FitResult(best_epoch=0, best_val_loss=float("inf"))
    if select_best:  # epoch 0: the untrained model competes too (some heads start at a baseline)
        result.best_val_loss = evaluate_loss(model, x_val, y_val, loss_fn, device)
    bar = tqdm(range(1, epochs + 1), desc=desc, file=sys.stderr, disable=not progress, leave=False)
    for epoch in bar:
        model.train()
        for module in frozen:
            module.eval()
        order = torch.randperm(len(x_train), generator=generator)
        total, count = 0.0, 0
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            if len(index) < 2 and len(order) > 1:
                continue  # a batch of one breaks batch norm
            xb = x_train[index]
            if augment is not None:
                xb = augment(xb, generator)
            xb, yb = xb.to(device), y_train[index].to(device)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += float(loss.detach()) * len(index)
            count += len(index)
        val_loss = evaluate_loss(model, x_val, y_val, loss_fn, device)
        result.history.append({"epoch": epoch, "train_loss": total / max(count, 1), "val_loss": val_loss})
        if val_loss < result.best_val_loss and select_best:
            result.best_val_loss, result.best_epoch = val_loss, epoch
            best_state = copy.deepcopy(model.state_dict())
        bar.set_postfix(train=f"{total / max(count, 1):.4f}", val=f"{val_loss:.4f}")
    if select_best:
        model.load_state_dict(best_state)
    model.eval()
    return result


@torch.no_grad()
def outputs(model: nn.Module, x: torch.Tensor, device: torch.device, batch_size: int = 256) -> torch.Tensor:
    """Run ``model`` in eval mode over ``x`` in batches; the result is on the CPU."""
    model.eval()
    parts = [model(x[i : i + batch_size].to(device)).float().cpu() for i in range(0, len(x), batch_size)]
    return torch.cat(parts) if parts else torch.empty(0)


def evaluate_loss(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: LossFn, device: torch.device
) -> float:
    return float(loss_fn(outputs(model, x, device), y))
