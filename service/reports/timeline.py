"""Recording and wording the lines of a report's timeline.

Recording a line sends :data:`line_recorded`; what it sets off (the audit trail, the
notification inbox and outbox, the live stream) is connected in ``service/receivers.py``."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from service.core.signals import Signal
from service.identity.models import User
from service.reports.models import Complaint, ComplaintEvent

# action -> (Vietnamese, English), as the citizen and the officer read them.
LABELS: dict[str, tuple[str, str]] = {
    "submitted": ("Đã gửi phản ánh", "Report submitted"),
    "photo_processed": ("Ảnh đã được xử lý", "Photo processed"),
    "photo_failed": ("Không xử lý được ảnh", "Photo could not be processed"),
    "location_mismatch": ("Vị trí ảnh khác vị trí phản ánh", "Photo location differs from the report"),
    "reused_photo": ("Ảnh đã được dùng trong phản ánh khác", "Photo already used in another report"),
    "assigned": ("Đã chuyển đến đơn vị xử lý", "Passed to the unit in charge"),
    "sent_to_dispatcher": ("Chờ điều phối viên phân công", "Waiting for a dispatcher"),
    "routed": ("Điều phối viên đã chuyển đến đơn vị xử lý", "Passed to a unit by a dispatcher"),
    "transferred": ("Đã chuyển sang đơn vị khác", "Transferred to another unit"),
    "returned": ("Đơn vị trả lại để điều phối lại", "Returned by the unit for dispatch"),
    "reassigned": ("Đã giao cho cán bộ khác", "Given to another officer"),
    "rejected": ("Phản ánh bị từ chối", "Report rejected"),
    "marked_duplicate": ("Trùng với phản ánh đã có", "Same as an earlier report"),
    "duplicate_merged": ("Gộp phản ánh trùng", "A duplicate was merged into this report"),
    "flags_reviewed": ("Đã kiểm tra cảnh báo", "Flags reviewed"),
    "acknowledged": ("Cán bộ đã tiếp nhận", "Acknowledged by the officer"),
    "started": ("Đang xử lý", "Work has started"),
    "info_requested": ("Cần người dân bổ sung thông tin", "More information needed from you"),
    "info_provided": ("Người dân đã bổ sung thông tin", "Information provided"),
    "resolved": ("Đã xử lý xong", "Resolved"),
    "rated": ("Người dân đã đánh giá", "Rated by the citizen"),
    "reopened": ("Người dân chưa hài lòng, mở lại", "Reopened: the citizen is not satisfied"),
    "closed": ("Đã đóng", "Closed"),
    "extension_requested": ("Đề nghị gia hạn", "Extension requested"),
    "extension_approved": ("Đã duyệt gia hạn", "Extension approved"),
    "extension_refused": ("Không duyệt gia hạn", "Extension refused"),
    # Corrections by staff (service/workflow/service.py).
    "category_changed": ("Đã điều chỉnh lĩnh vực phản ánh", "Category corrected"),
    "priority_changed": ("Đã điều chỉnh mức ưu tiên", "Priority changed"),
    "address_edited": ("Đã điều chỉnh địa chỉ", "Address corrected"),
    # The escalation's lines (service/sla/escalation.py), which only staff see.
    "deadline_warning": ("Sắp đến hạn: đã nhắc cán bộ", "Deadline near: the officer was reminded"),
    "overdue": ("Quá hạn: đã báo cán bộ và lãnh đạo đơn vị", "Overdue: the officer and the unit lead were told"),
    "escalated": ("Quá hạn lâu: đã báo điều phối viên", "Long overdue: the dispatchers were told"),
}

# Sent with (session, complaint, line) for every line, in the transaction that records it.
line_recorded = Signal("reports.line_recorded")


def label(action: str) -> tuple[str, str]:
    return LABELS.get(action, (action, action))


def record(
    session: Session,
    complaint: Complaint,
    action: str,
    *,
    at: datetime,
    actor: User | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    internal_note: str | None = None,
    data: dict[str, Any] | None = None,
    public: bool = True,
) -> ComplaintEvent:
    """Add the line (at ``at``: the time the request or task took once, so a report's
    lines, deadlines and audit rows agree) and tell the receivers of ``line_recorded``."""
    event = ComplaintEvent(
        complaint_id=complaint.id,
        at=at,
        actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        internal_note=internal_note,
        data=data or {},
        public=public,
    )
    session.add(event)
    line_recorded.send(session, complaint, event)
    return event
