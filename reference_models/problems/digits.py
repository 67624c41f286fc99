"""CNN image classification: scikit-learn's bundled handwritten digits, upsampled to 32x32 for LeNet-5.

The 1,797 digits and their labels ship with scikit-learn, inside the grader's own environment: served as
they are, a script that trains nothing finds each test image among them and scores 1.0. So every image is
redrawn with a keyed distortion (rotation, scale, shift, a smooth elastic warp, pixel noise; the draws come
from the deployment's data secret): the nearest original is then no longer the image's source (about one
in eight is), and looking up the neighbours' labels is a nearest-neighbour classifier, which the
reference CNN beats (``tests/reference_models/test_lookup_attack.py``; docs/reference-models.md, "Held-out
test sets").
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from reference_models.problem import Problem, PublicData, Split


class LeNet5(nn.Module):
    """LeNet-5 as in the lecture: conv 6@5x5 tanh, max-pool 2x2, conv 16@5x5 tanh, max-pool 2x2,
    dense 120 tanh, dense 84 tanh, dense 10. 61,706 parameters on 1@32x32."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.Tanh(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.Tanh(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.Tanh(),
            nn.Linear(120, 84),
            nn.Tanh(),
            nn.Linear(84, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class LeNetModern(nn.Module):
    """The same shape of network with what came later: ReLU, batch norm, dropout."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, bias=False),
            nn.BatchNorm2d(6),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(0.25),
            nn.Linear(16 * 5 * 5, 120),
            nn.ReLU(),
            nn.Dropout(0.25),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


# How far each image is redrawn. Chosen so a CNN still reads every digit (the reference, trained with
# the same kind of augmentation, reaches ~0.95-0.98) while a 1-NN lookup among the originals drops from
# 1.0 to ~0.8 and finds the source of ~12% of the images.
TRAIN_DRAWS = 3
DISTORTION = {"degrees": 20.0, "scale": 0.1, "shift_px": 3.0, "elastic_px": 1.0, "noise": 25.0}


def _affine(angle: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Sampling matrices (N, 2, 3) of ``affine_grid`` for a rotation, scale and shift (grid units)."""
    theta = torch.zeros(len(angle), 2, 3)
    theta[:, 0, 0] = torch.cos(angle) / scale
    theta[:, 0, 1] = -torch.sin(angle) / scale
    theta[:, 1, 0] = torch.sin(angle) / scale
    theta[:, 1, 1] = torch.cos(angle) / scale
    theta[:, :, 2] = shift
    return theta


def digits_distort(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each uint8 1@32x32 image redrawn with its own random rotation, scale, shift, elastic warp and
    noise (``DISTORTION``), all drawn from ``rng`` (keyed: see ``reference_models.keys``)."""
    n, size = len(images), images.shape[-1]
    half = size / 2
    angle = torch.from_numpy(np.deg2rad(rng.uniform(-1, 1, n) * DISTORTION["degrees"])).float()
    scale = torch.from_numpy(1 + rng.uniform(-1, 1, n) * DISTORTION["scale"]).float()
    shift = torch.from_numpy(rng.uniform(-1, 1, (n, 2)) * DISTORTION["shift_px"] / half).float()
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    grid = nn.functional.affine_grid(_affine(angle, scale, shift), list(x.shape), align_corners=False)
    field = torch.from_numpy(rng.normal(0.0, 1.0, (n, 2, size, size)).astype(np.float32))
    for _ in range(2):  # smooth white noise into a gentle warp
        field = nn.functional.avg_pool2d(field, 7, 1, 3, count_include_pad=False)
    field = field / field.flatten(1).std(dim=1).clamp_min(1e-6)[:, None, None, None]
    grid = grid + (field * DISTORTION["elastic_px"] / half).permute(0, 2, 3, 1)
    warped = nn.functional.grid_sample(x, grid, align_corners=False, padding_mode="zeros")
    noisy = warped.numpy() + rng.normal(0.0, DISTORTION["noise"] / 255.0, warped.shape)
    return (np.clip(noisy, 0, 1) * 255).round().astype(np.uint8)


def digits_augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Training-time augmentation of a batch in [0, 1]: a smaller random rotation, scale and shift per
    image (the reference learns the kind of variation the test images have)."""
    n = x.shape[0]

    def draw(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=generator) * 2 - 1

    angle = draw(n) * np.deg2rad(12.0)
    scale = 1 + draw(n) * 0.1
    shift = draw(n, 2) * 2.5 / (x.shape[-1] / 2)
    grid = nn.functional.affine_grid(_affine(angle, scale, shift).to(x), list(x.shape), align_corners=False)
    return nn.functional.grid_sample(x, grid, align_corners=False)


def digits_images() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits as uint8 1@32x32 (bilinear upsampling of the 8x8 originals) and labels."""
    from sklearn.datasets import load_digits  # here, not at the top: the sandbox's predict never needs it

    digits = load_digits()
    small = torch.from_numpy(digits.images.astype(np.float32) / 16.0)[:, None]
    big = nn.functional.interpolate(small, size=(32, 32), mode="bilinear", align_corners=False)
    images = (big.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    return images, digits.target.astype(np.int64)


class DigitsProblem(Problem):
    name = "digits-cnn"
    title = "CNN image classification: handwritten digits (LeNet-5)"
    metric = "accuracy"
    higher_is_better = True
    columns = ("label",)
    classes = tuple(str(d) for d in range(10))
    variants = ("lenet5", "modern")
    default_epochs = 30
    inputs = "x: uint8 images, shape (N, 1, 32, 32), ink 255; models receive x / 255 as float32"
    data_source = (
        "real: scikit-learn's bundled digits (1,797 scans, 8x8) upsampled bilinearly to 32x32, each "
        "redrawn with a random rotation, scale, shift, elastic warp and noise that only this course's "
        "server can replay; stratified 60/20/20 split"
    )
    lr = 2e-3
    augment = staticmethod(digits_augment)
    slide_differences = (
        "The slides use MNIST (28x28 pixels, 60,000 images, loaded with keras.datasets.mnist). This task "
        "uses scikit-learn's handwritten digits instead: 8x8 scans upsampled to 32x32 pixels (LeNet-5's own "
        "input size, so no padding is needed), one channel, redrawn with a random distortion; about 3,200 "
        "training images. The sandbox has no network, so keras.datasets.mnist.load_data() fails: load "
        "train.npz instead. Inputs are uint8 arrays of shape (N, 1, 32, 32), channels first: for Keras, "
        "move the channel last (x.transpose(0, 2, 3, 1)) and divide by 255."
    )

    def split_build(self) -> Split:
        from sklearn.model_selection import train_test_split

        x, y = digits_images()
        originals_train, x_rest, y_train, y_rest = train_test_split(
            x, y, test_size=0.4, stratify=y, random_state=self.seed % 2**32
        )
        x_val, x_test, y_val, y_test = train_test_split(
            x_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=self.seed % 2**32
        )
        rng = self.keyed_rng("distortion")
        # Each training digit is drawn TRAIN_DRAWS times, each time distorted anew: a CNN learns the
        # distortions from them, while a lookup gains little (they are the public originals again).
        x_train = digits_distort(np.concatenate([originals_train] * TRAIN_DRAWS), rng)
        y_train = np.concatenate([y_train] * TRAIN_DRAWS)
        return Split(x_train, y_train, digits_distort(x_val, rng), y_val, digits_distort(x_test, rng), y_test)

    def model_build(self, variant: str | None = None) -> nn.Module:
        return LeNet5() if self.variant_check(variant) == "lenet5" else LeNetModern()

    def baselines(self, data: PublicData) -> dict[str, np.ndarray]:
        majority = np.bincount(data.y_train.astype(np.int64)).argmax()
        return {"majority_class": np.full(len(data.x_test), majority, dtype=np.int64)}
