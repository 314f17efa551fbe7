"""Placeholders of reply templates: checked when saved, filled without evaluating anything."""

import pytest

from service.replies.placeholders import PLACEHOLDERS, BadPlaceholder, check, fill

VALUES = {
    "code": "PA-2026-000123",
    "category": "Ổ gà",
    "unit": "Phòng KT-HT-ĐT",
    "due": "04/11/2026 08:00",
    "ward": "Phường Bách Quang",
}


def test_every_placeholder_is_filled_and_braces_may_be_written():
    text = "Phản ánh {code} ({category}, {ward}) do {unit} xử lý trước {due}. {{Ghi chú}}"
    check(text)
    assert fill(text, VALUES) == (
        "Phản ánh PA-2026-000123 (Ổ gà, Phường Bách Quang) do Phòng KT-HT-ĐT xử lý trước 04/11/2026 08:00. {Ghi chú}"
    )
    assert set(VALUES) == set(PLACEHOLDERS)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Kính gửi {ho_ten}", "ho_ten"),
        ("{ma_phan_anh}", "ma_phan_anh"),
        ("{}", ""),
        ("{0}", "0"),
        ("{code.__class__}", "code.__class__"),
        ("{code[0]}", "code[0]"),
        ("{code!r}", "code!r"),
        ("{due:%Y}", "due:%Y"),
        ("Hạn {due", None),
        ("Hạn due}", None),
    ],
)
def test_anything_but_a_known_name_in_braces_is_refused(text, named):
    with pytest.raises(BadPlaceholder) as refused:
        check(text)
    assert refused.value.name == named


def test_filling_never_looks_inside_a_value():
    # A value that looks like a placeholder stays text; an unchecked body keeps what it does not know.
    assert fill("{code} {unit}", {"code": "{unit}", "unit": "A"}) == "{unit} A"
    assert fill("{code.__class__} {other}", VALUES) == "{code.__class__} {other}"


def test_no_placeholder_is_a_code_the_console_would_refuse_to_show():
    # The admin's form lists them in words around the names; a name that is also a
    # vocabulary's code (service/web/labels.py) would be a code on a Vietnamese page.
    from tests.web.test_page_words import SNAKE, vocabulary_codes

    assert not set(PLACEHOLDERS) & vocabulary_codes()
    assert not [name for name in PLACEHOLDERS if SNAKE.search(name)]
