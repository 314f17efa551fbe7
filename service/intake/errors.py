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
