"""Why a report's form or photos are refused (at submission and with a result). Every code
here is part of the mobile contract."""

from service.core.errors import PhanAnhError


class InvalidSubmission(PhanAnhError):
    status_code = 422
    code = "invalid_complaint"
    message = "Phần dữ liệu phản ánh không hợp lệ."
    message_en = "The complaint part is not valid."


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
