import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.neptun import NEPTUN_HELP, InvalidNeptunCode, neptun_is_valid, neptun_normalize

ALNUM = string.ascii_letters + string.digits
codes = st.text(alphabet=ALNUM, min_size=6, max_size=6)


@given(code=codes, left=st.text(" \t\n", max_size=3), right=st.text(" \t\n", max_size=3))
def test_valid_codes_are_trimmed_and_upper_cased(code, left, right):
    normalized = neptun_normalize(left + code + right)
    assert normalized == code.upper()
    assert len(normalized) == 6 and normalized.isascii() and normalized.isupper() or normalized.isdigit()


@given(text=st.text(max_size=12))
def test_anything_else_is_rejected_with_the_format_explained(text):
    stripped = text.strip()
    expected_valid = len(stripped) == 6 and all(c in ALNUM for c in stripped)
    if expected_valid:
        assert neptun_normalize(text) == stripped.upper()
    else:
        with pytest.raises(InvalidNeptunCode) as raised:
            neptun_normalize(text)
        assert NEPTUN_HELP in str(raised.value)


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("abc123 ", "ABC123"),
        (" Q1W2E3", "Q1W2E3"),
        ("ABC12", None),
        ("ABC1234", None),
        ("ABC-12", None),
        ("ÁBC123", None),
        ("abcdeı", None),
        ("", None),
        ("ＡBC123", None),
    ],
)
def test_examples(raw, expected):
    if expected:
        assert neptun_normalize(raw) == expected
    else:
        assert not neptun_is_valid(raw)


def test_non_text_is_rejected():
    assert not neptun_is_valid(None)
    assert not neptun_is_valid(123456)
