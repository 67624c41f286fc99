"""CNN image classification: scikit-learn's bundled handwritten digits, upsampled to 32x32 for LeNet-5."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from reference_models.task import PublicData, Split, Task


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


def digits_images() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits as uint8 1@32x32 (bilinear upsampling of the 8x8 originals) and labels."""
    from sklearn.datasets import load_digits  # here, not at the top: the sandbox's predict never needs it

    digits = load_digits()
    small = torch.from_numpy(digits.images.astype(np.float32) / 16.0)[:, None]
    big = nn.functional.interpolate(small, size=(32, 32), mode="bilinear", align_corners=False)
    images = (big.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    return images, digits.target.astype(np.int64)


class DigitsTask(Task):
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
        "real: scikit-learn's bundled digits (1,797 scans, 8x8) upsampled bilinearly to 32x32; "
        "stratified 60/20/20 split"
    )
    lr = 2e-3

    def split_build(self) -> Split:
        from sklearn.model_selection import train_test_split

        x, y = digits_images()
        x_train, x_rest, y_train, y_rest = train_test_split(
            x, y, test_size=0.4, stratify=y, random_state=self.seed % 2**32
        )
        x_val, x_test, y_val, y_test = train_test_split(
            x_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=self.seed % 2**32
        )
        return Split(x_train, y_train, x_val, y_val, x_test, y_test)

    def model_build(self, variant: str | None = None) -> nn.Module:
        return LeNet5() if self.variant_check(variant) == "lenet5" else LeNetModern()

    def baselines(self, data: PublicData) -> dict[str, np.ndarray]:
        majority = np.bincount(data.y_train.astype(np.int64)).argmax()
        return {"majority_class": np.full(len(data.x_test), majority, dtype=np.int64)}
