"""Refusals about places."""

from service.core.errors import PhanAnhError


class OutsideServiceArea(PhanAnhError):
    """A point no served ward contains: a report there has nobody to go to (422)."""

    status_code = 422
    code = "outside_service_area"
    message = "Vị trí này không thuộc địa bàn phường, xã nào được phục vụ."
    message_en = "This location is not inside any ward or commune served."


class NoAreaAtPoint(OutsideServiceArea):
    """The same fact, answered by the lookup endpoint as "not found" (404)."""

    status_code = 404
