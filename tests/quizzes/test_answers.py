"""Typed answers: the accepted ways to write shapes and counts, and nothing but AnswerFormatError."""

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizzes.answers import AnswerFormatError, answer_parse, count_parse, shape_parse
from quizzes.generators import answer_check, variant_generate


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("12@28x28", (12, 28, 28)),
        ("12x28x28", (12, 28, 28)),
        ("(12, 28, 28)", (12, 28, 28)),
        ("[1, 12, 28, 28]", (1, 12, 28, 28)),
        ("torch.Size([1, 12, 28, 28])", (1, 12, 28, 28)),
        (" 12 @ 28 × 28 ", (12, 28, 28)),
        ("12X28X28", (12, 28, 28)),
        ("(10,)", (10,)),
        ("10", (10,)),
        ("2x2", (2, 2)),
    ],
)
def test_shapes(text, shape):
    assert shape_parse(text) == shape


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("912", 912),
        ("9,264", 9264),
        ("9 264", 9264),
        ("14448.0", 14448),
        ("1\u202f234\u202f567", 1234567),
        ("61_706", 61706),
        (" 2560 ", 2560),
    ],
)
def test_counts(text, count):
    assert count_parse(text) == count


@pytest.mark.parametrize("text", ["", "   ", "12@28x28", "1.5", "9,26", "12 34", "ten", "1e4", "-5", "٣"])
def test_counts_in_other_forms_get_a_message(text):
    with pytest.raises(AnswerFormatError, match=r"."):
        count_parse(text)


@pytest.mark.parametrize("text", ["", "@", "12@", "(", "()", "[1, 2", "12@28x", "a x b", "12@28@28", "1.5x2"])
def test_shapes_in_other_forms_get_a_message(text):
    with pytest.raises(AnswerFormatError) as raised:
        shape_parse(text)
    assert str(raised.value)


def test_answer_check_accepts_the_forms_people_write():
    variant = variant_generate(generator="conv2d_output_shape", seed=7)
    c, h, w = variant.value
    for text in (f"{c}@{h}x{w}", f"{c}x{h}x{w}", f"({c}, {h}, {w})", f"[1, {c}, {h}, {w}]"):
        assert answer_check(variant=variant, text=text)
    assert not answer_check(variant=variant, text=f"{c}@{h + 1}x{w}")
    with pytest.raises(AnswerFormatError):
        answer_check(variant=variant, text="no idea")


@settings(max_examples=500, deadline=None)
@given(text=st.text(max_size=120), kind=st.sampled_from(["shape", "count"]))
def test_parser_never_raises_anything_else(text, kind):
    try:
        value = answer_parse(answer_kind=kind, text=text)
    except AnswerFormatError as error:
        assert str(error)
    else:
        assert value and all(isinstance(v, int) and v >= 0 for v in value)


_JOINERS = st.sampled_from(["x", " x ", "×", "X", "*"])


@settings(max_examples=300, deadline=None)
@given(sizes=st.lists(st.integers(0, 10**6), min_size=1, max_size=5), joiner=_JOINERS, data=st.data())
def test_every_written_form_of_a_shape_reads_back(sizes, joiner, data):
    shape = tuple(sizes)
    forms = [joiner.join(map(str, shape)), "(" + ", ".join(map(str, shape)) + ",)", str(list(shape))]
    if len(shape) > 1:
        forms.append(f"{shape[0]}@" + joiner.join(map(str, shape[1:])))
    assert shape_parse(data.draw(st.sampled_from(forms))) == shape


@settings(max_examples=300, deadline=None)
@given(n=st.integers(0, 10**15), separator=st.sampled_from([",", " ", "\u00a0", "\u202f", "_", "'"]))
def test_every_written_form_of_a_count_reads_back(n, separator):
    grouped = f"{n:,}".replace(",", separator)
    for text in (str(n), grouped, f"{n}.0", f"{n}.00"):
        assert count_parse(text) == n


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="0123456789@x,.()[] ", max_size=30))
def test_answer_check_never_raises_anything_else(text):
    for name in ("conv2d_output_shape", "recurrent_output_shape", "linear_parameters"):
        variant = variant_generate(generator=name, seed=1)
        with contextlib.suppress(AnswerFormatError):
            assert answer_check(variant=variant, text=text) in (True, False)
