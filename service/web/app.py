"""Mounting the console on the app: its static files, its pages, and how it answers a
missing login or a page the user may not open."""

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from service.web import admin, intake, ioc, reports
from service.web import router as pages
from service.web import session as cookies


def install(app: FastAPI) -> None:
    """Mount the console: its static files, its pages, and how it answers a missing login."""
    app.mount("/web/static", StaticFiles(directory=pages.HERE / "static"), name="web-static")
    app.include_router(pages.router)
    app.include_router(reports.router)
    app.include_router(intake.router)
    app.include_router(admin.router)
    app.include_router(ioc.router)

    @app.exception_handler(pages.LoginRequired)
    async def _login(request: Request, exc: pages.LoginRequired) -> Response:
        target = "/web/refresh" if request.cookies.get(cookies.REFRESH_COOKIE) else "/web/login"
        return RedirectResponse(f"{target}?next={quote(exc.next_url)}", status_code=303)

    @app.exception_handler(pages.PageRefused)
    async def _refused(request: Request, exc: pages.PageRefused) -> Response:
        return exc.page
