"""Why a submission is refused. Every code here is part of the mobile contract."""

from service.core.errors import Conflict, PhanAnhError


class IdempotencyKeyRequired(PhanAnhError):
    status_code = 400
    code = "idempotency_key_required"
    message = "Thiếu tiêu đề Idempotency-Key."
    message_en = "The Idempotency-Key header is required."


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    message = "Khoá Idempotency-Key này đã được dùng cho một phản ánh khác nội dung."
    message_en = "This Idempotency-Key was already used for a different submission."


class InvalidSubmission(PhanAnhError):
    status_code = 422
    code = "invalid_complaint"
    message = "Phần dữ liệu phản ánh không hợp lệ."
    message_en = "The complaint part is not valid."


class UnknownCategory(PhanAnhError):
    status_code = 422
    code = "unknown_category"
    message = "Lĩnh vực phản ánh không tồn tại."
    message_en = "Unknown category."


class MissingPhoto(PhanAnhError):
    status_code = 422
    code = "missing_photo"
    message = "Cần ít nhất một ảnh hiện trường."
    message_en = "At least one photo of the scene is required."


class TooManyPhotos(PhanAnhError):
    status_code = 422
    code = "too_many_photos"
    message = "Tối đa 6 ảnh cho một phản ánh."
    message_en = "At most 6 photos per report."


class PhotoInvalid(PhanAnhError):
    """A photo refused by its content; ``code`` comes from the image check."""

    status_code = 422
    code = "photo_invalid"
