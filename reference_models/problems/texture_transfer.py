"""Transfer learning (the 4th small homework): a ResNet-18-shaped backbone pretrained by this
package on a source task, fine-tuned on two new categories, 400/100/100 images per category.

Everything is real imagery bundled with scikit-image (no download):

* source task (pretraining): "which picture is this 32x32 patch from?" over 15 of scikit-image's
  photos, micrographs and scans (``SOURCE_IMAGES``);
* target task: ``grass`` vs ``gravel`` textures (512x512 each, not in the source task). Each
  category's image is cut into horizontal bands, rows 0-319 for training, 320-415 for validation
  and 416-511 for test, and patches are drawn inside their band only, so no pixel is shared
  between the splits.

Fine-tuning has two stages, as the homework asks: (1) only the fully connected head learns; (2)
``layer3``, ``layer4`` and the head learn while ``conv1``, ``bn1``, ``layer1`` and ``layer2`` stay
frozen (weights and batch-norm statistics). The same network trained from scratch on the same
images is the baseline. ``--weights`` loads a real torchvision ResNet-18 state dict instead.
"""

import copy
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from reference_models.problem import Problem, PublicData, Split
from reference_models.seeding import DEFAULT_SEED
from reference_models.training import fit, outputs, tensor_inputs

PATCH = 32
PER_CATEGORY = {"train": 400, "val": 100, "test": 100}
BANDS = {"train": (0, 320), "val": (320, 416), "test": (416, 512)}
TARGET_IMAGES = ("grass", "gravel")
SOURCE_IMAGES = (
    "astronaut",
    "brick",
    "camera",
    "cell",
    "chelsea",
    "clock",
    "coffee",
    "coins",
    "hubble_deep_field",
    "immunohistochemistry",
    "moon",
    "page",
    "retina",
    "rocket",
    "text",
)
FROZEN = ("conv1", "bn1", "layer1", "layer2")
TRAINABLE_STAGE2 = ("layer3", "layer4", "fc")
# Where ``python -m reference_models pretrain`` keeps its backbones, one file per variant: the repository's
# var/ unless REFERENCE_BACKBONE_DIR says otherwise (workers on several machines share one folder).
_REPOSITORY_VAR = Path(__file__).resolve().parents[2] / "var"
DEFAULT_BACKBONE_DIR = Path(
    os.environ.get("REFERENCE_BACKBONE_DIR", _REPOSITORY_VAR / "reference_models" / "backbone")
)
# 15,000 source patches: with the 3,600 of a smaller run the backbone barely beat training from scratch.
BACKBONE_EPOCHS, BACKBONE_PATCHES = 20, 1000
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def gray_image(name: str) -> np.ndarray:
    """A scikit-image bundled picture as uint8 grayscale."""
    import skimage.data
    from skimage.color import rgb2gray, rgba2rgb

    image = getattr(skimage.data, name)()
    if image.ndim == 3:
        if image.shape[2] == 4:
            image = rgba2rgb(image)
        image = rgb2gray(image) * 255.0
    return np.asarray(image, dtype=np.float64).clip(0, 255).round().astype(np.uint8)


def patches(
    image: np.ndarray, count: int, rng: np.random.Generator, rows: tuple[int, int] | None = None
) -> np.ndarray:
    """``count`` random PATCH x PATCH crops lying wholly inside ``rows`` (all rows if None)."""
    top, bottom = rows if rows else (0, image.shape[0])
    ys = rng.integers(top, bottom - PATCH + 1, count)
    xs = rng.integers(0, image.shape[1] - PATCH + 1, count)
    crops = np.stack([image[y : y + PATCH, x : x + PATCH] for y, x in zip(ys, xs, strict=True)]).astype(
        np.float64
    )
    # Same brightness and contrast for every patch: the categories differ in texture, not in tone.
    mean = crops.mean(axis=(1, 2), keepdims=True)
    std = crops.std(axis=(1, 2), keepdims=True).clip(1.0, None)
    return ((crops - mean) / std * 40.0 + 128.0).clip(0, 255).round().astype(np.uint8)[:, None]


class BasicBlock(nn.Module):
    """torchvision's ResNet basic block, with its parameter names."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample: nn.Module | None = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class ResNet18(nn.Module):
    """ResNet-18 with torchvision's parameter names (``width=64`` loads torchvision's state dict
    after dropping ``fc.*``). Takes (N, 1 or 3, H, W) in [0, 1]; gray is repeated to RGB and
    normalised with ImageNet statistics (non-persistent buffers: not in the state_dict)."""

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, classes: int, width: int = 64) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        widths = [width, width * 2, width * 4, width * 8]
        self.layer1 = nn.Sequential(BasicBlock(width, widths[0]), BasicBlock(widths[0], widths[0]))
        self.layer2 = nn.Sequential(BasicBlock(widths[0], widths[1], 2), BasicBlock(widths[1], widths[1]))
        self.layer3 = nn.Sequential(BasicBlock(widths[1], widths[2], 2), BasicBlock(widths[2], widths[2]))
        self.layer4 = nn.Sequential(BasicBlock(widths[2], widths[3], 2), BasicBlock(widths[3], widths[3]))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(widths[3], classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        x = (x - self.mean) / self.std
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def flips(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random horizontal/vertical flips and 90-degree turns of a batch (textures have no upright)."""
    turns = int(torch.randint(0, 4, (1,), generator=generator))
    x = torch.rot90(x, turns, dims=(2, 3))
    if bool(torch.randint(0, 2, (1,), generator=generator)):
        x = torch.flip(x, dims=(3,))
    return x


class BackboneWeightsError(ValueError):
    """A ``--weights`` file is not a ResNet-18 state dict with torchvision's parameter names."""


def backbone_state(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A state dict without the classification head (``fc.*``)."""
    return {k: v for k, v in state.items() if not k.startswith("fc.")}


def backbone_weights_load(path: Path) -> tuple[dict[str, torch.Tensor], int]:
    """Read a ResNet-18 backbone (e.g. torchvision's ``resnet18`` state dict, any head) with
    ``weights_only=True``; return it without ``fc.*`` and its width (64 for torchvision's).
    Raises :class:`BackboneWeightsError` naming the keys that do not fit."""
    path = Path(path)
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise BackboneWeightsError(f"{path}: no such file.") from None
    except Exception as exc:  # unpickling refusals and corrupt files come as several types
        raise BackboneWeightsError(f"{path} is not a weights-only state dict: {exc}") from None
    if isinstance(loaded, Mapping) and isinstance(loaded.get("state_dict"), Mapping):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, Mapping) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in loaded.items()
    ):
        raise BackboneWeightsError(f"{path} must hold a state dict: parameter names to tensors.")
    # Checkpoints saved from nn.DataParallel prefix every name with "module.".
    state = backbone_state({k.removeprefix("module."): v for k, v in loaded.items()})
    conv1 = state.get("conv1.weight")
    if conv1 is None or conv1.ndim != 4:
        raise BackboneWeightsError(f"{path} has no conv1.weight: not a ResNet-18 state dict.")
    width = int(conv1.shape[0])
    expected = backbone_state(ResNet18(len(TARGET_IMAGES), width).state_dict())
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = [k for k in expected if k in state and state[k].shape != expected[k].shape]
    if missing or unexpected or shapes:
        raise BackboneWeightsError(
            f"{path} does not fit ResNet-18 (width {width}): missing {missing[:3]}, "
            f"unexpected {unexpected[:3]}, wrong shape {shapes[:3]}"
        )
    return state, width


def backbone_pretrain(
    *,
    out_path: Path,
    width: int = 16,
    epochs: int = BACKBONE_EPOCHS,
    device: torch.device | None = None,
    seed: int = DEFAULT_SEED,
    per_image: int = BACKBONE_PATCHES,
    progress: bool = True,
) -> dict[str, Any]:
    """Pretrain on the source task (which of the 15 source pictures a patch comes from) and save
    the backbone's state dict (no head) to ``out_path``; return what happened (source-task
    validation accuracy, wall time). Patches from the top 80% of each picture train, the rest
    validate."""
    started = time.perf_counter()
    device = device or torch.device("cpu")
    rng = np.random.default_rng(seed)
    xs, ys, vx, vy = [], [], [], []
    for label, name in enumerate(SOURCE_IMAGES):
        image = gray_image(name)
        cut = int(image.shape[0] * 0.8)
        xs.append(patches(image, per_image, rng, (0, cut)))
        vx.append(patches(image, per_image // 4, rng, (min(cut, image.shape[0] - PATCH), image.shape[0])))
        ys.append(np.full(per_image, label))
        vy.append(np.full(per_image // 4, label))
    torch.manual_seed(seed)
    model = ResNet18(len(SOURCE_IMAGES), width)
    x_val, y_val = tensor_inputs(np.concatenate(vx)), torch.from_numpy(np.concatenate(vy)).long()
    result = fit(
        model,
        x_train=tensor_inputs(np.concatenate(xs)),
        y_train=torch.from_numpy(np.concatenate(ys)).long(),
        x_val=x_val,
        y_val=y_val,
        loss_fn=nn.functional.cross_entropy,
        epochs=epochs,
        device=device,
        lr=2e-3,
        batch_size=64,
        augment=flips,
        seed=seed,
        desc="pretrain backbone",
        progress=progress,
    )
    accuracy = float((outputs(model, x_val, device).argmax(1) == y_val).float().mean())
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(backbone_state({k: v.cpu() for k, v in model.state_dict().items()}), out_path)
    return {
        "backbone": str(out_path),
        "width": width,
        "source_task": f"which of {len(SOURCE_IMAGES)} scikit-image pictures a {PATCH}x{PATCH} patch is from",
        "source_patches": per_image * len(SOURCE_IMAGES),
        "source_val_accuracy": round(accuracy, 6),
        "best_epoch": result.best_epoch,
        "epochs": epochs,
        "device": device.type,
        "wall_seconds": round(time.perf_counter() - started, 2),
    }


def backbone_default_path(variant: str = "resnet18-w16") -> Path:
    """The backbone the reference fine-tunes (``DEFAULT_BACKBONE_DIR/VARIANT.pt``), pretrained there
    with the default settings first when absent (minutes on a CPU)."""
    path = DEFAULT_BACKBONE_DIR / f"{variant}.pt"
    if not path.exists():
        print(f"pretraining the backbone into {path}", file=sys.stderr)
        partial = path.with_suffix(".partial")
        backbone_pretrain(out_path=partial, width=64 if variant == "resnet18" else 16, progress=False)
        partial.rename(path)
    return path


BACKBONE_PREPROCESSING = (
    "Input: uint8 patches (N, 1, 32, 32) -> float32 x / 255 -> gray repeated to 3 channels (R, G, B) -> "
    f"per channel (x - mean) / std with mean {IMAGENET_MEAN} and std {IMAGENET_STD} (ImageNet's)."
)
BACKBONE_LAYERS = (
    "Layers (torchvision's ResNet-18 names, width 16): conv1 (7x7, stride 2), bn1, relu, maxpool, layer1 "
    "(16 ch), layer2 (32 ch), layer3 (64 ch), layer4 (128 ch), avgpool; no fc: add nn.Linear(128, classes). "
    "The reference fine-tunes fc first, then layer3, layer4 and fc with conv1, bn1, layer1, layer2 frozen."
)


def backbone_assets_export(*, backbone_path: Path, out_dir: Path) -> list[tuple[str, str]]:
    """Write the backbone for students in two forms that need only PyTorch: ``backbone_torchscript.pt``
    (features out, no head) and ``backbone_state_dict.pt`` with ``backbone.py`` (the model definition,
    self-contained); return (file name, description) for each. Checks that both give the features of
    the reference's own network (which normalises inside ``forward``)."""
    from reference_models.problems import texture_backbone

    state, width = backbone_weights_load(Path(backbone_path))
    if width != texture_backbone.WIDTH:
        raise BackboneWeightsError(f"{backbone_path}: width {width}; the students' backbone.py has 16")
    features = texture_backbone.ResNet18(num_classes=0)
    features.load_state_dict(state)
    features.eval()
    out_dir = Path(out_dir)
    torch.save(state, out_dir / "backbone_state_dict.pt")
    scripted = torch.jit.script(features)
    scripted.save(str(out_dir / "backbone_torchscript.pt"))
    source = Path(texture_backbone.__file__).read_text()
    (out_dir / "backbone.py").write_text(source)
    # The same features as the reference network's (its fc replaced) on the raw input: the description's
    # preprocessing is the one the backbone learnt with.
    reference = ResNet18(len(TARGET_IMAGES), width)
    reference.load_state_dict(state, strict=False)
    reference.fc = nn.Identity()  # type: ignore[assignment]
    reference.eval()
    probe = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (4, 1, PATCH, PATCH), dtype=np.uint8))
    with torch.no_grad():
        expected = reference(probe.float() / 255.0)
        loaded = torch.jit.load(str(out_dir / "backbone_torchscript.pt"))
        got = loaded(texture_backbone.preprocess(probe))
    if not torch.allclose(expected, got, atol=1e-4):
        raise RuntimeError("the exported backbone does not reproduce the reference's features")
    return [
        (
            "backbone_torchscript.pt",
            "The pretrained backbone as TorchScript: torch.jit.load(path) needs no Python class. Takes the "
            "preprocessed (N, 3, 32, 32) input and returns (N, 128) features; its blocks are attributes "
            f"(features.layer3, features.layer1.eval()). {BACKBONE_PREPROCESSING} {BACKBONE_LAYERS}",
        ),
        (
            "backbone_state_dict.pt",
            "The same weights as a state_dict (torch.load(path, weights_only=True); no fc.* keys), for "
            "the model class in backbone.py: resnet18_pretrained(path, num_classes=2). "
            f"{BACKBONE_PREPROCESSING}",
        ),
        (
            "backbone.py",
            "The backbone's model definition (PyTorch only, no course code) with preprocess() and "
            "resnet18_pretrained(); its docstring shows both ways of loading. In the sandbox: "
            "sys.path.insert(0, os.environ['DLIP_ASSETS_DIR']); from backbone import resnet18_pretrained.",
        ),
    ]


def _snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _moved(before: Mapping[str, torch.Tensor], after: Mapping[str, torch.Tensor]) -> list[str]:
    """The top-level blocks (``conv1``, ``layer3``, ``fc``...) any of whose tensors changed."""
    return sorted({k.split(".")[0] for k in before if not torch.equal(before[k], after[k])})


def _trainable(model: ResNet18, names: tuple[str, ...]) -> tuple[list[nn.Parameter], list[nn.Module]]:
    """Make only the named children trainable; return their parameters and the frozen children."""
    params: list[nn.Parameter] = []
    frozen: list[nn.Module] = []
    for child_name, child in model.named_children():
        train = child_name in names
        for p in child.parameters():
            p.requires_grad_(train)
        if train:
            params.extend(child.parameters())
        elif any(True for _ in child.parameters()):
            frozen.append(child)
    return params, frozen


class TextureTransferProblem(Problem):
    name = "texture-transfer"
    title = "Transfer learning: grass vs gravel textures with a pretrained ResNet-18 backbone"
    metric = "accuracy"
    higher_is_better = True
    columns = ("label",)
    classes = TARGET_IMAGES
    variants = ("resnet18-w16", "resnet18")
    default_epochs = 12  # per fine-tuning stage; from scratch gets both stages' count
    inputs = f"x: uint8 grayscale patches, shape (N, 1, {PATCH}, {PATCH}); models receive x / 255 as float32"
    data_source = (
        "real: scikit-image's bundled grass and gravel textures (512x512); 400/100/100 patches of "
        f"{PATCH}x{PATCH} per category from disjoint bands of rows (train 0-319, validation 320-415, "
        "test 416-511), each patch brought to mean 128 and standard deviation 40"
    )
    lr = 1e-3
    batch_size = 32
    practice_only = (
        "the grass and gravel pictures ship with scikit-image in the grader's environment: finding a "
        "test patch in them by correlation names its category"
    )

    def split_build(self) -> Split:
        rng = np.random.default_rng(self.seed)
        parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for part, count in PER_CATEGORY.items():
            xs = [patches(gray_image(name), count, rng, BANDS[part]) for name in TARGET_IMAGES]
            ys = [np.full(count, label, dtype=np.int64) for label in range(len(TARGET_IMAGES))]
            order = rng.permutation(count * len(TARGET_IMAGES))
            parts[part] = (np.concatenate(xs)[order], np.concatenate(ys)[order])
        return Split(*parts["train"], *parts["val"], *parts["test"])

    def assets_export(self, out_dir: Path) -> list[tuple[str, str]]:
        """The pretrained backbone the reference fine-tunes (width 16), pretrained first if absent."""
        return backbone_assets_export(backbone_path=backbone_default_path(), out_dir=out_dir)

    def model_build(self, variant: str | None = None) -> nn.Module:
        variant = self.variant_check(variant)
        return ResNet18(len(TARGET_IMAGES), width=16 if variant == "resnet18-w16" else 64)

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
        """Fine-tune in two stages; ``epochs`` is per stage. Options: ``weights`` (a ResNet-18 state
        dict file, e.g. torchvision's: width 64 picks the ``resnet18`` variant), ``backbone`` (this
        package's pretrained backbone file; pretrained there first if absent, default
        ``var/reference_models/backbone/VARIANT.pt``), ``backbone_epochs`` and ``backbone_patches``
        (per source picture) for that pretraining, ``scratch`` (False skips
        the from-scratch baseline). The report names the blocks that moved in each stage."""
        options = dict(options or {})
        facts: dict[str, Any] = {"frozen": list(FROZEN)}
        if options.get("weights"):
            state, width = backbone_weights_load(Path(options["weights"]))
            variant = "resnet18" if width == 64 else self.variant_check(variant)
            if width != (64 if variant == "resnet18" else 16):
                raise BackboneWeightsError(f"{options['weights']}: width {width} fits no variant")
            facts["backbone"] = str(options["weights"])
        else:
            variant = self.variant_check(variant)
            path = Path(options.get("backbone") or DEFAULT_BACKBONE_DIR / f"{variant}.pt")
            if not path.exists():
                print(f"pretraining the backbone into {path}", file=sys.stderr)
                facts["pretraining"] = backbone_pretrain(
                    out_path=path,
                    width=64 if variant == "resnet18" else 16,
                    epochs=int(options.get("backbone_epochs", BACKBONE_EPOCHS)),
                    per_image=int(options.get("backbone_patches", BACKBONE_PATCHES)),
                    device=device,
                    seed=seed,
                    progress=progress,
                )
            state, _ = backbone_weights_load(path)
            facts["backbone"] = str(path)
        x_train, y_train = tensor_inputs(data.x_train), self.targets_tensor(data.y_train)
        x_val, y_val = tensor_inputs(data.x_val), self.targets_tensor(data.y_val)
        common: dict[str, Any] = {
            "x_train": x_train,
            "y_train": y_train,
            "x_val": x_val,
            "y_val": y_val,
            "loss_fn": self.loss_fn,
            "device": device,
            "batch_size": self.batch_size,
            "augment": flips,
            "seed": seed,
            "progress": progress,
        }
        torch.manual_seed(seed)
        model = self.model_build(variant)
        assert isinstance(model, ResNet18)
        missing, unexpected = model.load_state_dict(state, strict=False)
        assert not unexpected and all(k.startswith("fc.") for k in missing), (missing, unexpected)
        start = _snapshot(model)
        params, frozen = _trainable(model, ("fc",))
        fit(model, parameters=params, frozen=frozen, epochs=epochs, lr=3e-3, desc="stage 1: head", **common)
        after_head = _snapshot(model)
        params, frozen = _trainable(model, TRAINABLE_STAGE2)
        fit(
            model,
            parameters=params,
            frozen=frozen,
            epochs=epochs,
            lr=self.lr,
            desc="stage 2: layer3+4",
            **common,
        )
        facts["moved_in_stage1"] = _moved(start, after_head)
        facts["moved_in_stage2"] = _moved(after_head, _snapshot(model))
        if set(facts["moved_in_stage2"]) & set(FROZEN):
            raise RuntimeError(f"frozen blocks moved in stage 2: {facts['moved_in_stage2']}")
        for p in model.parameters():
            p.requires_grad_(True)
        facts["variant"] = variant
        if options.get("scratch", True):
            scratch = self.scratch_fit(variant=variant, epochs=2 * epochs, seed=seed, common=common)
            facts["baseline_models"] = {"from_scratch": scratch}
        return model, facts

    def scratch_fit(self, *, variant: str, epochs: int, seed: int, common: dict[str, Any]) -> nn.Module:
        """The same network from random weights, all layers learning, for both stages' epochs."""
        torch.manual_seed(seed)
        model = self.model_build(variant)
        fit(model, epochs=epochs, lr=self.lr, desc="from scratch", **copy.copy(common))
        return model
