"""Aware datetimes only: stored in UTC, shown in Asia/Ho_Chi_Minh."""

from datetime import UTC, datetime

from service.core.settings import LOCAL_TZ


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every stored time carries its zone")
    return moment.astimezone(LOCAL_TZ)


def format_local(moment: datetime | str) -> str:
    """dd/MM/yyyy HH:mm in Vietnam's time, as people there write it (messages, exports)."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return to_local(value).strftime("%d/%m/%Y %H:%M")
