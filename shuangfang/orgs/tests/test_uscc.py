"""Pure tests of USCC validation; no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from shuangfang.orgs.uscc import (
    REGISTRATION_DEPARTMENTS,
    USCC_ALPHABET,
    InvalidUSCC,
    is_valid_uscc,
    make_uscc,
    validate_uscc,
)

# A real company's code, also the example in python-stdnum's documentation.
KNOWN_VALID = "91110000600037341L"


def test_known_valid_code_passes():
    assert validate_uscc(KNOWN_VALID) == KNOWN_VALID
    assert is_valid_uscc(KNOWN_VALID)


def test_make_uscc_reproduces_known_check_digit():
    assert make_uscc(KNOWN_VALID[:-1]) == KNOWN_VALID


@pytest.mark.parametrize(
    "body",
    [
        "91140500MA0GRT3K7",  # enterprise registered in 晋城
        "92140525MA0H12345",  # individual business in 泽州县
        "12140000405763221",  # public institution, Shanxi
        "51140000MJ1234567",  # social organisation
    ],
)
def test_generated_codes_pass(body):
    code = make_uscc(body)
    assert len(code) == 18 and code.startswith(body)
    assert validate_uscc(code) == code


@pytest.mark.parametrize("body", ["A1110000MB0123456", "N2140525MF1234567", "Y1140500MA0ABCDEF"])
def test_letter_department_codes_pass(body):
    code = make_uscc(body)
    assert validate_uscc(code) == code
    # The reason for the wrapper: python-stdnum refuses these.
    assert not stdnum_uscc.is_valid(code)


def test_wrong_check_digit_fails_with_message():
    wrong = KNOWN_VALID[:-1] + ("M" if KNOWN_VALID[-1] != "M" else "N")
    with pytest.raises(InvalidUSCC, match="校验码错误"):
        validate_uscc(wrong)
    assert not is_valid_uscc(wrong)


def test_invalid_uscc_is_a_value_error():
    assert issubclass(InvalidUSCC, ValueError)


def test_lowercase_and_spaces_are_normalised():
    assert validate_uscc(" 9111 0000 6000 3734 1l ") == KNOWN_VALID
    assert validate_uscc("91110000600037341l") == KNOWN_VALID


def test_full_width_characters_are_normalised():
    assert validate_uscc("９１１１００００６０００３７３４１Ｌ") == KNOWN_VALID


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "请填写"),
        ("9111000060003734", "应为18位"),
        ("91110000600037341LL", "应为18位"),
        ("B1110000600037341L", "登记管理部门代码"),
        ("9A110000600037341L", "必须是数字"),
        ("91110000600O37341L", "不允许的字符"),
        ("91110000600037341I", "不允许的字符"),
    ],
)
def test_malformed_codes_fail_with_message(value, message):
    with pytest.raises(InvalidUSCC, match=message):
        validate_uscc(value)


def test_non_string_fails():
    with pytest.raises(InvalidUSCC):
        validate_uscc(None)  # type: ignore[arg-type]
    assert not is_valid_uscc(91110000600037341)  # type: ignore[arg-type]


@pytest.mark.parametrize("body", ["91110000600037341L", "9111000060003734", "Z1110000600037341"])
def test_make_uscc_rejects_bad_bodies(body):
    with pytest.raises(InvalidUSCC):
        make_uscc(body)


# Property tests -----------------------------------------------------------------------------------------------------

bodies = st.builds(
    lambda department, kind, region, subject: department + kind + region + subject,
    st.sampled_from(sorted(REGISTRATION_DEPARTMENTS)),
    st.sampled_from("0123456789"),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(USCC_ALPHABET, min_size=9, max_size=9),
)


@given(bodies)
def test_make_uscc_always_validates(body):
    code = make_uscc(body)
    assert validate_uscc(code) == code
    assert is_valid_uscc(code.lower())


@given(bodies, st.integers(min_value=0, max_value=17), st.sampled_from(USCC_ALPHABET + "IOSVZ-#中"))
def test_any_single_substitution_is_detected(body, position, replacement):
    code = make_uscc(body)
    if code[position] == replacement:
        replacement = USCC_ALPHABET[(USCC_ALPHABET.index(replacement) + 1) % len(USCC_ALPHABET)]
    mutated = code[:position] + replacement + code[position + 1 :]
    assert mutated != code
    assert not is_valid_uscc(mutated)
