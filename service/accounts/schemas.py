from pydantic import BaseModel, EmailStr, Field, field_validator

from service.core.schemas import DbId, Input, LocalDatetime, ReadModel
from service.identity.models import Language, Role
from service.identity.phone import normalise_phone

# Only the upper bound here (it caps what is hashed); what makes a password acceptable is
# service/identity/passwords.py, refused as 422 ``weak_password`` with the reason.
_WHAT_IS_ACCEPTED = (
    "At most 128 characters; at least 8 (15 for staff). Refused (422 weak_password, the reason in "
    "errors[0].code): only whitespace, common or breached, one character or block repeated, a run "
    "(12345678, abcdefgh, qwertyui), or containing the phone number, the username or the service's name."
)
Password = Field(max_length=128, description=_WHAT_IS_ACCEPTED)


class PhoneNumber(Input):
    phone: str = Field(description="Vietnamese mobile number, e.g. 0912345678 or +84912345678")

    @field_validator("phone")
    @classmethod
    def _normalise(cls, value: str) -> str:
        phone = normalise_phone(value)
        if phone is None:
            raise ValueError("not a Vietnamese mobile number / không phải số di động Việt Nam")
        return phone


class RegisterRequest(PhoneNumber):
    password: str = Password
    full_name: str = Field(min_length=1, max_length=120)
    language: Language = Language.vi
    claim_code: str | None = Field(
        default=None,
        pattern=r"^\d{6}$",
        description="Only for a phone staff took a report for (hotline, walk-in): the 6-digit code they gave the "
        "caller, which makes the account and its reports theirs",
    )


class TokenPair(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int = Field(description="Access token lifetime in seconds")
    refresh_token: str
    refresh_expires_in: int = Field(description="Refresh token lifetime in seconds")


class RefreshRequest(Input):
    refresh_token: str = Field(min_length=1, max_length=200)


class UnitBrief(ReadModel):
    id: int
    code: str
    name: str
    name_en: str


class UserRead(ReadModel):
    id: int
    username: str
    phone: str | None
    email: str | None
    full_name: str
    role: Role
    language: Language
    is_active: bool
    unit: UnitBrief | None = None
    last_login_at: LocalDatetime | None
    created_at: LocalDatetime


class MeUpdate(Input):
    full_name: str | None = Field(default=None, min_length=1, max_length=120)
    language: Language | None = None
    email: EmailStr | None = None


class UserCreate(Input):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9._\-]*$")
    full_name: str = Field(min_length=1, max_length=120)
    password: str = Password
    role: Role
    unit_id: DbId | None = None
    phone: str | None = None
    email: EmailStr | None = None
    language: Language = Language.vi

    @field_validator("phone")
    @classmethod
    def _normalise(cls, value: str | None) -> str | None:
        return PhoneNumber(phone=value).phone if value is not None else None


class UserUpdate(Input):
    full_name: str | None = Field(default=None, min_length=1, max_length=120)
    role: Role | None = None
    unit_id: DbId | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, max_length=128, description=_WHAT_IS_ACCEPTED)
    email: EmailStr | None = None
    language: Language | None = None
