"""Unified social credit code (统一社会信用代码) validation, per GB 32100-2015.

Layout of the 18 characters:

* 1: 登记管理部门代码 (registration department),
* 2: 机构类别代码 (kind of organisation within that department),
* 3–8: 登记管理机关行政区划码 (GB/T 2260 region of the registering office),
* 9–17: 主体标识码 (organisation code, digits or letters),
* 18: check digit, weighted sum modulo 31 over the 31-character alphabet below.

We wrap ``stdnum.cn.uscc`` for the check digit, but not for the format: python-stdnum requires the first eight
characters to be digits, so it rejects real codes issued by the departments coded with letters (A, N, Y). Such
organisations, e.g. village collective economic organisations registered by agriculture departments (N), can
own boilers or cylinders, so the platform must accept them.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from stdnum.cn import uscc as stdnum_uscc

USCC_LENGTH = 18

# Digits plus the upper-case letters except I, O, S, V, Z (GB 32100-2015 excludes them to avoid confusion with
# digits). The index of a character is its value in the check-digit sum.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

# 登记管理部门代码 assigned under GB 32100-2015 and the code-assignment arrangements that followed it.
REGISTRATION_DEPARTMENTS: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}


class InvalidUSCC(ValueError):
    """The value is not a valid unified social credit code; the message, in the active language, is fit to show to
    users."""


def _normalise(value: object) -> str:
    """Drop all whitespace and upper-case. NFKC first turns full-width characters typed with a Chinese input
    method (e.g. "９１１…Ｌ") into their ASCII forms."""
    if not isinstance(value, str):
        raise InvalidUSCC(_("统一社会信用代码必须是文本。"))
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def _check_body(body: str) -> None:
    """Check the first 17 characters (everything except the check digit) against GB 32100-2015."""
    illegal = sorted({character for character in body if character not in USCC_ALPHABET})
    if illegal:
        raise InvalidUSCC(
            _("统一社会信用代码含有不允许的字符：%(characters)s（只能使用数字和除 I、O、S、V、Z 以外的大写字母）。")
            % {"characters": pgettext("list separator", "、").join(illegal)}
        )
    if body[0] not in REGISTRATION_DEPARTMENTS:
        raise InvalidUSCC(_("统一社会信用代码第1位（登记管理部门代码）“%(character)s”无效。") % {"character": body[0]})
    if not body[1:8].isdigit():
        raise InvalidUSCC(_("统一社会信用代码第2位（机构类别代码）和第3至8位（行政区划码）必须是数字。"))


def validate_uscc(value: str) -> str:
    """Return the normalised code (no spaces, upper case) or raise InvalidUSCC explaining what is wrong."""
    code = _normalise(value)
    if not code:
        raise InvalidUSCC(_("请填写统一社会信用代码。"))
    if len(code) != USCC_LENGTH:
        raise InvalidUSCC(
            _("统一社会信用代码应为%(expected)d位，当前为%(length)d位。")
            % {"expected": USCC_LENGTH, "length": len(code)}
        )
    _check_body(code[:-1])
    if code[-1] not in USCC_ALPHABET:
        raise InvalidUSCC(
            _("统一社会信用代码第18位（校验码）是不允许的字符：%(character)s。") % {"character": code[-1]}
        )
    if code[-1] != stdnum_uscc.calc_check_digit(code[:-1]):
        raise InvalidUSCC(_("统一社会信用代码校验码错误，请核对是否有录入错误。"))
    return code


def is_valid_uscc(value: str) -> bool:
    try:
        validate_uscc(value)
    except InvalidUSCC:
        return False
    return True


def make_uscc(seed_digits: str) -> str:
    """Append the correct check digit to a 17-character body and return the 18-character code.

    The body follows the same rules as a full code (department code, digits in positions 2–8, alphabet), so the
    result always passes validate_uscc. Used by the demo-data generator; raises InvalidUSCC for a bad body.
    """
    body = _normalise(seed_digits)
    if len(body) != USCC_LENGTH - 1:
        raise InvalidUSCC(
            _("统一社会信用代码主体应为%(expected)d位，当前为%(length)d位。")
            % {"expected": USCC_LENGTH - 1, "length": len(body)}
        )
    _check_body(body)
    return body + stdnum_uscc.calc_check_digit(body)
