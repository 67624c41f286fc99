"""Recurrent layers: parameter counts (PyTorch and Keras conventions) and output shapes.

PyTorch keeps two bias vectors per gate (b_ih and b_hh), Keras one, so ``nn.LSTM(10, 20)`` has
2560 parameters and Keras' ``LSTM(20)`` on 10 features 2480. Keras' GRU keeps two as well unless
``reset_after=False``; the Keras variants here name that argument so the one-bias rule holds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from quizzes.generators.convolution import pytorch
from quizzes.generators.core import Draft, generator_register

GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}
KERAS_NAMES = {"RNN": "SimpleRNN", "LSTM": "LSTM", "GRU": "GRU"}


@dataclass(frozen=True)
class RecurrentSpec:
    cell: str  # "RNN", "LSTM" or "GRU"
    input_size: int
    hidden: int
    layers: int = 1
    bidirectional: bool = False

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1

    def module(self, *, batch_first: bool = True) -> str:
        text = f"torch.nn.{self.cell}({self.input_size}, {self.hidden}"
        if self.layers != 1:
            text += f", num_layers={self.layers}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text + (", batch_first=True)" if batch_first else ")")

    def keras(self) -> str:
        extra = ", reset_after=False" if self.cell == "GRU" else ""
        layers = []
        for i in range(self.layers):
            sequences = ", return_sequences=True" if i < self.layers - 1 else ""
            layer = f"{KERAS_NAMES[self.cell]}({self.hidden}{sequences}{extra})"
            layers.append(f"Bidirectional({layer})" if self.bidirectional else layer)
        return ", ".join(layers)

    def lecture(self) -> str:
        layers = f"{self.layers} stacked layers" if self.layers > 1 else "one layer"
        bidirectional = ", bidirectional" if self.bidirectional else ""
        return (
            f"{self.cell}: {self.input_size} input features, {self.hidden} hidden units, "
            f"{layers}{bidirectional}"
        )


def recurrent_parameter_count(
    *,
    cell: str,
    input_size: int,
    hidden: int,
    layers: int = 1,
    bidirectional: bool = False,
    convention: str = "pytorch",
) -> int:
    """Parameters of a (stacked, maybe bidirectional) recurrent layer.

    Per layer and direction: gates * (hidden*input + hidden*hidden + biases), with two bias vectors
    per gate in PyTorch and one in Keras (GRU with reset_after=False); a stacked layer's input is
    the previous layer's output, hidden * directions wide.
    """
    gates, directions = GATES[cell], 2 if bidirectional else 1
    biases = 2 if convention == "pytorch" else 1
    total, width = 0, input_size
    for _ in range(layers):
        total += directions * gates * (hidden * width + hidden * hidden + biases * hidden)
        width = hidden * directions
    return total


@generator_register(name="recurrent_parameters", title="RNN/LSTM/GRU parameter count (PyTorch or Keras)")
def recurrent_parameters(rng: random.Random, notation: str) -> Draft:
    spec = RecurrentSpec(
        cell=rng.choice(("RNN", "LSTM", "LSTM", "GRU")),
        input_size=rng.choice((1, 2, 3, 8, 10, 16, 32, 50, 64, 100, 128)),
        hidden=rng.choice((4, 8, 16, 20, 32, 50, 64, 100, 128)),
        layers=rng.choice((1, 1, 1, 2, 2, 3)),
        bidirectional=rng.random() < 0.3,
    )
    convention = rng.choice(("pytorch", "keras"))
    return recurrent_parameters_draft(spec, convention, notation)


def recurrent_parameters_draft(spec: RecurrentSpec, convention: str, notation: str) -> Draft:
    args = {
        "cell": spec.cell,
        "input_size": spec.input_size,
        "hidden": spec.hidden,
        "layers": spec.layers,
        "bidirectional": spec.bidirectional,
    }
    count = recurrent_parameter_count(**args, convention=convention)  # type: ignore[arg-type]
    other = "keras" if convention == "pytorch" else "pytorch"
    gates, d, h = GATES[spec.cell], spec.directions, spec.hidden
    if convention == "keras":
        rule = "Count the Keras way: one bias vector per gate."
        layer_text = f"Keras layers {spec.keras()} on inputs of shape (timesteps, {spec.input_size})"
        if notation == "lecture":
            layer_text = f"In Keras, {spec.lecture()} ({spec.keras()})"
    else:
        rule = "Count the PyTorch way: two bias vectors (b_ih and b_hh) per gate."
        layer_text = f"{pytorch(spec.module())} on inputs with {spec.input_size} features"
        if notation == "lecture":
            layer_text = f"In PyTorch, {spec.lecture()}"
    biases = 2 if convention == "pytorch" else 1
    steps, width = [], spec.input_size
    for i in range(spec.layers):
        steps.append(f"layer {i + 1}: {d}*{gates}*({h}*{width} + {h}*{h} + {biases}*{h})")
        width = h * d
    explanation = (
        f"{spec.cell} has {gates} gate(s); per layer and direction: gates*(h*in + h*h + "
        f"{biases}*h), and a stacked "
        f"layer's input is h*directions = {h * d} wide. " + "; ".join(steps) + f". Total {count}."
    )
    no_bidi = recurrent_parameter_count(**{**args, "bidirectional": False}, convention=convention)  # type: ignore[arg-type]
    same_input = (
        count
        if spec.layers == 1
        else sum(d * gates * (h * spec.input_size + h * h + biases * h) for _ in range(spec.layers))
    )
    no_stack_width = (
        count
        if spec.layers == 1 or d == 1
        else sum(
            d * gates * (h * (spec.input_size if i == 0 else h) + h * h + biases * h)
            for i in range(spec.layers)
        )
    )
    mistakes = [
        (
            (recurrent_parameter_count(**args, convention=other),),  # type: ignore[arg-type]
            "counted biases the Keras way" if other == "keras" else "counted biases the PyTorch way",
        ),
        ((no_bidi,), "forgot the factor 2 of a bidirectional layer"),
        ((no_stack_width,), "forgot that a bidirectional layer's output is 2*h wide"),
        ((same_input,), "counted the input depth wrong (used the input size for every layer)"),
        ((count // gates,), "forgot the gates"),
        ((count - d * gates * biases * h * spec.layers,), "forgot the biases"),
        ((count * 2 if not spec.bidirectional else count + gates * h,), "counted a second direction"),
    ]
    torch = {
        "module": spec.module(),
        "input_shape": [1, 3, spec.input_size],
        # Keras' count is PyTorch's without the second bias vectors (bias_hh_*).
        "compare": "parameters" if convention == "pytorch" else "parameters_one_bias",
        "expected": count,
    }
    return Draft(
        prompt=f"{layer_text}. How many trainable parameters? {rule}",
        answer_kind="count",
        value=(count,),
        explanation=explanation,
        torch=torch,
        mistakes=mistakes,
    )


@generator_register(name="recurrent_output_shape", title="RNN/LSTM/GRU output shape")
def recurrent_output_shape(rng: random.Random, notation: str) -> Draft:
    spec = RecurrentSpec(
        cell=rng.choice(("RNN", "LSTM", "GRU")),
        input_size=rng.choice((1, 3, 8, 10, 16, 32)),
        hidden=rng.choice((4, 8, 16, 20, 32, 64)),
        layers=rng.choice((1, 1, 2, 3)),
        bidirectional=rng.random() < 0.4,
    )
    batch, steps = rng.choice((1, 2, 4, 8, 16, 32)), rng.choice((3, 5, 7, 10, 20, 50))
    batch_first = rng.random() < 0.6
    select = rng.choice(("output", "output", "last_step", "h_n"))
    d, h = spec.directions, spec.hidden
    input_shape = [batch, steps, spec.input_size] if batch_first else [steps, batch, spec.input_size]
    out_width = d * h
    value: tuple[int, ...]
    swapped: tuple[int, ...]
    if select == "output":
        value = (batch, steps, out_width) if batch_first else (steps, batch, out_width)
        asked = "the shape of output (the whole sequence, return_sequences)"
        why = f"output has one vector of h*directions = {h}*{d} = {out_width} per time step" + (
            ", batch first" if batch_first else ", time first (batch_first=False)"
        )
        swapped = (value[1], value[0], value[2])
    elif select == "last_step":
        value = (batch, out_width)
        index = "output[:, -1]" if batch_first else "output[-1]"
        asked = f"the shape of {index} (the last time step only)"
        why = f"the last step keeps batch and the h*directions = {h}*{d} = {out_width} features"
        swapped = (steps, out_width)
    else:
        value = (spec.layers * d, batch, h)
        asked = "the shape of the final hidden state h_n"
        why = f"h_n has one vector per layer and direction ({spec.layers}*{d}), always batch second"
        swapped = (batch, spec.layers * d, h)
    module = spec.module(batch_first=batch_first)
    if notation == "pytorch":
        prompt = (
            f"output, h_n = {pytorch(module)}(x)"
            if spec.cell != "LSTM"
            else f"output, (h_n, c_n) = {pytorch(module)}(x)"
        )
        prompt += f" with x of shape {tuple(input_shape)}. What is {asked}?"
    else:
        order = "batch, time, features" if batch_first else "time, batch, features"
        prompt = (
            f"{spec.lecture()} (PyTorch, {order}) gets a batch of {batch} sequences of {steps} steps. "
            f"What is {asked}? Give all sizes, batch included."
        )
    wrong_width = tuple(h if v == out_width and select != "h_n" else v for v in value)
    return Draft(
        prompt=prompt,
        answer_kind="shape",
        value=value,
        explanation=f"{why}: {value}.",
        torch={
            "module": module,
            "input_shape": input_shape,
            "compare": "output_shape",
            "select": select,
            "expected": list(value),
        },
        mistakes=[
            (wrong_width, "forgot the factor 2 of a bidirectional layer"),
            (swapped, "mixed up the batch and time axes"),
            (
                (batch, steps, out_width) if select != "output" else (batch, out_width),
                "returned the wrong thing (sequence vs last step)",
            ),
            (
                (d, batch, h)
                if select == "h_n"
                else tuple(v * spec.layers if v == out_width else v for v in value),
                "mixed up layers and directions",
            ),
            (tuple(spec.input_size if v == out_width else v for v in value), "kept the input size"),
        ],
        shape_style="tensor",
    )
