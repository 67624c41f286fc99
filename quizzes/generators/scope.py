"""What in a variant goes beyond the lecture's slide, read from the PyTorch module it is checked with.

The slide has one formula for convolution and pooling: out = (in + 2*pad - kernel) / stride + 1, with
a division that comes out whole. Dilation, groups, padding="same", ceil mode and output padding are
PyTorch's additions. This reads the module text the variant is verified with (not the generator's
own state), so a generator that forgets its scope is caught; plain Python, no torch.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from typing import Any

# Layers whose keywords this checks; the others (activations, Linear, Flatten) have nothing to exceed.
_SPATIAL = {"Conv1d": 1, "Conv2d": 2, "ConvTranspose2d": 2, "MaxPool2d": 2, "AvgPool2d": 2}


def _axes(value: Any, n: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, tuple | list) else (value,) * n


def _layers(module: str) -> list[tuple[str, dict[str, Any]]]:
    tree = ast.parse(module, mode="eval")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SPATIAL:
            keywords = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
            found.append((node.func.attr, keywords))
    return found


def beyond_lecture(*, torch: Mapping[str, Any]) -> list[str]:
    """The forms beyond the slide that a variant's module uses (empty: the slide's formula suffices).

    The division is checked layer by layer, the spatial size carried through a ``Sequential``.
    """
    reasons: list[str] = []
    layers = _layers(str(torch["module"]))
    input_shape: Sequence[int] = torch.get("input_shape") or ()
    sizes = tuple(input_shape[2:])
    for name, kw in layers:
        n = _SPATIAL[name]
        if any(d != 1 for d in _axes(kw.get("dilation", 1), n)):
            reasons.append("dilation")
        if kw.get("groups", 1) != 1:
            reasons.append("groups")
        if kw.get("padding") == "same":
            reasons.append("same padding")
        if kw.get("ceil_mode"):
            reasons.append("ceil mode")
        if any(op != 0 for op in _axes(kw.get("output_padding", 0), n)):
            reasons.append("output padding")
        if name == "ConvTranspose2d" or kw.get("padding") == "same" or len(sizes) != n:
            break  # the transposed formula has no division; "same" is reported above
        kernel = _axes(kw["kernel_size"], n)
        dilation = _axes(kw.get("dilation", 1), n)
        stride = _axes(kw.get("stride") or kw["kernel_size"], n)
        padding = _axes(kw.get("padding", 0), n)
        spans = [sizes[i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1 for i in range(n)]
        if any(span % stride[i] for i, span in enumerate(spans)):
            reasons.append("division not whole")
        sizes = tuple(span // stride[i] + 1 for i, span in enumerate(spans))
    return reasons
