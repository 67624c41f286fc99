"""Rebuild a variant's PyTorch construction and check its answer against what PyTorch computes.

A construction is data: ``{"module": "torch.nn.Conv2d(3, 12, kernel_size=(5, 5), ...)",
"input_shape": [1, 3, 32, 32], "compare": ..., "expected": ...}``. The module expression is read
with ``ast`` and only ``torch.nn.<allowed class>(literal arguments)`` (nested only inside
``Sequential``) is built: the text is never given to ``eval``.

``compare`` says what is measured:
- ``output_shape``: the shape of the module's output on a zero tensor of ``input_shape``;
  recurrent modules also name ``select``: ``output``, ``last_step`` or ``h_n``;
- ``parameters``: the sum of ``numel()`` over ``parameters()`` (after a forward pass on zeros);
- ``parameters_one_bias``: the same without PyTorch's second bias vectors (``bias_hh_*``), which is
  Keras' count;
- ``macs``: multiply-accumulates, PyTorch's ``FlopCounterMode`` count halved;
- ``receptive_field``: the side of the input window whose gradient reaches output unit (0, 0),
  with all weights set to 1; max pooling is measured as average pooling of the same window,
  because max pooling sends the gradient to one input only while it still sees the whole window.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch.utils.flop_counter import FlopCounterMode

if TYPE_CHECKING:
    from quizzes.generators.core import Variant

ALLOWED_MODULES = frozenset(
    {
        "AvgPool2d",
        "Conv1d",
        "Conv2d",
        "ConvTranspose2d",
        "Flatten",
        "GRU",
        "LSTM",
        "Linear",
        "MaxPool2d",
        "RNN",
        "ReLU",
        "Sequential",
        "Sigmoid",
        "Tanh",
    }
)
MAX_EXPRESSION_LENGTH = 20_000
MAX_LITERAL = 1_000_000
MAX_PARAMETERS = 20_000_000
MAX_INPUT_VALUES = 10_000_000


class VerificationError(ValueError):
    """The construction is malformed, or not allowed."""


@dataclass(frozen=True)
class VariantCheck:
    """What PyTorch measured, what the variant expected, and whether they agree."""

    ok: bool
    measured: Any
    expected: Any
    detail: str = ""


def _literal(node: ast.expr) -> Any:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as error:
        raise VerificationError("module arguments must be literals") from error
    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        if isinstance(item, bool) or (isinstance(item, str) and item in ("same", "valid", "zeros")):
            continue
        if not isinstance(item, int) or abs(item) > MAX_LITERAL:
            raise VerificationError(f"argument {item!r} is not allowed")
    return value


def _build(node: ast.expr) -> torch.nn.Module:
    if not isinstance(node, ast.Call):
        raise VerificationError("a module expression must be a call torch.nn.<Class>(...)")
    func = node.func
    if not (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "nn"
        and isinstance(func.value.value, ast.Name)
        and func.value.value.id == "torch"
        and func.attr in ALLOWED_MODULES
    ):
        raise VerificationError(f"only torch.nn.<{'|'.join(sorted(ALLOWED_MODULES))}> may be built")
    if any(keyword.arg is None for keyword in node.keywords) or any(
        isinstance(a, ast.Starred) for a in node.args
    ):
        raise VerificationError("* and ** arguments are not allowed")
    cls = getattr(torch.nn, func.attr)
    if func.attr == "Sequential":
        if node.keywords:
            raise VerificationError("Sequential takes modules only")
        return cls(*(_build(arg) for arg in node.args))
    args = [_literal(arg) for arg in node.args]
    kwargs = {keyword.arg: _literal(keyword.value) for keyword in node.keywords if keyword.arg}
    try:
        return cls(*args, **kwargs)
    except (TypeError, ValueError, RuntimeError) as error:
        raise VerificationError(f"PyTorch refused {func.attr}: {error}") from error


def module_build(expression: str) -> torch.nn.Module:
    """Build ``torch.nn.<Class>(literals)`` (or a ``Sequential`` of such) from its text, untrained."""
    if not isinstance(expression, str) or len(expression) > MAX_EXPRESSION_LENGTH:
        raise VerificationError("the module expression is missing or too long")
    try:
        tree = ast.parse(expression, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise VerificationError("the module expression is not valid Python") from error
    # Built on the meta device first (no memory, no initialisation) so size limits are checked
    # before anything is allocated; the values never matter, only shapes and counts.
    with torch.device("meta"):
        module = _build(tree.body)
    if sum(p.numel() for p in module.parameters()) > MAX_PARAMETERS:
        raise VerificationError("the module is too large to check")
    return module.to_empty(device="cpu")


def _output_shape(module: torch.nn.Module, inputs: torch.Tensor, select: str) -> list[int]:
    with torch.no_grad():
        out = module(inputs)
    if isinstance(out, tuple):  # recurrent: (output, h_n) or (output, (h_n, c_n))
        if select == "h_n":
            hidden = out[1]
            out = hidden[0] if isinstance(hidden, tuple) else hidden
        else:
            out = out[0]
            if select == "last_step":
                out = out[:, -1] if getattr(module, "batch_first", False) else out[-1]
    return list(out.shape)


def _receptive_field(module: torch.nn.Module, inputs: torch.Tensor) -> int:
    layers = list(module) if isinstance(module, torch.nn.Sequential) else [module]
    for i, layer in enumerate(layers):
        if isinstance(layer, torch.nn.MaxPool2d):
            layers[i] = torch.nn.AvgPool2d(layer.kernel_size, layer.stride, layer.padding, layer.ceil_mode)
    stack = torch.nn.Sequential(*layers)
    with torch.no_grad():
        for name, parameter in stack.named_parameters():
            parameter.fill_(0.0 if name.endswith("bias") else 1.0)
    inputs = inputs.clone().requires_grad_(True)
    stack(inputs)[0, :, 0, 0].sum().backward()
    assert inputs.grad is not None
    reached = inputs.grad[0].abs().sum(dim=0) > 0
    rows = torch.nonzero(reached.any(dim=1)).flatten()
    cols = torch.nonzero(reached.any(dim=0)).flatten()
    height, width = int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)
    return height if height == width else -1


def construction_measure(*, construction: Mapping[str, Any]) -> Any:
    """Build the construction's module, run it on zeros of ``input_shape`` and measure ``compare``."""
    shape = construction.get("input_shape")
    if (
        not isinstance(shape, list | tuple)
        or not shape
        or not all(isinstance(s, int) and s >= 1 for s in shape)
    ):
        raise VerificationError("input_shape must be a list of positive ints")
    if torch.Size(shape).numel() > MAX_INPUT_VALUES:
        raise VerificationError("the input is too large to check")
    module = module_build(construction.get("module", ""))
    try:
        with warnings.catch_warnings():
            # PyTorch warns that "same" padding with an even kernel copies the input: harmless here.
            warnings.filterwarnings("ignore", message="Using padding='same'", category=UserWarning)
            return _measure(module, torch.zeros(*shape), construction)
    except (RuntimeError, ValueError, IndexError) as error:
        if isinstance(error, VerificationError):
            raise
        raise VerificationError(f"PyTorch refused to run it: {error}") from error


def _measure(module: torch.nn.Module, inputs: torch.Tensor, construction: Mapping[str, Any]) -> Any:
    compare = construction.get("compare")
    if compare == "output_shape":
        return _output_shape(module, inputs, construction.get("select", "output"))
    if compare in ("parameters", "parameters_one_bias"):
        with torch.no_grad():
            module(inputs)  # a count is only worth checking for a layer PyTorch can run
        named = module.named_parameters()
        if compare == "parameters_one_bias":
            return sum(p.numel() for name, p in named if "bias_hh" not in name)
        return sum(p.numel() for _, p in named)
    if compare == "macs":
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            module(inputs)
        return counter.get_total_flops() // 2
    if compare == "receptive_field":
        return _receptive_field(module, inputs)
    raise VerificationError(f"unknown comparison {compare!r}")


def construction_check(*, construction: Mapping[str, Any]) -> VariantCheck:
    """Whether PyTorch measures the construction's ``expected`` value."""
    measured = construction_measure(construction=construction)
    expected = construction.get("expected")
    if isinstance(expected, tuple):
        expected = list(expected)
    return VariantCheck(ok=measured == expected, measured=measured, expected=expected)


def _answer_matches(variant: Variant, expected: Any) -> bool:
    value = list(variant.value)
    construction = variant.torch
    if construction.get("answer_from") == "padding":
        padding = module_build(construction["module"]).padding
        return isinstance(padding, tuple) and list(padding) == value
    if construction.get("compare") != "output_shape":
        return expected == value[0] and variant.answer_kind == "count"
    if variant.answer_kind == "count":  # a flatten size: the batch of one, then the count
        return expected == [1, value[0]]
    return expected == value if variant.shape_style == "tensor" else expected == [1, *value]


def variant_verify(*, variant: Variant) -> VariantCheck:
    """Rebuild the variant in PyTorch: ok when PyTorch measures the expected value and that value
    is the variant's answer."""
    verdict = construction_check(construction=variant.torch)
    if not _answer_matches(variant, verdict.expected):
        return VariantCheck(
            ok=False,
            measured=verdict.measured,
            expected=verdict.expected,
            detail=f"the answer {variant.answer} is not what the construction expects",
        )
    return verdict
