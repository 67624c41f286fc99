"""Parametric questions: registry, seeds, the lecture's worked examples, Keras counts, distractors."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.generators import (
    AnswerFormatError,
    UnknownGeneratorError,
    answer_check,
    generator_get,
    generator_names,
    seed_for_player,
    variant_assemble,
    variant_generate,
)
from quizzes.generators.convolution import (
    Conv2dSpec,
    Pool2dSpec,
    conv2d_output_shape_draft,
    conv2d_parameters_draft,
    pool2d_output_shape_draft,
)
from quizzes.generators.networks import (
    network_layer_output_shape_draft,
    network_lenet5,
    network_simple,
    network_total_parameters_draft,
)
from quizzes.generators.recurrent import RecurrentSpec, recurrent_parameter_count, recurrent_parameters_draft
from quizzes.verification import variant_verify

EXPECTED_GENERATORS = {
    "conv1d_output_shape",
    "conv1d_parameters",
    "conv2d_macs",
    "conv2d_output_shape",
    "conv2d_parameters",
    "conv2d_same_padding",
    "conv_transpose2d_output_shape",
    "flatten_size",
    "linear_parameters",
    "network_layer_output_shape",
    "network_layer_parameters",
    "network_total_parameters",
    "pool2d_output_shape",
    "receptive_field",
    "recurrent_output_shape",
    "recurrent_parameters",
}


def assembled(draft, notation="lecture"):
    return variant_assemble(generator="lecture", seed=0, notation=notation, draft=draft)


def test_registry_names_every_generator():
    assert set(generator_names()) == EXPECTED_GENERATORS
    assert generator_get("conv2d_output_shape").title
    with pytest.raises(UnknownGeneratorError):
        generator_get("no_such_generator")


@pytest.mark.parametrize("name", sorted(EXPECTED_GENERATORS))
def test_variant_is_determined_by_generator_and_seed(name):
    first = variant_generate(generator=name, seed=12345)
    assert variant_generate(generator=name, seed=12345) == first
    other = variant_generate(generator=name, seed=12345, notation="pytorch")
    assert other.value == first.value and other.torch == first.torch
    assert len({variant_generate(generator=name, seed=s).prompt for s in range(20)}) > 5
    json.dumps(first.to_dict())


def test_unknown_notation_is_refused():
    with pytest.raises(ValueError, match="notation"):
        variant_generate(generator="conv2d_output_shape", seed=1, notation="keras")


def test_player_seed_is_stable_and_distinguishes_players():
    seed = seed_for_player(game_key="game-7", question_key="q3", neptun_code="abc123")
    assert seed == seed_for_player(game_key="game-7", question_key="q3", neptun_code=" ABC123 ")
    # Fixed value: Python's hash() would change between processes, sha256 does not.
    assert seed == 2041255014492279735
    assert seed != seed_for_player(game_key="game-7", question_key="q3", neptun_code="XYZ789")
    assert seed != seed_for_player(game_key="game-7", question_key="q4", neptun_code="ABC123")


# --- the lecture's worked examples -----------------------------------------------------------------

LECTURE_CONVOLUTIONS = [
    (
        Conv2dSpec(depth=3, size=(32, 32), n=12, kernel=(5, 5)),
        "3@32x32, f:5x5@12, s:1x1, z:0x0",
        "12@28x28",
        912,
    ),
    (
        Conv2dSpec(depth=12, size=(28, 28), n=48, kernel=(5, 5), padding=(2, 2)),
        "12@28x28, f:5x5@48, s:1x1, z:2x2",
        "48@28x28",
        14448,
    ),
    (
        Conv2dSpec(depth=12, size=(28, 28), n=48, kernel=(4, 4), stride=(2, 2)),
        "12@28x28, f:4x4@48, s:2x2, z:0x0",
        "48@13x13",
        9264,
    ),
]


@pytest.mark.parametrize(("spec", "notation", "shape", "weights"), LECTURE_CONVOLUTIONS)
def test_lecture_convolutions(spec, notation, shape, weights):
    shape_variant = assembled(conv2d_output_shape_draft(spec, "lecture"))
    assert notation in shape_variant.prompt
    assert shape_variant.answer == shape
    assert answer_check(variant=shape_variant, text=shape)
    count_variant = assembled(conv2d_parameters_draft(spec, "lecture"))
    assert count_variant.answer == str(weights)
    assert answer_check(variant=count_variant, text=f"{weights:,}")
    assert variant_verify(variant=shape_variant).ok
    assert variant_verify(variant=count_variant).ok


def test_lecture_max_pool():
    spec = Pool2dSpec(kind="max", depth=48, size=(28, 28), kernel=(2, 2), stride=(2, 2))
    variant = assembled(pool2d_output_shape_draft(spec, "lecture"))
    assert "48@28x28, f:2x2, s:2x2" in variant.prompt
    assert variant.answer == "48@14x14"
    assert variant_verify(variant=variant).ok


def test_lecture_torch_construction_is_plain_data():
    spec = LECTURE_CONVOLUTIONS[0][0]
    variant = assembled(conv2d_output_shape_draft(spec, "lecture"))
    assert (
        variant.torch["module"] == "torch.nn.Conv2d(3, 12, kernel_size=(5, 5), stride=(1, 1), padding=(0, 0))"
    )
    assert variant.torch["input_shape"] == [1, 3, 32, 32]


def test_lecture_networks():
    simple = network_simple()
    assert [la.shape_out for la in simple.layers] == [
        (12, 32, 32),
        (12, 32, 32),
        (12, 16, 16),
        (3072,),
        (10,),
    ]
    assert simple.total() == 912 + 30730
    lenet = network_lenet5()
    assert [la.parameters for la in lenet.layers if la.parameters] == [156, 2416, 48120, 10164, 850]
    assert lenet.total() == 61706
    for draft in (
        network_layer_output_shape_draft(simple, 3, "lecture"),
        network_total_parameters_draft(lenet, "pytorch"),
    ):
        assert variant_verify(variant=assembled(draft)).ok
    assert assembled(network_layer_output_shape_draft(simple, 3, "lecture")).answer == "12@16x16"


# --- recurrent layers: PyTorch and Keras conventions --------------------------------------------------

# Counts Keras prints in model.summary(): its docs and tutorials, and the issue's LSTM(20) example.
KNOWN_KERAS_COUNTS = [
    ("LSTM", 10, 20, 1, False, 2480),  # LSTM(20) on 10 features
    ("LSTM", 1, 4, 1, False, 96),  # LSTM(4) on a univariate series
    ("LSTM", 1, 50, 1, False, 10400),  # LSTM(50) on a univariate series
    ("LSTM", 64, 64, 1, True, 66048),  # TF text-classification tutorial: Bidirectional(LSTM(64))
    ("SimpleRNN", 1, 4, 1, False, 24),
    ("SimpleRNN", 8, 32, 1, False, 1312),
    ("GRU", 1, 4, 1, False, 72),  # GRU(4, reset_after=False)
    ("LSTM", 64, 64, 2, True, 66048 + 4 * (64 * 128 + 64 * 64 + 64) * 2),
]


@pytest.mark.parametrize(
    ("cell", "features", "units", "layers", "bidirectional", "count"), KNOWN_KERAS_COUNTS
)
def test_keras_counts_match_known_summaries(cell, features, units, layers, bidirectional, count):
    cell = {"SimpleRNN": "RNN"}.get(cell, cell)
    assert (
        recurrent_parameter_count(
            cell=cell,
            input_size=features,
            hidden=units,
            layers=layers,
            bidirectional=bidirectional,
            convention="keras",
        )
        == count
    )


def test_issue_lstm_example_both_conventions():
    spec = RecurrentSpec(cell="LSTM", input_size=10, hidden=20)
    pytorch = assembled(recurrent_parameters_draft(spec, "pytorch", "pytorch"))
    keras = assembled(recurrent_parameters_draft(spec, "keras", "lecture"))
    assert (pytorch.value, keras.value) == ((2560,), (2480,))
    assert "two bias vectors" in pytorch.prompt and "one bias vector" in keras.prompt
    assert "2480" in pytorch.choices and "2560" in keras.choices  # the other convention is a distractor
    assert variant_verify(variant=pytorch).ok and variant_verify(variant=keras).ok


# --- distractors ------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(EXPECTED_GENERATORS)), seed=st.integers(0, 2**63 - 1))
def test_distractors_are_distinct_and_wrong(name, seed):
    for notation in ("lecture", "pytorch"):
        variant = variant_generate(generator=name, seed=seed, notation=notation)
        assert len(variant.choices) == 4 and len(set(variant.choices)) == 4
        assert variant.answer in variant.choices
        assert sorted(variant.choices) == sorted([variant.answer, *(d.text for d in variant.distractors)])
        assert answer_check(variant=variant, text=variant.answer)
        for distractor in variant.distractors:
            assert distractor.mistake
            assert not answer_check(variant=variant, text=distractor.text)


def test_malformed_answers_raise_only_the_format_error():
    variant = variant_generate(generator="conv2d_parameters", seed=3)
    with pytest.raises(AnswerFormatError, match="whole number"):
        answer_check(variant=variant, text="12@28x28")
