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


# --- reports staff take for a caller or a visitor ----------------------------------------------


class InvalidPhone(PhanAnhError):
    status_code = 422
    code = "invalid_phone"
    message = "Số điện thoại không phải số di động Việt Nam (ví dụ 0912 345 678)."
    message_en = "The phone number is not a Vietnamese mobile number (e.g. 0912 345 678)."


class LocationRequired(PhanAnhError):
    status_code = 422
    code = "location_required"
    message = "Cần vị trí: chọn điểm trên bản đồ, hoặc chọn phường, xã và ghi địa chỉ."
    message_en = "A location is needed: a point on the map, or a ward and an address."


class AddressRequired(PhanAnhError):
    status_code = 422
    code = "address_required"
    message = "Khi không chọn điểm trên bản đồ, cần ghi địa chỉ để cán bộ tìm đến nơi."
    message_en = "Without a point on the map, an address is needed for the officer to find the place."


class UnknownArea(PhanAnhError):
    status_code = 422
    code = "unknown_area"
    message = "Không có phường, xã với mã này."
    message_en = "There is no ward or commune with this code."


class PointOutsideWard(PhanAnhError):
    status_code = 422
    code = "point_outside_ward"
    message = "Điểm chọn trên bản đồ không nằm trong phường, xã đã chọn."
    message_en = "The point chosen on the map is not inside the chosen ward."
