"""The IOC dashboard's pages: one page of panels (figures, tables, map, charts), each panel's
context built by its own module, and the fragments the live stream refreshes."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from service.core.database import SessionDep
from service.identity.models import User
from service.ioc import router as ioc_api
from service.ioc.policies import ioc_scope
from service.web import ioc_charts, ioc_map, ioc_tables
from service.web.policies import Page
from service.web.router import page_user, render

router = APIRouter(prefix="/web", include_in_schema=False)

IocUser = Annotated[User, Depends(page_user(Page.ioc))]


@router.get("/ioc")
def ioc_page(request: Request, user: IocUser, session: SessionDep) -> Response:
    return render(
        request,
        "ioc.html",
        user=user,
        summary=ioc_api.summary(scope=ioc_scope(user), session=session),
        **ioc_tables.context(session=session, user=user, request=request),
        **ioc_map.context(session=session, user=user, request=request),
        **ioc_charts.context(session=session, user=user, request=request),
    )


@router.get("/ioc/summary")
def ioc_summary(request: Request, user: IocUser, session: SessionDep) -> Response:
    # Refreshed on every change a dashboard hears of: the tiles' figures only.
    summary = ioc_api.summary(scope=ioc_scope(user), session=session)
    return render(request, "_ioc_summary.html", user=user, summary=summary)
