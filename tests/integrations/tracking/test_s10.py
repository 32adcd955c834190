from hypothesis import given
from hypothesis import strategies as st

from integrations.tracking.s10 import (
    is_valid_s10,
    looks_like_s10,
    normalize_tracking_code,
    s10_check_digit,
)


def test_known_codes() -> None:
    assert is_valid_s10("AA123456785BR") and is_valid_s10("QC400289226BR")
    assert not is_valid_s10("AA123456789BR")
    assert looks_like_s10("AA123456789BR")
    assert normalize_tracking_code(" aa123.456.785-br ") == "AA123456785BR"


@given(st.from_regex(r"\A\d{8}\Z"), st.integers(0, 9))
def test_exactly_one_check_digit_is_valid(serial: str, digit: int) -> None:
    code = f"AB{serial}{digit}BR"
    assert is_valid_s10(code) == (digit == s10_check_digit(serial))
