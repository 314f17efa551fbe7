"""One clock per request: a request takes the time once and passes it down, so a report's
arrival, its timeline lines and the start of its deadlines are the same moment. (Tasks
take ``utcnow()`` once at their start and pass it down the same way.)"""

from datetime import datetime
from typing import Annotated

from fastapi import Depends

from service.core.timeutil import utcnow


def request_time() -> datetime:
    # FastAPI runs a dependency once per request and hands every user the same value.
    return utcnow()


RequestTime = Annotated[datetime, Depends(request_time)]
