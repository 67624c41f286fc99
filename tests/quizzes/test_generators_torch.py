"""Every generator's answers, rebuilt in PyTorch: 1,000 random variants each, all must be right.

Each variant's ``torch`` construction is built from its text (restricted to torch.nn classes with
literal arguments), run on a zero tensor of ``input_shape``, and its output shape, parameters,
MACs or receptive field compared with the answer the platform would mark correct.
"""

import pytest
import torch

from quizzes.generators import answer_check, generator_names, variant_generate
from quizzes.generators.recurrent import GATES
from quizzes.verification import VerificationError, construction_check, module_build, variant_verify

VARIANTS_PER_GENERATOR = 1000


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    # Small tensors: threads only add overhead, and the machine's cores are shared.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name", generator_names())
def test_pytorch_agrees_with_every_variant(name):
    failures = []
    for seed in range(VARIANTS_PER_GENERATOR):
        variant = variant_generate(generator=name, seed=seed)
        try:
            verdict = variant_verify(variant=variant)
        except VerificationError as error:
            failures.append((seed, str(error)))
            continue
        if not verdict.ok:
            failures.append((seed, verdict))
        assert answer_check(variant=variant, text=variant.answer)
    assert failures == []


def keras_formula(*, cell, input_size, hidden, layers, bidirectional):
    """Keras' count written out independently: one bias vector per gate."""
    total, width = 0, input_size
    for _ in range(layers):
        per_direction = GATES[cell] * (hidden * width + hidden * hidden + hidden)
        total += per_direction * (2 if bidirectional else 1)
        width = hidden * (2 if bidirectional else 1)
    return total


def test_keras_variants_match_the_formula():
    checked = 0
    for seed in range(3000):
        variant = variant_generate(generator="recurrent_parameters", seed=seed)
        if variant.torch["compare"] != "parameters_one_bias":
            continue
        module = module_build(variant.torch["module"])
        expected = keras_formula(
            cell=type(module).__name__,
            input_size=module.input_size,
            hidden=module.hidden_size,
            layers=module.num_layers,
            bidirectional=module.bidirectional,
        )
        assert variant.value == (expected,)
        assert "Keras" in variant.prompt and "one bias vector per gate" in variant.prompt
        checked += 1
    assert checked >= 1000


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "torch.load('x.pt')",
        "torch.nn.Module.__subclasses__()",
        "torch.nn.Linear(*[3, 4])",
        "torch.nn.Linear(10 ** 9, 10)",
        "torch.nn.Linear(1000000, 1000000)",
        "torch.nn.Sequential(torch.nn.ReLU(), print('hi'))",
        "torch.nn.Conv2d(3, 12, kernel_size=open('f'))",
        "torch.nn.Linear(3, 4).weight",
        "lambda: 0",
        "torch.nn.Linear(",
    ],
)
def test_module_expressions_outside_the_allowed_form_are_refused(expression):
    with pytest.raises(VerificationError):
        module_build(expression)


def test_a_wrong_expected_value_is_caught():
    construction = {
        "module": "torch.nn.Conv2d(3, 12, kernel_size=(5, 5), stride=(1, 1), padding=(0, 0))",
        "input_shape": [1, 3, 32, 32],
        "compare": "output_shape",
        "expected": [1, 12, 27, 27],
    }
    verdict = construction_check(construction=construction)
    assert not verdict.ok and verdict.measured == [1, 12, 28, 28]
    with pytest.raises(VerificationError, match="refused"):
        construction_check(construction={**construction, "input_shape": [1, 3, 4, 4]})
