"""Every code a person reads, in words: one catalogue, Vietnamese first, English second.

Pages never print an enum's value; they ask :func:`label` with the vocabulary the value
belongs to (a value such as ``closed`` is a state and a notification event, in different
words). ``tests/web/test_labels.py`` checks that every member of every vocabulary has both
labels, and that no page shows a code.
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from service.categories.models import Priority
from service.core.numbers import decimal, percent  # noqa: F401  the pages' number formats, named here as before
from service.core.numbers import working_time as _working_time
from service.identity.models import Language, Role
from service.notifications.models import ChannelName, Event, OutboxStatus, Platform
from service.replies.models import ReplyPurpose
from service.reports.models import FLAGS, Channel, ComplaintStatus, ExtensionStatus, PhotoKind, PhotoStatus, Visibility
from service.reports.timeline import LABELS as TIMELINE
from service.routing.service import DispatchReason
from service.sla.models import DayKind
from service.units.models import UnitKind
from service.workflow.machine import Action
from service.workflow.schemas import BulkOutcome, DeadlineBand, QueueReason, QueueSort, RejectKind

Words = Mapping[str, tuple[str, str]]

ROLE: Words = {
    Role.citizen: ("Người dân", "Citizen"),
    Role.officer: ("Cán bộ xử lý", "Officer"),
    Role.unit_lead: ("Lãnh đạo đơn vị", "Unit lead"),
    Role.dispatcher: ("Điều phối viên", "Dispatcher"),
    Role.admin: ("Quản trị hệ thống", "Administrator"),
}
STATUS: Words = {
    ComplaintStatus.submitted: ("Chờ điều phối", "Waiting for dispatch"),
    ComplaintStatus.assigned: ("Đã giao", "Assigned"),
    ComplaintStatus.acknowledged: ("Đã tiếp nhận", "Acknowledged"),
    ComplaintStatus.in_progress: ("Đang xử lý", "In progress"),
    ComplaintStatus.awaiting_info: ("Chờ người dân", "Waiting for the citizen"),
    ComplaintStatus.resolved: ("Đã xử lý", "Resolved"),
    ComplaintStatus.closed: ("Đã đóng", "Closed"),
    ComplaintStatus.reopened: ("Mở lại", "Reopened"),
    ComplaintStatus.rejected: ("Từ chối", "Rejected"),
    ComplaintStatus.duplicate: ("Trùng", "Duplicate"),
}
# The button that takes the action.
ACTION: Words = {
    Action.acknowledge: ("Tiếp nhận", "Acknowledge"),
    Action.start: ("Bắt đầu xử lý", "Start work"),
    Action.request_info: ("Hỏi người dân", "Ask the citizen"),
    Action.resolve: ("Báo cáo đã xử lý", "Report it resolved"),
    Action.extend: ("Đề nghị gia hạn", "Ask for more time"),
    Action.approve_extension: ("Quyết định gia hạn", "Decide the extension"),
    Action.answer: ("Trả lời cán bộ", "Answer the officer"),
    Action.rate: ("Đánh giá", "Rate"),
    Action.reopen: ("Mở lại", "Reopen"),
    Action.close: ("Đóng", "Close"),
    Action.route: ("Chuyển đến đơn vị", "Send to a unit"),
    Action.transfer: ("Chuyển sang đơn vị khác", "Transfer to another unit"),
    Action.return_: ("Trả lại điều phối", "Return to dispatch"),
    Action.reassign: ("Giao cho cán bộ khác", "Give to another officer"),
    Action.reject: ("Từ chối", "Reject"),
    Action.mark_duplicate: ("Đánh dấu trùng", "Mark as a duplicate"),
    Action.clear_flags: ("Đã kiểm tra, cho xử lý tiếp", "Checked: let it go on"),
    Action.change_category: ("Đổi lĩnh vực", "Change the category"),
    Action.change_priority: ("Đổi mức ưu tiên", "Change the priority"),
    Action.edit_address: ("Sửa địa chỉ", "Correct the address"),
}
# What the flash line says once the action is done.
ACTION_DONE: Words = {
    Action.acknowledge: ("Đã tiếp nhận phản ánh.", "Report acknowledged."),
    Action.start: ("Đã bắt đầu xử lý.", "Work started."),
    Action.request_info: ("Đã gửi câu hỏi cho người dân.", "Question sent to the citizen."),
    Action.resolve: ("Đã báo cáo kết quả xử lý.", "Reported as resolved."),
    Action.extend: ("Đã gửi đề nghị gia hạn.", "Extension requested."),
    Action.approve_extension: ("Đã quyết định gia hạn.", "Extension decided."),
    Action.answer: ("Đã trả lời.", "Answered."),
    Action.rate: ("Đã đánh giá.", "Rated."),
    Action.reopen: ("Đã mở lại.", "Reopened."),
    Action.close: ("Đã đóng.", "Closed."),
    Action.route: ("Đã chuyển đến đơn vị.", "Sent to the unit."),
    Action.transfer: ("Đã chuyển sang đơn vị khác.", "Transferred to another unit."),
    Action.return_: ("Đã trả lại điều phối.", "Returned to dispatch."),
    Action.reassign: ("Đã giao cho cán bộ khác.", "Given to another officer."),
    Action.reject: ("Đã từ chối phản ánh.", "Report rejected."),
    Action.mark_duplicate: ("Đã đánh dấu trùng.", "Marked as a duplicate."),
    Action.clear_flags: ("Đã gỡ cảnh báo; phản ánh được xử lý tiếp.", "Flags cleared; the report goes on."),
    Action.change_category: ("Đã đổi lĩnh vực phản ánh.", "Category changed."),
    Action.change_priority: ("Đã đổi mức ưu tiên; hạn xử lý được tính lại.", "Priority changed; deadlines recomputed."),
    Action.edit_address: ("Đã sửa địa chỉ.", "Address corrected."),
}
FLAG: Words = {
    "location_mismatch": ("Vị trí ảnh khác vị trí phản ánh", "Photo taken away from the pin"),
    "reused_photo": ("Ảnh đã dùng ở phản ánh khác", "Photo used in another report"),
}
QUEUE_REASON: Words = {
    QueueReason.no_rule: ("Chưa có quy tắc phân công", "No routing rule covers it"),
    QueueReason.unit_inactive: ("Đơn vị đã ngừng hoạt động", "The unit is inactive"),
    QueueReason.no_officer: ("Đơn vị không có cán bộ trực", "Nobody on duty in the unit"),
    QueueReason.returned: ("Đơn vị trả lại", "Returned by the unit"),
    QueueReason.flagged: ("Có cảnh báo về ảnh", "Photo flagged"),
}
REJECT_KIND: Words = {
    RejectKind.spam: ("Tin rác, quấy rối", "Spam or abuse"),
    RejectKind.not_actionable: ("Không đủ thông tin để xử lý", "Not enough to act on"),
    RejectKind.out_of_scope: ("Không thuộc phạm vi tiếp nhận", "Outside what the service handles"),
}
UNIT_KIND: Words = {
    UnitKind.ward_infrastructure: ("Phòng Kinh tế, Hạ tầng và Đô thị", "Ward infrastructure office"),
    UnitKind.ward_public_services: ("Trung tâm Dịch vụ tổng hợp", "Ward public services centre"),
    UnitKind.ward_police: ("Công an phường, xã", "Ward police"),
    UnitKind.utility: ("Doanh nghiệp dịch vụ công", "Utility company"),
    UnitKind.provincial_department: ("Sở, ngành tỉnh", "Provincial department"),
    UnitKind.operations_centre: ("Trung tâm điều hành", "Operations centre"),
    UnitKind.other: ("Đơn vị khác", "Other unit"),
}
PRIORITY: Words = {
    Priority.low: ("Thấp", "Low"),
    Priority.normal: ("Bình thường", "Normal"),
    Priority.high: ("Cao", "High"),
    Priority.urgent: ("Khẩn cấp", "Urgent"),
}
VISIBILITY: Words = {
    Visibility.public: ("Công khai", "Public"),
    Visibility.private: ("Không công khai", "Private"),
}
CHANNEL: Words = {
    Channel.mobile: ("Ứng dụng di động", "Mobile app"),
    Channel.web: ("Cổng thông tin", "Web portal"),
    Channel.open311: ("Hệ thống liên thông (Open311)", "Partner system (Open311)"),
    Channel.hotline: ("Qua đường dây nóng", "By the hotline"),
    Channel.walk_in: ("Trực tiếp tại quầy tiếp dân", "In person at the desk"),
}
EXTENSION: Words = {
    ExtensionStatus.pending: ("Chờ lãnh đạo quyết định", "Waiting for the lead"),
    ExtensionStatus.approved: ("Đã duyệt", "Approved"),
    ExtensionStatus.refused: ("Không duyệt", "Refused"),
}
PHOTO_STATUS: Words = {
    PhotoStatus.pending: ("Ảnh đang xử lý", "Photo being processed"),
    PhotoStatus.ready: ("Ảnh đã sẵn sàng", "Photo ready"),
    PhotoStatus.failed: ("Không xử lý được ảnh", "Photo could not be processed"),
}
PHOTO_KIND: Words = {
    PhotoKind.report: ("Ảnh người dân gửi", "Photo sent by the citizen"),
    PhotoKind.result: ("Ảnh sau xử lý", "Photo after the work"),
}
LANGUAGE: Words = {Language.vi: ("Tiếng Việt", "Vietnamese"), Language.en: ("Tiếng Anh", "English")}
NOTIFICATION_CHANNEL: Words = {
    ChannelName.inbox: ("Hộp thư trong ứng dụng", "In-app inbox"),
    ChannelName.push: ("Thông báo đẩy", "Push notification"),
    ChannelName.sms: ("Tin nhắn SMS", "Text message"),
    ChannelName.email: ("Thư điện tử", "E-mail"),
}
NOTIFICATION_EVENT: Words = {
    Event.received: ("Đã nhận phản ánh", "Report received"),
    Event.assigned: ("Đã giao xử lý", "Assigned"),
    Event.acknowledged: ("Đã tiếp nhận", "Acknowledged"),
    Event.info_requested: ("Cần bổ sung thông tin", "Information requested"),
    Event.resolved: ("Đã xử lý", "Resolved"),
    Event.closed: ("Đã đóng", "Closed"),
    Event.rejected: ("Bị từ chối", "Rejected"),
    Event.duplicate: ("Trùng phản ánh khác", "Duplicate"),
    Event.new_work: ("Việc mới", "New work"),
    Event.info_provided: ("Người dân đã bổ sung", "Information provided"),
    Event.extension_requested: ("Đề nghị gia hạn", "Extension requested"),
    Event.extension_decided: ("Đã quyết định gia hạn", "Extension decided"),
    Event.deadline_warning: ("Sắp đến hạn", "Deadline near"),
    Event.overdue: ("Quá hạn", "Overdue"),
    Event.escalated: ("Đã báo lãnh đạo", "Escalated"),
}
OUTBOX_STATUS: Words = {
    OutboxStatus.pending: ("Chờ gửi", "Waiting to be sent"),
    OutboxStatus.sent: ("Đã gửi", "Sent"),
    OutboxStatus.dead: ("Gửi không được", "Could not be sent"),
}
PLATFORM: Words = {Platform.android: ("Android", "Android"), Platform.ios: ("iOS", "iOS"), Platform.web: ("Web", "Web")}
DAY_KIND: Words = {DayKind.off: ("Ngày nghỉ", "Day off"), DayKind.work: ("Ngày làm việc", "Working day")}
# The queue's tabs: where a report stands against the deadline running now.
DEADLINE_BAND: Words = {
    DeadlineBand.overdue: ("Quá hạn", "Overdue"),
    DeadlineBand.soon: ("Sắp đến hạn", "Due soon"),
    DeadlineBand.later: ("Còn hạn", "On time"),
    DeadlineBand.paused: ("Chờ người dân", "Waiting for the citizen"),
}
QUEUE_SORT: Words = {
    QueueSort.deadline: ("Hạn gần nhất trước", "Nearest deadline first"),
    QueueSort.submitted: ("Mới gửi trước", "Newest first"),
    QueueSort.priority: ("Ưu tiên cao trước", "Most urgent first"),
}
BULK_OUTCOME: Words = {
    BulkOutcome.done: ("Đã thực hiện", "Done"),
    BulkOutcome.refused: ("Không thực hiện", "Not done"),
}
# The fields of the console's forms, as a refusal names them.
FIELD: Words = {
    "question": ("Câu hỏi cho người dân", "Question for the citizen"),
    "reason": ("Lý do", "Reason"),
    "result": ("Kết quả xử lý", "What was done"),
    "working_days": ("Số ngày làm việc", "Working days"),
    "officer_id": ("Cán bộ", "Officer"),
    "original_code": ("Phản ánh gốc", "Original report"),
    "unit_code": ("Đơn vị", "Unit"),
    "kind": ("Loại lý do", "Kind of reason"),
    "note": ("Ghi chú", "Note"),
    "photos": ("Ảnh", "Photos"),
    "approve": ("Quyết định", "Decision"),
    # The queue's forms (saving a view, acting on several reports).
    "name": ("Tên bộ lọc", "Name of the filter"),
    "complaint_ids": ("Phản ánh đã chọn", "Reports chosen"),
    # Taking a report for a caller (service/web/intake.py).
    "channel": ("Người dân liên hệ", "How the caller came"),
    "caller_phone": ("Số điện thoại của người dân", "The caller's phone"),
    "caller_name": ("Họ tên người dân", "The caller's name"),
    "description": ("Nội dung phản ánh", "What is wrong"),
    "area_code": ("Phường, xã", "Ward"),
    "map_point": ("Điểm trên bản đồ", "Point on the map"),
    "category_code": ("Lĩnh vực", "Category"),
    "priority": ("Mức ưu tiên", "Priority"),
    "address": ("Địa chỉ", "Address"),
}
# Which field of the report page a reply template fills (service/replies).
REPLY_PURPOSE: Words = {
    ReplyPurpose.result: ("Kết quả xử lý", "What was done"),
    ReplyPurpose.question: ("Câu hỏi cho người dân", "Question for the citizen"),
}

# Vocabulary name -> (its words, the enum whose every member must have words, or None).
CATALOGUE: dict[str, tuple[Words, type[StrEnum] | None]] = {
    "role": (ROLE, Role),
    "status": (STATUS, ComplaintStatus),
    "action": (ACTION, Action),
    "action_done": (ACTION_DONE, Action),
    "flag": (FLAG, None),
    "queue_reason": (QUEUE_REASON, QueueReason),
    "reject_kind": (REJECT_KIND, RejectKind),
    "unit_kind": (UNIT_KIND, UnitKind),
    "priority": (PRIORITY, Priority),
    "visibility": (VISIBILITY, Visibility),
    "channel": (CHANNEL, Channel),
    "extension": (EXTENSION, ExtensionStatus),
    "photo_status": (PHOTO_STATUS, PhotoStatus),
    "photo_kind": (PHOTO_KIND, PhotoKind),
    "language": (LANGUAGE, Language),
    "notification_channel": (NOTIFICATION_CHANNEL, ChannelName),
    "notification_event": (NOTIFICATION_EVENT, Event),
    "outbox_status": (OUTBOX_STATUS, OutboxStatus),
    "platform": (PLATFORM, Platform),
    "day_kind": (DAY_KIND, DayKind),
    "deadline_band": (DEADLINE_BAND, DeadlineBand),
    "queue_sort": (QUEUE_SORT, QueueSort),
    "bulk_outcome": (BULK_OUTCOME, BulkOutcome),
    "reply_purpose": (REPLY_PURPOSE, ReplyPurpose),
    "timeline": (TIMELINE, None),
    "field": (FIELD, None),
}
# The vocabularies that are not enums, with the codes they must cover.
CODES: dict[str, tuple[str, ...]] = {
    "flag": FLAGS,
    "queue_reason": tuple(v for k, v in vars(DispatchReason).items() if not k.startswith("_")),
}


class UnknownLabel(KeyError):
    pass


def label(kind: str, value: Any, lang: str = "vi") -> str:
    """``value`` of vocabulary ``kind`` in ``lang``. An unknown value is a defect, not a
    code to show: it raises, and the page tests find it."""
    if value is None or value == "":
        return ""
    words, _ = CATALOGUE[kind]
    try:
        vi, en = words[str(value)]
    except KeyError as missing:
        raise UnknownLabel(f"no {kind} label for {value!r}") from missing
    return en if lang == "en" else vi


def options(kind: str, lang: str) -> list[tuple[str, str]]:
    """(code, words) of a whole vocabulary, in the catalogue's order: for pickers."""
    words, _ = CATALOGUE[kind]
    return [(str(code), en if lang == "en" else vi) for code, (vi, en) in words.items()]


# --- figures as people read them -----------------------------------------------------------


def working_time(hours: float | None, lang: str = "vi") -> str:
    """Working hours as people say them: "1 giờ 30 phút làm việc", "1 h 30 min working time";
    the nearest minute ("0.05" hours is "3 phút làm việc"). None (nothing handled): a dash."""
    return _working_time(None if hours is None else hours * 60, lang)
