"""`/api/v1/ioc/monthly-reports`: the monthly report's PDF, made on demand and listed."""

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from service.core.database import SessionDep
from service.core.errors import NotAuthenticated, PermissionDenied, responses
from service.core.timeutil import utcnow
from service.identity.models import User
from service.identity.policies import CurrentUser
from service.ioc import monthly
from service.ioc.models import MonthlyReport, ReportScope

router = APIRouter(
    prefix="/api/v1/ioc/monthly-reports", tags=["ioc"], responses=responses(NotAuthenticated, PermissionDenied)
)


def monthly_reader(user: CurrentUser) -> User:
    if not monthly.may_read(user.role):
        raise PermissionDenied()
    return user


MonthlyReader = Annotated[User, Depends(monthly_reader)]
MonthText = Annotated[str, Query(max_length=7, description="YYYY-MM, Vietnam's calendar", examples=["2026-11"])]


class MonthlyReportRead(BaseModel):
    month: str  # YYYY-MM
    scope: ReportScope
    created_at: datetime
    # None: made by beat at the start of the month.
    created_by: int | None
    size_bytes: int
    download_url: str

    @classmethod
    def of(cls, report: MonthlyReport) -> "MonthlyReportRead":
        month = f"{report.month:%Y-%m}"
        return cls(
            month=month,
            scope=report.scope,
            created_at=report.created_at,
            created_by=report.created_by,
            size_bytes=report.size_bytes,
            download_url=f"/api/v1/ioc/monthly-reports/{month}.pdf",
        )


@router.get("", response_model=list[MonthlyReportRead])
def list_monthly_reports(user: MonthlyReader, session: SessionDep):
    """The monthly reports kept, the newest month first. Dispatchers and admins only."""
    return [MonthlyReportRead.of(report) for report in monthly.listed(session=session)]


@router.post(
    "",
    status_code=201,
    response_model=MonthlyReportRead,
    responses=responses(monthly.InvalidMonth, monthly.MonthNotStarted),
)
def make_monthly_report(user: MonthlyReader, session: SessionDep, month: MonthText):
    """Make the month's report now (a few seconds), replacing one made before; the current
    month's holds its figures so far. Beat makes last month's on the 1st at 01:00."""
    report = monthly.make(session=session, month=monthly.parse_month(month), now=utcnow(), created_by=user.id)
    return MonthlyReportRead.of(report)


@router.get(
    "/{month}.pdf",
    response_class=Response,
    responses={
        200: {"content": {monthly.MEDIA_TYPE: {}}},
        **responses(monthly.InvalidMonth, monthly.MonthlyReportNotFound),
    },
)
def download_monthly_report(user: MonthlyReader, session: SessionDep, month: str) -> Response:
    """The month's report as PDF (Vietnamese), as last made."""
    first: date = monthly.parse_month(month)
    return Response(
        monthly.pdf_bytes(session=session, month=first),
        media_type=monthly.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="bao-cao-thang-{first:%Y-%m}.pdf"'},
    )
