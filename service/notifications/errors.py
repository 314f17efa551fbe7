"""Refusals of the notification endpoints."""

from service.core.errors import PhanAnhError


class PreferenceLocked(PhanAnhError):
    status_code = 422
    code = "preference_locked"
    message = "Không thể tắt kênh này cho loại thông báo này (hộp thư luôn bật; cảnh báo hạn xử lý luôn được gửi)."
    message_en = (
        "This channel cannot be turned off for this event (the inbox is always on; deadline warnings always go)."
    )


class EventNotForRole(PhanAnhError):
    status_code = 422
    code = "event_not_for_role"
    message = "Loại thông báo này không dành cho vai trò của bạn."
    message_en = "Your role does not receive this kind of notification."


class LiveUnavailable(PhanAnhError):
    status_code = 503
    code = "live_unavailable"
    message = "Tạm thời không thể cập nhật trực tiếp; vui lòng thử lại sau."
    message_en = "Live updates are unavailable for now; try again shortly."


class InvalidLastEventId(PhanAnhError):
    status_code = 422
    code = "invalid_last_event_id"
    message = "Last-Event-ID không hợp lệ."
    message_en = "Last-Event-ID is not valid."
