"""The generator scope: lecture variants keep to the slide's formula, advanced ones still go beyond it.

The checks read each variant's PyTorch module text (``beyond_lecture``), not the generator's own
state, so a generator that ignores its scope fails here.
"""

import json
import random

import pytest

from quizzes.generators import (
    SCOPES,
    answer_check,
    convolution,
    generator_advanced_names,
    generator_names,
    variant_generate,
)
from quizzes.generators.scope import beyond_lecture
from quizzes.verification import variant_verify

SEEDS = range(400)
CONV_SHAPES = ("conv2d_output_shape", "conv2d_parameters", "conv2d_macs", "conv1d_output_shape")


@pytest.mark.parametrize("name", generator_names())
def test_every_lecture_variant_keeps_to_the_slide(name):
    beyond = {}
    for seed in SEEDS:
        variant = variant_generate(generator=name, seed=seed, notation="lecture", scope="lecture")
        if reasons := beyond_lecture(torch=variant.torch):
            beyond[seed] = reasons
        assert answer_check(variant=variant, text=variant.answer)
    assert beyond == {}


@pytest.mark.parametrize("name", CONV_SHAPES)
def test_lecture_conv_division_is_whole_and_plain(name):
    # The slide's own arithmetic, written out: (in + 2p - k) % s == 0, no dilation/groups/"same".
    for seed in SEEDS:
        module = variant_generate(generator=name, seed=seed, scope="lecture").torch["module"]
        assert "dilation" not in module and "groups" not in module and "same" not in module
    for seed in SEEDS:
        if name.startswith("conv1d"):
            spec1 = convolution.conv1d_draw(random.Random(seed), scope="lecture")
            assert spec1.dilation == 1
            assert (spec1.length + 2 * spec1.padding - spec1.kernel) % spec1.stride == 0
            continue
        spec = convolution.conv2d_draw(random.Random(seed), scope="lecture")
        assert spec.dilation == (1, 1) and spec.groups == 1 and spec.padding != "same"
        for i in (0, 1):
            assert (spec.size[i] + 2 * spec.padding[i] - spec.kernel[i]) % spec.stride[i] == 0
            assert (
                spec.output()[i + 1]
                == (spec.size[i] + 2 * spec.padding[i] - spec.kernel[i]) // spec.stride[i] + 1
            )


@pytest.mark.parametrize("name", generator_advanced_names())
def test_advanced_scope_still_draws_the_advanced_forms(name):
    reasons = set()
    for seed in SEEDS:
        reasons.update(
            beyond_lecture(torch=variant_generate(generator=name, seed=seed, scope="advanced").torch)
        )
    assert reasons, f"{name} has an advanced form but drew none in {len(SEEDS)} seeds"


def test_advanced_conv2d_shapes_draw_every_form():
    reasons = set()
    for seed in SEEDS:
        reasons.update(
            beyond_lecture(torch=variant_generate(generator="conv2d_output_shape", seed=seed).torch)
        )
    assert reasons == {"dilation", "groups", "same padding", "division not whole"}


def test_the_default_scope_is_advanced_so_stored_variants_do_not_change():
    for name in generator_names():
        assert variant_generate(generator=name, seed=7) == variant_generate(
            generator=name, seed=7, scope="advanced"
        )


def test_generators_without_an_advanced_form_ignore_the_scope():
    for name in set(generator_names()) - set(generator_advanced_names()):
        for seed in range(20):
            lecture = variant_generate(generator=name, seed=seed, scope="lecture")
            assert lecture == variant_generate(generator=name, seed=seed, scope="advanced")


def test_an_unknown_scope_is_refused():
    with pytest.raises(ValueError, match="scope must be one of"):
        variant_generate(generator="conv2d_output_shape", seed=1, scope="expert")
    assert SCOPES == ("lecture", "advanced")


def test_the_checker_names_each_form():
    plain = {"module": "torch.nn.Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))"}
    assert beyond_lecture(torch={**plain, "input_shape": [1, 3, 31, 31]}) == []
    assert beyond_lecture(torch={**plain, "input_shape": [1, 3, 32, 32]}) == ["division not whole"]
    dilated = (
        "torch.nn.Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(0, 0), dilation=(2, 2), groups=3)"
    )
    assert beyond_lecture(torch={"module": dilated, "input_shape": [1, 3, 9, 9]}) == ["dilation", "groups"]
    same = "torch.nn.Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding='same')"
    assert beyond_lecture(torch={"module": same, "input_shape": [1, 3, 9, 9]}) == ["same padding"]
    pool = "torch.nn.MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=True)"
    assert beyond_lecture(torch={"module": pool, "input_shape": [1, 3, 7, 7]}) == [
        "ceil mode",
        "division not whole",
    ]
    stack = (
        "torch.nn.Sequential(torch.nn.Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(0, 0)), "
        "torch.nn.ReLU(), torch.nn.MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)))"
    )
    assert beyond_lecture(torch={"module": stack, "input_shape": [1, 1, 10, 10]}) == []
    assert beyond_lecture(torch={"module": stack, "input_shape": [1, 1, 11, 11]}) == ["division not whole"]


@pytest.mark.parametrize("name", generator_advanced_names())
def test_lecture_variants_agree_with_pytorch(name):
    for seed in range(5):
        variant = variant_generate(generator=name, seed=seed, scope="lecture")
        assert variant_verify(variant=variant).ok, (seed, variant.torch)


def test_quiz_generate_prints_the_scope_asked_for():
    from io import StringIO

    from django.core.management import call_command

    def rows(scope):
        out = StringIO()
        args = ("conv2d_output_shape", "--count", "60", "--format", "json", "--scope", scope)
        call_command("quiz_generate", *args, stdout=out)
        return json.loads(out.getvalue())

    assert not [r for r in rows("lecture") if beyond_lecture(torch=r["torch"])]
    assert [r for r in rows("advanced") if beyond_lecture(torch=r["torch"])]
