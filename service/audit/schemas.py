from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field

from service.core.schemas import LocalDatetime, ReadModel


class AuditEventRead(ReadModel):
    id: int
    at: LocalDatetime
    actor_id: int | None = Field(description="None for the system or an unidentified caller")
    actor_role: str = Field(description="The actor's role at the time, or `system` / `anonymous`")
    actor_name: str | None = None
    action: str = Field(description="`<object_type>.<what happened>`, e.g. `complaint.transferred`, `auth.login`")
    object_type: str
    object_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None = Field(description="The request's `X-Request-ID`: find it in the logs")
    client_address: str | None
    hash: str = Field(description="This event's link in the hash chain (`phananh audit-verify`)")


class AuditPage(BaseModel):
    items: list[AuditEventRead]
    next_cursor: int | None = Field(description="Pass as ``cursor`` for the next page; null on the last")


# Paging the trail: by event id, past the previous page's last.
Cursor = Annotated[int | None, Query(ge=0, le=2**63 - 1, description="``next_cursor`` of the previous page")]
Limit = Annotated[int, Query(ge=1, le=200)]
