from pydantic import EmailStr, Field

from service.areas.schemas import AreaBrief
from service.core.schemas import Input, LocalDatetime, ReadModel
from service.units.models import UnitKind

UnitCode = Field(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


class UnitCreate(Input):
    code: str = UnitCode
    name: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    kind: UnitKind
    phone: str | None = Field(default=None, max_length=20)
    email: EmailStr | None = None
    area_codes: list[str] = Field(default_factory=list, description="Official codes of the wards covered")


class UnitUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    kind: UnitKind | None = None
    phone: str | None = Field(default=None, max_length=20)
    email: EmailStr | None = None
    is_active: bool | None = None
    area_codes: list[str] | None = Field(default=None, description="Replaces the covered wards")


class UnitRead(ReadModel):
    id: int
    code: str
    name: str
    name_en: str
    kind: UnitKind
    phone: str | None
    email: str | None
    is_active: bool
    areas: list[AreaBrief]
    created_at: LocalDatetime
    updated_at: LocalDatetime
