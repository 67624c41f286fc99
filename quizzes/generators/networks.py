"""Whole small networks walked layer by layer, flatten sizes and dense (linear) layers."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from quizzes.generators.convolution import (
    Conv2dSpec,
    Pool2dSpec,
    conv2d_parameter_mistakes,
    conv2d_shape_explanation,
    conv2d_shape_mistakes,
    pytorch,
)
from quizzes.generators.core import Draft, generator_register
from quizzes.generators.scope import beyond_lecture

Mistakes = list[tuple[tuple[int, ...], str]]


@dataclass(frozen=True)
class Layer:
    module: str
    lecture: str
    shape_in: tuple[int, ...]
    shape_out: tuple[int, ...]
    parameters: int = 0
    biases: int = 0
    shape_explanation: str = ""
    parameter_explanation: str = ""
    shape_mistakes: Mistakes = field(default_factory=list)
    parameter_mistakes: Mistakes = field(default_factory=list)


@dataclass(frozen=True)
class Network:
    name: str
    shape_in: tuple[int, ...]
    layers: tuple[Layer, ...]

    def sequential(self, layers: Sequence[Layer] | None = None) -> str:
        return "torch.nn.Sequential(" + ", ".join(la.module for la in (layers or self.layers)) + ")"

    def describe(self, notation: str) -> str:
        c, h, w = self.shape_in
        if notation == "pytorch":
            listing = ", ".join(f"({i}) {pytorch(la.module)}" for i, la in enumerate(self.layers, 1))
            return f"{self.name}: an input of shape (1, {c}, {h}, {w}) goes through the layers {listing}."
        listing = " -> ".join(f"({i}) {la.lecture}" for i, la in enumerate(self.layers, 1))
        return f"{self.name}: {c}@{h}x{w} -> {listing}."

    def total(self) -> int:
        return sum(la.parameters for la in self.layers)


def shape_text(shape: tuple[int, ...]) -> str:
    return f"{shape[0]}@{shape[1]}x{shape[2]}" if len(shape) == 3 else str(shape[0])


def layer_conv(shape: tuple[int, ...], *, n: int, kernel: int, padding: int = 0, stride: int = 1) -> Layer:
    spec = Conv2dSpec(
        depth=shape[0],
        size=(shape[1], shape[2]),
        n=n,
        kernel=(kernel, kernel),
        stride=(stride, stride),
        padding=(padding, padding),
    )
    return Layer(
        module=spec.module(),
        lecture=f"conv f:{kernel}x{kernel}@{n}, s:{stride}x{stride}, z:{padding}x{padding}",
        shape_in=shape,
        shape_out=spec.output(),
        parameters=spec.parameters(),
        biases=n,
        shape_explanation=conv2d_shape_explanation(spec),
        parameter_explanation=(
            f"{n} filters * {kernel}*{kernel}*{shape[0]} (input depth) = {spec.weights()} weights + "
            f"{n} biases "
            f"= {spec.parameters()}."
        ),
        shape_mistakes=conv2d_shape_mistakes(spec),
        parameter_mistakes=conv2d_parameter_mistakes(spec),
    )


def layer_pool(shape: tuple[int, ...], *, kind: str, kernel: int = 2) -> Layer:
    spec = Pool2dSpec(
        kind=kind, depth=shape[0], size=(shape[1], shape[2]), kernel=(kernel, kernel), stride=(kernel, kernel)
    )
    out = spec.output()
    ceil = Pool2dSpec(**{**spec.__dict__, "ceil_mode": True}).output()
    return Layer(
        module=spec.module(),
        lecture=f"{kind}-pool f:{kernel}x{kernel}, s:{kernel}x{kernel}",
        shape_in=shape,
        shape_out=out,
        shape_explanation=(
            f"floor(({shape[1]} - {kernel}) / {kernel}) + 1 = {out[1]}, floor(({shape[2]} - "
            f"{kernel}) / {kernel}) + 1 "
            f"= {out[2]}; pooling keeps the depth: {shape_text(out)}."
        ),
        shape_mistakes=[
            (ceil, "used ceil instead of floor"),
            (
                (out[0] // (kernel * kernel) or 1, out[1], out[2]),
                "counted the depth wrong (pooled the depth too)",
            ),
            (shape, "forgot the pooling"),
        ],
    )


def layer_activation(shape: tuple[int, ...], *, name: str, before: Layer | None) -> Layer:
    return Layer(
        module=f"torch.nn.{name}()",
        lecture=name,
        shape_in=shape,
        shape_out=shape,
        shape_explanation=f"{name} works element by element: the shape stays {shape_text(shape)}.",
        shape_mistakes=list(before.shape_mistakes) if before else [],
    )


def layer_flatten(shape: tuple[int, ...], *, before: Layer | None) -> Layer:
    c, h, w = shape
    mistakes: Mistakes = [
        ((h * w,), "counted the input depth wrong (forgot it)"),
        ((c * h,), "used one side only"),
    ]
    for wrong, why in before.shape_mistakes if before else []:
        if len(wrong) == 3:
            mistakes.append(((wrong[0] * wrong[1] * wrong[2],), f"{why} earlier"))
    return Layer(
        module="torch.nn.Flatten()",
        lecture="flatten",
        shape_in=shape,
        shape_out=(c * h * w,),
        shape_explanation=f"Flatten multiplies depth and sides: {c}*{h}*{w} = {c * h * w}.",
        shape_mistakes=mistakes,
    )


def linear_mistakes(n_in: int, n_out: int, *, bias: bool = True) -> Mistakes:
    b = n_out if bias else 0
    return [
        ((n_in * n_out,), "forgot the bias")
        if bias
        else ((n_in * n_out + n_out,), "added a bias the layer does not have"),
        ((n_in * n_out + n_in,), "one bias per input instead of per output"),
        (((n_in + 1) * (n_out + 1),), "added a bias unit on both sides"),
        ((n_in + n_out + b,), "added the sizes instead of multiplying"),
    ]


def layer_linear(shape: tuple[int, ...], *, n: int, bias: bool = True) -> Layer:
    n_in = shape[0]
    parameters = n_in * n + (n if bias else 0)
    return Layer(
        module=f"torch.nn.Linear({n_in}, {n})" if bias else f"torch.nn.Linear({n_in}, {n}, bias=False)",
        lecture=f"FC {n}",
        shape_in=shape,
        shape_out=(n,),
        parameters=parameters,
        biases=n if bias else 0,
        shape_explanation=f"A dense layer gives one value per unit: {n}.",
        parameter_explanation=f"{n_in} inputs * {n} units = {n_in * n} weights + {n} biases = {parameters}.",
        shape_mistakes=[((n_in,), "kept the input size")],
        parameter_mistakes=linear_mistakes(n_in, n, bias=bias),
    )


def network_lenet5() -> Network:
    """LeNet-5 as the lecture's slide and the course's reference model (reference_models/problems/digits.py)
    build it: tanh, max pooling (LeCun's 1998 net subsampled by a trainable average; the parameter counts
    are the same either way, pooling here has none)."""
    shape: tuple[int, ...] = (1, 32, 32)
    layers: list[Layer] = []
    plan: list[tuple[str, int]] = [
        ("conv", 6),
        ("Tanh", 0),
        ("max", 2),
        ("conv", 16),
        ("Tanh", 0),
        ("max", 2),
        ("flatten", 0),
        ("fc", 120),
        ("Tanh", 0),
        ("fc", 84),
        ("Tanh", 0),
        ("fc", 10),
    ]
    for kind, size in plan:
        layers.append(_layer(kind, size, shape, layers, kernel=5, padding=0))
        shape = layers[-1].shape_out
    return Network(name="LeNet-5", shape_in=(1, 32, 32), layers=tuple(layers))


def network_simple() -> Network:
    """The lecture's simple conv net: 3@32x32 -> conv 12@32x32 -> ReLU -> maxpool 12@16x16 -> FC 10."""
    layers: list[Layer] = []
    shape: tuple[int, ...] = (3, 32, 32)
    for kind, size in [("conv", 12), ("ReLU", 0), ("max", 2), ("flatten", 0), ("fc", 10)]:
        layers.append(_layer(kind, size, shape, layers, kernel=5, padding=2))
        shape = layers[-1].shape_out
    return Network(name="Simple conv net", shape_in=(3, 32, 32), layers=tuple(layers))


def _layer(
    kind: str, size: int, shape: tuple[int, ...], layers: list[Layer], *, kernel: int, padding: int
) -> Layer:
    before = layers[-1] if layers else None
    if kind == "conv":
        return layer_conv(shape, n=size, kernel=kernel, padding=padding)
    if kind in ("max", "avg"):
        return layer_pool(shape, kind=kind, kernel=size)
    if kind == "flatten":
        return layer_flatten(shape, before=before)
    if kind == "fc":
        return layer_linear(shape, n=size)
    return layer_activation(shape, name=kind, before=before)


def network_draw(rng: random.Random, *, classifier: bool = True, scope: str = "advanced") -> Network:
    """A network of ``_network_draw``; in the lecture scope every conv and pooling layer divides whole."""
    while True:
        network = _network_draw(rng, classifier=classifier)
        if scope == "advanced" or not any(
            beyond_lecture(torch={"module": la.module, "input_shape": (1, *la.shape_in)})
            for la in network.layers
        ):
            return network


def _network_draw(rng: random.Random, *, classifier: bool = True) -> Network:
    """LeNet-5, the simple conv net, or a random small conv net of the same kind (inputs up to 64x64)."""
    if classifier:
        pick = rng.random()
        if pick < 0.15:
            return network_lenet5()
        if pick < 0.3:
            return network_simple()
    while True:
        side = rng.choice((16, 28, 32, 48, 64))
        shape: tuple[int, ...] = (rng.choice((1, 3)), side, side)
        layers: list[Layer] = []
        activation = rng.choice(("ReLU", "ReLU", "Tanh"))
        for _ in range(rng.randint(1, 3)):
            kernel = rng.choice((3, 5))
            padding = rng.choice((0, kernel // 2))
            layers.append(
                layer_conv(
                    shape,
                    n=rng.choice((6, 8, 12, 16, 32)),
                    kernel=kernel,
                    padding=padding,
                    stride=1 if rng.random() < 0.85 else 2,
                )
            )
            if min(layers[-1].shape_out) < 1:
                break
            layers.append(layer_activation(layers[-1].shape_out, name=activation, before=layers[-1]))
            if layers[-1].shape_out[1] >= 4 and rng.random() < 0.8:
                layers.append(
                    layer_pool(
                        layers[-1].shape_out,
                        kind=rng.choice(("max", "max", "avg")),
                        kernel=rng.choice((2, 2, 3)),
                    )
                )
            shape = layers[-1].shape_out
            if min(shape[1:]) < 3:
                break
        if len(shape) != 3 or min(shape) < 1:
            continue
        layers.append(layer_flatten(shape, before=layers[-1]))
        if classifier:
            if rng.random() < 0.5:
                layers.append(layer_linear(layers[-1].shape_out, n=rng.choice((32, 64, 84, 100, 128))))
                layers.append(layer_activation(layers[-1].shape_out, name=activation, before=layers[-1]))
            layers.append(layer_linear(layers[-1].shape_out, n=rng.choice((2, 5, 10, 10, 100))))
        # Only networks PyTorch accepts, small enough to check thousands of variants quickly.
        if (
            min(min(la.shape_out) for la in layers) >= 1
            and layers[-1].shape_out[0] <= 20000
            and sum(la.parameters for la in layers) <= 1_500_000
        ):
            return Network(name="Network", shape_in=layers[0].shape_in, layers=tuple(layers))


@generator_register(
    name="network_layer_output_shape", title="Network: output shape after layer k", advanced=True
)
def network_layer_output_shape(rng: random.Random, notation: str, *, scope: str = "advanced") -> Draft:
    network = network_draw(rng, scope=scope)
    k = rng.randint(1, len(network.layers))
    return network_layer_output_shape_draft(network, k, notation)


def network_layer_output_shape_draft(network: Network, k: int, notation: str) -> Draft:
    layer = network.layers[k - 1]
    ask = (
        "(C, H, W), or (N,) after flatten"
        if notation == "pytorch"
        else "(depth@x x y, or a length after flatten)"
    )
    return Draft(
        prompt=f"{network.describe(notation)} What is the output of layer {k}, without the batch {ask}?",
        answer_kind="shape",
        value=layer.shape_out,
        explanation=f"Layer {k} gets {shape_text(layer.shape_in)}. {layer.shape_explanation}",
        torch={
            "module": network.sequential(network.layers[:k]),
            "input_shape": [1, *network.shape_in],
            "compare": "output_shape",
            "expected": [1, *layer.shape_out],
        },
        mistakes=list(layer.shape_mistakes) + [(layer.shape_in, "stopped one layer early")],
    )


@generator_register(name="network_layer_parameters", title="Network: parameters of layer k", advanced=True)
def network_layer_parameters(rng: random.Random, notation: str, *, scope: str = "advanced") -> Draft:
    network = network_draw(rng, scope=scope)
    k = rng.choice([i for i, la in enumerate(network.layers, 1) if la.parameters])
    return network_layer_parameters_draft(network, k, notation)


def network_layer_parameters_draft(network: Network, k: int, notation: str) -> Draft:
    layer = network.layers[k - 1]
    return Draft(
        prompt=f"{network.describe(notation)} How many parameters (weights and biases) does layer {k} have?",
        answer_kind="count",
        value=(layer.parameters,),
        explanation=f"Layer {k} gets {shape_text(layer.shape_in)}. {layer.parameter_explanation}",
        torch={
            "module": layer.module,
            "input_shape": [1, *layer.shape_in],
            "compare": "parameters",
            "expected": layer.parameters,
        },
        mistakes=list(layer.parameter_mistakes),
    )


@generator_register(name="network_total_parameters", title="Network: total parameter count", advanced=True)
def network_total_parameters(rng: random.Random, notation: str, *, scope: str = "advanced") -> Draft:
    return network_total_parameters_draft(network_draw(rng, scope=scope), notation)


def network_total_parameters_draft(network: Network, notation: str) -> Draft:
    total = network.total()
    with_params = [(i, la) for i, la in enumerate(network.layers, 1) if la.parameters]
    terms = " + ".join(f"{la.parameters} (layer {i})" for i, la in with_params)
    conv_only = sum(la.parameters for la in network.layers if "Conv" in la.module)
    fc_only = total - conv_only
    first_fc = next((la for la in network.layers if "Linear" in la.module), None)
    mistakes: Mistakes = [
        ((total - sum(la.biases for la in network.layers),), "forgot the biases"),
        ((conv_only,), "counted the conv layers only"),
        ((fc_only,), "counted the dense layers only"),
    ]
    if first_fc is not None:
        c_h_w = first_fc.shape_in[0]
        flat_in = next(la.shape_in for la in network.layers if "Flatten" in la.module)
        mistakes.append(
            (
                (
                    total
                    - first_fc.parameters
                    + (c_h_w // flat_in[0]) * first_fc.shape_out[0]
                    + first_fc.shape_out[0],
                ),
                "counted the input depth wrong at the flatten",
            )
        )
    return Draft(
        prompt=f"{network.describe(notation)} How many parameters (weights and biases) does the "
        "whole network have?",
        answer_kind="count",
        value=(total,),
        explanation=f"Only conv and dense layers have parameters: {terms} = {total}.",
        torch={
            "module": network.sequential(),
            "input_shape": [1, *network.shape_in],
            "compare": "parameters",
            "expected": total,
        },
        mistakes=mistakes,
    )


@generator_register(name="flatten_size", title="Flatten size after a conv/pool stack", advanced=True)
def flatten_size(rng: random.Random, notation: str, *, scope: str = "advanced") -> Draft:
    network = network_draw(rng, classifier=False, scope=scope)
    flat = network.layers[-1]
    c, h, w = flat.shape_in
    return Draft(
        prompt=f"{network.describe(notation)} How many values does the flatten layer output per input?",
        answer_kind="count",
        value=flat.shape_out,
        explanation=(
            " ".join(
                f"({i}) {la.lecture}: {shape_text(la.shape_out)}." for i, la in enumerate(network.layers, 1)
            )
            + f" Flatten: {c}*{h}*{w} = {c * h * w}."
        ),
        torch={
            "module": network.sequential(),
            "input_shape": [1, *network.shape_in],
            "compare": "output_shape",
            "expected": [1, *flat.shape_out],
        },
        mistakes=list(flat.shape_mistakes),
    )


@generator_register(name="linear_parameters", title="Dense (linear) layer parameter count")
def linear_parameters(rng: random.Random, notation: str) -> Draft:
    n_in = (
        rng.choice((2, 4, 10, 16, 64, 84, 120, 128, 256, 400, 500, 512, 784, 1024, 3072, 9408))
        if rng.random() < 0.8
        else rng.randint(2, 4096)
    )
    n_out = (
        rng.choice((1, 2, 10, 16, 32, 64, 84, 100, 120, 128, 256, 512))
        if rng.random() < 0.8
        else rng.randint(1, 1024)
    )
    bias = rng.random() < 0.85
    layer = layer_linear((n_in,), n=n_out, bias=bias)
    if notation == "pytorch":
        prompt = f"How many parameters does {pytorch(layer.module)} have?"
    else:
        kind = "with bias" if bias else "without bias"
        prompt = (
            f"A dense (fully connected) layer {kind} maps {n_in} inputs to {n_out} outputs. "
            "How many parameters does it have?"
        )
    explanation = (
        layer.parameter_explanation
        if bias
        else f"{n_in} inputs * {n_out} units = {n_in * n_out} weights, no bias."
    )
    return Draft(
        prompt=prompt,
        answer_kind="count",
        value=(layer.parameters,),
        explanation=explanation,
        torch={
            "module": layer.module,
            "input_shape": [1, n_in],
            "compare": "parameters",
            "expected": layer.parameters,
        },
        mistakes=layer.parameter_mistakes,
    )
