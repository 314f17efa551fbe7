"""What a password must be, as NIST SP 800-63B asks: long enough, not too long, no
composition rules, and not one an attacker tries first.

Refused: only whitespace; shorter than the minimum (8; 15 for staff, who log in with a
password alone and reach every citizen's reports — rev. 4, §3.1.1.2, asks 15 of a
single-factor password); over 128 characters; the service's name, the account's phone
(09…, +849…, 849…) or its username inside it; one character or one short block repeated;
a run (abcdefgh, 12345678, qwertyui); a common or breached password. The common list ships
with the product: the 30,000 passwords of zxcvbn's frequency lists (from leaked password
dumps) and a few Vietnamese favourites; nothing is fetched at run time.

One pure function, :func:`check_password`, used wherever a password is set.
"""

import re
import unicodedata
from functools import lru_cache
from itertools import pairwise
from typing import Any, ClassVar

from service.core.errors import ErrorBody, FieldError, PhanAnhError

MIN_LENGTH = 8
STAFF_MIN_LENGTH = 15
MAX_LENGTH = 128

_REASONS: dict[str, tuple[str, str]] = {
    "blank": ("Mật khẩu không được chỉ gồm khoảng trắng.", "The password may not be only whitespace."),
    "too_short": ("Mật khẩu phải có ít nhất {minimum} ký tự.", "The password must be at least {minimum} characters."),
    "too_long": (f"Mật khẩu dài tối đa {MAX_LENGTH} ký tự.", f"The password may be at most {MAX_LENGTH} characters."),
    "contains_service_name": (
        "Mật khẩu không được chứa tên dịch vụ (PhanAnh).",
        "The password may not contain the service's name (PhanAnh).",
    ),
    "contains_phone": (
        "Mật khẩu không được chứa số điện thoại của tài khoản.",
        "The password may not contain the account's phone number.",
    ),
    "contains_username": (
        "Mật khẩu không được chứa tên đăng nhập.",
        "The password may not contain the username.",
    ),
    "repetitive": (
        "Mật khẩu chỉ lặp lại một vài ký tự; hãy chọn mật khẩu khác.",
        "The password only repeats a few characters; choose another.",
    ),
    "sequential": (
        "Mật khẩu là một dãy liên tiếp (như 12345678, abcdefgh, qwertyui); hãy chọn mật khẩu khác.",
        "The password is a sequence (like 12345678, abcdefgh, qwertyui); choose another.",
    ),
    "common": (
        "Mật khẩu này quá phổ biến hoặc đã bị lộ; hãy chọn mật khẩu khác.",
        "This password is too common or has been breached; choose another.",
    ),
}


class WeakPassword(PhanAnhError):
    """A password refused, with the reason as a stable sub-code in ``errors[0].code``."""

    status_code = 422
    code = "weak_password"
    message = "Mật khẩu quá yếu."
    message_en = "The password is too weak."
    reasons: ClassVar[frozenset[str]] = frozenset(_REASONS)

    def __init__(self, *, reason: str, minimum: int = MIN_LENGTH, field: str = "password", **kwargs: Any) -> None:
        vi, en = _REASONS[reason]
        self.reason = reason
        super().__init__(vi.format(minimum=minimum), en.format(minimum=minimum), field=field, **kwargs)

    def body(self) -> ErrorBody:
        body = super().body()
        body.errors = [FieldError(field=self.field or "password", code=self.reason, message=self.detail_message)]
        return body


# Keyboard rows as people type them: a password that is a stretch of one (either way) is a run.
_KEYBOARD_ROWS = ("1234567890qwertyuiopasdfghjklzxcvbnm", "azertyuiop", "qwertzuiop")
# Vietnamese favourites the English-language lists miss ("anh yêu em", "mật khẩu", places).
_VIETNAMESE_COMMON = (
    "anhyeuem",
    "emyeuanh",
    "yeuemnhieu",
    "iloveyou",
    "matkhau",
    "matkhaumoi",
    "vietnam",
    "vietnamvodich",
    "hanoi",
    "saigon",
    "hochiminh",
    "thainguyen",
    "backan",
    "conmeo",
    "concho",
    "khongbiet",
    "xinchao",
    "tamsoat",
)
_SERVICE_NAME = "phananh"
# A common word with a short tail (password2026, iloveyou!!) is as guessable as the word.
_TAIL = re.compile(r"[\d\W_]+$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()+]")


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    # Imported on first use: the lists are a few megabytes a process need not hold to start.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(_VIETNAMESE_COMMON)


def _folded(text: str) -> str:
    """Lower case, without Vietnamese marks: "Phản Ánh" and "phan anh" compare alike."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _is_repetitive(text: str) -> bool:
    if len(set(text)) <= 2:
        return True
    # One block of up to half the length, repeated (abcabcabc, passpass).
    return any(
        len(text) % size == 0 and text == text[:size] * (len(text) // size) for size in range(1, len(text) // 2 + 1)
    )


def _is_run(text: str) -> bool:
    if len(text) < 3:
        return False
    steps = {ord(b) - ord(a) for a, b in pairwise(text)}
    if steps in ({1}, {-1}):
        return True
    return any(text in row or text in row[::-1] for row in _KEYBOARD_ROWS)


def _is_common(folded: str) -> bool:
    common = _common()
    if folded in common:
        return True
    tail = _TAIL.search(folded)
    if tail is None:
        return False
    base, rest = folded[: tail.start()], tail.group()
    return len(base) >= 4 and base in common and (len(rest) <= 4 or _is_run(rest) or _is_repetitive(rest))


def _phone_digits(phone: str | None) -> str | None:
    """The nine significant digits of a Vietnamese mobile, in every one of its spellings."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    return digits[-9:] if len(digits) >= 9 else None


def check_password(
    *, password: str, staff: bool = False, phone: str | None = None, username: str | None = None
) -> None:
    """Raise :class:`WeakPassword` naming the first rule ``password`` breaks, or return."""
    text = unicodedata.normalize("NFC", password)
    visible = "".join(char for char in text if not char.isspace() and unicodedata.category(char) != "Cf")
    if not visible:
        raise WeakPassword(reason="blank")
    minimum = STAFF_MIN_LENGTH if staff else MIN_LENGTH
    # Characters, not bytes: a Vietnamese letter with its marks counts once.
    if len(text) < minimum:
        raise WeakPassword(reason="too_short", minimum=minimum)
    if len(text) > MAX_LENGTH:
        raise WeakPassword(reason="too_long")
    folded = _folded(text)
    compact = re.sub(r"[\W_]+", "", folded)
    if _SERVICE_NAME in compact:
        raise WeakPassword(reason="contains_service_name")
    significant = _phone_digits(phone)
    if significant and significant in _PHONE_SEPARATORS.sub("", folded):
        raise WeakPassword(reason="contains_phone")
    if username and len(username) >= 3 and _folded(username) in folded:
        raise WeakPassword(reason="contains_username")
    if _is_repetitive(folded) or (len(compact) >= 4 and _is_repetitive(compact)):
        raise WeakPassword(reason="repetitive")
    if _is_run(folded) or _is_run(compact):
        raise WeakPassword(reason="sequential")
    if _is_common(folded) or _is_common(compact):
        raise WeakPassword(reason="common")
