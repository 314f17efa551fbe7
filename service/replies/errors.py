"""Why a reply template is refused."""

from service.core.errors import PhanAnhError
from service.replies.placeholders import PLACEHOLDERS

_KNOWN = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


class UnknownPlaceholder(PhanAnhError):
    status_code = 422
    code = "unknown_placeholder"
    message = f"Mẫu có chỗ trống không dùng được; chỉ dùng: {_KNOWN} (dấu ngoặc nhọn viết {{{{ và }}}})."
    message_en = f"The template has a placeholder that cannot be filled; use only {_KNOWN} (a brace is {{{{ or }}}})."

    @classmethod
    def naming(cls, name: str | None, *, field: str) -> "UnknownPlaceholder":
        """The refusal naming what was written: ``{nguoi_dan}``, or braces that do not pair up."""
        if name is None:
            return cls(
                "Dấu ngoặc nhọn không khớp; chỗ trống viết như {code}, dấu ngoặc viết {{ và }}.",
                "The braces do not pair up; a placeholder is written {code}, a brace {{ or }}.",
                field=field,
            )
        return cls(
            f"Chỗ trống {{{name}}} không có; chỉ dùng: {_KNOWN}.",
            f"There is no placeholder {{{name}}}; use only {_KNOWN}.",
            field=field,
        )
