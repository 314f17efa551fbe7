"""Refusals of the handling actions."""

from service.core.errors import ErrorBody, PhanAnhError
from service.reports.models import ComplaintStatus


class InvalidTransition(PhanAnhError):
    status_code = 409
    code = "invalid_transition"
    message = "Không thể thực hiện thao tác này ở trạng thái hiện tại của phản ánh."
    message_en = "This action is not possible in the report's current state."

    def __init__(self, current: ComplaintStatus, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(field="status", **kwargs)
        self.current = current

    def body(self) -> ErrorBody:
        return super().body().model_copy(update={"current_status": str(self.current)})


class NotYourReport(PhanAnhError):
    status_code = 403
    code = "not_your_report"
    message = "Phản ánh này không do bạn hoặc đơn vị của bạn xử lý."
    message_en = "This report is not handled by you or your unit."


class UnknownUnit(PhanAnhError):
    status_code = 422
    code = "unknown_unit"
    message = "Không có đơn vị đang hoạt động với mã này."
    message_en = "No active unit has this code."


class SameUnit(PhanAnhError):
    status_code = 422
    code = "same_unit"
    message = "Phản ánh đang ở chính đơn vị này."
    message_en = "The report is already with this unit."


class NobodyInUnit(PhanAnhError):
    status_code = 409
    code = "unit_has_no_officer"
    message = "Đơn vị không có cán bộ nào đang trực để nhận phản ánh."
    message_en = "The unit has nobody on duty to take the report."


class InvalidOfficer(PhanAnhError):
    status_code = 422
    code = "invalid_officer"
    message = "Người được giao phải là cán bộ đang hoạt động của đơn vị, khác người đang xử lý."
    message_en = "Give it to an active officer of the unit other than the one holding it."


class UnknownOriginal(PhanAnhError):
    status_code = 422
    code = "unknown_original"
    message = "Không tìm thấy phản ánh gốc với mã này."
    message_en = "No report has this code."


class OriginalNotOpen(PhanAnhError):
    status_code = 409
    code = "original_not_open"
    message = "Phản ánh gốc đã đóng hoặc bị từ chối; không thể gộp vào."
    message_en = "The original report is closed or rejected; nothing can be merged into it."


class NothingFlagged(PhanAnhError):
    status_code = 409
    code = "nothing_flagged"
    message = "Phản ánh không có cảnh báo nào chờ kiểm tra."
    message_en = "The report has no flags waiting for review."


class ReopenWindowPassed(PhanAnhError):
    status_code = 409
    code = "reopen_window_passed"
    message = "Đã quá thời hạn mở lại phản ánh; vui lòng gửi phản ánh mới."
    message_en = "It is too late to reopen this report; please send a new one."


class ExtensionPending(PhanAnhError):
    status_code = 409
    code = "extension_pending"
    message = "Đã có một đề nghị gia hạn đang chờ duyệt."
    message_en = "An extension request is already waiting for a decision."


class NoExtensionPending(PhanAnhError):
    status_code = 409
    code = "no_extension_pending"
    message = "Không có đề nghị gia hạn nào đang chờ duyệt."
    message_en = "There is no extension request waiting for a decision."


class NoQueue(PhanAnhError):
    status_code = 403
    code = "forbidden"
    message = "Vai trò của bạn không có hàng đợi phản ánh."
    message_en = "Your role has no queue of reports."
