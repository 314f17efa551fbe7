"""Reply templates as the admin API takes and shows them, and filled in for a report."""

from pydantic import BaseModel, Field

from service.core.schemas import Input, LocalDatetime
from service.replies.models import ReplyPurpose

# Filled in, a body must still fit the fields it goes into (a question takes 2,000 characters).
BODY_MAX = 1500
HELP = "Placeholders: {code}, {category}, {unit}, {due}, {ward}; write {{ and }} for a brace."


class ReplyTemplateCreate(Input):
    title: str = Field(min_length=3, max_length=120, description="What officers pick it by")
    purpose: ReplyPurpose = Field(description="result: what was done (resolve); question: a question to the citizen")
    category_code: str | None = Field(default=None, max_length=40, description="None: for every category")
    body_vi: str = Field(min_length=3, max_length=BODY_MAX, description=f"Vietnamese. {HELP}")
    body_en: str = Field(min_length=3, max_length=BODY_MAX, description=f"English. {HELP}")
    is_active: bool = True


class ReplyTemplateUpdate(Input):
    title: str | None = Field(default=None, min_length=3, max_length=120)
    purpose: ReplyPurpose | None = None
    category_code: str | None = Field(default=None, max_length=40, description="null: for every category")
    body_vi: str | None = Field(default=None, min_length=3, max_length=BODY_MAX, description=HELP)
    body_en: str | None = Field(default=None, min_length=3, max_length=BODY_MAX, description=HELP)
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
