"""Imports every domain's tables so SQLModel.metadata is complete (Alembic, tests)."""

from sqlmodel import SQLModel

from service.areas.models import Area, AreaPart, Province
from service.audit.models import AuditEvent
from service.categories.models import Category, CategoryGroup
from service.identity.models import RefreshToken, User
from service.ioc.models import MonthlyReport
from service.maps.models import MARKERS_INDEX
from service.notifications.models import Device, Notification, NotificationPreference, Outbox
from service.replies.models import ReplyTemplate
from service.reports.models import Complaint, ComplaintEvent, ComplaintFollower, ExtensionRequest, Photo
from service.routing.models import OfficerCategory, RoutingRule
from service.sla.models import CalendarDay, Escalation, SlaPolicy
from service.units.models import Unit, UnitArea
from service.workflow.models import SavedFilter

metadata = SQLModel.metadata

__all__ = [
    "MARKERS_INDEX",
    "Area",
    "AreaPart",
    "AuditEvent",
    "CalendarDay",
    "Category",
    "CategoryGroup",
    "Complaint",
    "ComplaintEvent",
    "ComplaintFollower",
    "Device",
    "Escalation",
    "ExtensionRequest",
    "MonthlyReport",
    "Notification",
    "NotificationPreference",
    "OfficerCategory",
    "Outbox",
    "Photo",
    "Province",
    "RefreshToken",
    "ReplyTemplate",
    "RoutingRule",
    "SavedFilter",
    "SlaPolicy",
    "Unit",
    "UnitArea",
    "User",
    "metadata",
]
