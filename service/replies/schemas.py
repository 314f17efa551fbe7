"""Reply templates as the admin API takes and shows them, and filled in for a report."""

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from service.core.schemas import VISIBLE, Input, LocalDatetime
from service.replies.models import ReplyPurpose

# Filled in, a body must still fit the fields it goes into (a question takes 2,000 characters).
BODY_MAX = 1500
HELP = "Placeholders: {code}, {category}, {unit}, {due}, {ward}; write {{ and }} for a brace."
# Words that show (service/core/schemas.py, VisibleText), measured once stripped.
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=120), VISIBLE]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=BODY_MAX), VISIBLE]


class ReplyTemplateCreate(Input):
    title: Title = Field(description="What officers pick it by")
    purpose: ReplyPurpose = Field(description="result: what was done (resolve); question: a question to the citizen")
    category_code: str | None = Field(default=None, max_length=40, description="None: for every category")
    body_vi: Body = Field(description=f"Vietnamese. {HELP}")
    body_en: Body = Field(description=f"English. {HELP}")
    is_active: bool = True


class ReplyTemplateUpdate(Input):
    title: Title | None = None
    purpose: ReplyPurpose | None = None
    category_code: str | None = Field(default=None, max_length=40, description="null: for every category")
    body_vi: Body | None = Field(default=None, description=HELP)
    body_en: Body | None = Field(default=None, description=HELP)
    is_active: bool | None = None


class ReplyTemplateRead(BaseModel):
    id: int
    title: str
    purpose: ReplyPurpose
    category_code: str | None = Field(description="None: for every category")
    body_vi: str
    body_en: str
    is_active: bool
    created_at: LocalDatetime
    updated_at: LocalDatetime


class FilledReply(BaseModel):
    id: int
    title: str
    purpose: ReplyPurpose
    category_code: str | None = Field(description="None: a template for every category")
    text_vi: str = Field(description="Filled in for the report, in Vietnamese, for the officer to edit")
    text_en: str = Field(description="The same in English")
