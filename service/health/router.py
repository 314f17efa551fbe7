"""Liveness and readiness for the process supervisor and the load balancer."""

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from service.core.database import get_engine
from service.core.redis import get_redis
from service.health import repository

router = APIRouter(tags=["health"])


class Check(BaseModel):
    ok: bool
    detail: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, Check]


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up. Says nothing about its dependencies (see /readyz)."""
    return {"status": "ok"}


def _check_database() -> Check:
    try:
        with get_engine().connect() as connection:
            version = repository.postgis_version(connection)
        return Check(ok=True, detail=f"PostGIS {version}")
    except Exception as exc:  # any failure means "not ready", and says why
        return Check(ok=False, detail=f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")


def _check_redis() -> Check:
    try:
        get_redis().ping()
        return Check(ok=True, detail="PONG")
    except Exception as exc:
        return Check(ok=False, detail=f"{type(exc).__name__}: {str(exc)[:200]}")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz() -> Any:
    """Ready to serve: PostgreSQL answers with PostGIS, and the Redis broker answers.
    503 names the failing part."""
    checks = {"database": _check_database(), "redis": _check_redis()}
    ready = all(check.ok for check in checks.values())
    body = Readiness(status="ready" if ready else "unavailable", checks=checks)
    if ready:
        return body
    failing = [name for name, check in checks.items() if not check.ok]
    return JSONResponse(
        status_code=503,
        content={
            **body.model_dump(),
            "code": "not_ready",
            "message": f"Dịch vụ chưa sẵn sàng: {', '.join(failing)}",
            "message_en": f"Not ready: {', '.join(failing)}",
            "field": failing[0],
        },
    )
