"""The quiz_generate management command: --list, JSON and text output, --verify, errors."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from quizzes.generators import generator_names


def run(*args):
    out = StringIO()
    call_command("quiz_generate", *args, stdout=out)
    return out.getvalue()


def test_list_names_the_generators():
    names = [line.split("\t")[0] for line in run("--list").splitlines()]
    assert names == generator_names()


def test_json_output_lists_the_variants():
    rows = json.loads(run("conv2d_output_shape", "--count", "3", "--seed", "10", "--format", "json"))
    assert [row["seed"] for row in rows] == [10, 11, 12]
    for row in rows:
        assert {"generator", "seed", "prompt", "answer", "choices", "explanation", "torch"} <= set(row)
        assert row["generator"] == "conv2d_output_shape"
        assert row["answer"] in row["choices"] and len(row["choices"]) == 4
        assert {"module", "input_shape"} <= set(row["torch"])


def test_the_same_seed_prints_the_same_variants():
    args = ("recurrent_parameters", "--count", "2", "--seed", "5", "--format", "json")
    assert run(*args) == run(*args)


def test_text_output_with_verification():
    text = run("pool2d_output_shape", "--count", "2", "--verify", "--notation", "pytorch")
    assert text.count("verified in PyTorch") == 2
    assert "nn.MaxPool2d" in text or "nn.AvgPool2d" in text


def test_json_with_verification_marks_each_variant():
    rows = json.loads(run("receptive_field", "--count", "2", "--format", "json", "--verify"))
    assert [row["verified"] for row in rows] == [True, True]


@pytest.mark.parametrize("args", [("no_such_generator",), (), ("conv2d_parameters", "--count", "0")])
def test_bad_arguments_are_explained(args):
    with pytest.raises(CommandError):
        run(*args)
