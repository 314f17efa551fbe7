"""Units (đơn vị xử lý) that handle reports, and the areas each one covers."""

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from service.core.columns import created_at_field, enum_check, enum_field, updated_at_field


class UnitKind(StrEnum):
    ward_infrastructure = "ward_infrastructure"  # Phòng Kinh tế, Hạ tầng và Đô thị
    ward_public_services = "ward_public_services"  # Trung tâm Dịch vụ tổng hợp
    ward_police = "ward_police"  # Công an phường / xã
    utility = "utility"  # e.g. the power company for street lights
    provincial_department = "provincial_department"  # e.g. Sở Xây dựng
    operations_centre = "operations_centre"  # the IOC itself
    other = "other"


class UnitArea(SQLModel, table=True):
    __tablename__ = "unit_areas"

    unit_id: int = Field(foreign_key="units.id", primary_key=True, ondelete="CASCADE")
    area_id: int = Field(foreign_key="areas.id", primary_key=True, ondelete="CASCADE", index=True)


class Unit(SQLModel, table=True):
    __tablename__ = "units"
    __table_args__ = (enum_check("kind", UnitKind, name="ck_units_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    kind: UnitKind = enum_field(32)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=200)
    is_active: bool = True
    # Send every report to the unit's lead, who hands it out, instead of picking an officer.
    routes_to_lead: bool = False
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()
