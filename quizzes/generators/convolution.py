"""Convolution and pooling: output shapes, parameter counts, MACs, "same" padding, receptive fields.

Sizes are listed in PyTorch's order (depth, then x = height, then y = width), so the lecture's
``12@28x28`` reads the same as PyTorch's ``(12, 28, 28)``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from quizzes.generators.core import Draft, generator_register

LECTURE_SIZES = (8, 12, 14, 16, 24, 28, 32, 48, 64)
DEPTHS = (1, 3, 6, 8, 12, 16, 24, 32, 48)


def pair(values: tuple[int, int]) -> str:
    return f"{values[0]}x{values[1]}"


def conv_size(*, size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """PyTorch's output size of a convolution along one axis (0 or less: the layer is invalid)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def pool_size(*, size: int, kernel: int, stride: int, padding: int = 0, ceil_mode: bool = False) -> int:
    """PyTorch's output size of max/avg pooling along one axis."""
    span = size + 2 * padding - kernel
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    # With ceil_mode the last window must still start inside the input or its left padding.
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def conv_transpose_size(
    *, size: int, kernel: int, stride: int, padding: int, output_padding: int, dilation: int = 1
) -> int:
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


def _weighted(rng: random.Random, options: dict[int, int]) -> int:
    return rng.choices(list(options), weights=list(options.values()))[0]


# --- 2-D convolution -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Conv2dSpec:
    depth: int
    size: tuple[int, int]
    n: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] | str = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1
    bias: bool = True

    @property
    def padding_pair(self) -> tuple[int, int]:
        if isinstance(self.padding, str):  # "same": PyTorch pads d*(k-1) in total per axis
            return (
                self.dilation[0] * (self.kernel[0] - 1) // 2,
                self.dilation[1] * (self.kernel[1] - 1) // 2,
            )
        return self.padding

    def output(self) -> tuple[int, int, int]:
        if self.padding == "same":
            return (self.n, *self.size)
        p = self.padding_pair
        h, w = (
            conv_size(
                size=self.size[i],
                kernel=self.kernel[i],
                stride=self.stride[i],
                padding=p[i],
                dilation=self.dilation[i],
            )
            for i in (0, 1)
        )
        return (self.n, h, w)

    def weights(self) -> int:
        return self.n * (self.depth // self.groups) * self.kernel[0] * self.kernel[1]

    def parameters(self) -> int:
        return self.weights() + (self.n if self.bias else 0)

    def macs(self) -> int:
        n, h, w = self.output()
        return n * h * w * (self.depth // self.groups) * self.kernel[0] * self.kernel[1]

    def module(self) -> str:
        padding = repr(self.padding) if isinstance(self.padding, str) else str(self.padding)
        text = (
            f"torch.nn.Conv2d({self.depth}, {self.n}, kernel_size={self.kernel}, stride={self.stride}, "
            f"padding={padding}"
        )
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if not self.bias:
            text += ", bias=False"
        return text + ")"

    def lecture(self) -> str:
        padding = "same" if isinstance(self.padding, str) else pair(self.padding)
        text = (
            f"{self.depth}@{pair(self.size)}, f:{pair(self.kernel)}@{self.n}, "
            f"s:{pair(self.stride)}, z:{padding}"
        )
        if self.dilation != (1, 1):
            text += f", d:{pair(self.dilation)}"
        if self.groups != 1:
            text += f", groups:{self.groups}"
        return text

    def describe(self, notation: str) -> str:
        if notation == "pytorch":
            return (
                f"An input of shape (1, {self.depth}, {self.size[0]}, {self.size[1]}) goes "
                f"through {pytorch(self.module())}."
            )
        rect = (
            " (sizes are height x width)"
            if self.size[0] != self.size[1] or self.kernel[0] != self.kernel[1]
            else ""
        )
        return f"Convolution {self.lecture()}{rect}."

    def with_padding(self, padding: tuple[int, int]) -> Conv2dSpec:
        return replace(self, padding=padding)


def pytorch(module: str) -> str:
    return module.replace("torch.nn.", "nn.")


def whole(*, size: int, kernel: int, stride: int, padding: int = 0) -> bool:
    """Whether the lecture's (in + 2*pad - kernel) / stride comes out whole (and the layer is valid)."""
    span = size + 2 * padding - kernel
    return span >= 0 and span % stride == 0


def conv2d_draw(
    rng: random.Random, *, allow_same: bool = True, max_size: int = 64, scope: str = "advanced"
) -> Conv2dSpec:
    """A configuration PyTorch accepts, with an output of at least 1x1.

    In the lecture scope: no dilation, groups or "same", and the division comes out whole per axis.
    The advanced scope draws exactly what it drew before scopes existed (stored variants stay).
    """
    while True:
        if rng.random() < 0.7:
            side = rng.choice([s for s in LECTURE_SIZES if s <= max_size])
            size = (side, side)
        else:
            size = (rng.randint(5, max_size), rng.randint(5, max_size))
        if rng.random() < 0.8:
            k = _weighted(rng, {1: 1, 2: 2, 3: 6, 4: 2, 5: 5, 7: 2})
            kernel = (k, k)
        else:
            kernel = (rng.randint(1, 7), rng.randint(1, 7))
        s = _weighted(rng, {1: 5, 2: 4, 3: 1})
        stride = (s, s) if rng.random() < 0.9 else (rng.randint(1, 3), rng.randint(1, 3))
        z = _weighted(rng, {0: 5, 1: 3, 2: 3, 3: 1})
        padding: tuple[int, int] | str = (
            (z, z) if rng.random() < 0.9 else (rng.randint(0, 3), rng.randint(0, 3))
        )
        d = _weighted(rng, {1: 8, 2: 2, 3: 1})
        dilation = (d, d)
        depth, n, groups = rng.choice(DEPTHS), rng.choice(DEPTHS[1:] + (64,)), 1
        if rng.random() < 0.15:  # grouped or depthwise convolution
            groups = rng.choice((2, 3, 4))
            depth, n = groups * rng.randint(1, 8), groups * rng.randint(1, 8)
            if rng.random() < 0.3:
                depth = n = groups
        if allow_same and rng.random() < 0.12:
            stride, padding = (1, 1), "same"  # PyTorch allows "same" only with stride 1
        spec = Conv2dSpec(
            depth=depth,
            size=size,
            n=n,
            kernel=kernel,
            stride=stride,
            padding=padding,
            dilation=dilation,
            groups=groups,
            bias=rng.random() < 0.8,
        )
        if scope == "lecture":
            if spec.padding == "same":
                continue
            spec = replace(spec, dilation=(1, 1), groups=1)
            p = spec.padding_pair
            if not all(
                whole(size=spec.size[i], kernel=spec.kernel[i], stride=spec.stride[i], padding=p[i])
                for i in (0, 1)
            ):
                continue
        if min(spec.output()) >= 1:
            return spec


def _axis_formula(spec: Conv2dSpec, i: int) -> str:
    p = spec.padding_pair[i]
    d = spec.dilation[i]
    return (
        f"floor(({spec.size[i]} + 2*{p} - {d}*({spec.kernel[i]}-1) - 1) / {spec.stride[i]}) + 1 "
        f"= {spec.output()[i + 1]}"
    )


def conv2d_shape_explanation(spec: Conv2dSpec) -> str:
    n, h, w = spec.output()
    if spec.padding == "same":
        return (
            f"'same' padding (stride 1) keeps the spatial size: {pair(spec.size)}; the depth is the "
            "number of "
            f"filters, {n}. Output: {n}@{h}x{w}."
        )
    return (
        "out = floor((in + 2*z - d*(f-1) - 1) / s) + 1 per axis. "
        f"x: {_axis_formula(spec, 0)}; y: {_axis_formula(spec, 1)}. "
        f"The depth is the number of filters, {n}. Output: {n}@{h}x{w}."
    )


def conv2d_shape_mistakes(spec: Conv2dSpec) -> list[tuple[tuple[int, ...], str]]:
    n, h, w = spec.output()
    p = spec.padding_pair
    out: list[tuple[tuple[int, ...], str]] = []

    def axes(fn: object) -> tuple[int, int]:
        return tuple(fn(i) for i in (0, 1))  # type: ignore[operator,return-value]

    k_eff = [spec.dilation[i] * (spec.kernel[i] - 1) + 1 for i in (0, 1)]
    out.append(
        (
            (n, *axes(lambda i: conv_size(size=spec.size[i], kernel=k_eff[i], stride=spec.stride[i]))),
            "forgot the padding",
        )
    )
    out.append(
        (
            (n, *axes(lambda i: math.ceil((spec.size[i] + 2 * p[i] - k_eff[i]) / spec.stride[i]) + 1)),
            "used ceil instead of floor",
        )
    )
    out.append(((spec.depth, h, w), "counted the depth wrong (kept the input depth)"))
    out.append(
        (
            (
                n,
                *axes(
                    lambda i: conv_size(
                        size=spec.size[i], kernel=spec.kernel[i], stride=spec.stride[i], padding=p[i]
                    )
                ),
            ),
            "forgot the dilation",
        )
    )
    out.append(
        ((n, *axes(lambda i: (spec.size[i] + 2 * p[i] - k_eff[i]) // spec.stride[i])), "forgot the +1")
    )
    out.append(
        ((n, *axes(lambda i: (spec.size[i] + p[i] - k_eff[i]) // spec.stride[i] + 1)), "padded one side only")
    )
    out.append(((n, *axes(lambda i: spec.size[i] + 2 * p[i] - k_eff[i] + 1)), "forgot the stride"))
    return out


@generator_register(name="conv2d_output_shape", title="Conv2d output shape", advanced=True)
def conv2d_output_shape(rng: random.Random, notation: str, *, scope: str = "advanced") -> Draft:
    return conv2d_output_shape_draft(conv2d_draw(rng, scope=scope), notation)


def conv2d_output_shape_draft(spec: Conv2dSpec, notation: str) -> Draft:
    ask = (
        "What is the output shape (C, H, W)?"
        if notation == "pytorch"
        else "What is the output (depth@x x y)?"
    )
    n, h, w = spec.output()
    return Draft(
        prompt=f"{spec.describe(notation)} {ask}",
        answer_kind="shape",
        value=(n, h, w),
        explanation=conv2d_shape_explanation(spec),
        torch={
            "module": spec.module(),
            "input_shape": [1, spec.depth, *spec.size],
            "compare": "output_shape",
            "expected": [1, n, h, w],
        },
        mistakes=conv2d_shape_mistakes(spec),
    )


def conv2d_parameter_mistakes(spec: Conv2dSpec) -> list[tuple[tuple[int, ...], str]]:
    kk = spec.kernel[0] * spec.kernel[1]
    b = spec.n if spec.bias else 0
    per_group = spec.depth // spec.groups
    out: list[tuple[tuple[int, ...], str]] = [
        ((spec.weights(),), "forgot the bias")
        if spec.bias
        else ((spec.weights() + spec.n,), "added a bias the layer does not have"),
        ((spec.n * kk + b,), "counted the input depth wrong (left it out)"),
        ((spec.n * spec.n // spec.groups * kk + b,), "counted the input depth wrong (used the output depth)"),
        ((spec.n * spec.depth * kk + b,), "ignored the groups"),
        (
            (spec.n * per_group * (spec.kernel[0] + spec.kernel[1]) + b,),
            "added the kernel sides instead of multiplying",
        ),
        ((spec.weights() + spec.n * per_group,), "one bias per input channel"),
    ]
    return out


@generator_register(name="conv2d_parameters", title="Conv2d parameter count", advanced=True)
def conv2d_parameters(rng: random.Random, notation: str, *, scope: str = "advanced") -> Draft:
    return conv2d_parameters_draft(conv2d_draw(rng, scope=scope), notation)


def conv2d_parameters_draft(spec: Conv2dSpec, notation: str) -> Draft:
    bias = "has a bias per filter" if spec.bias else "has no bias"
    per_group = spec.depth // spec.groups
    groups = f" ({spec.depth} / {spec.groups} groups)" if spec.groups != 1 else ""
    explanation = (
        f"Each of the {spec.n} filters is {spec.kernel[0]}x{spec.kernel[1]} over {per_group} input channels"
        f"{groups}: {spec.n} * {spec.kernel[0]}*{spec.kernel[1]}*{per_group} = "
        f"{spec.weights()} weights"
    )
    explanation += (
        f", plus {spec.n} biases = {spec.parameters()}."
        if spec.bias
        else f"; no bias, so {spec.parameters()}."
    )
    return Draft(
        prompt=f"{spec.describe(notation)} The layer {bias}. How many parameters (weights and "
        "biases) does it have?",
        answer_kind="count",
        value=(spec.parameters(),),
        explanation=explanation,
        torch={
            "module": spec.module(),
            "input_shape": [1, spec.depth, *spec.size],
            "compare": "parameters",
            "expected": spec.parameters(),
        },
        mistakes=conv2d_parameter_mistakes(spec),
    )


@generator_register(name="conv2d_macs", title="Conv2d multiply-accumulate operations", advanced=True)
def conv2d_macs(rng: random.Random, notation: str, *, scope: str = "advanced") -> Draft:
    return conv2d_macs_draft(conv2d_draw(rng, max_size=48, scope=scope), notation)


def conv2d_macs_draft(spec: Conv2dSpec, notation: str) -> Draft:
    n, h, w = spec.output()
    per_group = spec.depth // spec.groups
    kk = spec.kernel[0] * spec.kernel[1]
    explanation = (
        f"Output {n}@{h}x{w}; every output value needs f_x*f_y*(input depth/groups) = "
        f"{spec.kernel[0]}*{spec.kernel[1]}*{per_group} = {kk * per_group} MACs: "
        f"{n}*{h}*{w}*{kk * per_group} = {spec.macs()} (the bias adds, not multiply-accumulates)."
    )
    in_h, in_w = spec.size
    return Draft(
        prompt=f"{spec.describe(notation)} How many multiply-accumulate operations (MACs) does one "
        "forward pass of "
        "one input take (bias additions not counted)?",
        answer_kind="count",
        value=(spec.macs(),),
        explanation=explanation,
        torch={
            "module": spec.module(),
            "input_shape": [1, spec.depth, *spec.size],
            "compare": "macs",
            "expected": spec.macs(),
        },
        mistakes=[
            ((2 * spec.macs(),), "counted FLOPs (2 per MAC) instead of MACs"),
            ((n * in_h * in_w * per_group * kk,), "used the input size instead of the output size"),
            ((n * h * w * kk,), "counted the input depth wrong (left it out)"),
            ((n * h * w * spec.depth * kk,), "ignored the groups"),
            ((spec.macs() + n * h * w,), "counted the bias as a MAC"),
            ((h * w * per_group * kk,), "forgot the number of filters"),
        ],
    )


@generator_register(
    name="conv2d_same_padding", title="Zero padding that keeps the size ('same')", advanced=True
)
def conv2d_same_padding(rng: random.Random, notation: str, *, scope: str = "advanced") -> Draft:
    spec = conv2d_draw(rng, allow_same=False, scope=scope)
    # Symmetric "same" padding needs an odd effective kernel and stride 1.
    k = rng.choice((1, 3, 3, 5, 5, 7))
    kernel = (k, k) if rng.random() < 0.8 else (rng.choice((1, 3, 5, 7)), rng.choice((1, 3, 5, 7)))
    d = _weighted(rng, {1: 4, 2: 1})
    if scope == "lecture":
        d = 1
    spec = replace(spec, kernel=kernel, stride=(1, 1), dilation=(d, d), padding=(0, 0))
    padding = (d * (kernel[0] - 1) // 2, d * (kernel[1] - 1) // 2)
    spec = spec.with_padding(padding)
    if notation == "pytorch":
        shown = pytorch(spec.with_padding((0, 0)).module()).replace("padding=(0, 0)", "padding=(?, ?)")
        prompt = (
            f"An input of shape (1, {spec.depth}, {spec.size[0]}, {spec.size[1]}) goes through {shown}. "
            f"What zero padding (pad_h, pad_w) keeps the output at {spec.size[0]}x{spec.size[1]}?"
        )
    else:
        shown = spec.lecture().replace(f"z:{pair(padding)}", "z:?x?")
        prompt = (
            f"Convolution {shown}. What zero padding z keeps the output at {pair(spec.size)} "
            "(answer as zx x zy)?"
        )
    return Draft(
        prompt=prompt,
        answer_kind="shape",
        value=padding,
        explanation=(
            "With stride 1 the size stays when 2*z = d*(f-1), so z = d*(f-1)/2 per axis: "
            f"x: {d}*({kernel[0]}-1)/2 = {padding[0]}; y: {d}*({kernel[1]}-1)/2 = {padding[1]}."
        ),
        # The answer is the padding written in the module; PyTorch checks that it keeps the size.
        torch={
            "module": spec.module(),
            "input_shape": [1, spec.depth, *spec.size],
            "compare": "output_shape",
            "expected": [1, spec.n, *spec.size],
            "answer_from": "padding",
        },
        mistakes=[
            ((kernel[0] - 1, kernel[1] - 1), "padded both sides with the total padding"),
            (((kernel[0] - 1) // 2, (kernel[1] - 1) // 2), "forgot the dilation"),
            ((kernel[0] // 2 + 1, kernel[1] // 2 + 1), "counted the centre pixel as padding"),
            ((d * (kernel[0] - 1), d * (kernel[1] - 1)), "padded both sides with the total padding"),
            ((kernel[0], kernel[1]), "used the kernel size"),
        ],
        shape_style="size",
    )


# --- 1-D convolution -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Conv1dSpec:
    depth: int
    length: int
    n: int
    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1
    bias: bool = True

    def output(self) -> tuple[int, int]:
        return (
            self.n,
            conv_size(
                size=self.length,
                kernel=self.kernel,
                stride=self.stride,
                padding=self.padding,
                dilation=self.dilation,
            ),
        )

    def parameters(self) -> int:
        return self.n * self.depth * self.kernel + (self.n if self.bias else 0)

    def module(self) -> str:
        text = (
            f"torch.nn.Conv1d({self.depth}, {self.n}, kernel_size={self.kernel}, "
            f"stride={self.stride}, padding={self.padding}"
        )
        if self.dilation != 1:
            text += f", dilation={self.dilation}"
        if not self.bias:
            text += ", bias=False"
        return text + ")"

    def describe(self, notation: str) -> str:
        if notation == "pytorch":
            return (
                f"A sequence of shape (1, {self.depth}, {self.length}) goes through {pytorch(self.module())}."
            )
        dilation = f", d:{self.dilation}" if self.dilation != 1 else ""
        return (
            f"1-D convolution {self.depth}@{self.length}, f:{self.kernel}@{self.n}, s:{self.stride}, "
            f"z:{self.padding}{dilation}."
        )


def conv1d_draw(rng: random.Random, *, scope: str = "advanced") -> Conv1dSpec:
    """A configuration PyTorch accepts; in the lecture scope no dilation and a whole division."""
    while True:
        spec = Conv1dSpec(
            depth=rng.choice((1, 2, 3, 4, 8, 16, 32, 64)),
            length=rng.choice((16, 20, 28, 32, 50, 64, 100, 128)),
            n=rng.choice((4, 8, 16, 32, 64)),
            kernel=_weighted(rng, {1: 1, 2: 1, 3: 5, 4: 1, 5: 4, 7: 2, 9: 1}),
            stride=_weighted(rng, {1: 5, 2: 4, 3: 1, 4: 1}),
            padding=_weighted(rng, {0: 5, 1: 3, 2: 3, 3: 1, 4: 1}),
            dilation=_weighted(rng, {1: 8, 2: 2, 4: 1}),
            bias=rng.random() < 0.8,
        )
        if scope == "lecture":
            spec = replace(spec, dilation=1)
            if not whole(size=spec.length, kernel=spec.kernel, stride=spec.stride, padding=spec.padding):
                continue
        if spec.output()[1] >= 1:
            return spec


@generator_register(name="conv1d_output_shape", title="Conv1d output shape", advanced=True)
def conv1d_output_shape(rng: random.Random, notation: str, *, scope: str = "advanced") -> Draft:
    spec = conv1d_draw(rng, scope=scope)
    n, length = spec.output()
    k_eff = spec.dilation * (spec.kernel - 1) + 1
    ask = (
        "What is the output shape (C, L)?" if notation == "pytorch" else "What is the output (depth@length)?"
    )
    return Draft(
        prompt=f"{spec.describe(notation)} {ask}",
        answer_kind="shape",
        value=(n, length),
        explanation=(
            "L_out = floor((L + 2*z - d*(f-1) - 1) / s) + 1 = "
            f"floor(({spec.length} + 2*{spec.padding} - {spec.dilation}*({spec.kernel}-1) - 1) / "
            f"{spec.stride}) + 1 "
            f"= {length}; the depth is the number of filters, {n}. Output: {n}@{length}."
        ),
        torch={
            "module": spec.module(),
            "input_shape": [1, spec.depth, spec.length],
            "compare": "output_shape",
            "expected": [1, n, length],
        },
        mistakes=[
            ((n, conv_size(size=spec.length, kernel=k_eff, stride=spec.stride)), "forgot the padding"),
            (
                (n, math.ceil((spec.length + 2 * spec.padding - k_eff) / spec.stride) + 1),
                "used ceil instead of floor",
            ),
            ((spec.depth, length), "counted the depth wrong (kept the input depth)"),
            (
                (
                    n,
                    conv_size(size=spec.length, kernel=spec.kernel, stride=spec.stride, padding=spec.padding),
                ),
                "forgot the dilation",
            ),
            ((n, (spec.length + 2 * spec.padding - k_eff) // spec.stride), "forgot the +1"),
            ((n, spec.length + 2 * spec.padding - k_eff + 1), "forgot the stride"),
        ],
    )


@generator_register(name="conv1d_parameters", title="Conv1d parameter count", advanced=True)
def conv1d_parameters(rng: random.Random, notation: str, *, scope: str = "advanced") -> Draft:
    spec = conv1d_draw(rng, scope=scope)
    weights = spec.n * spec.depth * spec.kernel
    bias = "has a bias per filter" if spec.bias else "has no bias"
    tail = (
        f" + {spec.n} biases = {spec.parameters()}." if spec.bias else f"; no bias, so {spec.parameters()}."
    )
    return Draft(
        prompt=f"{spec.describe(notation)} The layer {bias}. How many parameters does it have?",
        answer_kind="count",
        value=(spec.parameters(),),
        explanation=f"{spec.n} filters * {spec.kernel} taps * {spec.depth} input channels = "
        f"{weights} weights{tail}",
        torch={
            "module": spec.module(),
            "input_shape": [1, spec.depth, spec.length],
            "compare": "parameters",
            "expected": spec.parameters(),
        },
        mistakes=[
            ((weights,), "forgot the bias")
            if spec.bias
            else ((weights + spec.n,), "added a bias the layer does not have"),
            (
                (spec.n * spec.kernel + (spec.n if spec.bias else 0),),
                "counted the input depth wrong (left it out)",
            ),
            (
                (spec.n * spec.kernel * spec.kernel * spec.depth + (spec.n if spec.bias else 0),),
                "squared the kernel as if it were 2-D",
            ),
            (
                (spec.n * spec.n * spec.kernel + (spec.n if spec.bias else 0),),
                "counted the input depth wrong (used the output depth)",
            ),
        ],
    )


# --- transposed convolution ----------------------------------------------------------------------


@generator_register(name="conv_transpose2d_output_shape", title="ConvTranspose2d output shape", advanced=True)
def conv_transpose2d_output_shape(rng: random.Random, notation: str, *, scope: str = "advanced") -> Draft:
    while True:
        side = rng.choice((2, 3, 4, 5, 7, 8, 12, 14, 16, 28, 32))
        size = (side, side) if rng.random() < 0.8 else (rng.randint(2, 32), rng.randint(2, 32))
        k = _weighted(rng, {1: 1, 2: 4, 3: 4, 4: 4, 5: 2})
        s = _weighted(rng, {1: 2, 2: 5, 3: 1})
        p = _weighted(rng, {0: 4, 1: 4, 2: 1})
        d = _weighted(rng, {1: 8, 2: 1})
        op = rng.randint(0, max(s, d) - 1) if rng.random() < 0.3 else 0  # PyTorch: output_padding < max(s, d)
        if scope == "lecture":  # the plain transposed formula: no dilation, no output padding
            d, op = 1, 0
        depth, n = rng.choice(DEPTHS), rng.choice(DEPTHS[1:])
        outs = [
            conv_transpose_size(size=x, kernel=k, stride=s, padding=p, output_padding=op, dilation=d)
            for x in size
        ]
        if min(outs) >= 1:
            break
    module = f"torch.nn.ConvTranspose2d({depth}, {n}, kernel_size={(k, k)}, stride={(s, s)}, padding={(p, p)}"
    if op:
        module += f", output_padding={(op, op)}"
    if d != 1:
        module += f", dilation={(d, d)}"
    module += ")"
    if notation == "pytorch":
        prompt = (
            f"An input of shape (1, {depth}, {size[0]}, {size[1]}) goes through "
            f"{pytorch(module)}. What is the output shape (C, H, W)?"
        )
    else:
        extra = (f", output padding:{op}x{op}" if op else "") + (f", d:{d}x{d}" if d != 1 else "")
        rect = " (sizes are height x width)" if size[0] != size[1] else ""
        prompt = (
            f"Transposed convolution {depth}@{pair(size)}, f:{k}x{k}@{n}, s:{s}x{s}, z:{p}x{p}{extra}{rect}. "
            "What is the output (depth@x x y)?"
        )
    formula = "; ".join(
        f"({x}-1)*{s} - 2*{p} + {d}*({k}-1) + {op} + 1 = {o}" for x, o in zip(size, outs, strict=True)
    )
    return Draft(
        prompt=prompt,
        answer_kind="shape",
        value=(n, *outs),
        explanation=f"out = (in-1)*s - 2*z + d*(f-1) + output_padding + 1 per axis: {formula}. "
        f"Depth: {n} filters.",
        torch={
            "module": module,
            "input_shape": [1, depth, *size],
            "compare": "output_shape",
            "expected": [1, n, *outs],
        },
        mistakes=[
            (
                (n, *(conv_size(size=x, kernel=k, stride=s, padding=p, dilation=d) for x in size)),
                "used the ordinary convolution formula",
            ),
            ((n, *(o - op for o in outs)), "forgot the output padding"),
            ((n, *(o + 4 * p for o in outs)), "added the padding instead of removing it"),
            ((n, *(x * s - 2 * p + d * (k - 1) + op + 1 for x in size)), "used in*s instead of (in-1)*s"),
            ((depth, *outs), "counted the depth wrong (kept the input depth)"),
            ((n, *(o - 1 for o in outs)), "forgot the +1"),
        ],
    )


# --- pooling -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pool2dSpec:
    kind: str  # "max" or "avg"
    depth: int
    size: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int] = (0, 0)
    ceil_mode: bool = False

    def output(self) -> tuple[int, ...]:
        return (
            self.depth,
            *(
                pool_size(
                    size=self.size[i],
                    kernel=self.kernel[i],
                    stride=self.stride[i],
                    padding=self.padding[i],
                    ceil_mode=self.ceil_mode,
                )
                for i in (0, 1)
            ),
        )

    def module(self) -> str:
        name = "MaxPool2d" if self.kind == "max" else "AvgPool2d"
        text = f"torch.nn.{name}(kernel_size={self.kernel}, stride={self.stride}, padding={self.padding}"
        return text + (", ceil_mode=True)" if self.ceil_mode else ")")

    def lecture(self) -> str:
        text = (
            f"{self.kind}-pool {self.depth}@{pair(self.size)}, f:{pair(self.kernel)}, s:{pair(self.stride)}"
        )
        if self.padding != (0, 0):
            text += f", z:{pair(self.padding)}"
        return text + (", ceil mode" if self.ceil_mode else "")


def pool2d_draw(rng: random.Random, *, scope: str = "advanced") -> Pool2dSpec:
    """A configuration PyTorch accepts; in the lecture scope no ceil mode and a whole division."""
    while True:
        side = rng.choice(LECTURE_SIZES + (7, 13, 15, 27, 31))
        size = (side, side) if rng.random() < 0.8 else (rng.randint(3, 64), rng.randint(3, 64))
        k = _weighted(rng, {2: 6, 3: 4, 4: 1, 5: 1})
        kernel = (k, k) if rng.random() < 0.9 else (rng.randint(2, 4), rng.randint(2, 4))
        stride = kernel if rng.random() < 0.6 else ((s := rng.randint(1, 3)), s)
        # PyTorch: padding at most half the kernel.
        padding = (
            (0, 0) if rng.random() < 0.7 else (rng.randint(0, kernel[0] // 2), rng.randint(0, kernel[1] // 2))
        )
        spec = Pool2dSpec(
            kind=rng.choice(("max", "avg")),
            depth=rng.choice(DEPTHS + (64,)),
            size=size,
            kernel=kernel,
            stride=stride,
            padding=padding,
            ceil_mode=rng.random() < 0.3,
        )
        if scope == "lecture":
            spec = replace(spec, ceil_mode=False)
            if not all(
                whole(
                    size=spec.size[i], kernel=spec.kernel[i], stride=spec.stride[i], padding=spec.padding[i]
                )
                for i in (0, 1)
            ):
                continue
        if min(spec.output()) >= 1:
            return spec


@generator_register(name="pool2d_output_shape", title="Max/avg pooling output shape", advanced=True)
def pool2d_output_shape(rng: random.Random, notation: str, *, scope: str = "advanced") -> Draft:
    return pool2d_output_shape_draft(pool2d_draw(rng, scope=scope), notation)


def pool2d_output_shape_draft(spec: Pool2dSpec, notation: str) -> Draft:
    c, h, w = spec.output()
    if notation == "pytorch":
        prompt = (
            f"An input of shape (1, {spec.depth}, {spec.size[0]}, {spec.size[1]}) goes through "
            f"{pytorch(spec.module())}. What is the output shape (C, H, W)?"
        )
    else:
        rect = " (sizes are height x width)" if spec.size[0] != spec.size[1] else ""
        prompt = f"{spec.lecture().capitalize()}{rect}. What is the output (depth@x x y)?"
    rounding = "ceil" if spec.ceil_mode else "floor"
    formula = "; ".join(
        f"{rounding}(({spec.size[i]} + 2*{spec.padding[i]} - {spec.kernel[i]}) / {spec.stride[i]}) "
        f"+ 1 = {spec.output()[i + 1]}"
        for i in (0, 1)
    )
    note = (
        " (with ceil mode a window that would start in the right padding is dropped)"
        if spec.ceil_mode
        else ""
    )
    other = Pool2dSpec(**{**spec.__dict__, "ceil_mode": not spec.ceil_mode})
    no_pad = Pool2dSpec(**{**spec.__dict__, "padding": (0, 0)})
    return Draft(
        prompt=prompt,
        answer_kind="shape",
        value=(c, h, w),
        explanation=f"out = {rounding}((in + 2*z - f) / s) + 1 per axis{note}: {formula}. Pooling "
        f"keeps the depth, {c}.",
        torch={
            "module": spec.module(),
            "input_shape": [1, spec.depth, *spec.size],
            "compare": "output_shape",
            "expected": [1, c, h, w],
        },
        mistakes=[
            (
                other.output(),
                "used floor instead of ceil" if spec.ceil_mode else "used ceil instead of floor",
            ),
            (no_pad.output(), "forgot the padding"),
            (
                (
                    c,
                    *(
                        (spec.size[i] + 2 * spec.padding[i] - spec.kernel[i]) // spec.stride[i]
                        for i in (0, 1)
                    ),
                ),
                "forgot the +1",
            ),
            ((c, *(math.ceil(spec.size[i] / spec.stride[i]) for i in (0, 1))), "divided by the stride only"),
            ((c, *(spec.size[i] // spec.kernel[i] for i in (0, 1))), "divided by the window size only"),
            (
                (max(1, c // (spec.kernel[0] * spec.kernel[1])), h, w),
                "counted the depth wrong (pooled the depth too)",
            ),
        ],
    )


# --- receptive field -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldLayer:
    kind: str  # "conv", "max", "avg"
    kernel: int
    stride: int
    dilation: int = 1


def receptive_field(layers: list[FieldLayer]) -> int:
    """Side of the input window one output unit sees.

    r = 1 + sum (f_i - 1) * d_i * (product of the strides before layer i)
    """
    field, jump = 1, 1
    for layer in layers:
        field += (layer.kernel - 1) * layer.dilation * jump
        jump *= layer.stride
    return field


@generator_register(name="receptive_field", title="Receptive field of a conv/pool stack", advanced=True)
def receptive_field_question(rng: random.Random, notation: str, *, scope: str = "advanced") -> Draft:
    while True:
        layers = _field_layers_draw(rng, scope=scope)
        field = receptive_field(layers)
        if scope == "advanced":
            side = field + rng.randint(0, 6)
            break
        # The lecture scope: an input side on which every layer's division comes out whole.
        sides = [x for x in range(field, field + 13) if _field_sides_whole(layers, x)]
        if sides:
            side = rng.choice(sides)
            break
    return _receptive_field_draft(layers, field=field, side=side, rng=rng, notation=notation)


def _field_sides_whole(layers: list[FieldLayer], side: int) -> bool:
    for layer in layers:
        if not whole(size=side, kernel=(layer.kernel - 1) * layer.dilation + 1, stride=layer.stride):
            return False
        side = (side - (layer.kernel - 1) * layer.dilation - 1) // layer.stride + 1
    return True


def _field_layers_draw(rng: random.Random, *, scope: str) -> list[FieldLayer]:
    layers: list[FieldLayer] = []
    for _ in range(rng.randint(2, 4)):
        if layers and rng.random() < 0.3:
            k = rng.choice((2, 3))
            layers.append(FieldLayer(kind=rng.choice(("max", "avg")), kernel=k, stride=rng.choice((k, 2))))
        else:
            layers.append(
                FieldLayer(
                    kind="conv",
                    kernel=rng.choice((1, 3, 3, 5, 7)),
                    stride=_weighted(rng, {1: 3, 2: 2}),
                    dilation=_weighted(rng, {1: 5, 2: 1}) if scope == "advanced" else 1,
                )
            )
    return layers


def _receptive_field_draft(
    layers: list[FieldLayer], *, field: int, side: int, rng: random.Random, notation: str
) -> Draft:
    depth, width = rng.choice((1, 3)), rng.choice((4, 8))
    modules, lecture, channels = [], [], depth
    for layer in layers:
        if layer.kind == "conv":
            dil = f", dilation={(layer.dilation, layer.dilation)}" if layer.dilation != 1 else ""
            modules.append(
                f"torch.nn.Conv2d({channels}, {width}, kernel_size={(layer.kernel, layer.kernel)}, "
                f"stride={(layer.stride, layer.stride)}, padding=(0, 0){dil})"
            )
            dil_text = f", d:{layer.dilation}x{layer.dilation}" if layer.dilation != 1 else ""
            lecture.append(
                f"conv f:{layer.kernel}x{layer.kernel}@{width}, s:{layer.stride}x{layer.stride}{dil_text}"
            )
            channels = width
        else:
            name = "MaxPool2d" if layer.kind == "max" else "AvgPool2d"
            modules.append(
                f"torch.nn.{name}(kernel_size={(layer.kernel, layer.kernel)}, "
                f"stride={(layer.stride, layer.stride)})"
            )
            lecture.append(
                f"{layer.kind}-pool f:{layer.kernel}x{layer.kernel}, s:{layer.stride}x{layer.stride}"
            )
    module = "torch.nn.Sequential(" + ", ".join(modules) + ")"
    stack = pytorch(module) if notation == "pytorch" else f"{depth}@{side}x{side} -> " + " -> ".join(lecture)
    terms, jump = [], 1
    for layer in layers:
        terms.append(f"({layer.kernel}-1)*{layer.dilation}*{jump}")
        jump *= layer.stride
    ignored_strides = 1 + sum((la.kernel - 1) * la.dilation for la in layers)
    own_stride = receptive_field(
        [FieldLayer(la.kind, la.kernel, la.stride, la.dilation * la.stride) for la in layers]
    )
    no_dilation = receptive_field([FieldLayer(la.kind, la.kernel, la.stride) for la in layers])
    return Draft(
        prompt=f"Stack (no padding): {stack}. How many input pixels wide is the receptive field of "
        "one output "
        "unit (answer n for an n x n window)?",
        answer_kind="count",
        value=(field,),
        explanation=(
            "r = 1 + sum over layers of (f-1)*d*(product of the strides before the layer) = 1 + "
            f"{' + '.join(terms)} = {field}."
        ),
        torch={
            "module": module,
            "input_shape": [1, depth, side, side],
            "compare": "receptive_field",
            "expected": field,
        },
        mistakes=[
            ((ignored_strides,), "ignored the strides"),
            ((sum(la.kernel for la in layers),), "added up the kernel sizes"),
            ((own_stride,), "multiplied by the layer's own stride too"),
            ((no_dilation,), "forgot the dilation"),
            ((field * 2 - 1,), "counted the field on both sides of the centre"),
        ],
    )
