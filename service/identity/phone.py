"""Vietnamese mobile numbers, normalised to E.164 (+84…)."""

import re

# Mobile prefixes in use since the 2018 renumbering: 03x, 05x, 07x, 08x, 09x.
_MOBILE = re.compile(r"^(?:\+?84|0)([35789]\d{8})$")


def normalise_phone(raw: str) -> str | None:
    """``0912 345 678`` / ``+84912345678`` / ``84-912-345-678`` -> ``+84912345678``."""
    digits = re.sub(r"[\s.\-()]", "", raw)
    match = _MOBILE.match(digits)
    return f"+84{match.group(1)}" if match else None
