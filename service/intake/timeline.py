"""Recording and wording the lines of a report's timeline."""

from typing import Any

from sqlmodel import Session

from service.accounts.models import User
from service.intake.models import Complaint, ComplaintEvent

# action -> (Vietnamese, English), as the citizen and the officer read them.
LABELS: dict[str, tuple[str, str]] = {
    "submitted": ("Đã gửi phản ánh", "Report submitted"),
    "photo_processed": ("Ảnh đã được xử lý", "Photo processed"),
    "photo_failed": ("Không xử lý được ảnh", "Photo could not be processed"),
    "location_mismatch": ("Vị trí ảnh khác vị trí phản ánh", "Photo location differs from the report"),
    "reused_photo": ("Ảnh đã được dùng trong phản ánh khác", "Photo already used in another report"),
    "assigned": ("Đã chuyển đến đơn vị xử lý", "Passed to the unit in charge"),
    "sent_to_dispatcher": ("Chờ điều phối viên phân công", "Waiting for a dispatcher"),
}


def label(action: str) -> tuple[str, str]:
    return LABELS.get(action, (action, action))


def record(
    session: Session,
    complaint: Complaint,
    action: str,
    *,
    actor: User | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    public: bool = True,
) -> ComplaintEvent:
    event = ComplaintEvent(
        complaint_id=complaint.id,
        actor_id=actor.id if actor else None,
        actor_role=actor.role if actor else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
        public=public,
    )
    session.add(event)
    return event
