"""The FastAPI application: routers of every domain, one error format."""

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, RedirectResponse

import service.receivers  # noqa: F401  what a recorded line sets off, connected before any request
from service.accounts.router import admin_users_router, auth_router, me_router
from service.areas.admin import router as admin_areas_router
from service.areas.router import router as areas_router
from service.audit.router import router as audit_router
from service.categories.router import admin_router as admin_categories_router
from service.categories.router import router as categories_router
from service.core.errors import COMMON_RESPONSES, install_error_handlers
from service.core.headers import SecurityHeadersMiddleware
from service.core.limits import BodyLimitMiddleware
from service.core.request_context import RequestContextMiddleware
from service.core.settings import get_settings
from service.health.router import router as health_router
from service.identity.policies import ACCESS_COOKIE
from service.intake.router import router as complaints_router
from service.intake.schemas import ComplaintSubmission
from service.ioc.monthly_router import router as ioc_monthly_router
from service.ioc.router import router as ioc_router
from service.maps.router import router as maps_router
from service.media.router import router as photos_router
from service.notifications.router import router as notifications_router
from service.replies.router import admin_router as admin_replies_router
from service.replies.router import router as replies_router
from service.reports.router import router as report_records_router
from service.routing.admin import router as admin_routing_router
from service.sla.router import admin_router as admin_sla_router
from service.sla.router import router as sla_router
from service.units.router import admin_router as admin_units_router
from service.web.app import install as install_console
from service.workflow.router import queue_router as dispatch_router
from service.workflow.router import router as actions_router
from service.workflow.router import work_router as queue_router

API_DESCRIPTION = """
PhanAnh — dịch vụ phản ánh hiện trường / citizen field-reporting service.

Every error has the same JSON body: a stable machine `code`, a Vietnamese `message`,
its English twin `message_en`, and the `field` (or file) at fault.
Times are ISO 8601 in Asia/Ho_Chi_Minh (+07:00).
"""


def _document_form_parts(app: FastAPI) -> None:
    """Add the models of JSON parts sent inside multipart forms (see intake/router.py)
    to the OpenAPI components, where FastAPI would not put them by itself."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        parts = ComplaintSubmission.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(parts.pop("$defs", {}))
        components["ComplaintSubmission"] = parts
        # Where a route spells out its form (openapi_extra), the generated form model it
        # was merged with goes, and so does that model.
        for operations in schema["paths"].values():
            for operation in operations.values():
                for media in operation.get("requestBody", {}).get("content", {}).values():
                    form = media.get("schema", {})
                    if "$ref" in form and "properties" in form:
                        components.pop(form.pop("$ref").rsplit("/", 1)[1], None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


SWAGGER_UI = "/web/static/vendor/swagger-ui"  # swagger-ui-dist, vendored (web/static/vendor/README.md)


def _install_front_pages(app: FastAPI) -> None:
    """``/`` on to the console, and Swagger UI at ``/docs`` from our own copy rather than
    FastAPI's CDN, so the docs open where nothing but this server is reachable. ReDoc is off
    (``redoc_url=None``): one viewer is enough, and it would need a second vendored bundle."""
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        # The console sends whoever is not logged in on to its login page.
        return RedirectResponse("/web/", status_code=303)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER_UI}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER_UI}/favicon-32x32.png",
            oauth2_redirect_url=oauth2_redirect_url,
        )

    @app.get(oauth2_redirect_url, include_in_schema=False)
    async def swagger_ui_oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # What is imported and built by now lives as long as the process: it is set aside from
    # the garbage collector, whose full sweeps otherwise walked it all every few requests,
    # ~100-200 ms each time on a call that makes many objects (the wards' outlines at a
    # million reports: one call in seven; bench/README.md, the dashboard). Once a process:
    # a test run starting the app again would freeze each test's leftovers for good.
    if not gc.get_freeze_count():
        gc.collect()
        gc.freeze()
    yield


def create_app() -> FastAPI:
    settings = get_settings()
    settings.check_production_safety()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = FastAPI(
        title="PhanAnh API",
        version="1.0.0",
        description=API_DESCRIPTION,
        responses=COMMON_RESPONSES,
        docs_url=None,  # served by _install_front_pages, from the vendored Swagger UI
        redoc_url=None,
        lifespan=_lifespan,
    )
    install_error_handlers(app)
    # Innermost first: bodies are bounded before anything reads them; the request id and
    # the security headers go on every answer, a refused body's included.
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_upload_body_bytes=settings.max_upload_body_bytes,
        max_json_depth=settings.max_json_depth,
        credential_cookie=ACCESS_COOKIE,
    )
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, https_only=settings.is_production)
    _document_form_parts(app)
    _install_front_pages(app)
    for router in (
        health_router,
        auth_router,
        me_router,
        categories_router,
        areas_router,
        complaints_router,
        actions_router,
        dispatch_router,
        queue_router,
        sla_router,
        photos_router,
        admin_users_router,
        admin_units_router,
        admin_categories_router,
        admin_routing_router,
        admin_sla_router,
        admin_replies_router,
        replies_router,
        admin_areas_router,
        report_records_router,
        audit_router,
        notifications_router,
        ioc_router,
        ioc_monthly_router,
        maps_router,
    ):
        app.include_router(router)
    install_console(app)
    return app


app = create_app()
