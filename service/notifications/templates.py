"""The words of each notification, in Vietnamese (the default) and English.

A template is a title and a body with ``{placeholders}`` filled from the notification's
context. The category and unit are picked in the reader's language, and every time is
shown as Vietnam reads it: dd/MM/yyyy HH:mm in Asia/Ho_Chi_Minh.
"""

import string
from dataclasses import dataclass
from typing import Any

from service.core.timeutil import format_local
from service.identity.models import Language
from service.notifications.models import Event

# (title, body) per language.
TEMPLATES: dict[Event, dict[Language, tuple[str, str]]] = {
    Event.received: {
        Language.vi: (
            "Đã nhận phản ánh {code}",
            "Chúng tôi đã nhận phản ánh {code} ({category}). Bạn sẽ được báo khi có tiến triển.",
        ),
        Language.en: (
            "Report {code} received",
            "We have received your report {code} ({category}). We will tell you when it moves.",
        ),
    },
    Event.assigned: {
        Language.vi: ("Phản ánh {code} đã có đơn vị xử lý", "Phản ánh {code} ({category}) đã được chuyển đến {unit}."),
        Language.en: ("Report {code} is with a unit", "Report {code} ({category}) has been passed to {unit}."),
    },
    Event.acknowledged: {
        Language.vi: (
            "Phản ánh {code} đã được tiếp nhận",
            "Cán bộ của {unit} đã tiếp nhận phản ánh {code} ({category}). Hạn xử lý: {due}.",
        ),
        Language.en: (
            "Report {code} acknowledged",
            "An officer of {unit} has taken up report {code} ({category}). Due by {due}.",
        ),
    },
    Event.info_requested: {
        Language.vi: (
            "Phản ánh {code} cần bạn bổ sung thông tin",
            "Cán bộ xử lý phản ánh {code} ({category}) hỏi: {question}",
        ),
        Language.en: (
            "Report {code} needs your information",
            "The officer handling report {code} ({category}) asks: {question}",
        ),
    },
    Event.resolved: {
        Language.vi: (
            "Phản ánh {code} đã được xử lý",
            "Phản ánh {code} ({category}) đã được xử lý xong. Mời bạn xem kết quả và đánh giá. Kết quả: {result}",
        ),
        Language.en: (
            "Report {code} resolved",
            "Report {code} ({category}) has been resolved. Please look at the result and rate it. Result: {result}",
        ),
    },
    Event.closed: {
        Language.vi: ("Phản ánh {code} đã đóng", "Phản ánh {code} ({category}) đã đóng. Cảm ơn bạn đã phản ánh."),
        Language.en: ("Report {code} closed", "Report {code} ({category}) is closed. Thank you for reporting."),
    },
    Event.rejected: {
        Language.vi: ("Phản ánh {code} bị từ chối", "Phản ánh {code} ({category}) không được xử lý. Lý do: {reason}"),
        Language.en: ("Report {code} rejected", "Report {code} ({category}) will not be handled. Reason: {reason}"),
    },
    Event.duplicate: {
        Language.vi: (
            "Phản ánh {code} trùng với phản ánh {original_code}",
            "Phản ánh {code} ({category}) trùng với phản ánh {original_code} đang được xử lý. "
            "Bạn sẽ nhận thông báo về phản ánh {original_code}.",
        ),
        Language.en: (
            "Report {code} is the same as {original_code}",
            "Report {code} ({category}) is the same problem as report {original_code}, which is being "
            "handled. You will hear about {original_code} from now on.",
        ),
    },
    Event.new_work: {
        Language.vi: ("Phản ánh mới: {code}", "Bạn được giao phản ánh {code} ({category}). Hạn tiếp nhận: {due}."),
        Language.en: ("New report: {code}", "Report {code} ({category}) is now yours. Acknowledge by {due}."),
    },
    Event.info_provided: {
        Language.vi: (
            "Người dân đã trả lời: {code}",
            "Người dân đã bổ sung thông tin cho phản ánh {code} ({category}). Hạn xử lý: {due}.",
        ),
        Language.en: (
            "The citizen answered: {code}",
            "The citizen answered your question on report {code} ({category}). Due by {due}.",
        ),
    },
    Event.extension_requested: {
        Language.vi: (
            "Đề nghị gia hạn: {code}",
            "Cán bộ đề nghị gia hạn phản ánh {code} ({category}) thêm {working_days} ngày làm việc. Lý do: {reason}",
        ),
        Language.en: (
            "Extension requested: {code}",
            "An officer asks for {working_days} more working days on report {code} ({category}). Reason: {reason}",
        ),
    },
    Event.extension_decided: {
        Language.vi: (
            "Kết quả đề nghị gia hạn: {code}",
            "Đề nghị gia hạn phản ánh {code} ({category}): {decision_vi}. Hạn xử lý: {due}.",
        ),
        Language.en: (
            "Extension decided: {code}",
            "Your extension request on report {code} ({category}) was {decision_en}. Due by {due}.",
        ),
    },
    Event.deadline_warning: {
        Language.vi: ("Sắp đến hạn: {code}", "Phản ánh {code} ({category}) sắp đến hạn {clock_vi}: {due}."),
        Language.en: ("Due soon: {code}", "Report {code} ({category}) is due for {clock_en} at {due}."),
    },
    Event.overdue: {
        Language.vi: ("Quá hạn: {code}", "Phản ánh {code} ({category}) đã quá hạn {clock_vi} ({due})."),
        Language.en: ("Overdue: {code}", "Report {code} ({category}) is overdue for {clock_en} (was due {due})."),
    },
    Event.escalated: {
        Language.vi: (
            "Quá hạn nghiêm trọng: {code}",
            "Phản ánh {code} ({category}) tại {unit} đã quá hạn {clock_vi} ({due}) hơn một nửa thời gian cho phép.",
        ),
        Language.en: (
            "Long overdue: {code}",
            "Report {code} ({category}) at {unit} is overdue for {clock_en} (due {due}) by over half its time.",
        ),
    },
}

# Context keys stored in both languages: "category" reads "category_vi" or "category_en".
_BILINGUAL = ("category", "unit")
CLOCK_WORDS = {"ack": ("tiếp nhận", "acknowledgement"), "resolve": ("xử lý", "resolution")}


# One way to write a time for people, shared with the IOC's exports.
format_time = format_local


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


class _Context(dict[str, Any]):
    # A placeholder the context lacks renders empty rather than failing a delivery.
    def __missing__(self, key: str) -> str:
        return ""


def render(event: Event, context: dict[str, Any], language: Language = Language.vi) -> Rendered:
    # Rows loaded from the database carry plain strings.
    event, language = Event(event), Language(language)
    title, body = TEMPLATES[event][language]
    values = _Context({key: value for key, value in context.items() if value is not None})
    for key in _BILINGUAL:
        values[key] = context.get(f"{key}_{language.value}") or context.get(f"{key}_vi") or ""
    if context.get("due"):
        values["due"] = format_time(context["due"])
    clock = CLOCK_WORDS.get(context.get("clock", ""), ("", ""))
    values["clock_vi"], values["clock_en"] = clock
    formatter = string.Formatter()
    return Rendered(
        " ".join(formatter.vformat(title, (), values).split()),
        " ".join(formatter.vformat(body, (), values).split()),
    )
