"""The FastAPI application: routers of every domain, one error format."""

import logging

from fastapi import FastAPI

from service.accounts.router import admin_users_router, auth_router, me_router
from service.areas.router import router as areas_router
from service.categories.router import admin_router as admin_categories_router
from service.categories.router import router as categories_router
from service.core.errors import install_error_handlers
from service.core.settings import get_settings
from service.health.router import router as health_router
from service.intake.router import router as complaints_router
from service.media.router import router as photos_router
from service.units.router import admin_router as admin_units_router

API_DESCRIPTION = """
PhanAnh — dịch vụ phản ánh hiện trường / citizen field-reporting service.

Every error has the same JSON body: a stable machine `code`, a Vietnamese `message`,
its English twin `message_en`, and the `field` (or file) at fault.
Times are ISO 8601 in Asia/Ho_Chi_Minh (+07:00).
"""


def create_app() -> FastAPI:
    settings = get_settings()
    settings.check_production_safety()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = FastAPI(title="PhanAnh API", version="1.0.0", description=API_DESCRIPTION)
    install_error_handlers(app)
    for router in (
        health_router,
        auth_router,
        me_router,
        categories_router,
        areas_router,
        complaints_router,
        photos_router,
        admin_users_router,
        admin_units_router,
        admin_categories_router,
    ):
        app.include_router(router)
    return app


app = create_app()
