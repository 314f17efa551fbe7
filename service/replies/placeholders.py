"""The placeholders of a reply template, checked when it is saved and filled for a report.

A placeholder is a name in braces, ``{code}``; ``{{`` and ``}}`` are a literal brace. The
names are a fixed list (:data:`PLACEHOLDERS`), the same in both languages and the same as
the notifications' (service/notifications/templates.py: ``{code}``, ``{unit}``, ``{due}``),
one English word each: the admin page lists them, and must show no code. Nothing is
evaluated: the text is split by ``string.Formatter().parse`` and each known name replaced
by plain text; an attribute or index (``{code.upper}``, ``{code[0]}``), a conversion
(``{code!r}``) or a format (``{code:>9}``) is refused like an unknown name.
Pure functions, no database.
"""

from collections.abc import Mapping
from string import Formatter

# name -> what it becomes, as the admin page explains it (Vietnamese, English).
PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "code": ("mã phản ánh", "the report's code"),
    "category": ("lĩnh vực", "the category"),
    "unit": ("đơn vị xử lý", "the unit handling it"),
    "due": ("hạn xử lý", "the resolution deadline"),
    "ward": ("phường, xã", "the ward"),
}


class BadPlaceholder(ValueError):
    """``name`` is what was written between the braces; None when the braces do not pair up."""

    def __init__(self, name: str | None) -> None:
        super().__init__(name)
        self.name = name


def _parts(text: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return list(Formatter().parse(text))
    except ValueError as unpaired:  # "{code" or "code}"
        raise BadPlaceholder(None) from unpaired


def check(text: str) -> None:
    """Raise :class:`BadPlaceholder` for the first placeholder that is not one of ours."""
    for _, name, spec, conversion in _parts(text):
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise BadPlaceholder(name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else ""))


def fill(text: str, values: Mapping[str, str]) -> str:
    """The text with each placeholder replaced by its value (a checked text; anything
    else is left as it was written)."""
    out: list[str] = []
    for literal, name, spec, conversion in _parts(text):
        out.append(literal)
        if name is None:
            continue
        if name in values and not spec and not conversion:
            out.append(values[name])
        else:
            out.append("{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
    return "".join(out)


def hint(lang: str) -> str:
    """The list of placeholders in words, for the admin's form."""
    return ", ".join(f"{{{name}}} = {en if lang == 'en' else vi}" for name, (vi, en) in PLACEHOLDERS.items())
