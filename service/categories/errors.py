"""Why a category is refused. Part of the mobile contract."""

from service.core.errors import PhanAnhError


class UnknownCategory(PhanAnhError):
    status_code = 422
    code = "unknown_category"
    message = "Lĩnh vực phản ánh không tồn tại."
    message_en = "Unknown category."
